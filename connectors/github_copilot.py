"""GitHub Copilot: per-user daily usage (usage-metrics reports API), seat assignments and the org's seat
billing summary (purchased seats: `seat_breakdown.total`).

Connection: host = API base (https://api.github.com), password = token (classic `read:org` +
`manage_billing:copilot`, or fine-grained "Organization Copilot metrics" read), extra.org,
optional extra.start_date (first day to backfill; default 28 days back) and extra.lookback_days
(days re-pulled on every run for late files; default 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError
from connectors.github_api import make_github_client
from connectors.http import VendorHttpClient
from connectors.pagination import link_header_pages, signed_download_records
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "github_copilot"


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    org = conn.require_extra("org")
    hints = {
        403: f"the token lacks read:org/manage_billing:copilot for org {org}, or the "
        "'Copilot usage metrics' policy is not enabled",
        404: f"org {org} not found or it has no Copilot Business/Enterprise subscription",
        422: "the Copilot metrics policy is disabled for this org",
    }
    return make_github_client(conn, hints, {"lookback_days": 3}, **overrides)


def _days_to_fetch(client: VendorHttpClient, cursor: str | None, today: date) -> list[date]:
    last = today - timedelta(days=1)  # the T-1 file is the newest that can exist
    if cursor:
        first = date.fromisoformat(cursor) - timedelta(days=int(client.settings["lookback_days"]) - 1)
    elif client.settings.get("start_date"):
        first = date.fromisoformat(client.settings["start_date"])
    else:
        first = last - timedelta(days=27)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _extract_users_daily(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    days = _days_to_fetch(client, ctx.cursor_before, datetime.now(UTC).date())
    if days:
        ctx.window_start, ctx.window_end = days[0].isoformat(), days[-1].isoformat()
    path = f"orgs/{client.settings['org']}/copilot/metrics/reports/users-1-day"
    for day in days:
        response = client.request("GET", path, params={"day": day.isoformat()}, expected=(200, 204))
        if response.status_code == 204 or not response.content.strip():
            ctx.notes.setdefault("days_without_data", []).append(day.isoformat())
            continue
        body = client.parse_json(response)
        links = body.get("download_links") if isinstance(body, dict) else None
        if not isinstance(links, list):
            raise MalformedResponseError(f"GitHub users-1-day for {day} has no download_links list.")
        records: list[dict] = []
        for file_records in signed_download_records(client, links):
            records.extend(file_records)
        yield Page(records, cursor=day.isoformat())


def _extract_seats(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    path = f"orgs/{client.settings['org']}/copilot/billing/seats"
    for records in link_header_pages(client, path, {"per_page": 100}, "seats"):
        yield Page(records)


def _extract_billing(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    body = client.get_json(f"orgs/{client.settings['org']}/copilot/billing")
    if not isinstance(body, dict) or not isinstance(body.get("seat_breakdown"), dict):
        raise MalformedResponseError("GitHub Copilot billing for the org has no seat_breakdown object.")
    yield Page([body])


USERS_DAILY = Stream(
    source=SOURCE,
    name="users_daily",
    primary_key=("day", "user_id"),
    disposition="merge",
    extract=_extract_users_daily,
    description="One record per user per active day from the users-1-day report files (NDJSON, a JSON array, "
    "or one object wrapping day_totals/user_totals).",
)
SEATS = Stream(
    source=SOURCE,
    name="seats",
    primary_key=("assignee.id",),
    disposition="snapshot",
    extract=_extract_seats,
    description="Copilot seat assignments with last activity (full snapshot each run).",
)
BILLING = Stream(
    source=SOURCE,
    name="billing",
    # one object per org and plan: the plan is its key
    primary_key=("plan_type",),
    disposition="snapshot",
    extract=_extract_billing,
    description="The org's Copilot seat billing summary: seat_breakdown (total billed seats, added this cycle, "
    "pending), plan and policies (one record, full snapshot each run).",
)
STREAMS = (USERS_DAILY, SEATS, BILLING)
