"""Typeform connector against its simulator: token paging, the since window, 429, auth, malformed pages."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from connectors import typeform
from connectors.errors import ConnectorError, MalformedResponseError, VendorAuthError, VendorRequestError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.typeform import FORM_ID, survey_data


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _store(tmp_path):
    return LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))


def _calls(server) -> list[dict]:
    return [r for r in server.requests if r["path"] == f"/typeform/forms/{FORM_ID}/responses"]


class RecordingSleep:
    """Waits for real (the simulator keeps Typeform's 2 requests a second by the clock) and records each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def _conn(connections, **extra):
    conn = connections["typeform"]
    return replace(conn, extra={**conn.extra, **extra})


def test_every_response_lands_once_paging_by_before_token(sandbox, connections, company, tmp_path):
    # real waits: the simulator answers 429 above Typeform's 2 requests a second, as Typeform does; the
    # previous test's requests leave its one-second window first
    time.sleep(1.1)
    client = typeform.make_client(_conn(connections, page_size=100))
    zone, state = _store(tmp_path)
    result = land_stream(typeform.RESPONSES, client, zone, state)
    expected = survey_data(company).responses
    landed = zone.read_batch(result.manifest)
    assert sorted(r["token"] for r in landed) == sorted(r["token"] for r in expected)
    assert len({r["token"] for r in landed}) == len(landed)
    assert {r["form_id"] for r in landed} == {FORM_ID}
    calls = _calls(sandbox)
    # 100 a page, newest first: every later page asks for what is older than the previous page's last token
    assert len(calls) == len(expected) // 100 + 1
    assert "before=" not in calls[0]["query"]
    for page, call in enumerate(calls[1:], start=1):
        assert f"before={expected[page * 100 - 1]['token']}" in call["query"]
    assert result.cursor_after == {FORM_ID: max(r["submitted_at"] for r in expected)}
    # Typeform's 2 requests a second, kept before sending: no 429 on the way
    assert all(c["status"] == 200 for c in calls)
    assert client.stats.budget_waits >= len(calls) - 2


def test_next_run_reads_from_the_cursor_minus_the_lookback(sandbox, connections, company, tmp_path):
    responses = survey_data(company).responses
    cursor = responses[len(responses) // 2]["submitted_at"]
    zone, state = _store(tmp_path)
    state.set("typeform", "responses", {FORM_ID: cursor})
    client = typeform.make_client(connections["typeform"])
    result = land_stream(typeform.RESPONSES, client, zone, state)
    since = _parse(cursor) - timedelta(hours=6)
    expected = {r["token"] for r in responses if _parse(r["submitted_at"]) >= since}
    assert {r["token"] for r in zone.read_batch(result.manifest)} == expected
    assert f"since={since.strftime('%Y-%m-%dT%H:%M:%S')}" in _calls(sandbox)[0]["query"]


def test_429_with_retry_after_is_waited_out(sandbox, connections, tmp_path):
    time.sleep(1.1)  # the previous test's requests leave the simulator's one-second window
    sandbox.add_fault("typeform", "status", path_contains="/responses", status=429, retry_after=3, times=1)
    sleep = RecordingSleep()
    client = typeform.make_client(connections["typeform"], sleep=sleep)
    zone, state = _store(tmp_path)
    result = land_stream(typeform.RESPONSES, client, zone, state)
    assert result.records > 0 and client.stats.retries == 1
    assert 3 in sleep.waits
    assert [c["status"] for c in _calls(sandbox)][:2] == [429, 200]


def test_a_wrong_token_fails_at_once_saying_what_to_fix(sandbox, connections, tmp_path):
    conn = replace(connections["typeform"], password="tfp_wrong")
    zone, state = _store(tmp_path)
    with pytest.raises(VendorAuthError) as err:
        land_stream(typeform.RESPONSES, typeform.make_client(conn), zone, state)
    message = str(err.value)
    assert "Typeform answered 401" in message and "personal access token is invalid" in message
    assert "tfp_wrong" not in message
    assert len(_calls(sandbox)) == 1  # not retried
    assert zone.manifests("typeform", "responses") == [] and state.get("typeform", "responses") is None


def test_an_unknown_form_is_named(sandbox, connections, tmp_path):
    zone, state = _store(tmp_path)
    client = typeform.make_client(_conn(connections, form_ids="nOsUcHfOrM"))
    with pytest.raises(VendorRequestError, match="404 for /typeform/forms/nOsUcHfOrM/responses.*extra.form_ids"):
        land_stream(typeform.RESPONSES, client, zone, state)


def test_a_connection_without_forms_is_refused_before_any_request(sandbox, connections):
    with pytest.raises(ConnectorError, match="needs extra.form_ids"):
        typeform.make_client(_conn(connections, form_ids=""))
    assert _calls(sandbox) == []


def test_a_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, connections, tmp_path):
    sandbox.add_fault("typeform", "malformed", path_contains="/responses", after=1, times=1)
    zone, state = _store(tmp_path)
    client = typeform.make_client(_conn(connections, page_size=100))
    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        land_stream(typeform.RESPONSES, client, zone, state)
    assert zone.manifests("typeform", "responses") == []
    assert state.get("typeform", "responses") is None
