from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sandbox_testlib import ZENDESK_AUTH, small_scenario

from sandbox import credentials
from sandbox.company import Company, generate_company
from sandbox.records import zendesk as zendesk_records
from sandbox.server import SandboxServer


def _export_url(server: SandboxServer) -> str:
    return f"{server.zendesk_url}/api/v2/incremental/tickets/cursor.json"


def _export(server: SandboxServer, params: dict[str, Any]) -> tuple[list[dict[str, Any]], str, int]:
    """Follow after_url until end_of_stream; returns tickets, the last cursor and the page count."""
    url, query = _export_url(server), params
    tickets: list[dict[str, Any]] = []
    pages = 0
    while True:
        r = requests.get(url, params=query, headers=ZENDESK_AUTH)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        tickets += body["tickets"]
        assert body["before_url"] is None and body["before_cursor"] is None
        if body["end_of_stream"]:
            return tickets, body["after_cursor"], pages
        url, query = body["after_url"], None


def test_wrong_credentials_are_401(server: SandboxServer) -> None:
    import base64
    bad = {"Authorization": "Basic " + base64.b64encode(f"{credentials.ZENDESK_EMAIL}/token:nope".encode()).decode()}
    r = requests.get(_export_url(server), params={"start_time": 0}, headers=bad)
    assert r.status_code == 401 and r.json() == {"error": "Couldn't authenticate you"}
    ok = {"Authorization": f"Bearer {credentials.ZENDESK_OAUTH_TOKEN}"}
    assert requests.get(_export_url(server), params={"start_time": 0, "per_page": 1}, headers=ok).status_code == 200


def test_start_time_within_the_last_minute_is_rejected(server: SandboxServer) -> None:
    r = requests.get(_export_url(server), params={"start_time": int(time.time()) - 30}, headers=ZENDESK_AUTH)
    assert r.status_code == 400 and r.json()["error"] == "InvalidValue"
    r = requests.get(_export_url(server), headers=ZENDESK_AUTH)
    assert r.status_code == 400 and r.json()["error"] == "InvalidValue"


