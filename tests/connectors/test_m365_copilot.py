"""Microsoft 365 Copilot usage reports against the Graph simulator: snapshots, paging, quirks, faults."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from connectors import m365_copilot
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError, VendorUnavailableError
from connectors.http import RetryPolicy
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from connectors.streams import ExtractContext
from sandbox.records import m365_copilot as records

PERIOD_FN = "getMicrosoft365CopilotUsageUserDetail("
BY_DATE_FN = "getMicrosoft365CopilotUsageUserDetailByDate("
APP_FIELDS = [f for _, f, _ in records.APPS]


def extract(client, cursor=None):
    ctx = ExtractContext(cursor_before=cursor)
    pages = list(m365_copilot.USAGE_USER_DETAIL.extract(client, ctx))
    return pages, ctx


def as_counter(rows) -> Counter:
    return Counter(json.dumps(r, sort_keys=True) for r in rows)


def latest_refresh(company) -> date:
    return records.latest_refresh_date(company, datetime.now(UTC).date())


@pytest.fixture
def client(connections, no_sleep):
    """The sandbox connection backfills the whole window; tests choose their own backfill."""
    client = m365_copilot.make_client(connections["m365_copilot"], sleep=no_sleep)
    client.settings = {**client.settings, "backfill_days": 0}
    return client


def test_backfill_then_period_report_lands_every_snapshot_row_once(sandbox, client, company):
    client.settings = {**client.settings, "backfill_days": 12}
    pages, ctx = extract(client)
    refresh = latest_refresh(company)
    days = [refresh - timedelta(days=k) for k in range(11, -1, -1)]
    expected = [r for d in days for r in records.usage_user_detail(company, d)]
    assert len(expected) > 1000
    assert as_counter(r for p in pages for r in p.records) == as_counter(expected)
    assert [p.cursor for p in pages] == [d.isoformat() for d in days]  # the period snapshot comes last
    assert (ctx.window_start, ctx.window_end) == (days[0].isoformat(), refresh.isoformat())
    calls = [r for r in sandbox.requests if r["vendor"] == "msgraph" and "/reports/" in r["path"]]
    first_pages = [r for r in calls if "skiptoken" not in r["query"]]
    assert sum(BY_DATE_FN in r["path"] for r in first_pages) == 11  # one call per missing day
    assert sum(PERIOD_FN in r["path"] for r in first_pages) == 1
    assert any("skiptoken" in r["query"] for r in calls), "the report should span several pages"
    assert all("format=application" in r["query"] for r in calls)


def test_first_run_without_backfill_lands_only_the_latest_snapshot(sandbox, client, company):
    pages, _ = extract(client)
    refresh = latest_refresh(company)
    assert len(pages) == 1 and pages[0].cursor == refresh.isoformat()
    assert as_counter(pages[0].records) == as_counter(records.usage_user_detail(company, refresh))
    assert not any(BY_DATE_FN in r["path"] for r in sandbox.requests)


def test_a_snapshot_already_landed_is_skipped_and_gaps_are_filled(sandbox, client, company):
    refresh = latest_refresh(company)
    pages, ctx = extract(client, cursor=refresh.isoformat())
    assert pages == [] and ctx.notes["skipped_snapshot"] == refresh.isoformat()

    client.settings = {**client.settings, "backfill_days": 30}
    pages, _ = extract(client, cursor=(refresh - timedelta(days=3)).isoformat())
    assert [p.cursor for p in pages] == [(refresh - timedelta(days=k)).isoformat() for k in (2, 1, 0)]


def test_no_activity_is_an_empty_string_landed_unchanged(sandbox, client, company):
    pages, _ = extract(client)
    rows = pages[0].records
    holders, _ = company.tool_activity("m365_copilot")
    passive = {p["email"] for p in holders if company.tool_style(p, "m365_copilot") == "box_ticker"}
    assert passive, "the scenario has box-ticking licence holders"
    for row in rows:
        if row["userPrincipalName"] in passive:
            assert all(row[f] == "" for f in ["lastActivityDate", *APP_FIELDS])
    assert any(row[f] == "" for row in rows for f in APP_FIELDS)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}|", row[f]) for row in rows for f in APP_FIELDS)
    # only licensed users appear
    assert {r["userPrincipalName"] for r in rows} == {p["email"] for p in holders}


def test_daily_snapshots_reveal_each_active_day(sandbox, client, company):
    client.settings = {**client.settings, "backfill_days": 8}
    pages, _ = extract(client)
    revealed = {}
    for row in (r for p in pages for r in p.records):
        day = row["reportRefreshDate"]
        apps = tuple(sorted(a for a, f, _ in records.APPS if row[f] == day))
        if apps:
            revealed[(row["userPrincipalName"], date.fromisoformat(day))] = apps
    truth = records.active_app_days(company)
    days = {d for _, d in revealed}
    assert revealed == {k: v for k, v in truth.items() if k[1] in days}


def test_429_retry_after_is_honoured(sandbox, client, no_sleep):
    sandbox.add_fault("m365_reports", "status", path_contains=PERIOD_FN, status=429, retry_after=4, times=2)
    pages, _ = extract(client)
    assert pages and pages[0].records
    assert no_sleep.waits == [4.0, 4.0]
    statuses = [r["status"] for r in sandbox.requests if PERIOD_FN in r["path"] and "skiptoken" not in r["query"]]
    assert statuses == [429, 429, 200]


def test_401_is_not_retried_and_names_the_vendor(sandbox, connections, no_sleep):
    good = connections["m365_copilot"]
    bad = ConnectionConfig(good.conn_id, good.host, good.login, "wrong-secret-123456", good.extra)
    client = m365_copilot.make_client(bad, sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        extract(client)
    message = str(err.value)
    assert "Microsoft identity platform answered 401" in message and "client secret" in message
    assert "wrong-secret-123456" not in message
    assert no_sleep.waits == []
    assert [r["status"] for r in sandbox.requests] == [401]


def test_403_names_the_missing_permission(sandbox, client, no_sleep):
    sandbox.add_fault("m365_reports", "status", path_contains=PERIOD_FN, status=403, times=1)
    with pytest.raises(VendorAuthError) as err:
        extract(client)
    assert "Microsoft Graph answered 403" in str(err.value) and "Reports.Read.All" in str(err.value)
    assert no_sleep.waits == []


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, client, company, tmp_path):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    before = (latest_refresh(company) - timedelta(days=5)).isoformat()
    state.set("m365_copilot", "usage_user_detail", before)
    client.settings = {**client.settings, "backfill_days": 10}
    sandbox.add_fault("m365_reports", "malformed", path_contains="skiptoken", times=1)
    with pytest.raises(MalformedResponseError):
        land_stream(m365_copilot.USAGE_USER_DETAIL, client, zone, state)
    assert zone.manifests("m365_copilot", "usage_user_detail") == []
    assert state.get("m365_copilot", "usage_user_detail") == before


# -- a small tenant that conceals names and allows few report calls -----------------------------------------
def small_company(sources: dict):
    """30 days, Support and one Finance team holding Microsoft 365 Copilot, with the given source knobs."""
    from sandbox.company import generate_company
    from sandbox.scenario import SCENARIO_DIR, parse_scenario

    data = yaml.safe_load((SCENARIO_DIR / "default.yml").read_text())
    data.update(days=30, rollout_day=10, end_date="2026-03-31", sources=sources)
    support = next(d for d in data["departments"] if d["name"] == "Support")
    finance = next(d for d in data["departments"] if d["name"] == "Finance")
    data["departments"] = [dict(support, headcount=10), dict(finance, headcount=20, teams=1)]
    shares = data["tools"]["m365_copilot"]["departments"]["Finance"]
    data["tools"] = {"m365_copilot": {"departments": {"Finance": shares}}}
    data.pop("kpi_effects", None)
    return generate_company(parse_scenario(data, name="strict_tenant"))


@pytest.fixture(scope="module")
def strict_tenant():
    from devenv.sandbox_env import sandbox_connections
    from sandbox.server import SandboxServer
    from sandbox.vendors import m365_copilot as m365_vendor
    from sandbox.vendors import msgraph

    company = small_company({"m365_copilot": {"concealed_names": True, "requests_per_10_minutes": 4, "page_size": 8}})
    # only Microsoft's endpoints: the other simulators are not needed for this tenant
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sandbox.server.vendor_modules", lambda: (msgraph, m365_vendor))
        server = SandboxServer(company)
    with server:
        yield server, company, sandbox_connections(server, company)["m365_copilot"]


def test_concealed_names_are_32_hex_hashes_and_the_tenant_says_so(strict_tenant, no_sleep):
    from expectations.runner import landing_batch_validator

    server, company, conn = strict_tenant
    client = m365_copilot.make_client(conn, sleep=no_sleep)
    client.settings = {**client.settings, "backfill_days": 0}
    pages, _ = extract(client)
    rows = pages[0].records
    assert len(rows) > 8  # more than one page
    assert all(re.fullmatch(r"[0-9A-F]{32}", r["userPrincipalName"]) for r in rows)
    assert all(re.fullmatch(r"[0-9A-F]{32}", r["displayName"]) for r in rows)
    assert not {p["email"] for p in company.tool_holders("m365_copilot")} & {r["userPrincipalName"] for r in rows}
    assert client.get_json("admin/reportSettings")["displayConcealedNames"] is True
    outcome = landing_batch_validator()(m365_copilot.USAGE_USER_DETAIL, rows)
    assert outcome.success and any("userPrincipalName" in w for w in outcome.summary["warnings"])


def test_report_calls_beyond_the_tenant_limit_get_429_with_retry_after(strict_tenant, no_sleep):
    server, company, conn = strict_tenant
    client = m365_copilot.make_client(conn, sleep=no_sleep, retry=RetryPolicy(max_attempts=2))
    url = f"{server.graph_root_url}/beta/reports/{BY_DATE_FN}date={company.end_date.isoformat()})"
    for _ in range(4):
        client.get_json(url, params={"$format": "application/json"})
    with pytest.raises(VendorUnavailableError):
        client.get_json(url, params={"$format": "application/json"})
    assert len(no_sleep.waits) == 1 and 590 <= no_sleep.waits[0] <= 601  # the rest of the 10-minute window


def test_without_format_json_the_v1_report_answers_csv(sandbox, client):
    response = client.request("GET", "copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Report Refresh Date,User Principal Name,Display Name,Last Activity Date")
    assert header.endswith("Loop Copilot Last Activity Date,Report Period")


def test_scenario_knobs_are_validated_with_the_key_named():
    from types import SimpleNamespace

    from sandbox.scenario import ScenarioError

    def company(knobs):
        return SimpleNamespace(scenario=SimpleNamespace(sources={"m365_copilot": knobs}))

    assert records.settings(company({})) == records.M365Settings()
    with pytest.raises(ScenarioError) as err:
        records.settings(company({"concealed_names": "yes", "page_size": 0, "pagesize": 3}))
    message = str(err.value)
    assert "sources.m365_copilot.concealed_names" in message and "sources.m365_copilot.page_size" in message
    assert "unknown key 'pagesize'" in message
