"""What every GitHub REST source shares: the client (token, media type, API version, 401 hint)."""

from __future__ import annotations

from connectors.budget import budget_from_settings, budgets
from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient, bearer_auth

API_VERSION = "2022-11-28"
# GitHub's primary limit for a personal or app token: 5,000 requests an hour
RATE_LIMIT = (5000, 3600)


def make_github_client(conn: ConnectionConfig, hints: dict[int, str], defaults: dict, **overrides) -> VendorHttpClient:
    """A GitHub client for conn (host = API base, password = token); hints add the source's own 403/404/422."""
    settings = {**defaults, **conn.extra}
    return VendorHttpClient(
        vendor="GitHub",
        base_url=conn.host or "https://api.github.com",
        auth=bearer_auth(conn.password or ""),
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
        secrets=(conn.password or "",),
        hints={401: "the token is invalid or expired", **hints},
        settings=settings,
        budgets=budgets(budget_from_settings(settings, RATE_LIMIT)),
        **overrides,
    )
