"""Microsoft 365 Copilot usage reports from Microsoft Graph: one "latest activity" snapshot per day.

Connection: the msgraph one (host = Graph base URL https://graph.microsoft.com/v1.0, login = client id,
password = client secret, extra.tenant_id, optional extra.login_url); the app needs the Reports.Read.All
application permission. Optional extra.backfill_days (default 0), extra.period (default D7) and
extra.graph_root (default: host without its /v1.0 segment).

`getMicrosoft365CopilotUsageUserDetail(period='D7')` lists every licensed user with, per app, the last
day with Copilot activity in the period (`""` for none), as of `reportRefreshDate`. It is a snapshot, not
a daily fact table, so history comes from landing one snapshot per refresh date (primary key
(reportRefreshDate, userPrincipalName)); the state is the last refresh date landed and a snapshot already
landed is skipped. With backfill_days = N the days before the latest snapshot that are missing (the last
N-1 on a first run) are fetched one call per day from the beta
`getMicrosoft365CopilotUsageUserDetailByDate(date=YYYY-MM-DD)` function, whose parameters Microsoft documents
only for the beta endpoint and may change; keep N at 0 against a real tenant until that is verified.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta

from connectors import msgraph
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError
from connectors.http import VendorHttpClient
from connectors.pagination import odata_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "m365_copilot"
JSON = {"$format": "application/json"}  # v1.0 answers CSV without it


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    """The msgraph client (same tenant, token endpoint and client-credentials auth) with report settings."""
    client = msgraph.make_client(conn, **overrides)
    host = (conn.host or "https://graph.microsoft.com/v1.0").rstrip("/")
    return dataclasses.replace(
        client,
        hints={
            401: "the app token was rejected",
            403: "the app lacks the Reports.Read.All application permission (grant admin consent)",
            400: "the report function or its parameters were refused",
        },
        settings={"backfill_days": 0, "period": "D7", "graph_root": host.removesuffix("/v1.0"), **conn.extra},
    )


def _refresh_date(records: list[dict]) -> date | None:
    dates = set()
    for r in records:
        raw = r.get("reportRefreshDate") if isinstance(r, dict) else None
        try:
            dates.add(date.fromisoformat(str(raw)))
        except ValueError:
            raise MalformedResponseError(
                f"Microsoft Graph: Copilot usage row without a valid reportRefreshDate ({raw!r}); nothing landed."
            ) from None
    return max(dates) if dates else None


def _report(client: VendorHttpClient, path: str) -> list[dict]:
    rows: list[dict] = []
    for records in odata_pages(client, path, JSON):
        rows.extend(records)
    return rows


def _extract_usage_user_detail(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    period = client.settings["period"]
    latest = _report(client, f"copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='{period}')")
    refresh = _refresh_date(latest)
    if refresh is None:
        ctx.notes["empty_report"] = True  # no licensed users yet
        return
    landed = date.fromisoformat(ctx.cursor_before) if ctx.cursor_before else None
    backfill = max(0, int(client.settings.get("backfill_days") or 0))
    missing = [refresh - timedelta(days=k) for k in range(backfill - 1, 0, -1)]
    missing = [d for d in missing if landed is None or d > landed]
    ctx.window_start = (missing[0] if missing else refresh).isoformat()
    ctx.window_end = refresh.isoformat()
    root = client.settings["graph_root"].rstrip("/")
    for day in missing:
        fn = f"getMicrosoft365CopilotUsageUserDetailByDate(date={day.isoformat()})"
        yield Page(_report(client, f"{root}/beta/reports/{fn}"), cursor=day.isoformat())
    if landed is not None and refresh <= landed:
        ctx.notes["skipped_snapshot"] = refresh.isoformat()  # landed by an earlier run
        return
    yield Page(latest, cursor=refresh.isoformat())


USAGE_USER_DETAIL = Stream(
    source=SOURCE,
    name="usage_user_detail",
    primary_key=("reportRefreshDate", "userPrincipalName"),
    disposition="merge",
    extract=_extract_usage_user_detail,
    description="Daily snapshots of per-user, per-app last Copilot activity dates (\"\" = none in the period).",
)
STREAMS = (USAGE_USER_DETAIL,)
