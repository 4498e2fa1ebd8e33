"""Anthropic Admin API against its simulator: Claude Code day by day, the cost report, quirks and faults."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from connectors import anthropic
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from connectors.streams import ExtractContext
from sandbox import credentials
from sandbox.records import anthropic as records

CLAUDE_CODE_PATH = "/v1/organizations/usage_report/claude_code"
COST_PATH = "/v1/organizations/cost_report"


def extract(stream, client, cursor=None):
    ctx = ExtractContext(cursor_before=cursor)
    pages = list(stream.extract(client, ctx))
    return pages, ctx


def window_days(company) -> list[date]:
    last = min(company.end_date, datetime.now(UTC).date() - timedelta(days=1))
    return [company.start_date + timedelta(days=i) for i in range((last - company.start_date).days + 1)]


def as_counter(rows) -> Counter:
    return Counter(json.dumps(r, sort_keys=True) for r in rows)


@pytest.fixture
def client(connections, no_sleep):
    return anthropic.make_client(connections["anthropic"], sleep=no_sleep)


@pytest.fixture
def recent(client, company):
    """Start two weeks before the end, so each test pulls a short window."""
    start = window_days(company)[-14]
    client.settings = {**client.settings, "start_date": start.isoformat()}
    return [d for d in window_days(company) if d >= start]


def test_claude_code_one_call_per_day_lands_every_row_once(sandbox, client, company, recent):
    client.settings = {**client.settings, "claude_code_page_limit": 20}
    pages, ctx = extract(anthropic.CLAUDE_CODE, client)
    landed = [r for p in pages for r in p.records]
    expected = [r for d in recent for r in records.claude_code_records(company, d)]
    assert len(expected) > 100
    assert as_counter(landed) == as_counter(expected)
    calls = [r for r in sandbox.requests if r["path"].endswith(CLAUDE_CODE_PATH)]
    first_calls = [r for r in calls if "page=" not in r["query"]]
    assert [re.search(r"starting_at=([\d-]+)", r["query"])[1] for r in first_calls] == [d.isoformat() for d in recent]
    assert any("page=" in r["query"] for r in calls), "busy days should need several pages of 20"
    assert (ctx.window_start, ctx.window_end) == (recent[0].isoformat(), recent[-1].isoformat())
    assert pages[-1].cursor == recent[-1].isoformat()


def test_api_actor_and_remote_rows_are_landed_as_sent(sandbox, client, company, recent):
    pages, _ = extract(anthropic.CLAUDE_CODE, client)
    landed = [r for p in pages for r in p.records]
    keys = {r["actor"]["api_key_name"] for r in landed if r["actor"]["type"] == "api_actor"}
    owners = records.api_key_owners(company)
    assert "ci-github-actions" in keys and owners["ci-github-actions"] is None  # nobody's key
    assert keys <= set(owners)
    assert all("email_address" not in r["actor"] for r in landed if r["actor"]["type"] == "api_actor")
    remote = [r for r in landed if r["is_remote"]]
    assert remote, "some sessions ran remotely"
    local_keys = {(r["date"], json.dumps(r["actor"], sort_keys=True)) for r in landed if not r["is_remote"]}
    assert all((r["date"], json.dumps(r["actor"], sort_keys=True)) in local_keys for r in remote)  # separate rows
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", r["date"]) for r in landed)


def test_days_the_company_was_idle_answer_an_empty_page(sandbox, client, company):
    day = company.start_date  # before the rollout: no Claude Code yet
    body = client.get_json("v1/organizations/usage_report/claude_code", params={"starting_at": day.isoformat()})
    assert body == {"data": [], "has_more": False, "next_page": None}


def test_cost_report_lands_cents_strings_that_price_the_claude_code_tokens(sandbox, client, company, recent):
    cost_pages, _ = extract(anthropic.COST_REPORT, client)
    buckets = [b for p in cost_pages for b in p.records]
    expected = [{"starting_at": f"{d}T00:00:00Z", "ending_at": f"{d + timedelta(days=1)}T00:00:00Z",
                 "results": list(records.cost_results(company, d, records.COST_GROUP_BY))} for d in recent]
    assert as_counter(buckets) == as_counter(expected)
    results = [r for b in buckets for r in b["results"]]
    assert results and all(isinstance(r["amount"], str) and re.fullmatch(r"\d+(\.\d+)?", r["amount"])
                           for r in results)
    assert {r["currency"] for r in results} == {"USD"}
    call = next(r for r in sandbox.requests if r["path"].endswith(COST_PATH))
    assert "group_by[]=workspace_id&group_by[]=description" in call["query"]

    # Independent check: the landed Claude Code tokens priced by hand give the billed cents.
    code_pages, _ = extract(anthropic.CLAUDE_CODE, client)
    priced: dict[str, Decimal] = {}
    for row in (r for p in code_pages for r in p.records):
        for item in row["model_breakdown"]:
            _, p_in, p_out, p_read, p_write = records.PRICES[item["model"]]
            t = item["tokens"]
            dollars = (t["input"] * Decimal(p_in) + t["output"] * Decimal(p_out) + t["cache_read"] * Decimal(p_read)
                       + t["cache_creation"] * Decimal(p_write)) / 1_000_000
            priced[row["date"][:10]] = priced.get(row["date"][:10], Decimal(0)) + dollars * 100
    billed = {b["starting_at"][:10]: sum(Decimal(r["amount"]) for r in b["results"]) for b in buckets if b["results"]}
    assert set(billed) == set(priced)
    for day, cents in billed.items():
        assert abs(cents - priced[day]) < Decimal("0.001") * 40  # each line is rounded to 0.00001 cents


def test_estimated_cost_is_an_estimate_beside_the_bill(sandbox, client, company, recent):
    pages, _ = extract(anthropic.CLAUDE_CODE, client)
    estimate = sum(m["estimated_cost"]["amount"] for p in pages for r in p.records for m in r["model_breakdown"])
    billed = sum(records.daily_cost_cents(company)[d] for d in recent)
    assert estimate > 0 and abs(Decimal(estimate) - billed) / billed < Decimal("0.05")


def test_429_retry_after_is_honoured(sandbox, client, no_sleep, recent):
    sandbox.add_fault("anthropic", "status", path_contains="claude_code", status=429, retry_after=5, times=2)
    pages, _ = extract(anthropic.CLAUDE_CODE, client)
    assert pages
    assert no_sleep.waits == [5.0, 5.0]


def test_401_is_not_retried_and_names_the_vendor(sandbox, connections, no_sleep):
    good = connections["anthropic"]
    bad_key = "sk-ant-admin01-wrongKey1234567890"
    client = anthropic.make_client(ConnectionConfig(good.conn_id, good.host, None, bad_key, good.extra), sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        extract(anthropic.COST_REPORT, client)
    message = str(err.value)
    assert "Anthropic answered 401" in message and "Admin API key" in message and "authentication_error" in message
    assert bad_key not in message
    assert no_sleep.waits == [] and [r["status"] for r in sandbox.requests] == [401]


def test_required_headers_and_error_shape(sandbox):
    url = f"{sandbox.anthropic_url}{COST_PATH}"
    no_version = requests.get(url, params={"starting_at": "2026-01-01T00:00:00Z"},
                              headers={"x-api-key": credentials.ANTHROPIC_ADMIN_KEY}, timeout=10)
    assert no_version.status_code == 400
    assert no_version.json()["type"] == "error" and no_version.json()["error"]["type"] == "invalid_request_error"
    standard_key = requests.get(url, params={"starting_at": "2026-01-01T00:00:00Z"},
                                headers={"x-api-key": "sk-ant-api03-notAdmin", "anthropic-version": "2023-06-01"},
                                timeout=10)
    assert standard_key.status_code == 403 and standard_key.json()["error"]["type"] == "permission_error"


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, client, company, recent, tmp_path):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    before = recent[3].isoformat()
    state.set("anthropic", "claude_code", before)
    client.settings = {**client.settings, "claude_code_page_limit": 20}
    sandbox.add_fault("anthropic", "malformed", path_contains="page=", times=1)
    with pytest.raises(MalformedResponseError):
        land_stream(anthropic.CLAUDE_CODE, client, zone, state)
    assert zone.manifests("anthropic", "claude_code") == []
    assert state.get("anthropic", "claude_code") == before
