from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from sandbox_testlib import GITHUB_AUTH, ZENDESK_AUTH, graph_token, small_scenario

from sandbox import credentials
from sandbox.company import Company, generate_company
from sandbox.records import github_copilot as copilot_records
from sandbox.server import SandboxServer
from sandbox.vendors.faults import FaultError


def _export(server: SandboxServer, **params: object) -> requests.Response:
    return requests.get(f"{server.zendesk_url}/api/v2/incremental/tickets/cursor.json",
                        params={"start_time": 0, "per_page": 100, **params}, headers=ZENDESK_AUTH)


def test_status_fault_over_http_fires_n_times_then_stops(server: SandboxServer) -> None:
    token = graph_token(server)
    r = requests.post(f"{server.base_url}/_sandbox/faults", json={
        "vendor": "msgraph", "path_contains": "/users", "kind": "status", "status": 503, "times": 2,
        "retry_after": 3})
    assert r.status_code == 201
    got = [requests.get(f"{server.graph_url}/users", headers={"Authorization": f"Bearer {token}"})
           for _ in range(3)]
    assert [g.status_code for g in got] == [503, 503, 200]
    assert got[0].headers["Retry-After"] == "3"
    assert requests.get(f"{server.base_url}/_sandbox/faults").json() == {"faults": []}


def test_zendesk_429_fault_is_text_with_retry_after(server: SandboxServer) -> None:
    server.add_fault("zendesk", "status", path_contains="incremental/tickets", status=429, retry_after=2)
    r = _export(server)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert r.text == "Number of allowed API requests per minute exceeded"
    assert _export(server).status_code == 200


def test_github_rate_limit_fault_sends_remaining_zero_and_reset(server: SandboxServer, company: Company) -> None:
    server.add_fault("github", "status", path_contains="billing/seats", status=403)
    r = requests.get(f"{server.github_url}/orgs/acme/copilot/billing/seats", headers=GITHUB_AUTH)
    assert r.status_code == 403 and r.headers["x-ratelimit-remaining"] == "0"
    assert int(r.headers["x-ratelimit-reset"]) > 0 and "rate limit" in r.json()["message"]
    server.add_fault("github", "status", path_contains="billing/seats", status=429, retry_after=5)
    r = requests.get(f"{server.github_url}/orgs/acme/copilot/billing/seats", headers=GITHUB_AUTH)
    assert r.status_code == 429 and r.headers["retry-after"] == "5" and "secondary" in r.json()["message"]


def test_empty_page_fault_keeps_the_cursor_in_place(server: SandboxServer) -> None:
    normal = _export(server).json()
    server.add_fault("zendesk", "empty_page", path_contains="incremental/tickets")
    empty = _export(server).json()
    assert empty["tickets"] == [] and empty["end_of_stream"] is False
    resumed = requests.get(empty["after_url"], headers=ZENDESK_AUTH).json()
    assert [t["id"] for t in resumed["tickets"]] == [t["id"] for t in normal["tickets"]]


def test_malformed_fault_returns_truncated_json(server: SandboxServer) -> None:
    server.add_fault("zendesk", "malformed", path_contains="incremental/tickets")
    r = _export(server)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)


def test_no_data_fault_turns_a_report_day_into_204(server: SandboxServer, company: Company) -> None:
    day = (company.rollout_date + timedelta(days=5)).isoformat()
    server.add_fault("github", "no_data", path_contains=f"day={day}")
    url = f"{server.github_url}/orgs/acme/copilot/metrics/reports/users-1-day"
    assert requests.get(url, params={"day": day}, headers=GITHUB_AUTH).status_code == 204
    assert requests.get(url, params={"day": day}, headers=GITHUB_AUTH).status_code == 200


def test_faults_only_match_their_vendor_and_path(server: SandboxServer) -> None:
    server.add_fault("zendesk", "status", path_contains="/users", status=500)
    assert _export(server).status_code == 200
    r = requests.get(f"{server.zendesk_url}/api/v2/users", headers=ZENDESK_AUTH)
    assert r.status_code == 500


def test_delete_clears_faults_and_invalid_faults_are_rejected(server: SandboxServer) -> None:
    server.add_fault("zendesk", "status", status=500, times=5)
    assert requests.delete(f"{server.base_url}/_sandbox/faults").json() == {"faults": []}
    assert _export(server).status_code == 200
    bad = requests.post(f"{server.base_url}/_sandbox/faults", json={"vendor": "servicenow", "kind": "status"})
    assert bad.status_code == 400 and "unknown vendor" in bad.json()["error"]
    with pytest.raises(FaultError):
        server.add_fault("github", "empty_page")


def test_token_endpoint_fault(server: SandboxServer) -> None:
    server.add_fault("login", "status", status=500)
    r = requests.post(f"{server.login_url}/{credentials.MS_TENANT_ID}/oauth2/v2.0/token", data={})
    assert r.status_code == 500
    assert graph_token(server)


def test_request_log_shows_downloads_without_token_and_hides_secrets(server: SandboxServer,
                                                                      company: Company) -> None:
    server.clear_requests()
    day = (company.rollout_date + timedelta(days=5)).isoformat()
    links = requests.get(f"{server.github_url}/orgs/acme/copilot/metrics/reports/users-1-day",
                         params={"day": day}, headers=GITHUB_AUTH).json()["download_links"]
    for link in links:
        requests.get(link)
    graph_token(server)
    log = requests.get(f"{server.base_url}/_sandbox/requests").json()["requests"]
    assert log == server.requests
    downloads = [e for e in log if e["vendor"] == "copilot_reports"]
    assert len(downloads) == len(links) and not any(e["authorization"] for e in downloads)
    assert all(e["status"] == 200 for e in downloads) and "sig=***" in downloads[0]["query"]
    report = next(e for e in log if e["vendor"] == "github")
    assert report["authorization"] is True and report["method"] == "GET"
    dumped = json.dumps(log)
    for secret in (credentials.GITHUB_TOKEN, credentials.MS_CLIENT_SECRET, credentials.ZENDESK_API_TOKEN):
        assert secret not in dumped


