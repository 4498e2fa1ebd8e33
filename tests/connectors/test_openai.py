"""OpenAI Administration API against its simulator: daily buckets, next_page paging, users, faults."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from connectors import openai
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from connectors.streams import ExtractContext
from sandbox import credentials
from sandbox.records import openai as records

USAGE_GROUP_BY = ("user_id", "project_id", "model")
COST_GROUP_BY = ("project_id", "line_item")


def extract(stream, client, cursor=None):
    ctx = ExtractContext(cursor_before=cursor)
    pages = list(stream.extract(client, ctx))
    return pages, ctx


def window_days(company) -> list[date]:
    last = min(company.end_date, datetime.now(UTC).date() - timedelta(days=1))
    return [company.start_date + timedelta(days=i) for i in range((last - company.start_date).days + 1)]


def bucket_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def as_counter(rows) -> Counter:
    return Counter(json.dumps(r, sort_keys=True) for r in rows)


@pytest.fixture
def client(connections, no_sleep):
    return openai.make_client(connections["openai"], sleep=no_sleep)


def test_usage_buckets_land_once_following_next_page(sandbox, client, company):
    pages, ctx = extract(openai.USAGE_COMPLETIONS, client)
    buckets = [b for p in pages for b in p.records]
    days = window_days(company)
    assert len(days) > 31, "the window should need several pages of 31 buckets"
    assert Counter(b["start_time"] for b in buckets) == Counter(bucket_start(d) for d in days)
    expected = [{"object": "bucket", "start_time": bucket_start(d), "end_time": bucket_start(d) + 86400,
                 "results": list(records.usage_results(company, d, USAGE_GROUP_BY))} for d in days]
    assert as_counter(buckets) == as_counter(expected)
    assert len(pages) == -(-len(days) // 31)
    assert pages[-1].cursor == days[-1].isoformat()
    calls = [r for r in sandbox.requests if r["path"].endswith("/organization/usage/completions")]
    assert sum("page=" in r["query"] for r in calls) == len(pages) - 1
    # repeated keys, as requests encodes a list
    assert all("group_by=user_id&group_by=project_id&group_by=model" in r["query"] for r in calls)


def test_buckets_without_usage_have_empty_results(sandbox, client, company):
    pages, _ = extract(openai.USAGE_COMPLETIONS, client)
    by_day = {datetime.fromtimestamp(b["start_time"], UTC).date(): b for p in pages for b in p.records}
    before_rollout = [d for d in by_day if d < company.rollout_date]
    assert before_rollout and all(by_day[d]["results"] == [] for d in before_rollout)
    assert any(by_day[d]["results"] for d in by_day if d >= company.rollout_date)
    # usage no person owns stays in the data with a null user
    assert any(r["user_id"] is None for b in by_day.values() for r in b["results"])


def test_bracketed_group_by_is_accepted(sandbox, client, company):
    day = company.rollout_date + timedelta(days=3)
    params = {"start_time": bucket_start(day), "end_time": bucket_start(day) + 86400, "bucket_width": "1d"}
    repeated = client.get_json("organization/usage/completions", params={**params, "group_by": list(USAGE_GROUP_BY)})
    brackets = client.get_json("organization/usage/completions", params={**params, "group_by[]": list(USAGE_GROUP_BY)})
    assert repeated["data"] == brackets["data"] and repeated["data"][0]["results"]


def test_costs_land_once_and_match_usage_times_the_price_table(sandbox, client, company):
    usage_pages, _ = extract(openai.USAGE_COMPLETIONS, client)
    cost_pages, _ = extract(openai.COSTS, client)
    costs = [b for p in cost_pages for b in p.records]
    days = window_days(company)
    expected = [{"object": "bucket", "start_time": bucket_start(d), "end_time": bucket_start(d) + 86400,
                 "results": list(records.cost_results(company, d, COST_GROUP_BY))} for d in days]
    assert as_counter(costs) == as_counter(expected)
    priced: dict[int, float] = {}
    for bucket in (b for p in usage_pages for b in p.records):
        for r in bucket["results"]:
            price_in, price_cached, price_out = records.PRICES[r["model"]]
            uncached = r["input_tokens"] - r["input_cached_tokens"]
            priced[bucket["start_time"]] = priced.get(bucket["start_time"], 0.0) + (
                uncached * price_in + r["input_cached_tokens"] * price_cached + r["output_tokens"] * price_out) / 1e6
    billed = {b["start_time"]: sum(r["amount"]["value"] for r in b["results"]) for b in costs if b["results"]}
    assert set(billed) == set(priced)
    for start, dollars in billed.items():
        assert dollars == pytest.approx(priced[start], abs=1e-6)
    assert {r["amount"]["currency"] for b in costs for r in b["results"]} == {"usd"}


def test_users_page_with_after_last_id(sandbox, client, company):
    pages, _ = extract(openai.USERS, client)
    users = [u for p in pages for u in p.records]
    assert as_counter(users) == as_counter(records.users(company))
    assert all(u["id"].startswith("user-") for u in users)
    assert len(pages) == -(-len(users) // 100) >= 2
    calls = [r for r in sandbox.requests if r["path"].endswith("/organization/users")]
    assert f"after={pages[0].records[-1]['id']}" in calls[1]["query"]


def test_later_run_repulls_the_lookback_window(sandbox, client, company):
    last = window_days(company)[-1]
    pages, ctx = extract(openai.USAGE_COMPLETIONS, client, cursor=last.isoformat())
    starts = [b["start_time"] for p in pages for b in p.records]
    assert starts == [bucket_start(last - timedelta(days=k)) for k in (2, 1, 0)]  # lookback_days = 3
    assert ctx.window_start == (last - timedelta(days=2)).isoformat()


def test_429_retry_after_is_honoured(sandbox, client, no_sleep):
    sandbox.add_fault("openai", "status", path_contains="/organization/costs", status=429, retry_after=2, times=2)
    pages, _ = extract(openai.COSTS, client)
    assert pages and pages[0].records
    assert no_sleep.waits == [2.0, 2.0]


def test_401_is_not_retried_and_names_the_vendor(sandbox, connections, no_sleep):
    good = connections["openai"]
    bad_key = "sk-admin-wrongKey1234567890abcdef"
    client = openai.make_client(ConnectionConfig(good.conn_id, good.host, None, bad_key, good.extra), sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        extract(openai.USERS, client)
    message = str(err.value)
    assert "OpenAI answered 401" in message and "Admin API key" in message and "Not retried" in message
    assert bad_key not in message
    assert no_sleep.waits == [] and [r["status"] for r in sandbox.requests] == [401]


def test_project_key_is_refused_with_the_fix(sandbox, connections, no_sleep):
    good = connections["openai"]
    conn = ConnectionConfig(good.conn_id, good.host, None, "sk-proj-someProjectKey000", good.extra)
    with pytest.raises(VendorAuthError) as err:
        extract(openai.USERS, openai.make_client(conn, sleep=no_sleep))
    assert "403" in str(err.value) and "not an Admin API key" in str(err.value)


def test_error_body_has_the_openai_shape(sandbox):
    response = requests.get(f"{sandbox.openai_url}/organization/costs", params={"start_time": "soon"},
                            headers={"Authorization": f"Bearer {credentials.OPENAI_ADMIN_KEY}"}, timeout=10)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_malformed_page_lands_nothing_and_keeps_the_cursor(sandbox, client, company, tmp_path):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    sandbox.add_fault("openai", "malformed", path_contains="page=", times=1)  # the second page
    with pytest.raises(MalformedResponseError):
        land_stream(openai.USAGE_COMPLETIONS, client, zone, state)
    assert zone.manifests("openai", "usage_completions") == []
    assert state.get("openai", "usage_completions") is None
    # the rerun lands the whole window and only then moves the cursor
    result = land_stream(openai.USAGE_COMPLETIONS, client, zone, state)
    assert result.records == len(window_days(company))
    assert state.get("openai", "usage_completions") == window_days(company)[-1].isoformat()
