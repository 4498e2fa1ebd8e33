"""Landing suites for the usage-audit sources: the Typeform survey and the interview CSV drop.

Typeform items are the vendor's, flattened (`hidden.email`); interview rows are the CSV's cells, already
checked whole by the connector (connectors/interviews.py), so their suite repeats only what staging relies on.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from connectors.interviews import FREQUENCIES, TOOLS
from expectations.spec import DATE_RE, SuiteSpec

# Typeform times: UTC to the second with Z ("0001-01-01T00:00:00Z" is its "never submitted")
TYPEFORM_TIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$"


def _landing_typeform_responses(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="token", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="token", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="form_id", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="landed_at", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="landed_at", regex=TYPEFORM_TIME_RE, severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="submitted_at", regex=TYPEFORM_TIME_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="answers", severity="critical"),
        # an answer nobody can be linked to is kept but counts for nothing: the survey link lacks #email=
        gxe.ExpectColumnValuesToNotBeNull(column="hidden.email", mostly=0.9, severity="warning"),
    ]


def _landing_interviews_answers(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="email", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="interviewed_on", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="interviewed_on", regex=DATE_RE, severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="tool", value_set=list(TOOLS), severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="frequency", value_set=list(FREQUENCIES), severity="critical"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["email", "interviewed_on", "tool"], severity="critical"),
    ]


AUDIT_LANDING_SUITES: dict[str, SuiteSpec] = {
    "typeform/responses": SuiteSpec("landing.typeform.responses", _landing_typeform_responses),
    "interviews/answers": SuiteSpec("landing.interviews.answers", _landing_interviews_answers),
}


def _mart_reported_vs_real(_: dict) -> list:
    """No row count: a company that has not run the audit publishes an empty table."""
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["team", "tool", "survey_week_start"], severity="critical"),
        # answers are at most "every day" (5 a week); telemetry counts days of a 7-day week
        gxe.ExpectColumnValuesToBeBetween(column="reported_days_per_week", min_value=0, max_value=5,
                                          severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="real_active_days_per_week", min_value=0, max_value=7,
                                          severity="critical"),
        gxe.ExpectColumnValuesToBeBetween(column="overstated_share", min_value=0, max_value=1, severity="critical"),
        *(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="people_n", column_B=column, or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical") for column in ("overstated_n", "understated_n", "reported_daily_n", "real_daily_n")),
    ]


def _mart_back_to_manual(_: dict) -> list:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["team", "survey_week_start", "task"], severity="critical"),
        *(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="people_n", column_B=column, or_equal=True, ignore_row_if="either_value_is_missing",
            severity="critical") for column in ("used_for_n", "back_to_manual_n")),
    ]


AUDIT_GATE_SUITES: dict[str, SuiteSpec] = {
    "mart_reported_vs_real": SuiteSpec("mart.reported_vs_real", _mart_reported_vs_real,
                                       id_columns=("team", "tool", "survey_week_start")),
    "mart_back_to_manual": SuiteSpec("mart.back_to_manual", _mart_back_to_manual,
                                     id_columns=("team", "survey_week_start", "task")),
}
