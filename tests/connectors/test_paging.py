"""Every paging style stops at the right place and loses or duplicates no record."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from connectors import github_copilot, jira, msgraph, zendesk
from connectors.errors import MalformedResponseError
from connectors.pagination import link_header_pages, odata_pages
from connectors.streams import ExtractContext
from sandbox.records import github_copilot as copilot_records
from sandbox.records import msgraph as graph_records
from sandbox.records import zendesk as zendesk_records


def _all(stream, client, cursor=None):
    ctx = ExtractContext(cursor_before=cursor)
    pages = list(stream.extract(client, ctx))
    return pages, ctx


def test_graph_nextlink_paging_returns_every_user_once(sandbox, connections, company, no_sleep):
    client = msgraph.make_client(connections["msgraph"], sleep=no_sleep)
    pages = list(odata_pages(client, "users", {"$select": "id,mail", "$top": 50}))
    ids = [u["id"] for page in pages for u in page]
    expected = {u["id"] for u in graph_records.graph_users(company)}
    assert len(pages) == -(-len(expected) // 50)  # ceil: the last page has no nextLink
    assert Counter(ids) == Counter(expected)


def test_graph_token_is_fetched_once_and_reused(sandbox, connections, no_sleep):
    client = msgraph.make_client(connections["msgraph"], sleep=no_sleep)
    list(odata_pages(client, "users", {"$top": 100}))
    token_calls = [r for r in sandbox.requests if r["path"].endswith("/oauth2/v2.0/token")]
    graph_calls = [r for r in sandbox.requests if r["path"].endswith("/v1.0/users")]
    assert len(token_calls) == 1 and len(graph_calls) >= 2


def test_github_link_header_paging_covers_all_seats(sandbox, connections, company, no_sleep):
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep)
    pages = list(link_header_pages(client, "orgs/acme/copilot/billing/seats", {"per_page": 37}, "seats"))
    seats = [s for page in pages for s in page]
    assert len(pages) == -(-len(copilot_records.seats(company)) // 37)
    assert len(seats) == len(copilot_records.seats(company))

    def key(seat):
        return ((seat["assignee"] or {}).get("id"), seat["created_at"])

    assert Counter(map(key, seats)) == Counter(map(key, copilot_records.seats(company)))


def test_copilot_days_follow_signed_links_without_the_token(sandbox, connections, company, no_sleep):
    rollout = company.truth["rollout_date"]
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep)
    client.settings = {**client.settings, "start_date": (rollout - timedelta(days=2)).isoformat()}
    days = [rollout - timedelta(days=2) + timedelta(days=i) for i in range(6)]
    # stop the window early: only look at the pages of the first six days
    ctx = ExtractContext(cursor_before=None)
    records = []
    for page in github_copilot.USERS_DAILY.extract(client, ctx):
        records.extend(page.records)
        if page.cursor == days[-1].isoformat():
            break
    expected = [r for d in days for r in copilot_records.user_day_records(company, d)]
    assert len(expected) > 0
    assert Counter((r["day"], r["user_id"]) for r in records) == Counter((r["day"], r["user_id"]) for r in expected)
    downloads = [r for r in sandbox.requests if r["path"].startswith("/copilot-reports/")]
    assert downloads and not any(r["authorization"] for r in downloads)
    assert all(r["status"] == 200 for r in downloads)
    # days before the rollout answer 204 and are skipped, not failed
    assert ctx.notes["days_without_data"][:2] == [d.isoformat() for d in days[:2]]


def test_copilot_multi_file_day_is_concatenated(sandbox, connections, company, no_sleep):
    rollout = company.truth["rollout_date"]
    days = [rollout + timedelta(days=i) for i in range(30)]
    busiest = max(days, key=lambda d: len(copilot_records.user_day_records(company, d)))
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep)
    body = client.get_json("orgs/acme/copilot/metrics/reports/users-1-day", params={"day": busiest.isoformat()})
    assert len(body["download_links"]) >= 2, "scenario should split busy days over several files"
    from connectors.pagination import signed_download_records

    got = [r for chunk in signed_download_records(client, body["download_links"]) for r in chunk]
    assert len(got) == len(copilot_records.user_day_records(company, busiest))


def test_zendesk_empty_page_before_end_of_stream_keeps_paging(sandbox, connections, company, no_sleep):
    sandbox.add_fault("zendesk", "empty_page", path_contains="cursor=", times=2)
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    pages, _ = _all(zendesk.TICKETS, client)
    ids = [t["id"] for p in pages for t in p.records]
    assert sum(1 for p in pages if not p.records) >= 2
    assert Counter(ids) == Counter(t["id"] for t in zendesk_records.tickets(company))
    assert pages[-1].cursor  # the state to resume from


def test_zendesk_cursor_resume_sees_nothing_new_and_duplicates_nothing(sandbox, connections, no_sleep):
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    pages, _ = _all(zendesk.TICKETS, client)
    again, _ = _all(zendesk.TICKETS, client, cursor=pages[-1].cursor)
    assert sum(len(p.records) for p in again) == 0
    assert again[-1].cursor  # an exhausted cursor still gives a cursor to keep


def test_zendesk_users_links_next_paging(sandbox, connections, company, no_sleep):
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    pages, _ = _all(zendesk.USERS, client)
    expected = Counter(u["id"] for u in zendesk_records.users(company))
    assert Counter(u["id"] for p in pages for u in p.records) == expected


def test_a_page_served_twice_stops_the_stream_instead_of_landing_its_records_twice(sandbox, connections, no_sleep):
    # Zendesk answers the request for page 2 with page 1 again (and page 1's link to page 2): following the
    # link blindly lands page 1's tickets twice in one batch
    sandbox.add_fault("zendesk", "repeat_page", path_contains="incremental/tickets")
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError, match="repeating pages at api/v2/incremental/tickets"):
        _all(zendesk.TICKETS, client)


def test_a_next_page_token_that_never_changes_stops_after_two_pages_not_max_pages(sandbox, connections, no_sleep):
    sandbox.add_fault("jira", "repeat_page", path_contains="search/jql", times=100_000)
    client = jira.make_client(connections["jira"], sleep=no_sleep)
    with pytest.raises(MalformedResponseError, match="repeating pages at rest/api/3/search/jql"):
        _all(jira.ISSUES, client)
    searches = [r for r in sandbox.requests if r["path"].endswith("/search/jql")]
    assert len(searches) <= 3  # page 1, page 2 answered with page 1, and nothing more
