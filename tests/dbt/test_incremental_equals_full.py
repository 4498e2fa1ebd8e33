"""Incremental builds over several increments give the same warehouse as one full refresh, row by row.

The landing zone is every hand-made fixture (all sources and webhook streams). Each build sees a frozen list of
batches (var landing_snapshot, as the transform step writes it), so the increments are chosen by listing:
  1. the first batch of every stream;
  2. every batch of the fixtures (re-extractions of keys landed in 1, the later snapshots);
  3. plus batches landed later: a ticket and a Copilot day re-extracted with new values, a Jira issue and an
     OpenAI cost bucket re-extracted (the bucket now without results), a webhook delivery landed twice, a
     directory snapshot that replaces the previous one (a user gone, one changed), and a ticket batch that
     was extracted before the batch of step 2 but committed only now (its older version must not win).
Then the warehouse is copied and rebuilt with --full-refresh over the same batches, and every table of
staging, intermediate and marts is compared with the incremental one.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from connectors import landing_streams
from connectors.landing import LandingZone
from outcomes.dbt_models import dbt_model_vars

sys.path.insert(0, str(Path(__file__).parent))
import make_landing_fixture as fixture  # noqa: E402
import test_ai_usage_staging as ai_usage  # noqa: E402
import test_kpi_staging as kpi  # noqa: E402
from test_postgres_models import webhook_record, write_landing  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
LATER = datetime(2026, 3, 27, 6, 0, tzinfo=UTC)
# extracted between the fixture's two ticket batches, committed after both were built
LATE_COMMIT = datetime(2026, 3, 24, 20, 0, tzinfo=UTC)
SCHEMAS = ("staging", "intermediate", "marts")


def plant_later_batches(root: Path) -> None:
    post_day = fixture.T0 + timedelta(days=fixture.COHORT_DAYS + 2)
    # a re-extraction of a solved ticket with another resolution time
    fixture.write_batch(root, "zendesk", "tickets", [fixture.ticket(80002, 2, fixture.at(post_day), 20.0)],
                        LATER, "pl000001")
    # an older version of ticket 80001 (open), extracted before its solved version, committed only now
    fixture.write_batch(root, "zendesk", "tickets", [fixture.ticket(80001, 1, fixture.at(post_day), None,
                                                                    status="open")], LATE_COMMIT, "pl000002")
    day = copy.deepcopy(fixture.copilot_days_batch1()[1])
    # new counts, and no per-IDE breakdown any more: the day's earlier IDE rows must go
    day.update(user_initiated_interaction_count=11, code_acceptance_activity_count=7, totals_by_ide=[])
    fixture.write_batch(root, "github_copilot", "users_daily", [day], LATER, "pl000003")
    _, jira2 = kpi.jira_batches()
    issue = copy.deepcopy(jira2[0])
    issue["fields"]["updated"] = "2024-06-01T10:00:00.000+0000"
    fixture.write_batch(root, "jira", "issues", [issue], LATER, "pl000004")
    bucket = copy.deepcopy(ai_usage.OPENAI_COSTS[-1])
    bucket["results"] = []
    fixture.write_batch(root, "openai", "costs", [bucket], LATER, "pl000005")
    received = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
    fixture.write_batch(root, "zendesk", "ticket_events", [webhook_record(
        "ticket.status_changed", "ev-new", received, {"id": "ev-new", "type": "zen:event-type:ticket.status_changed",
                                                      "time": "2026-03-26T12:00:00Z", "detail": {"id": 900000123}})],
        received, "pl000006")
    users = fixture.graph_users()
    users[1]["jobTitle"] = "Principal Agent"
    fixture.write_batch(root, "msgraph", "users", users[:-1], LATER, "pl000007")


def run_dbt(tmp: Path, db: Path, landing: Path, snapshot: list[dict], *args: str) -> None:
    frozen = tmp / f"snapshot-{len(snapshot)}.jsonl"
    frozen.write_text("".join(json.dumps(b) + "\n" for b in snapshot))
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    variables = dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_snapshot=str(frozen))
    result = subprocess.run(
        [str(DBT), "build", "--resource-type", "seed", "--resource-type", "model", "--profiles-dir", str(PROJECT),
         "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--vars", json.dumps(variables),
         *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("dbt_incremental")
    landing = write_landing(tmp / "landing")
    base = LandingZone(str(landing)).committed_batches()
    plant_later_batches(landing)
    everything = LandingZone(str(landing)).committed_batches()
    first_of_each = {}
    for batch in sorted(base, key=lambda b: b["batch_id"]):
        first_of_each.setdefault((batch["source"], batch["stream"]), batch)
    increments = [list(first_of_each.values()), base, everything]
    incremental = tmp / "incremental.duckdb"
    for snapshot in increments:
        run_dbt(tmp, incremental, landing, snapshot)
    refreshed = tmp / "refreshed.duckdb"
    shutil.copy(incremental, refreshed)
    run_dbt(tmp, refreshed, landing, everything, "--full-refresh")
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{refreshed}' as full_refresh (read_only)")
    yield con, increments
    con.close()


def tables(con, catalog: str) -> set[tuple[str, str]]:
    return set(con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? "
        "and table_schema in ? and table_type = 'BASE TABLE'", [catalog, list(SCHEMAS)]).fetchall())


def comparable(con, catalog: str, schema: str, table: str) -> str:
    """The table's rows with doubles rounded: sums of doubles may differ in the last bits between runs."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = ? "
        "and table_schema = ? and table_name = ? order by ordinal_position", [catalog, schema, table]).fetchall()
    select = ", ".join(f'round("{c}", 6) as "{c}"' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns)
    return f'select {select} from {catalog}."{schema}"."{table}"'


