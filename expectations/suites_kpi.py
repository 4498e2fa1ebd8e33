"""Landing suites for the business-KPI sources (Jira, GitHub pull requests, Harvest).

Frames are the landed records flattened with pandas json_normalize (nested objects become dotted columns,
`fields.status.statusCategory.id`). Incremental streams may land an empty batch; snapshots may not.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import DATE_RE, SuiteSpec

# Jira status category ids: 2 new ("To Do"), 4 indeterminate ("In Progress"), 3 done.
JIRA_CATEGORY_IDS = [2, 3, 4]
JIRA_TIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)$"
ISO_Z_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$"


def _landing_jira_issues(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="key", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="fields.created", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="fields.created", regex=JIRA_TIME_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="fields.updated", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="fields.updated", regex=JIRA_TIME_RE, severity="critical"),
        # cycle time reads categories by id; a request without `fields` would land ids only
        gxe.ExpectColumnValuesToNotBeNull(column="fields.status.statusCategory.id", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(
            column="fields.status.statusCategory.id", value_set=JIRA_CATEGORY_IDS, severity="critical"
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="changelog.histories", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="fields.assignee.accountId", mostly=0.8, severity="warning"),
    ]


def _landing_jira_users(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="accountId", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="accountId", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(
            column="accountType", value_set=["atlassian", "app", "customer", "unknown"], severity="warning"
        ),
        # emails are often hidden by profile settings; most hidden means the token lacks the admin view
        gxe.ExpectColumnValuesToNotBeNull(column="emailAddress", mostly=0.5, severity="warning"),
    ]


def _landing_jira_statuses(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(
            column="statusCategory.id", value_set=[1, *JIRA_CATEGORY_IDS], severity="critical"
        ),
    ]


def _landing_github_pull_requests(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="number", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="url", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="state", value_set=["open", "closed"], severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="created_at", regex=ISO_Z_RE, severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="updated_at", regex=ISO_Z_RE, severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="merged_at", regex=ISO_Z_RE, severity="critical"),
        # ISO-8601 UTC strings order like the instants they name
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="merged_at", column_B="created_at", or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical",
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="user.login", mostly=0.99, severity="warning"),
    ]


def _landing_github_reviews(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(
            column="state",
            value_set=["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"],
            severity="critical",
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="submitted_at", regex=ISO_Z_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="pull_request_url", mostly=0.99, severity="warning"),
    ]


def _landing_harvest_time_entries(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="spent_date", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="spent_date", regex=DATE_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="hours", severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="hours", min_value=0, max_value=24, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="user.id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="task.name", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="updated_at", regex=ISO_Z_RE, severity="critical"),
    ]


def _landing_harvest_users(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="email", mostly=0.99, severity="warning"),
    ]


KPI_LANDING_SUITES: dict[str, SuiteSpec] = {
    "jira/issues": SuiteSpec("landing.jira.issues", _landing_jira_issues),
    "jira/users": SuiteSpec("landing.jira.users", _landing_jira_users),
    "jira/statuses": SuiteSpec("landing.jira.statuses", _landing_jira_statuses),
    "github/pull_requests": SuiteSpec("landing.github.pull_requests", _landing_github_pull_requests),
    # REST reviews and GraphQL review nodes (connectors/github_prs.py): the same checks on either shape
    "github/pull_request_reviews": SuiteSpec(
        "landing.github.pull_request_reviews", _landing_github_reviews,
        aliases={"id": ("databaseId",), "submitted_at": ("submittedAt",), "pull_request_url": ("pullRequest.url",)}),
    "harvest/time_entries": SuiteSpec("landing.harvest.time_entries", _landing_harvest_time_entries),
    "harvest/users": SuiteSpec("landing.harvest.users", _landing_harvest_users),
}
