"""GitHub Copilot on real report files and seat listings (provenance: github_copilot/PROVENANCE.md).

Every file is served unchanged from 127.0.0.1 behind signed download links, landed by the connector with
its landing suite, and staged by dbt. Expected values are computed by hand from the files.
"""

from __future__ import annotations

from datetime import date

import pytest

from connectors.errors import MalformedResponseError
from tests.contracts.conftest import rows
from tests.contracts.landing import COPILOT_FILES, payload

ORG_DAY = date(2026, 4, 25)
# Per user, the feature breakdown of organization-users-1-day-report.json: (interactions, generations,
# acceptances) summed over totals_by_feature by hand; every top-level counter is 0 except defunkt's.
ORG_FEATURE_TOTALS = {
    "defunkt": (225 + 11 + 12 + 7, 250 + 5 + 5 + 2, 228 + 2 + 3 + 1),
    "octocat": (5 + 13 + 8, 3 + 7 + 2, 0 + 2 + 1),
    "octodog": (16, 8, 2), "octofeline": (18, 10, 2), "octoferret": (36, 21, 3), "octobadger": (36, 18, 7),
    "octoweasel": (27, 14, 3), "octopanda": (19, 7, 1), "octolion": (28, 11, 4), "octotiger": (22, 14, 3),
    "octobear": (34, 15, 5), "octomoose": (23, 12, 3),
}
CHAT = "chat_inline,chat_panel_agent_mode,chat_panel_ask_mode"


def users_daily(landing):
    landed = landing[2]
    return landed.results.get("github_copilot/users_daily", []), landed.errors.get("github_copilot/users_daily")


# --- 1. wrapped report files -------------------------------------------------------------------------
def test_wrapped_report_files_land_pretty_printed_and_compact(contract_landing):
    results, errors = users_daily(contract_landing)
    assert errors is None, errors
    assert [r.records for r in results] == [
        12 + 1,  # the 12 day_totals records as NDJSON lines, and one 28-day NDJSON line
        12,  # the pretty-printed day_totals wrapper: its 12 records
        12,  # the same wrapper compacted onto one line: 12 records, not one wrapper record
        1,  # the enterprise user_totals wrapper
    ]


def test_wrapper_context_is_kept_on_each_record(contract_landing):
    _, zone, _ = contract_landing
    manifests = zone.manifests("github_copilot", "users_daily")
    enterprise, = zone.read_batch(manifests[3])
    # user_totals records carry the day only on the wrapper; it is copied, the record's own keys untouched
    assert (enterprise["report_day"], enterprise["login"], enterprise["organization_id"]) == (
        "2026-03-03", "octocat", "100000001")
    assert "day" not in enterprise
    wrapped = {r["user_login"]: r for r in zone.read_batch(manifests[1])}
    assert wrapped["defunkt"]["report_start_day"] == "2026-04-25"
    assert wrapped["defunkt"]["user_initiated_interaction_count"] == 224
    as_lines = {r["user_login"]: r for r in zone.read_batch(manifests[0]) if r["day"] == "2026-04-25"}
    # the wrapper's context is the only difference between a wrapped record and the same record as a line
    assert {k: v for k, v in wrapped["octocat"].items() if k not in ("report_start_day", "report_end_day",
            "created_at")} == as_lines["octocat"]


def test_a_file_that_is_no_report_says_what_it_found():
    from connectors.pagination import parse_report_file

    with pytest.raises(ValueError, match="found a JSON list"):
        parse_report_file('["a", "b"]')
    with pytest.raises(ValueError, match="line 2 does not parse"):
        parse_report_file('{"day": "2026-04-25"}\n<html>busy</html>')
    assert parse_report_file(payload("github_copilot", COPILOT_FILES["org_28_day_record"]).decode())[0][
        "user_login"] == "octocat"


def test_malformed_report_file_lands_nothing(payload_server, tmp_path):
    from connectors import github_copilot
    from connectors.landing import LandingZone
    from connectors.runner import land_stream
    from connectors.state import StateStore
    from tests.contracts.landing import copilot_client, serve_copilot_days

    payload_server.reset()
    serve_copilot_days(payload_server, {"2026-04-25": b"<html>gateway timeout</html>"})
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = copilot_client(payload_server, start_date="2026-04-25")
    with pytest.raises(MalformedResponseError, match=r"is not a report: .*line 1 does not parse.*day_totals"):
        land_stream(github_copilot.USERS_DAILY, client, zone, state)
    assert zone.manifests("github_copilot", "users_daily") == []
    payload_server.reset()


# --- 2, 3, 5. features, agent flags, counters ---------------------------------------------------------
def test_counters_follow_the_feature_breakdown(contract_warehouse):
    got = {r[0]: r[1:] for r in rows(contract_warehouse, """
        select user_login, user_initiated_interaction_count, code_generation_activity_count,
               code_acceptance_activity_count
        from staging.stg_github_copilot__users_daily where activity_date = ?""", ORG_DAY)}
    assert got == ORG_FEATURE_TOTALS
    assert sum(v[0] for v in got.values()) == 540
    reported = rows(contract_warehouse, """
        select reported_user_initiated_interaction_count, loc_added_sum, loc_deleted_sum, counted_from_features
        from staging.stg_github_copilot__users_daily where user_login = 'octocat' and activity_date = ?""", ORG_DAY)
    # lines follow the breakdown too: octocat's features (chat only) added none
    assert reported == [(0, 0, 0, True)]


