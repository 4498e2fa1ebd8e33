"""The shared HTTP client: Retry-After, give-up messages, no retry on auth errors, no secrets leaked."""

from __future__ import annotations

import pytest

from connectors import github_copilot, zendesk
from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError, VendorAuthError, VendorUnavailableError
from connectors.http import RetryPolicy, parse_retry_after

SEATS = "/orgs/acme/copilot/billing/seats"


def test_retry_after_seconds_is_honoured_then_request_succeeds(sandbox, connections, no_sleep):
    sandbox.add_fault("zendesk", "status", path_contains="/api/v2/users", status=429, retry_after=7, times=2)
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    body = client.get_json("api/v2/users", params={"page[size]": 100})
    assert len(body["users"]) > 0
    assert no_sleep.waits == [7.0, 7.0]  # exactly what the vendor asked for, not our own backoff
    statuses = [r["status"] for r in sandbox.requests if r["path"].endswith("/api/v2/users")]
    assert statuses == [429, 429, 200]


def test_a_retry_after_beyond_the_cap_is_cut_to_the_cap_and_retried(sandbox, connections, no_sleep):
    sandbox.add_fault("zendesk", "status", path_contains="/api/v2/users", status=429, retry_after=7200, times=1)
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep, retry=RetryPolicy(max_retry_after=900))
    assert len(client.get_json("api/v2/users", params={"page[size]": 100})["users"]) > 0
    assert no_sleep.waits == [900.0]


def test_5xx_burst_without_retry_after_backs_off_exponentially(sandbox, connections, no_sleep):
    sandbox.add_fault("github", "status", path_contains=SEATS, status=502, times=3)
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep,
                                        retry=RetryPolicy(backoff_initial=1.0, backoff_max=60))
    assert "seats" in client.get_json(SEATS.lstrip("/"))
    assert len(no_sleep.waits) == 3
    # full-jitter window doubles each time: [0.5,1], [1,2], [2,4]
    for wait, ceiling in zip(no_sleep.waits, (1, 2, 4), strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_github_rate_limit_403_waits_until_reset(sandbox, connections, no_sleep):
    sandbox.add_fault("github", "status", path_contains=SEATS, status=403, times=1)
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep)
    # GitHub's primary rate limit is a 403 with x-ratelimit-remaining: 0; it is retried, not an auth error.
    assert "seats" in client.get_json(SEATS.lstrip("/"))
    assert len(no_sleep.waits) == 1 and 0 <= no_sleep.waits[0] <= 3600


def test_gives_up_after_budget_with_clear_error(sandbox, connections, no_sleep):
    sandbox.add_fault("zendesk", "status", path_contains="/api/v2/users", status=503, retry_after=1, times=50)
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep, retry=RetryPolicy(max_attempts=4))
    with pytest.raises(VendorUnavailableError) as err:
        client.get_json("api/v2/users")
    message = str(err.value)
    assert "Zendesk" in message and "/zendesk/api/v2/users" in message and "4 attempts" in message
    assert "HTTP 503" in message
    assert no_sleep.waits == [1.0, 1.0, 1.0]


def test_401_is_not_retried_and_names_the_fix(sandbox, connections, no_sleep):
    good = connections["zendesk"]
    bad = ConnectionConfig(good.conn_id, good.host, good.login, "wrong-token-123456", good.extra)
    client = zendesk.make_client(bad, sleep=no_sleep)
    with pytest.raises(VendorAuthError) as err:
        client.get_json("api/v2/users")
    assert "401" in str(err.value) and "token" in str(err.value)
    assert "wrong-token-123456" not in str(err.value)
    assert no_sleep.waits == []
    assert [r["status"] for r in sandbox.requests] == [401]


def test_404_unknown_org_is_final(sandbox, connections, no_sleep):
    good = connections["github_copilot"]
    other = ConnectionConfig(good.conn_id, good.host, None, good.password, {**good.extra, "org": "nope"})
    client = github_copilot.make_client(other, sleep=no_sleep)
    with pytest.raises(Exception) as err:
        client.get_json("orgs/nope/copilot/billing/seats")
    assert "404" in str(err.value) and "nope" in str(err.value)
    assert len(sandbox.requests) == 1


def test_malformed_json_is_a_clear_error(sandbox, connections, no_sleep):
    sandbox.add_fault("zendesk", "malformed", path_contains="/api/v2/users", times=1)
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError) as err:
        client.get_json("api/v2/users")
    assert "not valid JSON" in str(err.value) and "Zendesk" in str(err.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0), ("soon", None), (None, None)],
)
def test_parse_retry_after_accepts_seconds_and_http_dates(header, expected):
    now = 1445412470.0  # ten seconds before the HTTP date above
    assert parse_retry_after(header, now=now) == expected


def test_request_budget_waits_before_sending_once_the_burst_is_spent():
    from connectors.budget import RequestBudget

    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    budget = RequestBudget(100, 15, clock=lambda: now[0])  # Harvest: 100 requests per 15 seconds
    for _ in range(100):
        budget.take(sleep)
    assert waits == []
    budget.take(sleep)
    assert waits == [pytest.approx(0.15)]  # one request's share of the window
    now[0] += 15  # a quiet window refills the bucket, never beyond one burst
    for _ in range(100):
        budget.take(sleep)
    assert len(waits) == 1
    budget.take(sleep)
    assert len(waits) == 2


def test_a_vendor_budget_spaces_requests_before_the_vendor_has_to_refuse_any(sandbox, connections, no_sleep):
    from connectors import harvest
    from connectors.budget import RequestBudget

    now = [0.0]  # the budget's clock moves only when the client waits

    def sleep(seconds: float) -> None:
        no_sleep(seconds)
        now[0] += seconds

    client = harvest.make_client(connections["harvest"], sleep=sleep)
    client.budgets = (RequestBudget(2, 1, clock=lambda: now[0]),)
    for _ in range(5):
        client.get_json("v2/users")
    assert no_sleep.waits == [pytest.approx(0.5)] * 3
    assert client.stats.budget_waits == 3 and client.stats.retries == 0
    assert [r["status"] for r in sandbox.requests if r["path"].endswith("/v2/users")] == [200] * 5


def test_documented_limits_are_the_default_budgets(connections):
    from connectors import github_prs, harvest

    def rates(client):
        return [(b.path_contains, pytest.approx(b.rate)) for b in client.budgets]

    assert rates(harvest.make_client(connections["harvest"])) == [("", 100 / 15)]
    # REST requests and GraphQL points are two budgets of 5,000 an hour (a GraphQL request is not a REST one)
    assert rates(github_prs.make_client(connections["github"])) == [("", 5000 / 3600), ("/graphql", 5000 / 3600)]
    conn = connections["zendesk"]
    real = ConnectionConfig(conn.conn_id, conn.host, conn.login, conn.password, {})
    assert rates(zendesk.make_client(real)) == [("", 200 / 60), ("/incremental/", 10 / 60)]
    off = ConnectionConfig(conn.conn_id, conn.host, conn.login, conn.password, {"requests_per_window": 0})
    assert rates(zendesk.make_client(off)) == [("/incremental/", 10 / 60)]
    conn = connections["harvest"]
    tight = ConnectionConfig(conn.conn_id, conn.host, conn.login, conn.password,
                             {**conn.extra, "requests_per_window": 2, "window_seconds": 1})
    assert rates(harvest.make_client(tight)) == [("", 2.0)]
