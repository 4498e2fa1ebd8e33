"""Zendesk, Harvest and Microsoft Graph users on public payloads (provenance: <source>/PROVENANCE.md).

Each payload is served unchanged from 127.0.0.1, landed by its connector with its landing suite, and
staged by dbt; expected values are read off the payloads by hand.
"""

from __future__ import annotations

from datetime import date, datetime

from connectors.errors import DataQualityError
from tests.contracts.conftest import rows


def outcome(landing, key: str):
    landed = landing[2]
    return landed.results.get(key, []), landed.errors.get(key, [])


# --- Zendesk -------------------------------------------------------------------------------------------
def test_zendesk_export_without_metric_sets_is_refused_naming_the_column(contract_landing):
    results, errors = outcome(contract_landing, "zendesk/tickets")
    # the export carries no `metric_set` (it was made without include=metric_sets): resolution times,
    # which staging relies on, are absent from every record, so the batch must not land
    assert results == []
    (error,) = errors
    assert isinstance(error, DataQualityError)
    assert "column 'metric_set.full_resolution_time_in_minutes.calendar' is missing from every one of the 1" \
        in str(error)
    assert "quarantined" in str(error)
    _, zone, _ = contract_landing
    assert zone.manifests("zendesk", "tickets") == []


def test_zendesk_users_land_and_stage(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "zendesk/users")
    assert errors == [] and [r.records for r in results] == [1]
    got = rows(contract_warehouse, """
        select zendesk_user_id, email, user_name, role, iana_time_zone, is_active, is_suspended, default_group_id,
               created_at, updated_at
        from staging.stg_zendesk__users""")
    assert got == [(6128164851599, "integration-test+amberblanchard@airbyte.io", "AmberBlanchard", "end-user",
                    "Pacific/Noumea", True, False, None, datetime(2022, 12, 29, 8, 56, 24),
                    datetime(2023, 2, 1, 7, 41, 46))]


# --- Harvest -------------------------------------------------------------------------------------------
def test_harvest_time_entry_lands_and_stages(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "harvest/time_entries")
    assert errors == [] and [r.records for r in results] == [1]
    assert results[0].cursor_after == "2024-01-15T12:30:00Z"  # the entry's updated_at is the new high-water mark
    got = rows(contract_warehouse, """
        select time_entry_id, user_id, user_name, task_id, task_name, project_id, project_name, client_name,
               hours, rounded_hours, is_billable, is_running, spent_date, created_at
        from staging.stg_harvest__time_entries""")
    assert got == [(636709355, 1782884, "John Doe", 8083365, "Development", 14307913, "Online Store - Phase 1",
                    "ABC Corp", 3.5, 3.5, True, False, date(2024, 1, 15), datetime(2024, 1, 15, 12, 30))]


