"""Landing suites for the AI-tool usage and spend sources (Microsoft 365 Copilot, OpenAI, Anthropic).

Frames are the landed records flattened with pandas json_normalize (nested objects become dotted
columns; lists, such as a bucket's `results`, stay one cell). A batch may be empty: a run that finds its
snapshot already landed, or a window with nothing new, lands nothing and that is fine.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import DATE_RE, SuiteSpec

# "" is how Microsoft Graph says "no activity in the period"
DATE_OR_EMPTY_RE = r"^(?:\d{4}-\d{2}-\d{2})?$"
CONCEALED_RE = r"^[0-9A-F]{32}$"
RFC3339_DAY_RE = r"^\d{4}-\d{2}-\d{2}T00:00:00(?:\.0+)?(?:Z|[+-]00:00)$"
# Claude Code `date`: midnight UTC as RFC 3339, or a bare date (older docs)
CLAUDE_CODE_DATE_RE = r"^\d{4}-\d{2}-\d{2}(?:T00:00:00(?:\.0+)?(?:Z|[+-]00:00))?$"
M365_APP_DATES = (
    "lastActivityDate",
    "copilotChatLastActivityDate",
    "microsoftTeamsCopilotLastActivityDate",
    "wordCopilotLastActivityDate",
    "excelCopilotLastActivityDate",
    "powerPointCopilotLastActivityDate",
    "outlookCopilotLastActivityDate",
    "oneNoteCopilotLastActivityDate",
    "loopCopilotLastActivityDate",
)


def _m365_usage_user_detail(_: dict) -> list:
    checks = [
        gxe.ExpectColumnValuesToNotBeNull(column="reportRefreshDate", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="reportRefreshDate", regex=DATE_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="userPrincipalName", severity="critical"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["reportRefreshDate", "userPrincipalName"],
                                            severity="critical"),
        # Concealed names (tenant report setting) cannot be joined to people: say so loudly, do not block.
        gxe.ExpectColumnValuesToNotMatchRegex(column="userPrincipalName", regex=CONCEALED_RE, mostly=0.5,
                                              severity="warning"),
    ]
    checks += [gxe.ExpectColumnValuesToMatchRegex(column=c, regex=DATE_OR_EMPTY_RE, severity="critical")
               for c in M365_APP_DATES]
    return checks


def _openai_buckets(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="start_time", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="start_time", severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="end_time", severity="critical"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_time", column_B="start_time", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="object", value_set=["bucket"], severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="results", severity="critical"),
    ]


def _openai_users(_: dict) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="id", regex=r"^user-", severity="warning"),
        gxe.ExpectColumnValuesToNotBeNull(column="email", mostly=0.95, severity="warning"),
    ]


def _anthropic_claude_code(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="date", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="date", regex=CLAUDE_CODE_DATE_RE, severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="actor.type", value_set=["user_actor", "api_actor"],
                                        severity="critical"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["date", "actor.type", "actor.email_address", "actor.api_key_name", "terminal_type",
                         "is_remote"],
            ignore_row_if="never", severity="critical",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="core_metrics.num_sessions", min_value=0, severity="critical"),
        # Only user actors carry an email to join on; many key-only rows mean a gap in identity.
        gxe.ExpectColumnValuesToNotBeNull(column="actor.email_address", mostly=0.5, severity="warning"),
    ]


def _anthropic_cost_report(_: dict) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="starting_at", severity="critical"),
        gxe.ExpectColumnValuesToBeUnique(column="starting_at", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="starting_at", regex=RFC3339_DAY_RE, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="results", severity="critical"),
    ]


AI_USAGE_LANDING_SUITES: dict[str, SuiteSpec] = {
    "m365_copilot/usage_user_detail": SuiteSpec("landing.m365_copilot.usage_user_detail", _m365_usage_user_detail),
    "openai/usage_completions": SuiteSpec("landing.openai.usage_completions", _openai_buckets),
    "openai/costs": SuiteSpec("landing.openai.costs", _openai_buckets),
    "openai/users": SuiteSpec("landing.openai.users", _openai_users),
    "anthropic/claude_code": SuiteSpec("landing.anthropic.claude_code", _anthropic_claude_code),
    "anthropic/cost_report": SuiteSpec("landing.anthropic.cost_report", _anthropic_cost_report),
}
