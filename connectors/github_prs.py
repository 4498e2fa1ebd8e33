"""GitHub pull requests and their reviews for every repository of an org (REST).

Connection: host = API base (https://api.github.com), password = token (fine-grained "Pull requests: read"
and "Metadata: read" on the org's repositories, or classic `repo`), extra.org, optional
extra.start_days_ago (first sync of pull requests; default 180), extra.reviews_start_days_ago (first
sync of reviews, one call per pull request; default 30) and extra.lookback_hours (re-read overlap;
default 24).

The pulls list has no `since` filter: each repository is walked `state=closed&sort=updated&direction=desc`
with `Link` paging, and the walk stops at the first page that reaches pull requests updated before the
cursor minus the lookback. Records land unchanged; the repository is in each record's `url` and `base.repo`.
Reviews are a stream of their own (one call per merged pull request in the window); each review carries
`pull_request_url`, so staging can take the first review of each pull request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from connectors.config import ConnectionConfig
from connectors.github_api import make_github_client
from connectors.http import VendorHttpClient
from connectors.pagination import link_header_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "github"


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    org = conn.require_extra("org")
    hints = {
        403: f"the token cannot read pull requests of org {org} (needs 'Pull requests: read' and "
        "'Metadata: read', or classic 'repo'), or SSO has not authorised it for the org",
        404: f"org {org} or one of its repositories is not visible to this token",
        422: "GitHub refused the list parameters",
    }
    defaults = {"start_days_ago": 180, "reviews_start_days_ago": 30, "lookback_hours": 24}
    return make_github_client(conn, hints, defaults, **overrides)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _since(client: VendorHttpClient, cursor: str | None, first_sync_days_key: str) -> datetime:
    if cursor:
        return _parse(cursor) - timedelta(hours=float(client.settings["lookback_hours"]))
    return datetime.now(UTC) - timedelta(days=float(client.settings[first_sync_days_key]))


def org_repos(client: VendorHttpClient) -> list[dict]:
    path = f"orgs/{client.settings['org']}/repos"
    return [repo for page in link_header_pages(client, path, {"per_page": 100, "type": "all"}, None)
            for repo in page]


def closed_pulls_since(client: VendorHttpClient, repo: dict, since: datetime) -> Iterator[list[dict]]:
    """Closed pull requests of one repository updated at/after `since`, newest update first, page by page."""
    params = {"state": "closed", "sort": "updated", "direction": "desc", "per_page": 100}
    for page in link_header_pages(client, f"repos/{repo['full_name']}/pulls", params, None):
        fresh = [pr for pr in page if _parse(pr["updated_at"]) >= since]
        yield fresh
        if len(fresh) < len(page):
            return  # the rest is older than the window (the list is sorted by updated_at, descending)


def _extract_pull_requests(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    since = _since(client, ctx.cursor_before, "start_days_ago")
    ctx.window_start = since.isoformat()
    high_water = ctx.cursor_before
    for repo in org_repos(client):
        for pulls in closed_pulls_since(client, repo, since):
            for pr in pulls:
                if high_water is None or _parse(pr["updated_at"]) > _parse(high_water):
                    high_water = pr["updated_at"]
            yield Page(pulls, cursor=high_water)


def _extract_reviews(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    since = _since(client, ctx.cursor_before, "reviews_start_days_ago")
    ctx.window_start = since.isoformat()
    high_water = ctx.cursor_before
    for repo in org_repos(client):
        for pulls in closed_pulls_since(client, repo, since):
            for pr in pulls:
                if high_water is None or _parse(pr["updated_at"]) > _parse(high_water):
                    high_water = pr["updated_at"]
                if not pr.get("merged_at"):
                    continue
                path = f"repos/{repo['full_name']}/pulls/{pr['number']}/reviews"
                reviews = [r for page in link_header_pages(client, path, {"per_page": 100}, None) for r in page]
                yield Page(reviews, cursor=high_water)
        yield Page([], cursor=high_water)


PULL_REQUESTS = Stream(
    source=SOURCE,
    name="pull_requests",
    primary_key=("id",),
    disposition="merge",
    extract=_extract_pull_requests,
    description="Closed pull requests (merged or not) of every org repository, updated since the cursor.",
)
PULL_REQUEST_REVIEWS = Stream(
    source=SOURCE,
    name="pull_request_reviews",
    primary_key=("id",),
    disposition="merge",
    extract=_extract_reviews,
    description="Reviews of merged pull requests updated since the cursor (first review = review timing).",
)
STREAMS = (PULL_REQUESTS, PULL_REQUEST_REVIEWS)
