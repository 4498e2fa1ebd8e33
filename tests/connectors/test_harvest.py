"""Harvest connector against its simulator: cursor links, required headers, limits, faults, incremental runs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from connectors import harvest
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError, VendorRequestError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.harvest import entry_as_of, harvest_data

LOOKBACK = timedelta(minutes=10)  # the connector's default lookback_minutes


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _store(tmp_path, cursor=None):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    if cursor is not None:
        state.set("harvest", "time_entries", cursor)
    return zone, state


def _calls(server, endpoint: str = "/harvest/v2/time_entries") -> list[dict]:
    return [r for r in server.requests if r["path"] == endpoint]


def _cursor_days_before_end(company, days: int) -> str:
    return (datetime.combine(company.end_date, time(0), UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expected_since(company, cursor: str) -> list[dict]:
    since = _parse(cursor) - LOOKBACK
    return [e for e in harvest_data(company).entries if _parse(e["updated_at"]) >= since]


def test_every_time_entry_lands_exactly_once_following_cursor_links(sandbox, connections, company, no_sleep,
                                                                    tmp_path):
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    zone, state = _store(tmp_path)
    result = land_stream(harvest.TIME_ENTRIES, client, zone, state)
    records = zone.read_batch(result.manifest)
    entries = harvest_data(company).entries
    assert Counter(r["id"] for r in records) == Counter(e["id"] for e in entries)
    assert result.cursor_after == max(e["updated_at"] for e in entries)
    calls = _calls(sandbox)
    assert len(calls) == -(-len(entries) // harvest.PER_PAGE) >= 2
    assert "cursor" not in calls[0]["query"] and all("ref=next_cursor" in c["query"] for c in calls[1:])


def test_cursor_pages_have_no_page_numbers_only_links(sandbox, connections, no_sleep):
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    first = client.get_json("v2/time_entries", params={"per_page": 100})
    assert first["page"] == 1 and first["links"]["next"]
    second = client.get_json(first["links"]["next"])
    assert second["page"] is None and second["next_page"] is None and second["links"]["next"]
    assert {e["id"] for e in first["time_entries"]}.isdisjoint(e["id"] for e in second["time_entries"])


def test_users_snapshot(sandbox, connections, company, no_sleep, tmp_path):
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    zone, state = _store(tmp_path)
    users = zone.read_batch(land_stream(harvest.USERS, client, zone, state).manifest)
    assert Counter(u["id"] for u in users) == Counter(u["id"] for u in harvest_data(company).users)


def test_429_retry_after_is_honoured(sandbox, connections, company, no_sleep, tmp_path):
    sandbox.add_fault("harvest", "status", path_contains="/v2/time_entries", status=429, retry_after=2, times=1)
    cursor = _cursor_days_before_end(company, 3)
    zone, state = _store(tmp_path, cursor)
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    records = zone.read_batch(land_stream(harvest.TIME_ENTRIES, client, zone, state).manifest)
    assert no_sleep.waits == [2.0]
    assert Counter(r["id"] for r in records) == Counter(e["id"] for e in _expected_since(company, cursor))
    assert [c["status"] for c in _calls(sandbox)][:2] == [429, 200]


def test_401_is_not_retried_and_names_harvest(sandbox, connections, no_sleep):
    good = connections["harvest"]
    bad = ConnectionConfig(good.conn_id, good.host, good.login, "wrong-harvest-token-7", good.extra)
    client = harvest.make_client(bad, sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        client.get_json("v2/users")
    assert "Harvest answered 401" in str(err.value) and "wrong-harvest-token-7" not in str(err.value)
    assert no_sleep.waits == [] and [r["status"] for r in sandbox.requests] == [401]


def test_required_headers_and_page_size(sandbox, connections, no_sleep):
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    assert client.session.headers["Harvest-Account-Id"] == connections["harvest"].extra["account_id"]
    client.session.headers["User-Agent"] = "python-requests/2.32"  # no contact: Harvest refuses it
    with pytest.raises(VendorRequestError) as err:
        client.get_json("v2/users")
    assert "Harvest answered 400" in str(err.value) and "User-Agent" in str(err.value)
    good = harvest.make_client(connections["harvest"], sleep=no_sleep)
    with pytest.raises(VendorRequestError) as err:
        good.get_json("v2/time_entries", params={"per_page": 2001})
    assert "422" in str(err.value)


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, connections, company, no_sleep, tmp_path):
    cursor = _cursor_days_before_end(company, 3)
    zone, state = _store(tmp_path, cursor)
    sandbox.add_fault("harvest", "malformed", path_contains="/v2/time_entries", times=1)
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError):
        land_stream(harvest.TIME_ENTRIES, client, zone, state)
    assert zone.manifests("harvest", "time_entries") == [] and state.get("harvest", "time_entries") == cursor


def test_second_run_lands_only_what_changed(sandbox, connections, company, no_sleep, tmp_path):
    data = harvest_data(company)
    t1 = datetime.combine(company.end_date - timedelta(days=6), time(12), UTC)
    start = _cursor_days_before_end(company, 30)
    zone, state = _store(tmp_path, start)
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    sandbox.set_now(t1)
    try:
        first = land_stream(harvest.TIME_ENTRIES, client, zone, state)
    finally:
        sandbox.set_now(None)
    first_records = zone.read_batch(first.manifest)
    views = [v for v in (entry_as_of(data, e, t1.timestamp()) for e in data.entries) if v]
    since = _parse(start) - LOOKBACK
    assert Counter(r["id"] for r in first_records) == \
        Counter(v["id"] for v in views if _parse(v["updated_at"]) >= since)

    second = land_stream(harvest.TIME_ENTRIES, client, zone, state)
    second_records = zone.read_batch(second.manifest)
    assert Counter(r["id"] for r in second_records) == \
        Counter(e["id"] for e in _expected_since(company, first.cursor_after))
    edited_later = [e for e in data.entries
                    if _parse(e["created_at"]) <= t1 < _parse(e["updated_at"]) and _parse(e["updated_at"]) >= since]
    assert edited_later and {e["id"] for e in edited_later} <= {r["id"] for r in second_records}
    latest = {r["id"]: r for r in first_records} | {r["id"]: r for r in second_records}
    assert all(latest[e["id"]]["notes"] == e["notes"] for e in edited_later)  # the edit arrived