# --- Microsoft Graph users ------------------------------------------------------------------------------
def test_graph_list_users_example_lands_and_stages(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "msgraph/users")
    assert errors == [] and [r.records for r in results] == [2]
    got = rows(contract_warehouse, """
        select user_id, user_principal_name, mail, display_name, department, job_title, manager_user_id
        from staging.stg_msgraph__users order by user_id""")
    assert got == [
        ("4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "admin@contoso.com", None, "MOD Administrator", None, None, None),
        ("6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", "Adams@contoso.com", "Adams@contoso.com", "Conf Room Adams", None,
         None, None),
    ]


def test_graph_subscribed_skus_example_lands_and_gives_purchased_seats(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "msgraph/subscribed_skus")
    assert errors == [] and [r.records for r in results] == [2]
    got = rows(contract_warehouse, """
        select sku_part_number, capability_status, prepaid_enabled, prepaid_suspended, prepaid_locked_out,
               consumed_units
        from staging.stg_msgraph__subscribed_skus order by sku_part_number""")
    assert got == [("CRMSTANDARD", "Suspended", 0, 25, None, 14), ("ENTERPRISEPREMIUM", "Enabled", 25, 0, None, 14)]
    # both SKUs count as Copilot here (conftest.COPILOT_SKUS): purchased = enabled units only, 25 + 0
    assert rows(contract_warehouse, "select seats_purchased from intermediate.int_seats_purchased "
                                    "where tool = 'm365_copilot'") == [(25,)]


# --- Jira ----------------------------------------------------------------------------------------------
def test_jira_search_with_changelog_lands_and_stages(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "jira/issues")
    assert errors == [] and [r.records for r in results] == [1]
    assert results[0].cursor_after == 1714753211123  # fields.updated 2024-05-03T16:20:11.123+0000 in epoch ms
    got = rows(contract_warehouse, """
        select issue_id, issue_key, status_id, status_category_id, assignee_account_id, assignee_email,
               changelog_total, changelog_histories, created_at, resolved_at
        from staging.stg_jira__issues""")
    assert got == [("10042", "ENG-42", "10002", 3, "5b10ac8d82e05b22cc7d4ef5", "ana@acme.com", 2, 2,
                    datetime(2024, 5, 1, 9), datetime(2024, 5, 3, 16, 20, 11))]
    changes = rows(contract_warehouse, """
        select from_status_id, to_status_id, changed_at from staging.stg_jira__issue_status_changes
        order by changed_at""")
    assert changes == [("10000", "3", datetime(2024, 5, 2, 8)), ("3", "10002", datetime(2024, 5, 3, 16, 20, 11))]


def test_jira_users_without_names_land_keyed_by_account(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "jira/users")
    assert errors == [] and [r.records for r in results] == [2]
    got = rows(contract_warehouse, """
        select account_id, account_type, display_name, email, is_active from staging.stg_jira__users order by 1""")
    assert got == [("1", "atlassian", None, "integration-test@airbyte.io", None),
                   ("2", "atlassian", None, "integration-test@airbyte.io", None)]


# --- GitHub pull requests ------------------------------------------------------------------------------
def test_github_pull_request_and_review_land_and_stage(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "github/pull_requests")
    assert errors == [] and [r.records for r in results] == [1]
    # the REST review list (one review), then the GraphQL answer for the same pull request (two review nodes)
    results, errors = outcome(contract_landing, "github/pull_request_reviews")
    assert errors == [] and [r.records for r in results] == [1, 2]
    prs = rows(contract_warehouse, """
        select pull_request_id, pull_request_number, repo_full_name, author_login, is_merged, created_at, merged_at
        from staging.stg_github__pull_requests""")
    assert prs == [(1834567890, 1347, "acme/api", "octocat", True, datetime(2024, 5, 1, 9),
                    datetime(2024, 5, 3, 11, 59))]
    # review 80 landed both ways is one row, the later (GraphQL) batch's: its commit is the full oid
    reviews = rows(contract_warehouse, """
        select review_id, repo_full_name, pull_request_number, reviewer_user_id, reviewer_login, state,
               author_association, commit_id, submitted_at
        from staging.stg_github__pull_request_reviews order by review_id""")
    assert reviews == [
        (80, "acme/api", 1347, 2, "reviewer1", "APPROVED", "MEMBER", "6dcb09b5b57875f334f61aebed695e2e4193db5e",
         datetime(2024, 5, 2, 15)),
        (81, "acme/api", 1347, None, "hubot", "COMMENTED", "CONTRIBUTOR", "6dcb09b5b57875f334f61aebed695e2e4193db5e",
         datetime(2024, 5, 2, 16, 30)),
    ]


def test_harvest_users_and_jira_statuses_land_and_stage(contract_landing, contract_warehouse):
    for key in ("harvest/users", "jira/statuses"):
        results, errors = outcome(contract_landing, key)
        assert errors == [], key
    assert [r.records for r in outcome(contract_landing, "harvest/users")[0]] == [1]
    assert [r.records for r in outcome(contract_landing, "jira/statuses")[0]] == [2]
    users = rows(contract_warehouse, """
        select harvest_user_id, email, first_name, last_name, time_zone, is_active, is_contractor, created_at
        from staging.stg_harvest__users""")
    assert users == [(1782884, "john.doe@example.com", "John", "Doe", "America/New_York", True, False,
                      datetime(2023, 1, 5, 10))]
    statuses = rows(contract_warehouse, """
        select status_id, status_name, status_category_key, status_category_id from staging.stg_jira__statuses
        order by status_id""")
    assert statuses == [("10000", "To Do", "new", 2), ("3", "In Progress", "indeterminate", 4)]
