"""Harvest API v2: time entries (incremental on `updated_since`) and users.

Connection: host = API base (https://api.harvestapp.com), login = the token owner's email (sent in the
User-Agent, which Harvest requires with a contact), password = personal access token (Bearer),
extra.account_id (the Harvest-Account-Id header), optional extra.start_days_ago (first sync; default 365)
and extra.lookback_minutes (re-read overlap; default 10).

Pages are followed through `links.next` exactly as given: Harvest switches to cursor links after the first
page, where `page`/`next_page` are null. Deleted entries do not show up in `updated_since`; a periodic
full reload is the only way to see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from connectors.budget import budget_from_settings, budgets
from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient, bearer_auth
from connectors.pagination import links_next_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "harvest"
PER_PAGE = 2000  # Harvest's maximum (422 above)


# Harvest's documented limit: 100 requests per 15 seconds
RATE_LIMIT = (100, 15)


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    account = str(conn.require_extra("account_id"))
    settings = {"start_days_ago": 365, "lookback_minutes": 10, **conn.extra}
    contact = conn.login or "https://github.com/ai-outcomes"
    return VendorHttpClient(
        vendor="Harvest",
        base_url=conn.host or "https://api.harvestapp.com",
        auth=bearer_auth(conn.password or ""),
        headers={"Harvest-Account-Id": account, "User-Agent": f"AI Outcomes pipeline ({contact})"},
        secrets=(conn.password or "",),
        hints={
            400: "Harvest refused the request (it needs a User-Agent naming the app and a contact)",
            401: "the personal access token is invalid, expired or revoked",
            403: f"the token cannot access Harvest account {account}; check extra.account_id",
            422: "Harvest refused a parameter (per_page is at most 2000; updated_since must be ISO 8601)",
        },
        settings=settings,
        budgets=budgets(budget_from_settings(settings, RATE_LIMIT)),
        **overrides,
    )


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _extract_time_entries(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    if ctx.cursor_before:
        since = _parse(ctx.cursor_before) - timedelta(minutes=float(client.settings["lookback_minutes"]))
    else:
        since = datetime.now(UTC) - timedelta(days=float(client.settings["start_days_ago"]))
    ctx.window_start = _iso(since)
    high_water = ctx.cursor_before
    params = {"updated_since": _iso(since), "per_page": PER_PAGE}
    for entries in links_next_pages(client, "v2/time_entries", params, "time_entries"):
        for entry in entries:
            if high_water is None or _parse(entry["updated_at"]) > _parse(high_water):
                high_water = entry["updated_at"]
        yield Page(entries, cursor=high_water)


def _extract_users(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    for users in links_next_pages(client, "v2/users", {"per_page": PER_PAGE}, "users"):
        yield Page(users)


def count_time_entries(client: VendorHttpClient, window_start: str | None) -> int:
    """Harvest's own total for a window (`total_entries`), for the count reconciliation."""
    params = {"per_page": 1, **({"updated_since": window_start} if window_start else {})}
    return int(client.get_json("v2/time_entries", params=params)["total_entries"])


# stream -> how to ask the vendor how many records a window holds (streams whose vendor gives totals)
VENDOR_COUNTS = {"time_entries": count_time_entries}

TIME_ENTRIES = Stream(
    source=SOURCE,
    name="time_entries",
    primary_key=("id",),
    disposition="merge",
    extract=_extract_time_entries,
    description="Time entries updated since the cursor (max updated_at, minus a lookback).",
)
USERS = Stream(
    source=SOURCE,
    name="users",
    primary_key=("id",),
    disposition="snapshot",
    extract=_extract_users,
    description="Harvest users with email and active flag, for identity resolution (full snapshot each run).",
)
STREAMS = (TIME_ENTRIES, USERS)