def test_every_table_matches_a_full_refresh_row_by_row(builds):
    con, _ = builds
    built = tables(con, "inc")
    assert built == tables(con, "full_refresh")
    assert {("marts", "fct_support_tickets"), ("marts", "mart_workflow_outcomes"),
            ("staging", "stg_jira__issue_status_history")} <= built
    differences = {}
    for schema, table in sorted(built):
        inc, full = comparable(con, "inc", schema, table), comparable(con, "full_refresh", schema, table)
        only_inc = con.execute(f"select count(*) from ({inc} except all {full})").fetchone()[0]
        only_full = con.execute(f"select count(*) from ({full} except all {inc})").fetchone()[0]
        if only_inc or only_full:
            differences[f"{schema}.{table}"] = {"only_incremental": only_inc, "only_full_refresh": only_full}
    assert differences == {}
    empty = [f"{s}.{t}" for s, t in built if s != "staging"
             and con.execute(f'select count(*) from inc."{s}"."{t}"').fetchone()[0] == 0]
    assert len(empty) < len(built) / 2, empty  # the comparison covers real rows, not empty tables


def test_planted_changes_reached_the_warehouse(builds):
    """The later batches took effect as written (independent of how the build got there)."""
    con, _ = builds
    one = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    # the late-committed older version did not overwrite the solved one; the re-extraction won
    assert one("select status from inc.staging.stg_zendesk__tickets where ticket_id = 80001") == [("solved",)]
    assert one("select resolution_hours from inc.marts.fct_support_tickets where ticket_id = 80002") == [(20.0,)]
    # the re-extracted bucket has no results now: its earlier rows are gone
    assert one(f"""select count(*) from inc.staging.stg_openai__costs
                   where bucket_start_at = to_timestamp({ai_usage.OPENAI_COSTS[-1]['start_time']})""") == [(0,)]
    # the re-extracted Copilot day has no IDE breakdown any more; the agent's other day keeps its own
    ides = "select activity_date, count(*) from inc.staging.stg_github_copilot__users_daily_ides where user_id = 5001 "
    assert dict(one(ides + "group by all")) == {fixture.T0 + timedelta(days=2): 1}
    # a redelivered webhook counts once
    assert one("select count(*) from inc.staging.stg_zendesk__ticket_events where event_id = 'ev-new'") == [(1,)]
    # the latest directory snapshot is the whole directory
    assert one("select count(*) from inc.staging.stg_msgraph__users") == [(len(fixture.graph_users()) - 1,)]


def test_each_increment_read_only_batches_it_had_not_built(builds):
    con, increments = builds
    merge = {k for k, v in landing_streams().items() if v["disposition"] == "merge"}
    rows = con.execute("select model, batch_id, count(*) from inc.main.landing_batches_built group by all").fetchall()
    assert all(n == 1 for _, _, n in rows)  # a batch is recorded once per model: never read twice
    by_model = {}
    for model, batch_id, _ in rows:
        by_model.setdefault(model, set()).add(batch_id)
    tickets = {b["batch_id"] for b in increments[-1] if (b["source"], b["stream"]) == ("zendesk", "tickets")}
    assert by_model["stg_zendesk__tickets"] == tickets
    assert len(merge) == 16  # the 14 KPI and usage streams, the survey responses and the interview drop
    assert by_model.keys() >= {"stg_zendesk__tickets", "stg_jira__issues", "stg_jira__issue_status_history",
                               "stg_openai__costs", "stg_github__pull_request_events"}
    # the per-IDE and per-model breakdowns read the Copilot day batches that won, each once
    copilot_days = {b["batch_id"] for b in increments[-1] if b["stream"] == "users_daily"}
    for breakdown in ("stg_github_copilot__users_daily_ides", "stg_github_copilot__users_daily_models"):
        assert by_model[breakdown] <= copilot_days and "pl000003" in " ".join(by_model[breakdown]), breakdown



