"""Microsoft 365 Copilot, OpenAI and Anthropic on the vendors' documented example responses
(provenance: <source>/PROVENANCE.md), served from 127.0.0.1, landed with the landing suites and staged.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from tests.contracts.conftest import rows


def landed_counts(landing, key: str) -> tuple[list[int], list[Exception]]:
    landed = landing[2]
    return [r.records for r in landed.results.get(key, [])], landed.errors.get(key, [])


def test_every_documented_ai_usage_payload_lands(contract_landing):
    expected = {"m365_copilot/usage_user_detail": [1], "openai/usage_completions": [1], "openai/costs": [1],
                "openai/users": [1], "anthropic/claude_code": [1], "anthropic/cost_report": [1]}
    assert {key: landed_counts(contract_landing, key) for key in expected} == {
        key: (counts, []) for key, counts in expected.items()}


def test_m365_concealed_example_stages_with_nulls_for_empty_dates(contract_warehouse):
    got = rows(contract_warehouse, """
        select user_principal_name, is_concealed, report_refresh_date, last_activity_date,
               excel_last_activity_date, powerpoint_last_activity_date, report_period_days
        from staging.stg_m365_copilot__usage_user_detail""")
    assert got == [("DC8C64D6EC3A3AA17481D7E5EB5B68A6", True, date(2025, 8, 20), date(2025, 8, 20), None,
                    date(2025, 3, 26), 7)]


def test_openai_usage_costs_and_users_stage(contract_warehouse):
    usage = rows(contract_warehouse, """
        select usage_date, user_id, model, input_tokens, input_uncached_tokens, num_model_requests
        from staging.stg_openai__usage_completions""")
    assert usage == [(date(2024, 11, 1), None, None, 1000, 1000 - 800, 5)]
    costs = rows(contract_warehouse, "select cost_date, currency, amount, line_item from staging.stg_openai__costs")
    assert [(d, c, Decimal(str(a)), li) for d, c, a, li in costs] == [(date(2024, 11, 1), "USD", Decimal("0.06"),
                                                                       None)]
    users = rows(contract_warehouse, "select user_id, email, user_name, role, added_at from staging.stg_openai__users")
    # added_at 1711471533 (epoch seconds) = 2024-03-26 16:45:33 UTC
    assert users == [("user_abc", "user@example.com", "First Last", "owner", datetime(2024, 3, 26, 16, 45, 33))]


def test_anthropic_claude_code_and_cost_report_stage(contract_warehouse):
    code = rows(contract_warehouse, """
        select actor_key, activity_date, num_sessions, tool_accepted_count, tool_rejected_count, tools_used,
               estimated_cost_cents, lines_added, input_tokens, is_remote
        from staging.stg_anthropic__claude_code""")
    assert [(*r[:6], Decimal(str(r[6])), *r[7:]) for r in code] == [(
        "user@emaildomain.com", date(2025, 8, 8), 15, 25 + 12 + 5 + 8, 3 + 1 + 2 + 0,
        "edit_tool,multi_edit_tool,notebook_edit_tool,write_tool", Decimal(186), 342, 45230, False)]
    cost = rows(contract_warehouse, """
        select cost_date, amount_cents, amount, currency, token_type from staging.stg_anthropic__cost_report""")
    assert [(d, Decimal(str(c)), Decimal(str(a)), cur, t) for d, c, a, cur, t in cost] == [
        (date(2025, 8, 1), Decimal("123.78912"), Decimal("1.2378912"), "USD", "uncached_input_tokens")]
