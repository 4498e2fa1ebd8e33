"""Land every contract fixture through its connector's real HTTP path, one source at a time.

Each `land_<source>` serves the source's stored payloads from the PayloadServer, runs the connector's
streams with the real landing suites, and returns what happened per stream: the StreamResult of a landed
batch, or the exception of a batch that was (rightly) refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors import (
    anthropic,
    github_copilot,
    github_prs,
    harvest,
    interviews,
    jira,
    m365_copilot,
    msgraph,
    openai,
    typeform,
    zendesk,
)
from connectors.config import ConnectionConfig
from connectors.landing import LandingZone
from connectors.runner import StreamResult, land_stream
from connectors.state import StateStore
from tests.contracts.server import PayloadServer

HERE = Path(__file__).resolve().parent
TOKEN = "contract-test-token"


def payload(source: str, name: str) -> bytes:
    return (HERE / source / name).read_bytes()


def compact(raw: bytes) -> bytes:
    """The same JSON document on one line (how some tenants receive the report files)."""
    return json.dumps(json.loads(raw), separators=(",", ":")).encode()


@dataclass
class Landed:
    results: dict[str, list[StreamResult]] = field(default_factory=dict)
    errors: dict[str, list[Exception]] = field(default_factory=dict)

    def add(self, key: str, outcome: StreamResult | Exception) -> None:
        target = self.errors if isinstance(outcome, Exception) else self.results
        target.setdefault(key, []).append(outcome)


def run(landed: Landed, stream, client, zone: LandingZone, state: StateStore, validate) -> None:
    try:
        landed.add(stream.key, land_stream(stream, client, zone, state, validate=validate))
    except Exception as exc:  # noqa: BLE001 - recorded for the test to assert on
        landed.add(stream.key, exc)


# --- GitHub Copilot --------------------------------------------------------------------------------
COPILOT_ORG = "acme"
COPILOT_FILES = {
    # day offset before yesterday -> report file served for that day
    "org_1_day": "organization-users-1-day-report.json",
    "enterprise_1_day": "enterprise-users-1-day-report.json",
    "org_28_day_record": "organization-users-28-day-report.first-record.ndjson",
}


def serve_copilot_days(server: PayloadServer, files_by_day: dict[str, bytes]) -> None:
    path = f"/orgs/{COPILOT_ORG}/copilot/metrics/reports/users-1-day"

    def links(query: dict[str, str], base: str) -> bytes:
        day = query["day"]
        return json.dumps({"download_links": [f"{base}/copilot-reports/{day}.json"], "report_day": day}).encode()

    server.add(path, b"", status=204, headers={})
    server.add(path, links, when=lambda q: q.get("day") in files_by_day)
    for day, body in files_by_day.items():
        server.add(f"/copilot-reports/{day}.json", body)


def copilot_client(server: PayloadServer, **extra: Any):
    conn = ConnectionConfig("github_copilot", server.url, password=TOKEN, extra={"org": COPILOT_ORG, **extra})
    return github_copilot.make_client(conn, sleep=lambda s: None)


def as_ndjson(raw: bytes) -> bytes:
    """The records of a day_totals file as the documented NDJSON form: one unchanged record per line."""
    return b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in json.loads(raw)["day_totals"])


def land_github_copilot(server: PayloadServer, zone: LandingZone, state: StateStore, validate,
                        landed: Landed) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    org_day = payload("github_copilot", COPILOT_FILES["org_1_day"])
    batches = [
        # 1: the day_totals records as NDJSON lines, and one NDJSON line of a 28-day report
        {(yesterday - timedelta(days=1)).isoformat(): as_ndjson(org_day),
         yesterday.isoformat(): payload("github_copilot", COPILOT_FILES["org_28_day_record"])},
        # 2-3: the same day re-extracted as the vendor's wrapped file, pretty-printed, then compact
        {yesterday.isoformat(): org_day},
        {yesterday.isoformat(): compact(org_day)},
        # 4: an enterprise file wrapping its records in user_totals
        {yesterday.isoformat(): payload("github_copilot", COPILOT_FILES["enterprise_1_day"])},
    ]
    for files in batches:
        server.reset()
        serve_copilot_days(server, files)
        state.set("github_copilot", "users_daily", yesterday.isoformat())
        run(landed, github_copilot.USERS_DAILY, copilot_client(server, lookback_days=len(files)), zone, state,
            validate)
    server.reset()
    server.add(f"/orgs/{COPILOT_ORG}/copilot/billing/seats",
               payload("github_copilot", "organization-seats-response-sample.json"))
    run(landed, github_copilot.SEATS, copilot_client(server), zone, state, validate)
    server.reset()
    server.add(f"/orgs/{COPILOT_ORG}/copilot/billing", payload("github_copilot", "organization-billing-example.json"))
    run(landed, github_copilot.BILLING, copilot_client(server), zone, state, validate)
    server.reset()


# --- Zendesk -----------------------------------------------------------------------------------------
def land_zendesk(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("zendesk", server.url, login="agent@example.com", password=TOKEN)
    client = zendesk.make_client(conn, sleep=lambda s: None)
    server.add("/api/v2/incremental/tickets/cursor.json", payload("zendesk", "incremental-tickets-cursor.json"))
    run(landed, zendesk.TICKETS, client, zone, state, validate)
    server.add("/api/v2/users", payload("zendesk", "users.json"))
    run(landed, zendesk.USERS, client, zone, state, validate)
    server.reset()


# --- Harvest -----------------------------------------------------------------------------------------
def land_harvest(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("harvest", server.url, password=TOKEN, extra={"account_id": "123456"})
    client = harvest.make_client(conn, sleep=lambda s: None)
    server.add("/v2/time_entries", payload("harvest", "time_entries.json"))
    run(landed, harvest.TIME_ENTRIES, client, zone, state, validate)
    server.add("/v2/users", payload("harvest", "users.json"))
    run(landed, harvest.USERS, client, zone, state, validate)
    server.reset()


# --- Typeform and the interview CSV drop ---------------------------------------------------------------
TYPEFORM_FORM = "lR6F4j"  # the form of the documented example (its responses' referer)
TEMPLATE = HERE.parents[1] / "docs" / "templates" / "interviews.csv"


def land_typeform(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("typeform", server.url, password=TOKEN, extra={"form_ids": [TYPEFORM_FORM]})
    server.add(f"/forms/{TYPEFORM_FORM}/responses", payload("typeform", "retrieve-responses-example.json"))
    run(landed, typeform.RESPONSES, typeform.make_client(conn, sleep=lambda s: None), zone, state, validate)
    server.reset()


def land_interviews(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    """The documented template itself, dropped as a rollout lead would drop a file."""
    drop = Path(zone.root).parent / "interview_drop"
    drop.mkdir(parents=True, exist_ok=True)
    (drop / "interviews.csv").write_bytes(TEMPLATE.read_bytes())
    client = interviews.make_client(ConnectionConfig("interviews", str(drop)))
    run(landed, interviews.ANSWERS, client, zone, state, validate)


# --- Microsoft Graph users -----------------------------------------------------------------------------
GRAPH_TENANT = "contoso-tenant"


def serve_graph_token(server: PayloadServer) -> None:
    token = {"token_type": "Bearer", "expires_in": 3599, "access_token": "contract-graph-token"}
    server.add(f"/{GRAPH_TENANT}/oauth2/v2.0/token", json.dumps(token))


def graph_connection(server: PayloadServer, source: str) -> ConnectionConfig:
    return ConnectionConfig(source, f"{server.url}/v1.0", login="client-id", password=TOKEN,
                            extra={"tenant_id": GRAPH_TENANT, "login_url": server.url})


def land_msgraph(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    serve_graph_token(server)
    server.add("/v1.0/users", payload("msgraph", "list-users-example-1.json"))
    run(landed, msgraph.USERS, msgraph.make_client(graph_connection(server, "msgraph"), sleep=lambda s: None),
        zone, state, validate)
    server.add("/v1.0/subscribedSkus", payload("msgraph", "list-subscribedskus-example.json"))
    run(landed, msgraph.SUBSCRIBED_SKUS,
        msgraph.make_client(graph_connection(server, "msgraph"), sleep=lambda s: None), zone, state, validate)
    server.reset()


def land_m365_copilot(server: PayloadServer, zone: LandingZone, state: StateStore, validate,
                      landed: Landed) -> None:
    serve_graph_token(server)
    server.add("/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')",
               payload("m365_copilot", "usage-user-detail-example.json"))
    client = m365_copilot.make_client(graph_connection(server, "m365_copilot"), sleep=lambda s: None)
    run(landed, m365_copilot.USAGE_USER_DETAIL, client, zone, state, validate)
    server.reset()


# --- OpenAI and Anthropic admin reports ------------------------------------------------------------------
# The documented first pages say has_more with a cursor; the server ends the stream with an empty last page.
LAST_PAGE = {"openai": b'{"object": "page", "data": [], "has_more": false, "next_page": null}',
             "anthropic": b'{"data": [], "has_more": false, "next_page": null}'}


def land_openai(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("openai", f"{server.url}/v1", password=TOKEN)
    client = openai.make_client(conn, sleep=lambda s: None)
    server.add("/v1/organization/usage/completions", payload("openai", "usage-completions-example.json"))
    server.add("/v1/organization/usage/completions", LAST_PAGE["openai"], when=lambda q: "page" in q)
    run(landed, openai.USAGE_COMPLETIONS, client, zone, state, validate)
    server.add("/v1/organization/costs", payload("openai", "costs-example.json"))
    run(landed, openai.COSTS, client, zone, state, validate)
    server.add("/v1/organization/users", payload("openai", "users-documented.json"))
    run(landed, openai.USERS, client, zone, state, validate)
    server.reset()


def land_anthropic(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("anthropic", server.url, password=TOKEN)
    client = anthropic.make_client(conn, sleep=lambda s: None)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    state.set("anthropic", "claude_code", yesterday)
    state.set("anthropic", "cost_report", yesterday)
    path = "/v1/organizations/usage_report/claude_code"
    server.add(path, LAST_PAGE["anthropic"])  # other days of the window: no activity
    server.add(path, payload("anthropic", "claude-code-example.json"), when=lambda q: q.get("starting_at") == yesterday)
    run(landed, anthropic.CLAUDE_CODE, client, zone, state, validate)
    server.add("/v1/organizations/cost_report", payload("anthropic", "cost-report-example.json"))
    run(landed, anthropic.COST_REPORT, client, zone, state, validate)
    server.reset()


# --- Jira --------------------------------------------------------------------------------------------
def land_jira(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    conn = ConnectionConfig("jira", server.url, login="agent@example.com", password=TOKEN,
                            extra={"start_days_ago": 100000})
    client = jira.make_client(conn, sleep=lambda s: None)
    search = "/rest/api/3/search/jql"
    server.add(search, payload("jira", "search-jql-documented.json"))
    # the documented page says isLast false with a token: the server ends the stream with an empty last page
    server.add(search, b'{"issues": [], "isLast": true}', when=lambda q: "nextPageToken" in q)
    run(landed, jira.ISSUES, client, zone, state, validate)
    server.add("/rest/api/3/users/search", payload("jira", "users.json"), when=lambda q: q.get("startAt") == "0")
    server.add("/rest/api/3/users/search", b"[]", when=lambda q: q.get("startAt") != "0")
    run(landed, jira.USERS, client, zone, state, validate)
    server.add("/rest/api/3/status", payload("jira", "statuses.json"))
    run(landed, jira.STATUSES, client, zone, state, validate)
    server.reset()


# --- GitHub pull requests ------------------------------------------------------------------------------
def land_github(server: PayloadServer, zone: LandingZone, state: StateStore, validate, landed: Landed) -> None:
    extra = {"org": "acme", "start_days_ago": 100000, "reviews_start_days_ago": 100000}
    client = github_prs.make_client(ConnectionConfig("github", server.url, password=TOKEN, extra=extra),
                                    sleep=lambda s: None)
    rest = github_prs.make_client(ConnectionConfig("github", server.url, password=TOKEN,
                                                   extra={**extra, "reviews_api": "rest"}), sleep=lambda s: None)
    server.add("/orgs/acme/repos", payload("github", "org-repos-documented.json"))
    server.add("/repos/acme/api/pulls", payload("github", "pulls-documented.json"))
    server.add("/repos/acme/api/pulls/1347/reviews", payload("github", "reviews-documented.json"))
    server.add("/graphql", payload("github", "reviews-graphql-documented.json"))
    run(landed, github_prs.PULL_REQUESTS, client, zone, state, validate)
    # reviews landed by REST (as before GraphQL was the default), then the same pull request's by GraphQL
    run(landed, github_prs.PULL_REQUEST_REVIEWS, rest, zone, state, validate)
    run(landed, github_prs.PULL_REQUEST_REVIEWS, client, zone, state, validate)
    server.reset()


LANDERS: dict[str, Callable[..., None]] = {
    "jira": land_jira,
    "github": land_github,
    "m365_copilot": land_m365_copilot,
    "openai": land_openai,
    "anthropic": land_anthropic,
    "github_copilot": land_github_copilot,
    "zendesk": land_zendesk,
    "harvest": land_harvest,
    "msgraph": land_msgraph,
    "typeform": land_typeform,
    "interviews": land_interviews,
}
