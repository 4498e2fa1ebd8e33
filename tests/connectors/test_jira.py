"""Jira connector against its simulator: every issue once, full changelogs, paging, faults, incremental runs."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from urllib.parse import unquote_plus

import pytest

from connectors import jira
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError, VendorRequestError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from connectors.streams import ExtractContext
from sandbox.records.jira import issues_as_of, jira_data


def _updated_ms(issue: dict) -> int:
    return int(jira.parse_jira_time(issue["fields"]["updated"]).timestamp() * 1000)


def _store(tmp_path, cursor=None):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    if cursor is not None:
        state.set("jira", "issues", cursor)
    return zone, state


def _jira_requests(server, fragment: str = "") -> list[dict]:
    return [r for r in server.requests if r["path"].startswith("/jira/") and fragment in r["path"]]


@pytest.fixture(scope="module")
def full_run(sandbox_server, company, tmp_path_factory):
    """One first-sync run of the issues stream; its batch and the requests it made."""
    from devenv.sandbox_env import sandbox_connections

    sandbox_server.clear_faults()
    sandbox_server.clear_requests()
    waits: list[float] = []
    client = jira.make_client(sandbox_connections(sandbox_server, company)["jira"], sleep=waits.append)
    zone, state = _store(tmp_path_factory.mktemp("jira_full"))
    result = land_stream(jira.ISSUES, client, zone, state)
    return zone.read_batch(result.manifest), _jira_requests(sandbox_server), result


def _recent_cursor(company, issues: int) -> int:
    """A cursor that leaves about `issues` issues (plus the lookback) in the next run's window."""
    data = jira_data(company)
    return sorted(_updated_ms(i) for i in data.issues)[-issues]


def test_every_issue_lands_exactly_once(full_run, company):
    records, _, result = full_run
    assert Counter(r["id"] for r in records) == Counter(i["id"] for i in jira_data(company).issues)
    assert result.cursor_after == max(_updated_ms(i) for i in jira_data(company).issues)


def test_truncated_changelogs_land_complete(full_run, company):
    records, requests, _ = full_run
    data = jira_data(company)
    expected = {i["id"]: i["changelog"]["histories"] for i in data.issues}
    long_ones = {i["key"] for i in data.issues if i["changelog"]["total"] > data.knobs.embedded_changelog_max}
    assert long_ones, "the scenario should have changelogs longer than search embeds"
    for record in records:
        changelog = record["changelog"]
        assert changelog["total"] == len(changelog["histories"]) == len(expected[record["id"]])
        assert [h["id"] for h in changelog["histories"]] == [h["id"] for h in expected[record["id"]]]
    fetched = {r["path"].split("/")[-2] for r in requests if r["path"].endswith("/changelog")}
    assert fetched == long_ones  # only the cut-short ones cost an extra call
    assert any("startAt=100" in r["query"] for r in requests if r["path"].endswith("/changelog"))


