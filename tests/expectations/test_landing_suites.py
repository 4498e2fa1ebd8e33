"""The landing suites accept the vendors' documented example payloads and reject broken batches."""

from __future__ import annotations

import copy

import pytest

from connectors import github_copilot, msgraph, zendesk

# Zendesk's documented cursor-export ticket with its metric_set (Zendesk API docs), unchanged.
ZENDESK_TICKET = {
    "id": 35436, "url": "https://acme.zendesk.com/api/v2/tickets/35436.json",
    "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-02T10:30:00Z",
    "generated_timestamp": 1714645860,
    "status": "solved", "type": "incident", "priority": "normal",
    "requester_id": 20978392, "assignee_id": 235323, "group_id": 98738, "organization_id": 509974,
    "tags": ["billing"], "custom_fields": [{"id": 27642, "value": "745"}],
    "via": {"channel": "web"},
    "metric_set": {"id": 5527084754447, "ticket_id": 35436,
                   "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-02T10:30:00Z",
                   "reopens": 0, "replies": 2, "solved_at": "2024-05-02T10:30:00Z",
                   "reply_time_in_minutes": {"calendar": 34, "business": 12},
                   "first_resolution_time_in_minutes": {"calendar": 1530, "business": 480},
                   "full_resolution_time_in_minutes": {"calendar": 1530, "business": 480}},
}
# GitHub's documented users-1-day record (GitHub's Copilot usage metrics API docs), trimmed of breakdown arrays.
COPILOT_DAY = {
    "report_start_day": "2025-09-04", "report_end_day": "2025-10-01", "day": "2025-10-01",
    "enterprise_id": "1", "organization_id": "42", "user_id": 1, "user_login": "login1",
    "user_initiated_interaction_count": 0, "code_generation_activity_count": 1, "code_acceptance_activity_count": 1,
    "loc_suggested_to_add_sum": 10, "loc_suggested_to_delete_sum": 0, "loc_added_sum": 8, "loc_deleted_sum": 0,
    "used_agent": False, "used_chat": False, "used_cli": True,
    "totals_by_ide": [], "totals_by_feature": [], "etl_id": "green", "day_partition": "2025-10-01",
}
# Microsoft Graph user with an expanded manager (Microsoft Graph user resource, $expand=manager).
GRAPH_USER = {"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "displayName": "Ana Lopez", "mail": "ana@acme.example",
              "userPrincipalName": "ana@acme.example", "jobTitle": "Senior Engineer", "department": "Engineering",
              "employeeId": "1042", "accountEnabled": True,
              "manager": {"@odata.type": "#microsoft.graph.user", "id": "5a1b", "mail": "bob@acme.example"}}


@pytest.fixture(scope="module")
def validate():
    from expectations.runner import landing_batch_validator

    return landing_batch_validator()


def test_documented_examples_pass(validate):
    assert validate(zendesk.TICKETS, [ZENDESK_TICKET]).success
    assert validate(github_copilot.USERS_DAILY, [COPILOT_DAY]).success
    assert validate(msgraph.USERS, [GRAPH_USER]).success


def test_negative_resolution_time_is_critical(validate):
    bad = copy.deepcopy(ZENDESK_TICKET)
    bad["id"] = 2
    bad["metric_set"]["full_resolution_time_in_minutes"]["calendar"] = -5
    outcome = validate(zendesk.TICKETS, [ZENDESK_TICKET, bad])
    assert not outcome.success
    assert any("full_resolution_time_in_minutes.calendar" in f for f in outcome.failed_checks)


def test_duplicate_user_day_is_critical(validate):
    outcome = validate(github_copilot.USERS_DAILY, [COPILOT_DAY, dict(COPILOT_DAY)])
    assert not outcome.success and any("unique" in f for f in outcome.failed_checks)


def test_unknown_status_and_missing_key_are_critical(validate):
    odd = dict(ZENDESK_TICKET, id=3, status="archived")
    outcome = validate(zendesk.TICKETS, [odd])
    assert not outcome.success and any("status" in f for f in outcome.failed_checks)
    no_login = {k: v for k, v in COPILOT_DAY.items() if k != "user_login"}
    assert not validate(github_copilot.USERS_DAILY, [no_login]).success


def test_empty_directory_snapshot_is_critical_but_an_empty_incremental_batch_is_not(validate):
    assert not validate(msgraph.USERS, []).success
    assert validate(zendesk.TICKETS, []).success


def test_every_landing_suite_has_a_streaming_form():
    from expectations.landing_checks import StreamChecks
    from expectations.runner import DEFAULT_SETTINGS
    from expectations.suites import LANDING_SUITES

    for key, spec in LANDING_SUITES.items():
        checks = StreamChecks(spec, DEFAULT_SETTINGS)
        assert checks.record_level or checks.batch_level, key


def test_a_record_failing_a_check_names_the_check_and_a_mostly_check_counts_the_batch(validate):
    batch = validate.start(zendesk.TICKETS)
    bad = copy.deepcopy(ZENDESK_TICKET)
    bad["status"] = "archived"
    assert batch.check(ZENDESK_TICKET) == []
    reasons = batch.check(bad)
    assert len(reasons) == 1 and "status" in reasons[0] and "value_set" in reasons[0]
    assert batch.finish().success  # the rejected record is not part of the batch-level checks

    users = validate.start(msgraph.USERS)
    for i in range(10):  # 2 of 10 without a department: below the 90% the suite wants, a warning only
        users.check({**GRAPH_USER, "id": str(i), "department": None if i < 2 else "Sales"})
    outcome = users.finish()
    assert outcome.success and any("department" in w and "2 of 10" in w for w in outcome.summary["warnings"])
