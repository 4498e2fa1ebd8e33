"""GitHub pull-request reviews through the GraphQL API, against the simulator on a small engineering company.

Expectations come from the simulator's own records (sandbox/records/github.py) and from the REST path over
the same window, never from the connector's output.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
import requests
import yaml

from connectors import github_prs
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError, MalformedResponseError, VendorRequestError
from connectors.github_api import graphql_url
from connectors.landing import LandingZone, record_key
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.github import pull_requests

LOOKBACK = timedelta(hours=24)  # the connector's default lookback_hours


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def engineering_company():
    """30 days of a 24-engineer department (two teams) beside a small Support one (the default's ticket effects
    name it): a few hundred merged pull requests."""
    from sandbox.company import generate_company
    from sandbox.scenario import SCENARIO_DIR, parse_scenario

    data = yaml.safe_load((SCENARIO_DIR / "default.yml").read_text())
    data.update(days=30, rollout_day=10)
    support = next(d for d in data["departments"] if d["name"] == "Support")
    engineering = next(d for d in data["departments"] if d["name"] == "Engineering")
    data["departments"] = [dict(support, headcount=6), dict(engineering, headcount=24, teams=2)]
    data.pop("tools", None)  # the default's tools, effects and survey plants name departments dropped here
    data.pop("kpi_effects", None)
    for plant in ("over_reporting", "interviews"):
        data.get("sources", {}).get("typeform", {}).pop(plant, None)
    return generate_company(parse_scenario(data, name="small_engineering"))


@pytest.fixture(scope="module")
def eng():
    from sandbox.server import SandboxServer
    from sandbox.vendors import github as github_vendor

    company = engineering_company()
    with pytest.MonkeyPatch.context() as patch:  # only GitHub's endpoints are needed
        patch.setattr("sandbox.server.vendor_modules", lambda: (github_vendor,))
        server = SandboxServer(company)
        server.start()
    try:
        yield server, company
    finally:
        server.stop()


@pytest.fixture
def gh(eng):
    server, company = eng
    server.clear_faults()
    server.clear_requests()
    yield server, company
    server.clear_faults()


def connection(server, company, **extra) -> ConnectionConfig:
    from sandbox import credentials

    return ConnectionConfig("github", server.github_url, password=credentials.GITHUB_TOKEN,
                            extra={"org": company.scenario.company.github_org, **extra})


def window_start_cursor(company, days_before_end: int) -> str:
    start = datetime.combine(company.end_date, time(0), UTC) - timedelta(days=days_before_end)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def land_reviews(tmp_path, server, company, cursor: str, sleep, **extra):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    state.set("github", "pull_request_reviews", cursor)
    client = github_prs.make_client(connection(server, company, **extra), sleep=sleep)
    result = land_stream(github_prs.PULL_REQUEST_REVIEWS, client, zone, state)
    return zone, state, result, zone.read_batch(result.manifest)


def merged_in_window(company, since: datetime) -> list[dict]:
    return [p for p in pull_requests(company).pulls if p["merged_at"] and _parse(p["updated_at"]) >= since]


def pull_request_pages(company, since: datetime, per_page: int) -> int:
    """Pages of merged pull requests a walk reads: each repository's, newest update first, up to the page
    holding the first one older than the window (or to its last page)."""
    pages = 0
    for repo in pull_requests(company).repos:
        merged = [p for p in pull_requests(company).pulls if p["merged_at"] and p["base"]["repo"]["id"] == repo["id"]]
        fresh = sum(1 for p in merged if _parse(p["updated_at"]) >= since)
        pages += fresh // per_page + 1 if fresh < len(merged) else max(1, math.ceil(len(merged) / per_page))
    return pages


def graphql_calls(server) -> list[dict]:
    return [r for r in server.requests if r["path"].endswith("/graphql")]


def test_graphql_lands_exactly_the_reviews_of_merged_pull_requests_in_the_window(gh, no_sleep, tmp_path):
    server, company = gh
    data = pull_requests(company)
    cursor = window_start_cursor(company, 12)
    _, _, result, records = land_reviews(tmp_path, server, company, cursor, no_sleep)
    in_window = merged_in_window(company, _parse(cursor) - LOOKBACK)
    expected = {r["id"]: p for p in in_window for r in data.reviews[p["id"]]}
    assert len(expected) > 100
    assert Counter(r["databaseId"] for r in records) == Counter(expected.keys())
    # every node names its pull request and repository, as the simulator's records say
    for r in records:
        pr = expected[r["databaseId"]]
        assert (r["pullRequest"]["number"], r["pullRequest"]["repository"]["nameWithOwner"]) == \
            (pr["number"], pr["base"]["repo"]["full_name"])
    assert {r["submittedAt"] for r in records} == {r["submitted_at"] for p in in_window for r in data.reviews[p["id"]]}
    assert result.cursor_after == max(p["updated_at"] for p in in_window)
    assert {c["method"] for c in graphql_calls(server)} == {"POST"} and all(c["authorization"] for c in server.requests)


def test_graphql_and_rest_land_the_same_reviews_with_far_fewer_requests(gh, no_sleep, tmp_path):
    server, company = gh
    data = pull_requests(company)
    cursor = window_start_cursor(company, 12)
    since = _parse(cursor) - LOOKBACK
    _, _, rest, rest_records = land_reviews(tmp_path / "rest", server, company, cursor, no_sleep, reviews_api="rest")
    rest_requests = len(server.requests)
    server.clear_requests()
    _, _, gql, gql_records = land_reviews(tmp_path / "graphql", server, company, cursor, no_sleep)
    assert sorted(r["databaseId"] for r in gql_records) == sorted(r["id"] for r in rest_records)
    assert gql.cursor_after == rest.cursor_after or _parse(gql.cursor_after) <= _parse(rest.cursor_after)
    # at most one request per 50 merged pull requests in the window (plus the page that finds the first older
    # one) per repository, and no follow-ups: no pull request here has more than 100 reviews
    merged = Counter(p["base"]["repo"]["full_name"] for p in merged_in_window(company, since))
    assert max(len(v) for v in data.reviews.values()) <= 100
    bound = sum(merged[r["full_name"]] // 50 + 1 for r in data.repos)
    assert len(graphql_calls(server)) <= bound
    assert len(graphql_calls(server)) == pull_request_pages(company, since, 50)
    assert len(server.requests) < rest_requests / 5
    print(f"\nreviews of {sum(merged.values())} merged pull requests in {len(data.repos)} repositories: "
          f"REST {rest_requests} requests, GraphQL {len(server.requests)} ({len(graphql_calls(server))} GraphQL)")


def test_nested_review_pages_are_followed_with_their_own_cursor(gh, no_sleep, tmp_path):
    server, company = gh
    data = pull_requests(company)
    cursor = window_start_cursor(company, 6)
    since = _parse(cursor) - LOOKBACK
    _, _, _, records = land_reviews(tmp_path, server, company, cursor, no_sleep,
                                    graphql_pulls_per_page=7, graphql_reviews_per_page=1)
    in_window = merged_in_window(company, since)
    assert Counter(r["databaseId"] for r in records) == \
        Counter(r["id"] for p in in_window for r in data.reviews[p["id"]])
    assert any(len(data.reviews[p["id"]]) > 1 for p in in_window)
    # one follow-up request for each review after a pull request's first
    follow_ups = sum(max(0, len(data.reviews[p["id"]]) - 1) for p in in_window)
    assert len(graphql_calls(server)) == pull_request_pages(company, since, 7) + follow_ups


def test_rate_limit_answered_with_200_and_errors_is_waited_out(gh, no_sleep, tmp_path):
    server, company = gh
    data = pull_requests(company)
    server.add_fault("github", "rate_limited", path_contains="/graphql", times=1, after=2)
    cursor = window_start_cursor(company, 3)
    before = datetime.now(UTC).timestamp()
    _, _, _, records = land_reviews(tmp_path, server, company, cursor, no_sleep)
    # the simulator's reset is 60 s after the refusal; the client sleeps until then, then asks again
    assert len(no_sleep.waits) == 1 and 50 <= no_sleep.waits[0] <= 60 + (datetime.now(UTC).timestamp() - before)
    in_window = merged_in_window(company, _parse(cursor) - LOOKBACK)
    assert Counter(r["databaseId"] for r in records) == \
        Counter(r["id"] for p in in_window for r in data.reviews[p["id"]])
    # the refused request (an HTTP 200) is sent once more, nothing else is
    assert len(graphql_calls(server)) == pull_request_pages(company, _parse(cursor) - LOOKBACK, 50) + 1
    assert {c["status"] for c in graphql_calls(server)} == {200}


@pytest.mark.parametrize("kind, field, error, says", [
    ("malformed", None, MalformedResponseError, "not valid JSON"),
    ("drop_field", "data", MalformedResponseError, "without `data`"),
    ("graphql_errors", None, VendorRequestError, "FORBIDDEN: Resource not accessible by integration"),
])
def test_a_bad_answer_fails_the_stream_clearly_and_lands_nothing(gh, no_sleep, tmp_path, kind, field, error, says):
    server, company = gh
    cursor = window_start_cursor(company, 3)
    server.add_fault("github", kind, path_contains="/graphql", times=1, after=1, field=field)
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    state.set("github", "pull_request_reviews", cursor)
    client = github_prs.make_client(connection(server, company), sleep=no_sleep)
    with pytest.raises(error) as failed:
        land_stream(github_prs.PULL_REQUEST_REVIEWS, client, zone, state)
    assert says in str(failed.value) and "Nothing" in str(failed.value)
    assert zone.manifests("github", "pull_request_reviews") == []
    assert state.get("github", "pull_request_reviews") == cursor
    assert no_sleep.waits == [] and len(graphql_calls(server)) == 2  # not a rate limit: not retried


def test_graphql_points_have_their_own_budget(gh, no_sleep, tmp_path):
    server, company = gh
    cursor = window_start_cursor(company, 3)
    now = [0.0]  # the budgets' clock moves only when the client waits

    def sleep(seconds: float) -> None:
        no_sleep(seconds)
        now[0] += seconds

    client = github_prs.make_client(connection(server, company, graphql_requests_per_window=2,
                                               graphql_window_seconds=3600), sleep=sleep)
    rest, graphql = client.budgets
    rest.clock = graphql.clock = lambda: now[0]
    rest._updated = graphql._updated = 0.0
    assert (rest.requests, rest.per_seconds, graphql.requests) == (5000, 3600, 2)
    assert rest.covers(f"{server.github_url}/orgs/x/repos") and not rest.covers(graphql_url(server.github_url))
    assert graphql.covers(graphql_url(server.github_url)) and not graphql.covers(f"{server.github_url}/orgs/x/repos")
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    state.set("github", "pull_request_reviews", cursor)
    land_stream(github_prs.PULL_REQUEST_REVIEWS, client, zone, state)
    calls = len(graphql_calls(server))
    # two points an hour: every GraphQL request after the first two waits 1,800 s for its token; the REST
    # listing of repositories takes none of them (and its own budget of 5,000 never waits)
    assert calls > 2 and no_sleep.waits == [pytest.approx(1800)] * (calls - 2)
    assert client.stats.budget_waits == calls - 2
    assert github_prs.make_client(connection(server, company)).budgets[1].requests == 5000  # GitHub's default


def test_rest_stays_selectable_and_bad_settings_are_refused(gh):
    server, company = gh
    for extra, says in (({"reviews_api": "soap"}, "reviews_api"), ({"graphql_pulls_per_page": 101}, "1 to 100"),
                        ({"graphql_reviews_per_page": 0}, "1 to 100")):
        with pytest.raises(ConnectorError, match=says):
            github_prs.make_client(connection(server, company, **extra))


def test_graphql_endpoint_of_github_and_github_enterprise():
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://api.github.com/") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.acme.example/api/v3") == "https://ghe.acme.example/api/graphql"


def test_review_key_is_the_same_for_both_shapes():
    rest = json.loads((_contracts() / "reviews-documented.json").read_text())[0]
    node = json.loads((_contracts() / "reviews-graphql-documented.json").read_text())
    node = node["data"]["repository"]["pullRequests"]["nodes"][0]["reviews"]["nodes"][0]
    key = list(github_prs.PULL_REQUEST_REVIEWS.primary_key)
    assert record_key(rest, key) == record_key(node, key) == (80,)


def _contracts():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "contracts" / "github"


# --- the simulator's GraphQL endpoint -------------------------------------------------------------------
def _post(server, body, token=True):
    from sandbox import credentials

    headers = {"Authorization": f"Bearer {credentials.GITHUB_TOKEN}"} if token else {}
    return requests.post(f"{server.github_url}/graphql", json=body, headers=headers, timeout=30)


def test_simulator_answers_an_unknown_query_with_graphql_errors(gh):
    server, _ = gh
    answer = _post(server, {"query": "{ viewer { login } }"})
    assert answer.status_code == 200 and "data" not in answer.json()
    assert "viewer" in answer.json()["errors"][0]["message"]
    assert answer.headers["x-ratelimit-resource"] == "graphql"
    assert _post(server, {"variables": {}}).json()["errors"][0]["message"].startswith("A query attribute")
    assert _post(server, {"query": "{ rateLimit { cost } }"}, token=False).status_code == 401


def test_simulator_resolves_a_missing_repository_to_null_with_not_found(gh):
    server, company = gh
    org = company.scenario.company.github_org
    query = 'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { name } ' \
            "rateLimit { cost remaining resetAt } }"
    body = _post(server, {"query": query, "variables": {"owner": org, "name": "nope"}}).json()
    assert body["data"]["repository"] is None and body["data"]["rateLimit"]["cost"] == 1
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == ["repository"]
    query = "query($owner: String!) { repository(owner: $owner, name: \"api\") { pullRequests { totalCount } } }"
    unbounded = _post(server, {"query": query, "variables": {"owner": org}}).json()
    assert "must provide a `first` or `last`" in unbounded["errors"][0]["message"]


def _answer(body: bytes, remaining: str) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = 200, body
    response.headers.update({"content-type": "application/json", "x-ratelimit-remaining": remaining,
                             "x-ratelimit-reset": "1714705200"})
    return response


def test_githubs_rate_limit_answer_is_told_apart_from_an_answer():
    from connectors.github_graphql import rate_limited

    refusal = (_contracts() / "graphql-rate-limited.json").read_bytes()  # GitHub's body, captured
    answer = (_contracts() / "reviews-graphql-documented.json").read_bytes()
    assert rate_limited(_answer(refusal, "0"))
    assert rate_limited(_answer(refusal, "12"))  # RATE_LIMITED without remaining 0: a secondary limit
    assert not rate_limited(_answer(answer, "0"))  # the request that spent the last point still has data
    not_found = b'{"data":{"repository":null},"errors":[{"type":"NOT_FOUND","message":"Could not resolve"}]}'
    assert not rate_limited(_answer(not_found, "4000"))