def test_cli_is_one_feature_not_two(contract_warehouse):
    got = dict(rows(contract_warehouse, """
        select user_login, features_used from staging.stg_github_copilot__users_daily where activity_date = ?""",
        ORG_DAY))
    # defunkt: copilot_cli in totals_by_feature and used_cli; octocat: copilot_cli entry of zeros and used_cli
    assert got["defunkt"] == f"{CHAT},copilot_cli"
    assert got["octocat"] == f"{CHAT},copilot_cli"
    assert all("cli" not in f.split(",") for f in got.values())
    assert {len(f.split(",")) for f in got.values()} == {4}


def test_cloud_agent_use_is_its_own_feature_and_active(contract_warehouse):
    got = rows(contract_warehouse, """
        select used_copilot_cloud_agent, used_cli, features_used, user_initiated_interaction_count, ai_credits_used
        from staging.stg_github_copilot__users_daily where user_id = 338094 and activity_date = date '2026-03-31'""")
    assert got == [(True, False, f"{CHAT},copilot_cloud_agent", 14 + 10 + 6, None)]
    others = rows(contract_warehouse, """
        select count(*) from staging.stg_github_copilot__users_daily
        where used_copilot_cloud_agent and activity_date <> date '2026-03-31'""")
    assert others == [(0,)]


# --- 4. credits, adoption phase, CLI, per-model and per-IDE ---------------------------------------------
def test_credits_and_adoption_phase_are_staged(contract_warehouse):
    got = rows(contract_warehouse, """
        select user_id, user_login, organization_id, ai_credits_used, ai_adoption_phase_number, ai_adoption_phase,
               ai_adoption_phase_version, features_used, user_initiated_interaction_count
        from staging.stg_github_copilot__users_daily where activity_date = date '2026-03-03'""")
    assert got == [(1, "octocat", "100000001", 3.7, 2, "Phase 2", "v1", "chat_panel_ask_mode,code_completion", 18)]
    credits = rows(contract_warehouse, """
        select source_user_id, usage_date, ai_credits_used, currency, round(ai_credits_list_value, 6)
        from intermediate.int_ai_credits_daily__github_copilot""")
    assert credits == [("1", date(2026, 3, 3), 3.7, "USD", 0.037)]


def test_cli_usage_is_staged(contract_warehouse):
    got = rows(contract_warehouse, """
        select cli_session_count, cli_request_count, cli_prompt_count, cli_prompt_tokens, cli_output_tokens,
               cli_version
        from staging.stg_github_copilot__users_daily where user_login = 'defunkt'""")
    assert got == [(23, 1944, 270, 198386034, 1273762, "1.0.35")]
    no_cli = rows(contract_warehouse, """
        select cli_session_count from staging.stg_github_copilot__users_daily
        where activity_date = date '2026-03-03'""")
    assert no_cli == [(None,)]


def test_per_model_and_per_ide_breakdowns(contract_warehouse):
    models = rows(contract_warehouse, """
        select count(*), sum(user_initiated_interaction_count), sum(loc_added_sum)
        from staging.stg_github_copilot__users_daily_models where user_id = 149300""")
    assert models == [(8, 222 + 10 + 5 + 3 + 9, 4019 + 18 + 22 + 6)]
    opus = rows(contract_warehouse, """
        select feature, user_initiated_interaction_count from staging.stg_github_copilot__users_daily_models
        where user_id = 338094 and activity_date = date '2026-03-31' and model = 'claude-opus-4.6' order by 1""")
    assert opus == [("chat_panel_agent_mode", 10), ("chat_panel_ask_mode", 6)]
    ides = rows(contract_warehouse, """
        select count(*), count(distinct ide), sum(user_initiated_interaction_count)
        from staging.stg_github_copilot__users_daily_ides where activity_date = ?""", ORG_DAY)
    assert ides == [(12, 1, 13 + 8 + 15 + 16 + 8 + 20 + 15 + 10 + 19 + 9 + 19 + 13)]


# --- seats --------------------------------------------------------------------------------------------
def test_seats_sample_lands_and_stages(contract_landing, contract_warehouse):
    assert contract_landing[2].results["github_copilot/seats"][0].records == 9
    got = rows(contract_warehouse, """
        select count(*), count(last_activity_at), min(created_at), max(created_at),
               count(distinct assigning_team_slug), sum(case when plan_type = 'enterprise' then 1 else 0 end)
        from staging.stg_github_copilot__seats""")
    from datetime import datetime
    assert got == [(9, 8, datetime(2026, 1, 3, 9), datetime(2026, 4, 28, 9), 3, 4)]
    assert rows(contract_warehouse, """
        select last_activity_editor_name from staging.stg_github_copilot__seats where assignee_login = 'bobmartinez'
        """) == [("PyCharm",)]


def test_billing_example_lands_and_gives_the_purchased_seats(contract_landing, contract_warehouse):
    landed = contract_landing[2]
    assert landed.errors.get("github_copilot/billing") is None
    assert [r.records for r in landed.results["github_copilot/billing"]] == [1]
    got = rows(contract_warehouse, """
        select plan_type, seats_total, seats_added_this_cycle, seats_inactive_this_cycle, seat_management_setting
        from staging.stg_github_copilot__billing""")
    assert got == [("business", 12, 9, 11, "assign_selected")]
    assert rows(contract_warehouse, "select seats_purchased from intermediate.int_seats_purchased "
                                    "where tool = 'github_copilot'") == [(12,)]
