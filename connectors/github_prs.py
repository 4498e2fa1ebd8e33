"""GitHub pull requests and their reviews for every repository of an org.

Connection: host = API base (https://api.github.com; GitHub Enterprise Server https://<host>/api/v3),
password = token (fine-grained "Pull requests: read" and "Metadata: read" on the org's repositories, or
classic `repo`), extra.org, optional extra.start_days_ago (first sync of pull requests; default 180),
extra.reviews_start_days_ago (first sync of reviews; default 30), extra.lookback_hours (re-read overlap;
default 24) and extra.reviews_api (`graphql`, the default, or `rest`).

Pull requests (REST): the pulls list has no `since` filter, so each repository is walked
`state=closed&sort=updated&direction=desc` with `Link` paging, and the walk stops at the first page that
reaches pull requests updated before the cursor minus the lookback. Records land unchanged; the repository
is in each record's `url` and `base.repo`.

Reviews are a stream of their own, of merged pull requests in the window, read one of two ways:
- `graphql` (default): `POST /graphql` (GHES: `/api/graphql`; extra.graphql_url overrides it) walks each
  repository's merged pull requests, most recently updated first, 50 a request (extra.graphql_pulls_per_page)
  with their first 100 reviews (extra.graphql_reviews_per_page), and stops at the first one updated before
  the window; a pull request with more reviews gets follow-up requests for the rest. About one request per
  50 pull requests, and each costs one of the 5,000 GraphQL points an hour (a budget of its own:
  extra.graphql_requests_per_window / graphql_window_seconds). Each review node lands as GitHub returned it,
  with `databaseId` (the REST review `id`) and its `pullRequest { number url repository { nameWithOwner } }`.
- `rest`: one `GET /repos/{o}/{r}/pulls/{n}/reviews` per merged pull request in the window, each review
  with `id` and `pull_request_url`.
The stream's key is `databaseId|id` (the first the record carries): a review landed by either API has the
same key, so batches of both merge into one row per review in staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from connectors import github_graphql
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError, MalformedResponseError
from connectors.github_api import make_github_client
from connectors.http import VendorHttpClient
from connectors.pagination import link_header_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "github"
REVIEWS_APIS = ("graphql", "rest")


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    org = conn.require_extra("org")
    hints = {
        403: f"the token cannot read pull requests of org {org} (needs 'Pull requests: read' and "
        "'Metadata: read', or classic 'repo'), or SSO has not authorised it for the org",
        404: f"org {org} or one of its repositories is not visible to this token",
        422: "GitHub refused the list parameters",
    }
    defaults = {"start_days_ago": 180, "reviews_start_days_ago": 30, "lookback_hours": 24, "reviews_api": "graphql",
                "graphql_pulls_per_page": 50, "graphql_reviews_per_page": 100}
    api = str(conn.extra.get("reviews_api", defaults["reviews_api"])).lower()
    if api not in REVIEWS_APIS:
        raise ConnectorError(f"connection '{conn.conn_id}' has extra.reviews_api {api!r}; use 'graphql' (the default) "
                             "or 'rest'.")
    for key in ("graphql_pulls_per_page", "graphql_reviews_per_page"):
        size = conn.extra.get(key, defaults[key])
        if not isinstance(size, int) or not 1 <= size <= 100:
            raise ConnectorError(f"connection '{conn.conn_id}' has extra.{key} {size!r}; GitHub takes 1 to 100.")
    return make_github_client(conn, hints, {**defaults, "reviews_api": api}, **overrides)


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
    if str(client.settings.get("reviews_api", "graphql")).lower() == "rest":
        return _extract_reviews_rest(client, ctx)
    return _extract_reviews_graphql(client, ctx)


def _extract_reviews_rest(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
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


def merged_pulls_since(client: VendorHttpClient, repo: dict, since: datetime) -> Iterator[list[dict]]:
    """Merged pull requests of one repository updated at/after `since` (GraphQL nodes with their first
    reviews), newest update first, page by page."""
    owner, name = repo["full_name"].split("/", 1)
    variables = {"owner": owner, "name": name, "pulls": int(client.settings["graphql_pulls_per_page"]),
                 "reviews": int(client.settings["graphql_reviews_per_page"]), "after": None}
    seen_cursors: set[str] = set()
    while True:
        what = f"the merged pull requests of {repo['full_name']}" + (
            f" after cursor {variables['after']}" if variables["after"] else "")
        data = github_graphql.query(client, github_graphql.MERGED_PULL_REQUESTS, variables, what)
        pulls = github_graphql.field(data, "repository.pullRequests", what)
        nodes = [pr for pr in github_graphql.field(pulls, "nodes", what) or [] if pr]
        fresh = [pr for pr in nodes if _parse(github_graphql.field(pr, "updatedAt", what)) >= since]
        yield fresh
        if len(fresh) < len(nodes) or not github_graphql.field(pulls, "pageInfo.hasNextPage", what):
            return  # the rest is older than the window (the list is ordered by updatedAt, descending)
        after = github_graphql.field(pulls, "pageInfo.endCursor", what)
        if not after or after in seen_cursors:
            raise MalformedResponseError(
                f"GitHub's GraphQL API is repeating pages of {what}: it sent end cursor {after!r} again (or none "
                "with hasNextPage true); following it would land reviews twice or never end. Nothing from this "
                "batch was landed and the cursor did not move; rerun, and report it to GitHub if it persists.")
        seen_cursors.add(after)
        variables["after"] = after


def pull_request_reviews(client: VendorHttpClient, repo: dict, pr: dict) -> list[dict]:
    """Every review node of one pull request: the first page nested in the pull request, then a follow-up
    query per further page (`reviews.pageInfo.hasNextPage`)."""
    what = f"the reviews of {repo['full_name']}#{pr.get('number')}"
    reviews = github_graphql.field(pr, "reviews", what)
    found = [r for r in github_graphql.field(reviews, "nodes", what) or [] if r]
    owner, name = repo["full_name"].split("/", 1)
    seen_cursors: set[str] = set()
    while github_graphql.field(reviews, "pageInfo.hasNextPage", what):
        after = github_graphql.field(reviews, "pageInfo.endCursor", what)
        if not after or after in seen_cursors:
            raise MalformedResponseError(
                f"GitHub's GraphQL API is repeating pages of {what}: end cursor {after!r} again (or none with "
                "hasNextPage true). Nothing from this batch was landed and the cursor did not move.")
        seen_cursors.add(after)
        variables = {"owner": owner, "name": name, "number": pr["number"], "after": after,
                     "reviews": int(client.settings["graphql_reviews_per_page"])}
        data = github_graphql.query(client, github_graphql.MORE_REVIEWS, variables, f"{what} after cursor {after}")
        reviews = github_graphql.field(data, "repository.pullRequest.reviews", what)
        found += [r for r in github_graphql.field(reviews, "nodes", what) or [] if r]
    return found


def _extract_reviews_graphql(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    since = _since(client, ctx.cursor_before, "reviews_start_days_ago")
    ctx.window_start = since.isoformat()
    high_water = ctx.cursor_before
    for repo in org_repos(client):
        taken: set[int] = set()  # a pull request can reappear on a later page when others update mid-walk
        for pulls in merged_pulls_since(client, repo, since):
            reviews: list[dict] = []
            for pr in pulls:
                if high_water is None or _parse(pr["updatedAt"]) > _parse(high_water):
                    high_water = pr["updatedAt"]
                if pr.get("number") in taken:
                    continue
                taken.add(pr.get("number"))
                reviews += pull_request_reviews(client, repo, pr)
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
    # GraphQL nodes carry databaseId (= the REST review id), REST records id: one key for both
    primary_key=("databaseId|id",),
    disposition="merge",
    extract=_extract_reviews,
    description="Reviews of merged pull requests updated since the cursor (first review = review timing); "
    "GraphQL review nodes by default, REST reviews with extra.reviews_api: rest.",
)
STREAMS = (PULL_REQUESTS, PULL_REQUEST_REVIEWS)