def test_report_links_expire_after_the_configured_ttl() -> None:
    import time
    company = generate_company(small_scenario(github={"report_link_ttl_seconds": 1}))
    with SandboxServer(company) as srv:
        day = copilot_records.active_days(company)[1].isoformat()
        links = requests.get(f"{srv.github_url}/orgs/acme/copilot/metrics/reports/users-1-day",
                             params={"day": day}, headers=GITHUB_AUTH).json()["download_links"]
        time.sleep(1.1)
        r = requests.get(links[0])
        assert r.status_code == 403 and "expiry" in r.text


def _users(server: SandboxServer, url: str | None = None) -> requests.Response:
    return requests.get(url or f"{server.zendesk_url}/api/v2/users", params=None if url else {"page[size]": 10},
                        headers=ZENDESK_AUTH)


def test_html_fault_answers_a_proxy_page_with_the_status_asked_for(server: SandboxServer) -> None:
    server.add_fault("zendesk", "html", path_contains="/api/v2/users", status=502)
    server.add_fault("zendesk", "html", path_contains="/api/v2/users")
    bad_gateway, ok_but_html = _users(server), _users(server)
    assert bad_gateway.status_code == 502 and "<h1>502 Bad Gateway</h1>" in bad_gateway.text
    assert bad_gateway.headers["content-type"].startswith("text/html")
    assert ok_but_html.status_code == 200 and ok_but_html.text.startswith("<!DOCTYPE html>")
    assert _users(server).json()["users"]


def test_repeat_page_fault_serves_the_previous_page_again_with_its_next_link(server: SandboxServer) -> None:
    first = _users(server).json()
    server.add_fault("zendesk", "repeat_page", path_contains="/api/v2/users")
    _users(server)  # the first page, remembered
    repeated = _users(server, first["links"]["next"]).json()
    assert repeated == first  # asked for page 2, got page 1 and its link to page 2 again
    second = _users(server, first["links"]["next"]).json()
    assert {u["id"] for u in second["users"]}.isdisjoint(u["id"] for u in first["users"])


def test_field_faults_drop_rename_add_and_withhold_after_the_first_requests(server: SandboxServer) -> None:
    normal = _users(server).json()["users"]
    server.add_fault("zendesk", "drop_field", path_contains="/api/v2/users", field="email", after=1)
    assert all("email" in u for u in _users(server).json()["users"])  # let through: after=1
    assert all("email" not in u for u in _users(server).json()["users"])
    server.add_fault("zendesk", "rename_field", path_contains="/api/v2/users", field="email", rename_to="mail")
    assert [u["mail"] for u in _users(server).json()["users"]] == [u["email"] for u in normal]
    server.add_fault("zendesk", "add_field", path_contains="/api/v2/users", field="shoe_size", value=42)
    body = _users(server).json()
    assert all(u["shoe_size"] == 42 for u in body["users"]) and "shoe_size" not in body["links"]
    server.add_fault("zendesk", "withhold", path_contains="/api/v2/users", field="id", value=normal[0]["id"])
    assert [u["id"] for u in _users(server).json()["users"]] == [u["id"] for u in normal[1:]]
    with pytest.raises(FaultError, match="needs a field"):
        server.add_fault("zendesk", "drop_field")


def test_github_graphql_rate_limited_fault_is_a_200_with_errors_and_remaining_zero(server: SandboxServer,
                                                                                   company: Company) -> None:
    import time

    query = {"query": "query { rateLimit { cost remaining resetAt } }"}
    server.add_fault("github", "rate_limited", path_contains="/graphql")
    # a REST request of the same vendor leaves a GraphQL-only fault armed
    assert requests.get(f"{server.github_url}/orgs/{company.scenario.company.github_org}/repos",
                        headers=GITHUB_AUTH).status_code == 200
    refused = requests.post(f"{server.github_url}/graphql", json=query, headers=GITHUB_AUTH)
    assert refused.status_code == 200 and refused.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["x-ratelimit-reset"]) - time.time() <= 61
    assert refused.headers["x-ratelimit-resource"] == "graphql"
    assert refused.json() == {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}
    answered = requests.post(f"{server.github_url}/graphql", json=query, headers=GITHUB_AUTH)
    assert answered.status_code == 200 and answered.json()["data"]["rateLimit"]["cost"] == 1
    assert int(answered.headers["x-ratelimit-remaining"]) == answered.json()["data"]["rateLimit"]["remaining"]


def test_github_graphql_takes_status_and_error_faults_and_checks_the_token(server: SandboxServer) -> None:
    query = {"query": "query { rateLimit { cost } }"}
    server.add_fault("github", "status", path_contains="/graphql", status=502)
    assert requests.post(f"{server.github_url}/graphql", json=query, headers=GITHUB_AUTH).status_code == 502
    server.add_fault("github", "graphql_errors", path_contains="/graphql",
                     body={"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}]})
    answer = requests.post(f"{server.github_url}/graphql", json=query, headers=GITHUB_AUTH)
    assert answer.status_code == 200 and answer.json()["errors"][0]["type"] == "NOT_FOUND"
    assert requests.post(f"{server.github_url}/graphql", json=query).status_code == 401
    with pytest.raises(FaultError, match="only applies to vendor 'github'"):
        server.add_fault("zendesk", "rate_limited")
