"""Build the dbt project on a hand-made landing zone and check the values that matter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from connectors import landing_streams
from outcomes.dbt_models import dbt_model_vars

sys.path.insert(0, str(Path(__file__).parent))
import make_landing_fixture as fixture  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="module")
def warehouse(build_dir: Path) -> duckdb.DuckDBPyConnection:
    tmp = build_dir
    landing = fixture.write_fixture(tmp / "landing")
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir()
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--vars",
         json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams()))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params):
    return con.execute(sql, params).fetchone()


def test_reexported_ticket_keeps_the_newest_version(warehouse):
    status, hours = one(
        warehouse, "select status, resolution_hours from marts.fct_support_tickets where ticket_id = 80001"
    )
    assert (status, hours) == ("solved", 8.0)
    assert one(warehouse, "select count(*) from marts.fct_support_tickets where ticket_id = 80001")[0] == 1


def test_latest_generated_timestamp_wins_within_a_batch(warehouse):
    assert one(warehouse, "select resolution_hours from marts.fct_support_tickets where ticket_id = 90000")[0] == 5.0


def test_copilot_day_reextracted_later_wins(warehouse):
    row = one(warehouse, """
        select user_initiated_interaction_count from staging.stg_github_copilot__users_daily
        where user_id = 5002 and activity_date = date '2026-03-07'""")
    assert row == (7,)


def test_data_file_without_manifest_is_ignored(warehouse):
    assert one(warehouse, "select count(*) from staging.stg_zendesk__tickets where ticket_id = 999999")[0] == 0


def test_deleted_tickets_are_excluded(warehouse):
    assert one(warehouse, "select count(*) from marts.fct_support_tickets where ticket_id = 76006")[0] == 0


def test_graph_empty_string_becomes_null(warehouse):
    sql = "select job_title from marts.dim_people where email = 'agent10.support@acme.example'"
    assert one(warehouse, sql) == (None,)


def test_snapshot_streams_read_only_the_latest_batch(warehouse):
    assert one(warehouse, "select count(*) from marts.dim_people where email = 'ex.employee@acme.example'")[0] == 0
    sql = "select count(*) from staging.stg_github_copilot__seats where assignee_login = 'departed_acme'"
    assert one(warehouse, sql)[0] == 0


def test_seat_offsets_are_converted_to_utc(warehouse):
    created, activity = one(warehouse, """
        select cast(created_at as varchar), cast(last_activity_at as varchar)
        from staging.stg_github_copilot__seats where assignee_login = 'octocat'""")
    assert created == "2021-08-04 00:00:00"  # 2021-08-03T18:00:00-06:00
    assert activity == "2021-10-14 06:53:32"  # 2021-10-14T00:53:32-06:00


def test_unassigned_seats_are_counted_but_not_linked(warehouse):
    sql = "select count(*) from staging.stg_github_copilot__seats where assignee_user_id is null"
    assert one(warehouse, sql)[0] == 1


def test_every_seat_is_kept_for_company_counts_and_purchased_seats_come_from_the_vendors(warehouse):
    # the seat without an assignee stays a seat, resolved to nobody
    assert one(warehouse, """select count(*) from intermediate.int_tool_seats
        where tool = 'github_copilot' and source_user_id is null and person_key is null""")[0] == 1
    # seat_breakdown.total; prepaidUnits.enabled of the Microsoft_365_Copilot SKU only (not ENTERPRISEPREMIUM)
    assert warehouse.execute("select tool, seats_purchased from intermediate.int_seats_purchased "
                             "order by tool").fetchall() == [("github_copilot", 12), ("m365_copilot", 10)]


def test_emu_login_maps_to_person_case_insensitively(warehouse):
    person, method = one(warehouse, """
        select person_key, match_method from intermediate.int_identity_map
        where source = 'github_copilot' and source_login = 'Agent1-support_acme'""")
    assert person == fixture.person_key(1)
    assert method == "emu_login"
    sql = "select count(*) from intermediate.int_identity_map where source_login = 'octocat'"
    assert one(warehouse, sql)[0] == 0


def test_zendesk_user_maps_by_email_case_insensitively(warehouse):
    sql = "select zendesk_user_id from marts.dim_people where person_key = ?"
    assert one(warehouse, sql, fixture.person_key(2)) == ("1002",)


def test_suggestions_alone_do_not_make_a_day_active(warehouse):
    sql = "select bool_or(is_active) from marts.fct_ai_activity_daily where person_key = ?"
    assert one(warehouse, sql, fixture.person_key(7)) == (False,)


def test_cohort_is_frozen_at_t0(warehouse):
    rows = dict(warehouse.execute("select person_key, cohort from marts.fct_workflow_cohorts").fetchall())
    assert {k for k, v in rows.items() if v == "adopters"} == {fixture.person_key(n) for n in fixture.ADOPTERS}
    assert rows[fixture.person_key(8)] == "control"  # active only after the cohort window


def test_workflow_effect_equals_hand_computation(warehouse):
    cols = list(fixture.EXPECTED_SUPPORT_EFFECT)
    row = one(warehouse, f"select {', '.join(cols)}, status, evidence from marts.mart_workflow_outcomes")
    got = dict(zip([*cols, "status", "evidence"], row, strict=True))
    for key, expected in fixture.EXPECTED_SUPPORT_EFFECT.items():
        assert float(got[key]) == pytest.approx(expected, abs=0.005), key
    assert (got["status"], got["evidence"]) == ("ok", "observational")


def test_small_departments_are_suppressed(warehouse):
    rows = warehouse.execute("""
        select suppressed, people_n from marts.mart_adoption_weekly where department = 'Finance'""").fetchall()
    assert rows and all(r == (True, None) for r in rows)


def test_the_outcome_marts_are_published_and_the_operational_one_is_not(warehouse, build_dir):
    from outcomes.published import published_models

    published = published_models(build_dir / "target" / "manifest.json")
    assert {m.name for m in published} == {
        "mart_adoption_weekly", "mart_adoption_segments", "mart_ai_cost", "mart_identity_coverage",
        "mart_kpi_weekly", "mart_manager_rollup", "mart_seat_utilization", "mart_usage_without_outcomes",
        "mart_schema_drift", "mart_source_freshness", "mart_workflow_outcomes", "mart_workflow_outcomes_weekly",
        "mart_workflow_event_study",
        "mart_reported_vs_real", "mart_back_to_manual", "mart_win_candidates", "mart_program",
    }  # mart_webhook_events_daily watches the webhook feed: private
    assert all((m.schema, m.relation) == ("marts", m.name) for m in published)
    nodes = json.loads((build_dir / "target" / "manifest.json").read_text())["nodes"].values()
    # tables (an incremental model is one too), never views: publication copies rows, not queries
    assert all(n["config"]["materialized"] in ("table", "incremental")
               for n in nodes if n["name"] in {m.name for m in published})


def test_a_build_reads_only_the_batches_frozen_when_it_started(warehouse, build_dir):
    """The transform step freezes the committed batches; one committed during the build waits for the next."""
    from connectors.landing import LandingZone

    landing = build_dir / "landing"
    # the second tickets batch is committed "after" the freeze
    frozen = [b for b in LandingZone(str(landing)).committed_batches() if not b["batch_id"].endswith("dddd0002")]
    assert {b["batch_id"][-8:] for b in frozen} >= {"aaaa0001", "dddd0001", "eeee0001"}
    snapshot = build_dir / "snapshot.jsonl"
    snapshot.write_text("".join(json.dumps(b) + "\n" for b in frozen))
    db = build_dir / "frozen.duckdb"
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "run", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(build_dir / "target-frozen"), "--log-path", str(build_dir / "logs"),
         "--select", "stg_zendesk__tickets", "--vars",
         json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_snapshot=str(snapshot),
                                    landing_streams=landing_streams()))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        # ticket 80001 is open in batch 1 and solved in batch 2, which this build must not see
        assert one(con, "select status from staging.stg_zendesk__tickets where ticket_id = 80001") == ("open",)
        assert one(con, "select count(*) from staging.stg_zendesk__tickets where ticket_id = 999999") == (0,)
    finally:
        con.close()


def test_copilot_ai_credits_reach_the_cost_mart_beside_spend(warehouse):
    # 19 Copilot user-days in March 2026 each report 0.5 AI credits (make_landing_fixture.copilot_day)
    got = warehouse.execute("""
        select ai_credits_used, ai_credits_list_value, currency from marts.mart_ai_cost
        where tool = 'github_copilot' and level = 'company' and month_start = date '2026-03-01'""").fetchall()
    assert len(got) == 1
    credits, value, currency = got[0]
    assert (credits, currency) == (19 * 0.5, "USD")
    assert value == 0.1  # 9.5 credits x 0.01 USD = 0.095 USD, shown to the cent


def test_schema_drift_names_the_fields_a_later_batch_no_longer_carries(warehouse):
    # the second users_daily batch has one user-day without CLI use: GitHub omits totals_by_cli
    got = warehouse.execute("""
        select change, field_path from marts.mart_schema_drift
        where source = 'github_copilot' and stream = 'users_daily' order by field_path""").fetchall()
    cli = ["session_count", "request_count", "prompt_count", "token_usage", "token_usage.output_tokens_sum",
           "token_usage.prompt_tokens_sum", "token_usage.avg_tokens_per_request", "last_known_cli_version",
           "last_known_cli_version.cli_version", "last_known_cli_version.sampled_at"]
    assert got == sorted([("removed", "totals_by_cli")] + [("removed", f"totals_by_cli.{f}") for f in cli],
                         key=lambda r: r[1])


def test_the_identity_map_joins_on_equality_only(warehouse, build_dir):
    """Matching accounts to people by an `in (mail, upn)` join condition made DuckDB compare every account
    with every person (a nested-loop join: 10 s at 50,000 people, growing with the square); every join of
    the identity map is now a hash join on equal values."""
    compiled = next((build_dir / "target" / "compiled").glob("**/int_identity_map.sql")).read_text()
    plan = "\n".join(row[1] for row in warehouse.execute("explain " + compiled).fetchall())
    assert "HASH_JOIN" in plan.upper().replace(" ", "_")
    assert not re.search(r"nl[ _]join|nested[ _]loop|cross[ _]product", plan, re.IGNORECASE), plan


def test_a_null_in_a_required_column_fails_the_build_and_names_the_column(warehouse, build_dir):
    """The required columns of a model are checked in one node (not_null_columns): a null in any of them fails
    it, and its rows name each column with nulls and how many; the untouched warehouse passes."""
    import shutil

    source = build_dir / "warehouse" / "outcomes.duckdb"
    broken = build_dir / "nulls.duckdb"
    shutil.copy(source, broken)
    con = duckdb.connect(str(broken))
    con.execute("update intermediate.int_kpi_items set item_date = null where item_id in "
                "(select item_id from intermediate.int_kpi_items order by item_id limit 1)")
    con.execute("update intermediate.int_kpi_items set kpi_value = null where item_id in "
                "(select item_id from intermediate.int_kpi_items order by item_id desc limit 2)")
    con.close()

    def not_null_columns_test(db: Path) -> dict:
        env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(build_dir / "landing"), "OUTCOMES_WAREHOUSE_PATH": str(db),
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        target = build_dir / f"target-{db.stem}"
        subprocess.run(
            [str(DBT), "test", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
             "--target-path", str(target), "--log-path", str(build_dir / "logs"),
             "--select", "int_kpi_items,test_name:not_null_columns", "--vars",
             json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams()))],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
        )
        [result] = [r for r in json.loads((target / "run_results.json").read_text())["results"]
                    if r["unique_id"].startswith("test.")]
        compiled = duckdb.connect(str(db), read_only=True)
        rows = sorted(compiled.execute(result["compiled_code"]).fetchall())
        compiled.close()
        return {"status": result["status"], "rows": rows}

    assert not_null_columns_test(broken) == {"status": "fail", "rows": [("item_date", 1), ("kpi_value", 2)]}
    clean = build_dir / "clean.duckdb"
    shutil.copy(source, clean)  # the fixture holds the warehouse open read-only
    assert not_null_columns_test(clean) == {"status": "pass", "rows": []}
