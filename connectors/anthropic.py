"""Anthropic Admin API: Claude Code usage (one call per day) and the organization cost report.

Connection: host = API base (https://api.anthropic.com), password = Admin API key (`sk-ant-admin…`; standard
keys are refused), optional extra.start_date (first day on the first run; default 28 days back) and
extra.lookback_days (days re-pulled on every later run for late data; default 3). Every call sends
`x-api-key` and `anthropic-version: 2023-06-01`.

claude_code: `starting_at=YYYY-MM-DD` returns that single UTC day, paged with limit/page/next_page/has_more.
Records land unchanged. Their primary key is (date, actor.type, actor.email_address, actor.api_key_name,
terminal_type, is_remote): remote sessions are separate rows, and an actor is either an OAuth user (email)
or an API key (name only). Only complete days are requested.

cost_report: daily buckets (`bucket_width=1d`) grouped by workspace and description, landed one bucket per
record (primary key `starting_at`). `amount` is a decimal string in cents; staging converts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient
from connectors.pagination import has_more_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "anthropic"
API_VERSION = "2023-06-01"
CLAUDE_CODE_PAGE_LIMIT = 1000  # the documented maximum
COST_PAGE_LIMIT = 31
COST_GROUP_BY = ["workspace_id", "description"]


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    key = conn.password or ""
    return VendorHttpClient(
        vendor="Anthropic",
        base_url=conn.host or "https://api.anthropic.com",
        headers={"x-api-key": key, "anthropic-version": API_VERSION},
        secrets=(key,),
        hints={
            401: "the Admin API key is invalid or revoked; an org admin creates one in the Console (sk-ant-admin…)",
            403: "the key is not an Admin API key, or the organization cannot use the Admin API",
            404: "the endpoint does not exist at this base URL",
        },
        settings={"lookback_days": 3, "claude_code_page_limit": CLAUDE_CODE_PAGE_LIMIT, **conn.extra},
        **overrides,
    )


def days_to_fetch(settings, cursor: str | None, today: date) -> list[date]:
    """Complete UTC days to pull: from the start date, or re-pull the lookback window after the cursor."""
    last = today - timedelta(days=1)
    if cursor:
        first = date.fromisoformat(cursor) - timedelta(days=max(1, int(settings["lookback_days"])) - 1)
    elif settings.get("start_date"):
        first = date.fromisoformat(str(settings["start_date"]))
    else:
        first = last - timedelta(days=27)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _extract_claude_code(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    days = days_to_fetch(client.settings, ctx.cursor_before, datetime.now(UTC).date())
    if days:
        ctx.window_start, ctx.window_end = days[0].isoformat(), days[-1].isoformat()
    limit = int(client.settings["claude_code_page_limit"])
    for day in days:
        params = {"starting_at": day.isoformat(), "limit": limit}
        for records in has_more_pages(client, "v1/organizations/usage_report/claude_code", params):
            yield Page(records, cursor=day.isoformat())


def _extract_cost_report(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    days = days_to_fetch(client.settings, ctx.cursor_before, datetime.now(UTC).date())
    if not days:
        return
    ctx.window_start, ctx.window_end = days[0].isoformat(), days[-1].isoformat()
    params = {"starting_at": f"{days[0].isoformat()}T00:00:00Z",
              "ending_at": f"{(days[-1] + timedelta(days=1)).isoformat()}T00:00:00Z",
              "bucket_width": "1d", "group_by[]": COST_GROUP_BY, "limit": COST_PAGE_LIMIT}
    for buckets in has_more_pages(client, "v1/organizations/cost_report", params):
        starts = [str(b.get("starting_at"))[:10] for b in buckets if isinstance(b, dict) and b.get("starting_at")]
        yield Page(buckets, cursor=max(starts) if starts else None)


CLAUDE_CODE = Stream(
    source=SOURCE,
    name="claude_code",
    primary_key=("date", "actor.type", "actor.email_address", "actor.api_key_name", "terminal_type", "is_remote"),
    disposition="merge",
    extract=_extract_claude_code,
    description="Claude Code usage per day, actor, terminal and local/remote (one call per UTC day).",
)
COST_REPORT = Stream(
    source=SOURCE,
    name="cost_report",
    primary_key=("starting_at",),
    disposition="merge",
    extract=_extract_cost_report,
    description="Daily cost buckets grouped by workspace and description; amounts are decimal strings in cents.",
)
STREAMS = (CLAUDE_CODE, COST_REPORT)
