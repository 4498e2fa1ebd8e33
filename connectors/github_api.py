"""What every GitHub source shares: the client (token, media type, API version, 401 hint, request budgets)."""

from __future__ import annotations

from connectors.budget import budget_from_settings, budgets
from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient, bearer_auth

API_VERSION = "2022-11-28"
# GitHub's primary limit for a personal or app token: 5,000 REST requests an hour
RATE_LIMIT = (5000, 3600)
# and, apart from it, 5,000 GraphQL points an hour. A query's points are the connections it may visit
# divided by 100, at least 1: the review queries (50 pull requests x 100 reviews, or one pull request's
# reviews) cost 1 point each, so a budget of requests is a budget of points here.
GRAPHQL_RATE_LIMIT = (5000, 3600)


def graphql_url(base_url: str) -> str:
    """GitHub's GraphQL endpoint for a REST API base: https://api.github.com -> https://api.github.com/graphql;
    GitHub Enterprise Server https://<host>/api/v3 -> https://<host>/api/graphql."""
    base = base_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def make_github_client(conn: ConnectionConfig, hints: dict[int, str], defaults: dict, **overrides) -> VendorHttpClient:
    """A GitHub client for conn (host = API base, password = token); hints add the source's own 403/404/422.

    Two budgets, as GitHub counts them: REST requests (extra.requests_per_window / window_seconds) and GraphQL
    points (extra.graphql_requests_per_window / graphql_window_seconds); `0` turns one off."""
    settings = {**defaults, **conn.extra}
    return VendorHttpClient(
        vendor="GitHub",
        base_url=conn.host or "https://api.github.com",
        auth=bearer_auth(conn.password or ""),
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
        secrets=(conn.password or "",),
        hints={401: "the token is invalid or expired", **hints},
        settings=settings,
        budgets=budgets(budget_from_settings(settings, RATE_LIMIT, path_excludes="/graphql"),
                        budget_from_settings(settings, GRAPHQL_RATE_LIMIT, "graphql_", "/graphql")),
        **overrides,
    )
