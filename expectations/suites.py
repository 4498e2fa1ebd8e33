"""Expectation suites: what must hold for each landing stream and each published mart.

`severity="critical"` failures stop the batch (landing) or the publish (gate); warnings are reported in
Data Docs and the run summary but do not block.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import DATE_RE, MINUTES_PER_YEAR, SuiteSpec
from expectations.suites_ai_usage import AI_USAGE_LANDING_SUITES
from expectations.suites_audit import AUDIT_GATE_SUITES, AUDIT_LANDING_SUITES
from expectations.suites_kpi import KPI_LANDING_SUITES


def _landing_msgraph_users(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="userPrincipalName", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="mail", mostly=0.95, severity="warning"),
        gxe.ExpectColumnValuesToNotBeNull(column="department", mostly=0.9, severity="warning"),
    ]


COPILOT_COUNTERS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_added_sum",
    "loc_deleted_sum",
)


def _landing_copilot_users_daily(_: dict) -> list:
    checks = [
        gxe.ExpectColumnValuesToNotBeNull(column="day", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="day", regex=DATE_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="user_id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="user_login", severity="critical"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["day", "user_id"], severity="critical"),
    ]
    checks += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity="critical") for c in COPILOT_COUNTERS]
    return checks


def _landing_copilot_seats(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="created_at", severity="critical"),
        # A seat can lose its assignee (deleted account); many such seats means something is off.
        gxe.ExpectColumnValuesToNotBeNull(column="assignee.id", mostly=0.95, severity="warning"),
        gxe.ExpectColumnValuesToBeUnique(column="assignee.id", severity="warning"),
    ]


def _landing_copilot_billing(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="seat_breakdown.total", severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="seat_breakdown.total", min_value=0, severity="critical"),
    ]


def _landing_msgraph_subscribed_skus(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="skuId", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="skuId", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="skuPartNumber", severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="prepaidUnits.enabled", min_value=0, severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="consumedUnits", min_value=0, severity="critical"),
    ]


def _landing_zendesk_tickets(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_at", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="generated_timestamp", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["new", "open", "pending", "hold", "solved", "closed", "deleted"],
            severity="critical",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="metric_set.full_resolution_time_in_minutes.calendar",
            min_value=0,
            max_value=MINUTES_PER_YEAR,
            severity="critical",
        ),
    ]


def _landing_zendesk_users(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="email", mostly=0.99, severity="warning"),
    ]


LANDING_SUITES: dict[str, SuiteSpec] = {
    "msgraph/users": SuiteSpec("landing.msgraph.users", _landing_msgraph_users),
    # users-1-day files wrapped in `user_totals` carry the day on the wrapper (`report_day`) and `login`
    "github_copilot/users_daily": SuiteSpec("landing.github_copilot.users_daily", _landing_copilot_users_daily,
                                            aliases={"day": ("report_day",), "user_login": ("login",)}),
    "github_copilot/seats": SuiteSpec("landing.github_copilot.seats", _landing_copilot_seats),
    "github_copilot/billing": SuiteSpec("landing.github_copilot.billing", _landing_copilot_billing),
    "msgraph/subscribed_skus": SuiteSpec("landing.msgraph.subscribed_skus", _landing_msgraph_subscribed_skus),
    "zendesk/tickets": SuiteSpec("landing.zendesk.tickets", _landing_zendesk_tickets),
    "zendesk/users": SuiteSpec("landing.zendesk.users", _landing_zendesk_users),
}
# Sources added later keep their landing suites in their own modules.
LANDING_SUITES.update(AI_USAGE_LANDING_SUITES)
LANDING_SUITES.update(KPI_LANDING_SUITES)
LANDING_SUITES.update(AUDIT_LANDING_SUITES)


def _staging_tickets(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="ticket_id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="ticket_id", severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(
            column="resolution_hours", min_value=0, max_value=MINUTES_PER_YEAR / 60, severity="critical"
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="assignee_person_key", mostly=0.95, severity="warning"),
    ]


def _mart_adoption_weekly(settings: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["department", "tool", "week_start"], severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="engaged_n", min_value=0, severity="critical"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="people_n", column_B="engaged_n", or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="licensed_n", column_B="box_ticking_n", or_equal=True,
            ignore_row_if="either_value_is_missing", severity="critical",
        ),
        # Privacy: a visible row never describes fewer than min_group_size people.
        gxe.ExpectColumnValuesToBeBetween(
            column="people_n", min_value=settings["min_group_size"], severity="critical"
        ),
    ]


def _mart_workflow_outcomes(settings: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="workflow", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="workflow", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="evidence", value_set=["observational"], severity="critical"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="effect_pct", column_B="ci_low_pct", or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_high_pct", column_B="effect_pct", or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="adopters_n", min_value=settings["min_group_size"], severity="critical"
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="control_n", min_value=settings["min_group_size"], severity="critical"
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="effect_pct", severity="warning"),
    ]


SEAT_COUNT_COLUMNS = ("seats_purchased", "seats_assigned", "seats_unresolved", "seats_unassigned", "active_n",
                      "engaged_n", "idle_n")
SPEND_COLUMNS = ("seat_spend", "metered_spend", "total_spend", "idle_spend", "cost_per_engaged_user")


def _mart_seat_utilization(_: dict) -> list:
    # a negative seat count means the purchased figure or the assignments are wrong: never publish it
    checks = [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity="critical")
              for c in SEAT_COUNT_COLUMNS]
    # a purchased figure below the seats assigned (out-of-date seed, reduced contract) is published as
    # unknown; the run says so
    checks.append(gxe.ExpectColumnValuesToBeInSet(column="purchased_below_assigned", value_set=[False],
                                                  severity="warning"))
    return checks


def _mart_ai_cost(_: dict) -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity="critical") for c in SPEND_COLUMNS]


def _mart_identity_coverage(settings: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="source", severity="critical"),
        # A source whose activity mostly resolves to nobody would silently shrink every mart built on it.
        gxe.ExpectColumnValuesToBeBetween(
            column="coverage", min_value=settings["min_identity_coverage"], max_value=1, severity="critical"
        ),
    ]


# Privacy, on every published mart: columns that count the people a row describes. A visible row's count
# is at least min_group_size; a suppressed row shows no count at all. (users_n, colleagues_n: the win
# finder's two sides.)
PEOPLE_COUNT_COLUMNS = ("people_n", "org_size", "adopters_n", "control_n", "users_n", "colleagues_n")


def privacy_suite(relation: str, columns: list[str]) -> SuiteSpec | None:
    """The privacy suite for one published mart, or None when it has no people count."""
    people = [c for c in PEOPLE_COUNT_COLUMNS if c in columns]
    if not people:
        return None
    return SuiteSpec(f"privacy.{relation}", lambda settings: [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=settings["min_group_size"], severity="critical")
        for c in people
    ])


def suppressed_rows_suite(relation: str, columns: list[str]) -> SuiteSpec:
    counts = [c for c in columns if c.endswith("_n") or c in PEOPLE_COUNT_COLUMNS]
    return SuiteSpec(f"privacy.{relation}.suppressed", lambda _: [
        gxe.ExpectColumnValuesToBeNull(column=c, severity="critical") for c in counts
    ])


# Gate suites: relation name in the warehouse -> suite. Visible (non-suppressed) rows only for privacy checks.
GATE_SUITES: dict[str, SuiteSpec] = {
    "fct_support_tickets": SuiteSpec("warehouse.support_tickets", _staging_tickets),
    "mart_adoption_weekly": SuiteSpec("mart.adoption_weekly", _mart_adoption_weekly),
    "mart_workflow_outcomes": SuiteSpec("mart.workflow_outcomes", _mart_workflow_outcomes),
    "mart_identity_coverage": SuiteSpec("mart.identity_coverage", _mart_identity_coverage, id_columns=("source",)),
    "mart_seat_utilization": SuiteSpec("mart.seat_utilization", _mart_seat_utilization,
                                       id_columns=("tool", "month_start", "level", "department", "team")),
    "mart_ai_cost": SuiteSpec("mart.ai_cost", _mart_ai_cost,
                              id_columns=("tool", "month_start", "level", "department", "team", "currency")),
}
GATE_SUITES.update(AUDIT_GATE_SUITES)

# Columns that identify a person or an account: never in a published relation.
PERSON_LEVEL_COLUMNS = ("person_key", "email", "display_name", "source_user_id", "source_login", "user_login",
                        "assignee_person_key")