def test_full_export_returns_every_ticket_once_in_generated_order(server: SandboxServer, company: Company) -> None:
    tickets, _, pages = _export(server, {"start_time": 0, "include": "metric_sets"})
    assert pages == -(-len(zendesk_records.tickets(company)) // 1000)
    ids = [t["id"] for t in tickets]
    assert len(ids) == len(set(ids)) == len(zendesk_records.tickets(company))
    keys = [(t["generated_timestamp"], t["id"]) for t in tickets]
    assert keys == sorted(keys)
    assert all(t["metric_set"]["ticket_id"] == t["id"] for t in tickets)
    assert any(t["status"] == "deleted" for t in tickets)


def test_without_include_there_is_no_metric_set(server: SandboxServer) -> None:
    body = requests.get(_export_url(server), params={"start_time": 0, "per_page": 50}, headers=ZENDESK_AUTH).json()
    assert len(body["tickets"]) == 50 and all("metric_set" not in t for t in body["tickets"])
    assert body["end_of_stream"] is False and body["after_url"].startswith(server.base_url)


def test_exclude_deleted_drops_deleted_tickets(server: SandboxServer, company: Company) -> None:
    tickets, _, _ = _export(server, {"start_time": 0, "exclude_deleted": "true"})
    deleted = sum(t["status"] == "deleted" for t in zendesk_records.tickets(company))
    assert deleted > 0 and len(tickets) == len(zendesk_records.tickets(company)) - deleted
    assert all(t["status"] != "deleted" for t in tickets)


def test_filter_uses_generated_timestamp_not_updated_at(server: SandboxServer, company: Company) -> None:
    tid = company.truth["system_updated_ticket_id"]
    t = next(x for x in zendesk_records.tickets(company) if x["id"] == tid)
    updated = int(datetime.fromisoformat(t["updated_at"].replace("Z", "+00:00")).timestamp())
    body = requests.get(_export_url(server), params={"start_time": updated + 60, "per_page": 1000},
                        headers=ZENDESK_AUTH).json()
    assert tid in [x["id"] for x in body["tickets"]]


def test_cursor_resumes_a_later_run_without_duplicates(server: SandboxServer, company: Company) -> None:
    mid = datetime.combine(company.rollout_date, datetime.min.time(), UTC)
    server.set_now(mid)
    first, cursor, _ = _export(server, {"start_time": 0})
    assert 0 < len(first) < len(zendesk_records.tickets(company))
    assert max(t["generated_timestamp"] for t in first) <= mid.timestamp() - 60
    server.set_now(None)
    second, final_cursor, _ = _export(server, {"cursor": cursor})
    ids = [t["id"] for t in first + second]
    assert len(ids) == len(set(ids)) == len(zendesk_records.tickets(company))
    # An exhausted cursor answers an empty final page and keeps the cursor.
    again = requests.get(_export_url(server), params={"cursor": final_cursor}, headers=ZENDESK_AUTH).json()
    assert again["tickets"] == [] and again["end_of_stream"] is True and again["after_cursor"] == final_cursor


def test_support_type_scope_values(server: SandboxServer) -> None:
    base = {"start_time": 0, "per_page": 5}
    ai = requests.get(_export_url(server), params={**base, "support_type_scope": "ai_agent"}, headers=ZENDESK_AUTH)
    assert ai.json()["tickets"] == [] and ai.json()["end_of_stream"] is True
    everyone = requests.get(_export_url(server), params={**base, "support_type_scope": "all"}, headers=ZENDESK_AUTH)
    assert len(everyone.json()["tickets"]) == 5
    bad = requests.get(_export_url(server), params={**base, "support_type_scope": "bots"}, headers=ZENDESK_AUTH)
    assert bad.status_code == 400


def test_users_filter_by_role_and_page_with_cursor_links(server: SandboxServer, company: Company) -> None:
    url: str | None = f"{server.zendesk_url}/api/v2/users"
    params: dict[str, Any] | None = {"role[]": ["agent", "admin"], "page[size]": 25}
    users: list[dict[str, Any]] = []
    while url:
        body = requests.get(url, params=params, headers=ZENDESK_AUTH).json()
        users += body["users"]
        assert set(body["meta"]) == {"has_more", "after_cursor", "before_cursor"}
        url, params = (body["links"]["next"] if body["meta"]["has_more"] else None), None
    assert [u["id"] for u in users] == [u["id"] for u in zendesk_records.users(company)]
    agents = requests.get(f"{server.zendesk_url}/api/v2/users", params={"role[]": "agent"},
                          headers=ZENDESK_AUTH).json()["users"]
    assert len(agents) == 60 and sum(not u["active"] for u in agents) == 1
    too_big = requests.get(f"{server.zendesk_url}/api/v2/users", params={"page[size]": 101}, headers=ZENDESK_AUTH)
    assert too_big.status_code == 400


@pytest.fixture(scope="module")
def throttled_server():
    company = generate_company(small_scenario(zendesk={"incremental_requests_per_minute": 3}))
    with SandboxServer(company) as srv:
        yield srv


def test_rate_limit_answers_429_text_with_retry_after(throttled_server: SandboxServer) -> None:
    statuses = []
    for _ in range(4):
        r = requests.get(_export_url(throttled_server), params={"start_time": 0, "per_page": 10},
                         headers=ZENDESK_AUTH)
        statuses.append(r.status_code)
        assert r.headers["X-Rate-Limit"] == "3"
    assert statuses == [200, 200, 200, 429]
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == "Number of allowed API requests per minute exceeded"
    assert 1 <= int(r.headers["Retry-After"]) <= 61 and r.headers["X-Rate-Limit-Remaining"] == "0"
    served = [x for x in throttled_server.requests if x["status"] == 429]
    assert len(served) == 1


def test_small_company_still_spans_rollout() -> None:
    c = generate_company(small_scenario())
    assert c.start_date + timedelta(days=10) == c.rollout_date
    assert len(c.people) == 1 + 1 + 2 + 40
