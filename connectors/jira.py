"""Jira Cloud: issues with their full status history, users, and statuses (for status categories).

Connection: host = site URL (https://<site>.atlassian.net), login = the API token owner's email,
password = API token (Basic `<email>:<token>`), optional extra.projects (list of project keys),
extra.start_days_ago (first sync window; default 365), extra.lookback_minutes (re-read overlap; default 60).

Issues come from the enhanced search (`/rest/api/3/search/jql`, the old `/search` is removed): JQL with
the cursor as epoch milliseconds (a zone-less JQL date would be read in the API user's time zone),
ordered by `updated`, explicit `fields` (the default is ids only) and `expand=changelog`. The embedded
changelog is cut short on busy issues; when `total` exceeds what was embedded, the full history is
fetched from `/rest/api/3/issue/{key}/changelog` and the issue lands with every history.
Status categories are keyed by id (2 new, 4 in progress, 3 done); names are renamable, ids are not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

from requests.auth import HTTPBasicAuth

from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError
from connectors.http import VendorHttpClient
from connectors.pagination import next_page_token_pages, start_at_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "jira"
ISSUE_FIELDS = (
    "summary", "status", "issuetype", "assignee", "reporter", "created", "updated", "resolutiondate",
    "resolution", "statuscategorychangedate", "priority", "labels", "parent", "project",
)
SEARCH_PAGE_SIZE = 100  # Jira returns at most 100 issues per page when fields are requested
CHANGELOG_PAGE_SIZE = 100
USERS_PAGE_SIZE = 1000


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    return VendorHttpClient(
        vendor="Jira",
        base_url=conn.host,
        auth=HTTPBasicAuth(conn.login or "", conn.password or ""),
        headers={"Accept": "application/json"},
        secrets=(conn.password or "",),
        hints={
            400: "Jira rejected the request (check extra.projects and the JQL in the message)",
            401: f"the API token for {conn.login} was rejected; check the email and token (Basic email:token)",
            403: f"{conn.login} lacks the 'Browse projects' or 'Browse users and groups' permission",
            404: "the site or the endpoint does not exist; check the connection host",
        },
        settings={"start_days_ago": 365, "lookback_minutes": 60, "projects": None, **conn.extra},
        **overrides,
    )


def parse_jira_time(value: str) -> datetime:
    """Jira sends `2024-05-03T16:20:11.123+0000` (offset without a colon)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def _epoch_ms(value: str) -> int:
    return int(parse_jira_time(value).timestamp() * 1000)


def search_jql(client: VendorHttpClient, cursor_ms: int | None) -> tuple[str, int]:
    """The JQL for one run and the epoch-ms bound it starts from."""
    if cursor_ms is not None:
        since = int(cursor_ms) - int(client.settings["lookback_minutes"]) * 60_000
    else:
        since = int((time.time() - int(client.settings["start_days_ago"]) * 86_400) * 1000)
    clauses = [f"updated >= {since}"]
    projects = client.settings.get("projects")
    if projects:
        keys = [projects] if isinstance(projects, str) else list(projects)
        clauses.append("project in (" + ", ".join(f'"{k}"' for k in keys) + ")")
    return " AND ".join(clauses) + " ORDER BY updated ASC", since


def full_changelog(client: VendorHttpClient, issue_key: str, expected_total: int) -> list[dict]:
    histories: list[dict] = []
    path = f"rest/api/3/issue/{issue_key}/changelog"
    for page in start_at_pages(client, path, None, "values", CHANGELOG_PAGE_SIZE):
        histories.extend(page)
    if len(histories) < expected_total:
        raise MalformedResponseError(
            f"Jira changelog of {issue_key} ended after {len(histories)} of {expected_total} histories. "
            "Nothing from this batch was landed; rerun the extraction."
        )
    return histories


def _extract_issues(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    jql, since = search_jql(client, ctx.cursor_before)
    ctx.window_start = datetime.fromtimestamp(since / 1000, UTC).isoformat()
    params = {"jql": jql, "fields": ",".join(ISSUE_FIELDS), "expand": "changelog", "maxResults": SEARCH_PAGE_SIZE}
    high_water = ctx.cursor_before
    for issues in next_page_token_pages(client, "rest/api/3/search/jql", params, "issues"):
        for issue in issues:
            changelog = issue.get("changelog") or {}
            histories = changelog.get("histories") or []
            total = int(changelog.get("total") or 0)
            if total > len(histories):
                # the embedded history is truncated: land the issue with its complete one
                full = full_changelog(client, issue["key"], total)
                issue["changelog"] = {"startAt": 0, "maxResults": len(full), "total": len(full), "histories": full}
                ctx.notes["changelogs_fetched"] = ctx.notes.get("changelogs_fetched", 0) + 1
            updated = (issue.get("fields") or {}).get("updated")
            if not updated:
                raise MalformedResponseError(f"Jira issue {issue.get('key')} came without fields.updated.")
            high_water = max(high_water or 0, _epoch_ms(updated))
        yield Page(issues, cursor=high_water)


def _extract_users(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    for users in start_at_pages(client, "rest/api/3/users/search", None, None, USERS_PAGE_SIZE):
        yield Page(users)


def _extract_statuses(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    body = client.get_json("rest/api/3/status")
    if not isinstance(body, list):
        raise MalformedResponseError("Jira /rest/api/3/status did not return a JSON array.")
    yield Page(body)


ISSUES = Stream(
    source=SOURCE,
    name="issues",
    primary_key=("id",),
    disposition="merge",
    extract=_extract_issues,
    description="Issues updated since the cursor (epoch ms, minus a lookback), each with its complete changelog.",
)
USERS = Stream(
    source=SOURCE,
    name="users",
    primary_key=("accountId",),
    disposition="snapshot",
    extract=_extract_users,
    description="All accounts (accountId, accountType, displayName; emailAddress when the profile shows it).",
)
STATUSES = Stream(
    source=SOURCE,
    name="statuses",
    primary_key=("id",),
    disposition="snapshot",
    extract=_extract_statuses,
    description="Workflow statuses with their status category, to read changelog status ids by category.",
)
STREAMS = (ISSUES, USERS, STATUSES)
