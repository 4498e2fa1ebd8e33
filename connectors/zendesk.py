"""Zendesk Support: tickets (cursor-based incremental export with metric sets) and agents.

Connection: host = https://<subdomain>.zendesk.com, login = agent email, password = API token
(Basic `<email>/token:<token>`; incremental exports need an admin), optional extra.start_days_ago
(first export window; default 365).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from requests.auth import HTTPBasicAuth

from connectors.budget import budget_from_settings, budgets
from connectors.config import ConnectionConfig
from connectors.http import VendorHttpClient
from connectors.pagination import links_next_pages, zendesk_cursor_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "zendesk"


# Zendesk's account limit on its smallest plan (Team): 200 requests a minute; larger plans set extra
# requests_per_window. Incremental exports have their own: 10 a minute (30 with High Volume), extra
# incremental_requests_per_window.
RATE_LIMIT = (200, 60)
INCREMENTAL_RATE_LIMIT = (10, 60)


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    settings = {"start_days_ago": 365, **conn.extra}
    return VendorHttpClient(
        vendor="Zendesk",
        base_url=conn.host,
        auth=HTTPBasicAuth(f"{conn.login}/token", conn.password or ""),
        secrets=(conn.password or "",),
        hints={
            401: f"the API token for {conn.login} was rejected; check the email and token",
            403: f"{conn.login} is not an admin: incremental exports need an admin token",
            404: "the subdomain or endpoint does not exist",
        },
        settings=settings,
        budgets=budgets(budget_from_settings(settings, RATE_LIMIT),
                        budget_from_settings(settings, INCREMENTAL_RATE_LIMIT, "incremental_", "/incremental/")),
        **overrides,
    )


def _extract_tickets(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    params: dict = {"include": "metric_sets", "support_type_scope": "all", "per_page": 1000}
    if ctx.cursor_before:
        params["cursor"] = ctx.cursor_before
    else:
        # Zendesk refuses a start_time within the last minute.
        params["start_time"] = int(time.time()) - int(client.settings["start_days_ago"]) * 86400
        ctx.window_start = str(params["start_time"])
    path = "api/v2/incremental/tickets/cursor.json"
    for records, cursor in zendesk_cursor_pages(client, path, params, "tickets"):
        yield Page(records, cursor=cursor)


def _extract_users(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    params = {"role[]": ["agent", "admin"], "page[size]": 100}
    for records in links_next_pages(client, "api/v2/users", params, "users"):
        yield Page(records)


TICKETS = Stream(
    source=SOURCE,
    name="tickets",
    primary_key=("id",),
    disposition="merge",
    extract=_extract_tickets,
    description="Tickets changed since the cursor, each with its metric_set (resolution times).",
)
USERS = Stream(
    source=SOURCE,
    name="users",
    primary_key=("id",),
    disposition="snapshot",
    extract=_extract_users,
    description="Agents and admins with email, for identity resolution (full snapshot each run).",
)
STREAMS = (TICKETS, USERS)
