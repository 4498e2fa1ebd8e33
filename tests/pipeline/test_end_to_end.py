"""The whole pipeline through Airflow (dag.test) on the default sandbox, checked against planted truth."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from outcomes.settings import Settings


@pytest.fixture(scope="module")
def pipeline(session_tmp):
    from outcomes.run import run_pipeline

    data = session_tmp / "e2e-data"
    settings = replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                       state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                       published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                       runs_dir=data / "runs")
    result = run_pipeline(settings, scenario="default", quiet=True)
    workflows = data / "sandbox" / "default_workflows.yml"
    return result, replace(settings, workflows_path=workflows)


def _published(settings: Settings, table: str):
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.sql(f"select * from {table}").df()
    finally:
        con.close()


def test_all_five_dags_succeed_with_dag_test(pipeline):
    result, _ = pipeline
    assert result.dag_states == {d: "success" for d in
                                 ("ingest_msgraph", "ingest_github_copilot", "ingest_zendesk", "transform", "publish")}


def test_planted_support_effect_is_recovered(pipeline, company):
    _, settings = pipeline
    row = _published(settings, "mart_workflow_outcomes").set_index("workflow").loc["support_ticket_resolution"]
    planted = company.truth["support_effect_pct"]  # -18
    assert abs(row["effect_pct"] - planted) <= 4
    assert row["ci_high_pct"] < 0 and row["ci_low_pct"] < row["effect_pct"] < row["ci_high_pct"]
    # the drift (+5%) shows in the control group, and the naive before/after is fooled by it
    assert abs(row["control_change_pct"] - company.truth["drift_pct"]) <= 4
    assert abs(row["naive_change_pct"] - row["effect_pct"]) >= 5
    assert row["evidence"] == "observational"


def test_published_warehouse_holds_marts_only(pipeline):
    _, settings = pipeline
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns").fetchall()}
    finally:
        con.close()
    assert {"mart_adoption_weekly", "mart_workflow_outcomes"} <= tables
    assert all(t.startswith("mart_") or t == "_publication" for t in tables)
    assert not columns & {"person_key", "email", "github_login", "zendesk_user_id", "assignee_person_key"}


def test_adoption_weekly_respects_min_group_size(pipeline):
    _, settings = pipeline
    df = _published(settings, "mart_adoption_weekly")
    visible = df[~df["suppressed"]]
    assert (visible["people_n"] >= settings.min_group_size).all()
    assert df[df["suppressed"]]["engaged_n"].isna().all()
    support = visible[visible["department"] == "Support"]
    assert len(support) > 0 and support["engaged_n"].max() > 0


def _copy(settings: Settings, dest: Path) -> Settings:
    shutil.copytree(settings.data_dir, dest)
    return replace(settings, data_dir=dest, landing_root=str(dest / "landing"), state_root=str(dest / "state"),
                   warehouse_path=dest / "warehouse" / "outcomes.duckdb",
                   published_path=dest / "warehouse" / "analytics.duckdb", gx_root=dest / "gx",
                   runs_dir=dest / "runs")


def _marts(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from information_schema.tables "
                            "where table_name like 'mart_%' order by 2").fetchall()
        return {n: sorted(map(repr, con.execute(f'select * from "{s}"."{n}"').fetchall())) for s, n in names}
    finally:
        con.close()


def test_rerunning_the_same_window_gives_the_same_marts(pipeline, tmp_path, company):
    from connectors import sources
    from connectors.landing import LandingZone
    from connectors.runner import land_stream
    from connectors.state import StateStore
    from outcomes.pipeline import transform
    from outcomes.sandbox_env import sandbox_connections
    from sandbox.server import SandboxServer

    _, settings = pipeline
    settings = _copy(settings, tmp_path / "data")
    before = _marts(settings.published_path)
    # Re-extract every stream from scratch (cursors dropped): each record lands a second time.
    shutil.rmtree(settings.state_root)
    with SandboxServer(company) as server:
        conns = sandbox_connections(server, company)
        zone, state = LandingZone(settings.landing_root), StateStore(settings.state_root)
        for name, module in sources().items():
            client = module.make_client(conns[name])
            for stream in module.STREAMS:
                land_stream(stream, client, zone, state)
    transform(settings)
    assert _marts(settings.warehouse_path) == before


def test_bad_landing_batch_stops_publish_and_keeps_last_good_file(pipeline, tmp_path):
    from connectors.landing import LandingZone
    from outcomes.pipeline import StepFailed, gate, publish, transform

    _, settings = pipeline
    settings = _copy(settings, tmp_path / "data")
    published_before = hashlib.sha256(settings.published_path.read_bytes()).hexdigest()
    # A batch that bypassed the connector's check: a ticket solved before it was created.
    batch = LandingZone(settings.landing_root).open_batch("zendesk", "tickets")
    batch.write({"id": 99_000_001, "created_at": "2026-01-10T10:00:00Z", "updated_at": "2026-01-10T10:00:00Z",
                 "generated_timestamp": 1_999_999_999, "status": "solved", "assignee_id": None,
                 "metric_set": {"full_resolution_time_in_minutes": {"calendar": -600, "business": -600},
                                "solved_at": "2026-01-10T00:00:00Z"}})
    batch.commit()
    with pytest.raises(StepFailed):
        transform(settings)  # dbt's own tests may already refuse it...
        gate(settings)  # ...otherwise the GX gate must
    with pytest.raises(StepFailed):
        publish(settings)
    assert hashlib.sha256(settings.published_path.read_bytes()).hexdigest() == published_before