def test_search_pages_with_next_page_token_and_epoch_ms_jql(full_run, company):
    records, requests, _ = full_run
    searches = [r for r in requests if r["path"].endswith("/search/jql")]
    assert len(searches) == -(-len(records) // jira.SEARCH_PAGE_SIZE)
    assert "nextPageToken" not in searches[0]["query"]
    assert all("nextPageToken=" in r["query"] for r in searches[1:])
    first = unquote_plus(searches[0]["query"])
    assert "expand=changelog" in first and "fields=summary," in first
    assert re.search(r"jql=updated >= \d{13} ORDER BY updated ASC", first)  # epoch ms: no zone-less date


def test_users_and_statuses_snapshots(sandbox, connections, company, no_sleep, tmp_path):
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    data = jira_data(company)
    zone, state = _store(tmp_path)
    users = zone.read_batch(land_stream(jira.USERS, client, zone, state).manifest)
    assert Counter(u["accountId"] for u in users) == Counter(u["accountId"] for u in data.users)
    hidden = [u for u in users if u["accountType"] == "atlassian" and "emailAddress" not in u]
    assert 0.05 <= len(hidden) / len(users) <= 0.15  # ~10% of profiles hide the email (the key is absent)
    statuses = zone.read_batch(land_stream(jira.STATUSES, client, zone, state).manifest)
    assert {s["id"]: s["statusCategory"]["id"] for s in statuses} == \
        {s["id"]: s["statusCategory"]["id"] for s in data.statuses}


def test_429_retry_after_is_honoured(sandbox, connections, company, no_sleep, tmp_path):
    sandbox.add_fault("jira", "status", path_contains="/search/jql", status=429, retry_after=3, times=2)
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    cursor = _recent_cursor(company, 150)
    zone, state = _store(tmp_path, cursor)
    records = zone.read_batch(land_stream(jira.ISSUES, client, zone, state).manifest)
    assert no_sleep.waits == [3.0, 3.0]
    bound = cursor - 60 * 60_000
    assert Counter(r["id"] for r in records) == \
        Counter(i["id"] for i in jira_data(company).issues if _updated_ms(i) >= bound)
    statuses = [r["status"] for r in _jira_requests(sandbox, "/search/jql")]
    assert statuses[:3] == [429, 429, 200]


def test_401_is_not_retried_and_names_jira(sandbox, connections, no_sleep):
    good = connections["jira"]
    bad = ConnectionConfig(good.conn_id, good.host, good.login, "wrong-jira-token-42", good.extra)
    client = jira.make_client(bad, sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        list(jira.ISSUES.extract(client, ExtractContext(cursor_before=None)))
    assert "Jira answered 401" in str(err.value) and "wrong-jira-token-42" not in str(err.value)
    assert no_sleep.waits == [] and [r["status"] for r in _jira_requests(sandbox)] == [401]


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, connections, company, no_sleep, tmp_path):
    cursor = _recent_cursor(company, 400)
    zone, state = _store(tmp_path, cursor)
    sandbox.add_fault("jira", "malformed", path_contains="nextPageToken=", times=1)
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError):
        land_stream(jira.ISSUES, client, zone, state)
    assert zone.manifests("jira", "issues") == []
    assert state.get("jira", "issues") == cursor


def test_second_run_lands_only_what_changed(sandbox, connections, company, no_sleep, tmp_path):
    data = jira_data(company)
    t1 = datetime.combine(company.end_date - timedelta(days=5), time(12), UTC)
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    zone, state = _store(tmp_path)
    sandbox.set_now(t1)
    try:
        first = land_stream(jira.ISSUES, client, zone, state)
    finally:
        sandbox.set_now(None)
    first_records = zone.read_batch(first.manifest)
    visible = issues_as_of(data, t1.timestamp())
    assert Counter(r["id"] for r in first_records) == Counter(i["id"] for i in visible)
    assert first.cursor_after <= t1.timestamp() * 1000

    second = land_stream(jira.ISSUES, client, zone, state)
    second_ids = {r["id"] for r in zone.read_batch(second.manifest)}
    bound = first.cursor_after - 60 * 60_000
    assert second_ids == {i["id"] for i in data.issues if _updated_ms(i) >= bound}
    as_of_t1 = {i["id"]: i["fields"]["updated"] for i in visible}
    changed = {i["id"] for i in data.issues if as_of_t1.get(i["id"]) != i["fields"]["updated"]}
    assert changed and changed <= second_ids  # every issue created or changed after the first run
    assert len(second_ids) < len(data.issues) / 10


def test_vendor_quirks_the_connector_relies_on(sandbox, connections, no_sleep):
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    ids_only = client.get_json("rest/api/3/search/jql", params={"jql": "project = ENG", "maxResults": 3})
    assert all(set(issue) == {"id"} for issue in ids_only["issues"])  # fields default to ids only
    with pytest.raises(VendorRequestError) as err:
        client.get_json("rest/api/3/search/jql", params={"jql": ""})
    assert "400" in str(err.value) and "Unbounded" in str(err.value)
    with pytest.raises(VendorRequestError) as err:
        client.get_json("rest/api/3/search", params={"jql": "project = ENG"})
    assert "410" in str(err.value)  # the old search endpoint is gone


def test_post_search_pages_like_get(sandbox, connections, no_sleep):
    """POST with a JSON body (for long JQL) gives the same pages and tokens as GET."""
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    body = {"jql": "project = OPS ORDER BY created DESC", "fields": ["status", "created"], "maxResults": 40}
    posted = client.session.post(client.url("rest/api/3/search/jql"), json=body, auth=client.auth, timeout=30)
    assert posted.status_code == 200
    got = client.get_json("rest/api/3/search/jql", params={**body, "fields": "status,created"})
    assert [i["id"] for i in posted.json()["issues"]] == [i["id"] for i in got["issues"]]
    assert posted.json()["nextPageToken"] == got["nextPageToken"] and got["isLast"] is False
    assert set(got["issues"][0]["fields"]) == {"status", "created"}
