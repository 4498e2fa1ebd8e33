"""OpenAI Administration API: completions usage, costs and organization users.

Connection: host = API base (https://api.openai.com/v1), password = Admin API key (`sk-admin-…`, made by an
org owner; project keys get 401/403), optional extra.start_date (first day to pull on the first run;
default 28 days back) and extra.lookback_days (days re-pulled on every later run, because today's bucket is
partial and costs settle late; default 3).

Usage and costs are daily UTC buckets (`bucket_width=1d`), landed one bucket per record exactly as sent
(primary key `start_time`); a bucket without usage has `results: []`. Only complete days are requested
(`end_time` = today 00:00 UTC), so a run never lands a half day. The users list is the identity source
for usage `user_id`s; OpenAI does not document that `GET /v1/organization/users` lists every usage user.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient, bearer_auth
from connectors.pagination import after_id_pages, has_more_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "openai"
USAGE_GROUP_BY = ["user_id", "project_id", "model"]
COST_GROUP_BY = ["project_id", "line_item"]
USAGE_PAGE_LIMIT = 31   # the maximum number of 1d buckets per page
COST_PAGE_LIMIT = 180
USERS_PAGE_LIMIT = 100


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    return VendorHttpClient(
        vendor="OpenAI",
        base_url=conn.host or "https://api.openai.com/v1",
        auth=bearer_auth(conn.password or ""),
        secrets=(conn.password or "",),
        hints={
            401: "the Admin API key is invalid or revoked; create one under Organization settings > Admin keys",
            403: "the key is not an Admin API key (project keys cannot read organization usage or costs)",
            404: "the endpoint does not exist at this base URL; the host should end in /v1",
        },
        settings={"lookback_days": 3, **conn.extra},
        **overrides,
    )


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def days_to_fetch(settings, cursor: str | None, today: date) -> tuple[date, date] | None:
    """(first, last) complete UTC days to pull: from the start date, or re-pull the lookback window."""
    last = today - timedelta(days=1)
    if cursor:
        first = date.fromisoformat(cursor) - timedelta(days=max(1, int(settings["lookback_days"])) - 1)
    elif settings.get("start_date"):
        first = date.fromisoformat(str(settings["start_date"]))
    else:
        first = last - timedelta(days=27)
    return (first, last) if first <= last else None


def _bucket_day(bucket: dict) -> str | None:
    start = bucket.get("start_time") if isinstance(bucket, dict) else None
    return datetime.fromtimestamp(start, UTC).date().isoformat() if isinstance(start, int | float) else None


def _extract_buckets(path: str, group_by: list[str], limit: int):
    def extract(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
        window = days_to_fetch(client.settings, ctx.cursor_before, datetime.now(UTC).date())
        if window is None:
            return
        first, last = window
        ctx.window_start, ctx.window_end = first.isoformat(), last.isoformat()
        params = {"start_time": _midnight(first), "end_time": _midnight(last + timedelta(days=1)),
                  "bucket_width": "1d", "group_by": group_by, "limit": limit}
        for buckets in has_more_pages(client, path, params):
            days = [d for d in map(_bucket_day, buckets) if d]
            yield Page(buckets, cursor=max(days) if days else None)

    return extract


def _extract_users(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    for records in after_id_pages(client, "organization/users", {"limit": USERS_PAGE_LIMIT}):
        yield Page(records)


USAGE_COMPLETIONS = Stream(
    source=SOURCE,
    name="usage_completions",
    primary_key=("start_time",),
    disposition="merge",
    extract=_extract_buckets("organization/usage/completions", USAGE_GROUP_BY, USAGE_PAGE_LIMIT),
    description="Daily completions-usage buckets grouped by user, project and model (one record per bucket).",
)
COSTS = Stream(
    source=SOURCE,
    name="costs",
    primary_key=("start_time",),
    disposition="merge",
    extract=_extract_buckets("organization/costs", COST_GROUP_BY, COST_PAGE_LIMIT),
    description="Daily cost buckets in dollars grouped by project and line item (one record per bucket).",
)
USERS = Stream(
    source=SOURCE,
    name="users",
    primary_key=("id",),
    disposition="snapshot",
    extract=_extract_users,
    description="Organization users (id user-…, email, name, role) for identity (full snapshot each run).",
)
STREAMS = (USAGE_COMPLETIONS, COSTS, USERS)
