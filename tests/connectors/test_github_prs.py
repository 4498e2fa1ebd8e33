"""GitHub pull requests and reviews against the simulator: Link paging, early stop, rate limits, faults."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from connectors import github_prs
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.github import pull_as_of, pull_requests

LOOKBACK = timedelta(hours=24)  # the connector's default lookback_hours


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _store(tmp_path, stream: str = "pull_requests", cursor=None):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    if cursor is not None:
        state.set("github", stream, cursor)
    return zone, state


def _closed(company) -> list[dict]:
    return [p for p in pull_requests(company).pulls if p["state"] == "closed"]


def _cursor_days_before_end(company, days: int) -> str:
    return (datetime.combine(company.end_date, time(0), UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pull_requests_calls(server) -> list[dict]:
    return [r for r in server.requests if r["path"].endswith("/pulls")]


def test_every_closed_pull_request_lands_exactly_once(sandbox, connections, company, no_sleep, tmp_path):
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    zone, state = _store(tmp_path)
    result = land_stream(github_prs.PULL_REQUESTS, client, zone, state)
    records = zone.read_batch(result.manifest)
    closed = _closed(company)
    assert Counter(r["id"] for r in records) == Counter(p["id"] for p in closed)
    assert result.cursor_after == max(p["updated_at"] for p in closed)
    calls = _pull_requests_calls(sandbox)
    # pages after the first follow the Link header verbatim (GitHub addresses the repository by id there)
    assert any(c["path"].startswith("/github/repositories/") for c in calls)
    assert all("page=" in c["query"] for c in calls if c["path"].startswith("/github/repositories/"))
    merged_by_bots_or_outsiders = [r for r in records if r["author_association"] != "MEMBER" and r["merged_at"]]
    assert merged_by_bots_or_outsiders  # they land too; identity resolution leaves them unmatched


def test_walk_stops_once_updates_are_older_than_the_cursor(sandbox, connections, company, no_sleep, tmp_path):
    cursor = _cursor_days_before_end(company, 3)
    zone, state = _store(tmp_path, cursor=cursor)
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    records = zone.read_batch(land_stream(github_prs.PULL_REQUESTS, client, zone, state).manifest)
    since = _parse(cursor) - LOOKBACK
    expected = [p for p in _closed(company) if _parse(p["updated_at"]) >= since]
    assert Counter(r["id"] for r in records) == Counter(p["id"] for p in expected)
    # about one page per repository instead of the whole history
    repos = len(pull_requests(company).repos)
    assert len(_pull_requests_calls(sandbox)) <= repos + len(expected) // 100 + 1


def test_primary_rate_limit_403_waits_until_reset(sandbox, connections, company, no_sleep, tmp_path):
    sandbox.add_fault("github", "status", path_contains="/pulls", status=403, times=1)
    zone, state = _store(tmp_path, cursor=_cursor_days_before_end(company, 2))
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    before = datetime.now(UTC).timestamp()
    records = zone.read_batch(land_stream(github_prs.PULL_REQUESTS, client, zone, state).manifest)
    # the simulator resets 60 s after the 403; the client sleeps until then instead of failing
    assert len(no_sleep.waits) == 1 and 50 <= no_sleep.waits[0] <= 60 + (datetime.now(UTC).timestamp() - before)
    assert records and [r["status"] for r in _pull_requests_calls(sandbox)][:2] == [403, 200]


def test_secondary_limit_retry_after_is_honoured(sandbox, connections, company, no_sleep, tmp_path):
    sandbox.add_fault("github", "status", path_contains="/pulls", status=429, retry_after=7, times=2)
    cursor = _cursor_days_before_end(company, 2)
    zone, state = _store(tmp_path, cursor=cursor)
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    records = zone.read_batch(land_stream(github_prs.PULL_REQUESTS, client, zone, state).manifest)
    assert no_sleep.waits == [7.0, 7.0]
    since = _parse(cursor) - LOOKBACK
    assert Counter(r["id"] for r in records) == \
        Counter(p["id"] for p in _closed(company) if _parse(p["updated_at"]) >= since)


def test_401_is_not_retried_and_names_github(sandbox, connections, no_sleep, tmp_path):
    good = connections["github"]
    bad = ConnectionConfig(good.conn_id, good.host, None, "ghp_wrongTokenForTest000000000000000000", good.extra)
    client = github_prs.make_client(bad, sleep=no_sleep)
    zone, state = _store(tmp_path)
    with pytest.raises(VendorAuthError) as err:
        land_stream(github_prs.PULL_REQUESTS, client, zone, state)
    assert "GitHub answered 401" in str(err.value) and "ghp_wrongToken" not in str(err.value)
    assert no_sleep.waits == [] and [r["status"] for r in sandbox.requests] == [401]


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, connections, company, no_sleep, tmp_path):
    cursor = _cursor_days_before_end(company, 2)
    zone, state = _store(tmp_path, cursor=cursor)
    sandbox.add_fault("github", "malformed", path_contains="/pulls", times=1)
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError):
        land_stream(github_prs.PULL_REQUESTS, client, zone, state)
    assert zone.manifests("github", "pull_requests") == [] and state.get("github", "pull_requests") == cursor


def test_second_run_lands_only_what_changed(sandbox, connections, company, no_sleep, tmp_path):
    data = pull_requests(company)
    t1 = datetime.combine(company.end_date - timedelta(days=4), time(12), UTC)
    zone, state = _store(tmp_path, cursor=_cursor_days_before_end(company, 10))
    client = github_prs.make_client(connections["github"], sleep=no_sleep)
    sandbox.set_now(t1)
    try:
        first = land_stream(github_prs.PULL_REQUESTS, client, zone, state)
    finally:
        sandbox.set_now(None)
    first_records = zone.read_batch(first.manifest)
    views = [v for v in (pull_as_of(data, p, t1.timestamp()) for p in data.pulls) if v and v["state"] == "closed"]
    since = _parse(_cursor_days_before_end(company, 10)) - LOOKBACK
    assert Counter(r["id"] for r in first_records) == \
        Counter(v["id"] for v in views if _parse(v["updated_at"]) >= since)

    second = land_stream(github_prs.PULL_REQUESTS, client, zone, state)
    second_ids = {r["id"] for r in zone.read_batch(second.manifest)}
    bound = _parse(first.cursor_after) - LOOKBACK
    assert second_ids == {p["id"] for p in _closed(company) if _parse(p["updated_at"]) >= bound}
    closed_after_t1 = {p["id"] for p in _closed(company) if _parse(p["closed_at"]).timestamp() > t1.timestamp()}
    assert closed_after_t1 and closed_after_t1 <= second_ids


def test_rest_reviews_of_merged_pull_requests_in_the_window(sandbox, connections, company, no_sleep, tmp_path):
    data = pull_requests(company)
    cursor = _cursor_days_before_end(company, 1)
    zone, state = _store(tmp_path, "pull_request_reviews", cursor)
    conn = connections["github"]
    rest = ConnectionConfig(conn.conn_id, conn.host, None, conn.password, {**conn.extra, "reviews_api": "rest"})
    client = github_prs.make_client(rest, sleep=no_sleep)
    records = zone.read_batch(land_stream(github_prs.PULL_REQUEST_REVIEWS, client, zone, state).manifest)
    since = _parse(cursor) - LOOKBACK
    in_window = [p for p in _closed(company) if p["merged_at"] and _parse(p["updated_at"]) >= since]
    assert Counter(r["id"] for r in records) == Counter(r["id"] for p in in_window for r in data.reviews[p["id"]])
    review_calls = [r for r in sandbox.requests if r["path"].endswith("/reviews")]
    assert len(review_calls) == len(in_window)  # one call per merged pull request, none for abandoned ones
    assert {r["pull_request_url"].rsplit("/", 1)[-1] for r in records} <= {str(p["number"]) for p in in_window}