ADOPTION_MARTS = ("mart_adoption_weekly", "mart_adoption_segments")
FIRST_WEEK, COHORT_WEEK = "2025-12-22", fixture.T0.isoformat()  # the fixture's first week; T0 is a Monday


def plant_canary(db: Path, week: str) -> None:
    """A value no build computes, in every row of one week of both adoption marts: it stays only where a
    build did not recompute the week."""
    con = duckdb.connect(str(db))
    for mart in ADOPTION_MARTS:
        con.execute(f"update marts.{mart} set engaged_n = -1 where week_start = ?", [week])
    con.close()


def canary_weeks(db: Path) -> dict[str, set[str]]:
    con = duckdb.connect(str(db), read_only=True)
    found = {mart: {str(w) for (w,) in con.execute(
        f"select distinct week_start from marts.{mart} where engaged_n = -1").fetchall()} for mart in ADOPTION_MARTS}
    con.close()
    return found


def test_adoption_marts_recompute_only_the_weeks_whose_inputs_changed(tmp_path):
    select = ("--select", *[f"+{mart}" for mart in ADOPTION_MARTS])
    landing = write_landing(tmp_path / "landing")
    db = tmp_path / "incremental.duckdb"

    def build(*args: str) -> None:
        run_dbt(tmp_path, db, landing, LandingZone(str(landing)).committed_batches(), *select, *args)

    build()
    con = duckdb.connect(str(db), read_only=True)
    weeks = [str(w) for (w,) in con.execute(
        "select distinct week_start from marts.mart_adoption_weekly order by 1").fetchall()]
    con.close()
    assert weeks[0] == FIRST_WEEK and COHORT_WEEK in weeks[1:-1], weeks

    # 1. a Copilot day of the cohort's week re-extracted: that week and the later ones, not the first
    plant_canary(db, FIRST_WEEK)
    plant_canary(db, COHORT_WEEK)
    day = fixture.copilot_day(1, fixture.T0 + timedelta(days=2), interactions=9, acceptances=9, suggestions=9)
    fixture.write_batch(landing, "github_copilot", "users_daily", [day], LATER, "cw000001")
    build()
    assert canary_weeks(db) == {mart: {FIRST_WEEK} for mart in ADOPTION_MARTS}

    # 2. nothing new: the first week is still not recomputed
    build()
    assert canary_weeks(db) == {mart: {FIRST_WEEK} for mart in ADOPTION_MARTS}

    # 3. a seat assigned in the last week: the weeks from it, not the first
    zone = LandingZone(str(landing))
    seats = zone.read_batch(max(zone.manifests("github_copilot", "seats"), key=lambda m: m.batch_id))
    seat = copy.deepcopy(fixture.seats(latest=True)[-2])
    seat.update(created_at="2026-03-10T09:00:00Z",
                assignee={"login": fixture.agent_login(8), "id": 5008, "type": "User", "site_admin": False})
    fixture.write_batch(landing, "github_copilot", "seats", [*seats, seat], LATER + timedelta(minutes=30), "cw000004")
    build()
    assert canary_weeks(db) == {mart: {FIRST_WEEK} for mart in ADOPTION_MARTS}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select max(licensed_n) from marts.mart_adoption_weekly where week_start = '2026-03-09' "
                       "and tool = 'github_copilot' and department = 'Support'").fetchone() == (7,)
    con.close()

    # 4. a new day in the first week: every week from it on
    day = fixture.copilot_day(2, date(2025, 12, 23), interactions=1, acceptances=0, suggestions=1)
    fixture.write_batch(landing, "github_copilot", "users_daily", [day], LATER + timedelta(hours=1), "cw000002")
    build()
    assert canary_weeks(db) == {mart: set() for mart in ADOPTION_MARTS}

    # 5. no new activity, but an agent moves to Finance: every week's department counts move
    plant_canary(db, COHORT_WEEK)
    users = fixture.graph_users()
    users[1]["department"] = "Finance"
    fixture.write_batch(landing, "msgraph", "users", users, LATER + timedelta(hours=2), "cw000003")
    build()
    assert canary_weeks(db) == {mart: set() for mart in ADOPTION_MARTS}

    # and the rows are a full refresh's
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(db, refreshed)
    run_dbt(tmp_path, refreshed, landing, LandingZone(str(landing)).committed_batches(), *select, "--full-refresh")
    con = duckdb.connect()
    con.execute(f"attach '{db}' as inc (read_only)")
    con.execute(f"attach '{refreshed}' as full_refresh (read_only)")
    for mart in ADOPTION_MARTS:
        inc, full = comparable(con, "inc", "marts", mart), comparable(con, "full_refresh", "marts", mart)
        assert con.execute(f"select count(*) from ({inc} except all {full})").fetchone()[0] == 0, mart
        assert con.execute(f"select count(*) from ({full} except all {inc})").fetchone()[0] == 0, mart
    con.close()
