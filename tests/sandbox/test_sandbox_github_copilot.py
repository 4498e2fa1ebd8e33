from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from sandbox_testlib import GITHUB_AUTH

from sandbox import credentials
from sandbox.company import Company
from sandbox.records import github_copilot as copilot_records
from sandbox.server import SandboxServer

RATE_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
                "x-ratelimit-resource"}


def _report(server: SandboxServer, day: object, headers: dict[str, str] = GITHUB_AUTH) -> requests.Response:
    return requests.get(f"{server.github_url}/orgs/acme/copilot/metrics/reports/users-1-day",
                        params={"day": str(day)} if day is not None else None, headers=headers)


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_bad_or_missing_token_is_401_with_rate_headers(server: SandboxServer, company: Company) -> None:
    r = _report(server, company.rollout_date, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["message"] == "Bad credentials"
    assert RATE_HEADERS <= set(r.headers)
    assert _report(server, company.rollout_date, headers={}).status_code == 401


def test_token_scheme_is_also_accepted(server: SandboxServer, company: Company) -> None:
    r = _report(server, company.rollout_date + timedelta(days=4),
                headers={"Authorization": f"token {credentials.GITHUB_TOKEN}"})
    assert r.status_code == 200


def test_missing_or_invalid_day_is_400(server: SandboxServer) -> None:
    for day in (None, "2026-13-01", "yesterday"):
        r = _report(server, day)
        assert r.status_code == 400 and r.json()["message"].startswith("Invalid day parameter")


def test_days_before_rollout_or_after_end_are_204(server: SandboxServer, company: Company) -> None:
    for day in (company.rollout_date - timedelta(days=1), company.end_date + timedelta(days=1)):
        r = _report(server, day)
        assert r.status_code == 204 and r.content == b""


@pytest.mark.parametrize("offset", [5, 6])
def test_busy_day_is_split_into_signed_files_ndjson_or_wrapped(server: SandboxServer, company: Company,
                                                               offset: int) -> None:
    # GitHub serves report files as NDJSON and as one pretty-printed object wrapping `day_totals`;
    # the sandbox alternates by day (odd ordinals wrapped)
    day = company.rollout_date + timedelta(days=offset)
    expected = copilot_records.user_day_records(company, day)
    r = _report(server, day)
    assert r.status_code == 200 and RATE_HEADERS <= set(r.headers)
    body = r.json()
    assert body["report_day"] == day.isoformat()
    assert len(body["download_links"]) == -(-len(expected) // 150)  # ceil(n / 150)
    records: list[dict] = []
    for link in body["download_links"]:
        assert link.startswith(server.base_url + "/copilot-reports/") and "sig=" in link and "expires=" in link
        d = requests.get(link)
        assert d.status_code == 200
        if day.toordinal() % 2:
            assert d.headers["content-type"].startswith("application/json") and d.text.startswith("{\n  ")
            wrapper = d.json()
            assert wrapper["report_start_day"] == wrapper["report_end_day"] == day.isoformat()
            records += wrapper["day_totals"]
        else:
            assert d.headers["content-type"].startswith("application/x-ndjson")
            records += [json.loads(line) for line in d.text.splitlines()]
    assert records == expected


def test_user_days_carry_the_2026_fields(company: Company) -> None:
    day = company.rollout_date + timedelta(days=5)
    for record in copilot_records.user_day_records(company, day):
        assert record["used_copilot_coding_agent"] is False and record["used_copilot_cloud_agent"] is False
        assert record["ai_adoption_phase"]["version"] == "v1" and 0 <= record["ai_adoption_phase"]["phase_number"] <= 3
        cli = record.get("totals_by_cli")
        tokens = cli["token_usage"]["output_tokens_sum"] + cli["token_usage"]["prompt_tokens_sum"] if cli else 0
        assert record["ai_credits_used"] == round(
            sum(f["user_initiated_interaction_count"] for f in record["totals_by_feature"]) * 0.8 + tokens / 10_000, 2)


def test_download_with_authorization_header_is_400(server: SandboxServer, company: Company) -> None:
    link = _report(server, company.rollout_date + timedelta(days=5)).json()["download_links"][0]
    r = requests.get(link, headers=GITHUB_AUTH)
    assert r.status_code == 400 and "InvalidAuthenticationInfo" in r.text


def test_tampered_or_expired_signature_is_403(server: SandboxServer, company: Company) -> None:
    link = _report(server, company.rollout_date + timedelta(days=5)).json()["download_links"][0]
    r = requests.get(link.replace("sig=", "sig=00"))
    assert r.status_code == 403 and "AuthenticationFailed" in r.text
    parsed = urlparse(link)
    opaque = parsed.path.rsplit("/", 1)[1]
    past = int(time.time()) - 10
    sig = hmac.new(server.state.signing_key, f"{opaque}:{past}".encode(), hashlib.sha256).hexdigest()
    r = requests.get(f"{server.base_url}{parsed.path}?sig={sig}&expires={past}")
    assert r.status_code == 403 and "expiry" in r.text
    assert parse_qs(parsed.query)["expires"][0].isdigit()


def test_seats_pages_follow_link_header_to_every_seat(server: SandboxServer, company: Company) -> None:
    url: str | None = f"{server.github_url}/orgs/acme/copilot/billing/seats"
    seen: list[object] = []
    pages = 0
    while url:
        r = requests.get(url, headers=GITHUB_AUTH)
        assert r.status_code == 200
        body = r.json()
        assert body["total_seats"] == len(copilot_records.seats(company))
        links = _links(r.headers.get("link", ""))
        pages += 1
        if pages == 1:
            assert set(links) == {"next", "last"}
            assert parse_qs(urlparse(links["last"]).query)["page"] == ["9"]  # ceil(430 seats / 50)
        elif "next" in links:
            assert {"prev", "first"} <= set(links)
        seen += [s["assignee"]["id"] if s["assignee"] else None for s in body["seats"]]
        url = links.get("next")
    assert pages == -(-len(copilot_records.seats(company)) // 50)
    assert len(seen) == len(copilot_records.seats(company)) and seen.count(None) == 1
    assert len(set(seen)) == len(seen)


def test_seats_per_page_is_capped_at_100(server: SandboxServer) -> None:
    r = requests.get(f"{server.github_url}/orgs/acme/copilot/billing/seats", headers=GITHUB_AUTH,
                     params={"per_page": 500})
    assert len(r.json()["seats"]) == 100


def test_wrong_org_is_404_with_github_error_body(server: SandboxServer) -> None:
    r = requests.get(f"{server.github_url}/orgs/other/copilot/billing/seats", headers=GITHUB_AUTH)
    assert r.status_code == 404
    assert r.json()["message"] == "Not Found" and r.json()["status"] == "404" and "documentation_url" in r.json()


def test_billing_summary_bills_every_seat_plus_headroom(server: SandboxServer, company: Company) -> None:
    r = requests.get(f"{server.github_url}/orgs/acme/copilot/billing", headers=GITHUB_AUTH)
    assert r.status_code == 200
    body = r.json()
    listed = requests.get(f"{server.github_url}/orgs/acme/copilot/billing/seats", headers=GITHUB_AUTH,
                          params={"per_page": 1}).json()["total_seats"]
    breakdown = body["seat_breakdown"]
    assert breakdown["total"] == listed + -(-listed * 5 // 100)  # 5% headroom, rounded up
    assert breakdown["active_this_cycle"] + breakdown["inactive_this_cycle"] == listed
    assert body["plan_type"] == "business"
    assert requests.get(f"{server.github_url}/orgs/other/copilot/billing", headers=GITHUB_AUTH).status_code == 404
