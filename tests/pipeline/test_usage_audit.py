"""The usage audit on the default scenario (the session's one pipeline run): the over-reporting team the
scenario plants is recovered as reporting more than it uses, the honest teams are not, the interviews of the
CSV drop count, and the "went back to manual" tasks are tied to the catalog's."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[2] / "sandbox" / "scenarios" / "default.yml"


@pytest.fixture(scope="module")
def planted() -> dict:
    """The scenario's own definition, read independently of the generator and the mart."""
    return yaml.safe_load(SCENARIO.read_text())["sources"]["typeform"]


def _published(settings, table: str):
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.sql(f"select * from {table}").df()
    finally:
        con.close()


def test_the_over_reporting_team_reports_more_than_it_uses(default_pipeline, planted):
    _, settings = default_pipeline
    df = _published(settings, "mart_reported_vs_real")
    team, tool = planted["over_reporting"]["team"], planted["over_reporting"]["tool"]
    row = df[(df["team"] == team) & (df["tool"] == tool)]
    assert len(row) == 1, df[["team", "tool"]]
    row = row.iloc[0]
    assert not row["suppressed"] and row["people_n"] == planted["respondents_per_team"]
    # they all said "every day" (5 days a week); their telemetry shows far less
    assert row["reported_days_per_week"] == 5.0 and row["reported_daily_n"] == row["people_n"]
    assert row["real_active_days_per_week"] < 2.5 and row["gap_days_per_week"] > 2.5
    assert row["reported_exceeds_real"]


def test_honest_teams_do_not_report_more_than_they_use(default_pipeline, planted):
    _, settings = default_pipeline
    df = _published(settings, "mart_reported_vs_real")
    over = (df["team"] == planted["over_reporting"]["team"]) & (df["tool"] == planted["over_reporting"]["tool"])
    honest = df[~over & ~df["suppressed"]]
    assert len(honest) >= 20  # every team answers about every tool it holds
    assert not honest["reported_exceeds_real"].any(), honest[honest["reported_exceeds_real"]]
    assert (honest["overstated_share"] < 0.5).all()
    assert (honest["gap_days_per_week"].abs() < 1.5).all()
    hidden = df[df["suppressed"]]
    assert hidden[["people_n", "reported_days_per_week", "overstated_n", "used_for_tasks"]].isna().all().all()


def test_the_interviews_dropped_as_csv_count_as_answers(default_pipeline, planted):
    _, settings = default_pipeline
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("""
            select team, tool, count(*), count(person_key)
            from intermediate.int_audit_answers where channel = 'interviews' group by 1, 2""").fetchall()
    finally:
        con.close()
    interviewed = planted["interviews"]
    assert rows == [(interviewed["team"], interviewed["tool"], planted["interviewed_per_team"],
                     planted["interviewed_per_team"])]
    df = _published(settings, "mart_reported_vs_real")
    row = df[(df["team"] == interviewed["team"]) & (df["tool"] == interviewed["tool"])].iloc[0]
    # the survey's respondents and the further people interviewed, each once
    assert row["people_n"] == planted["respondents_per_team"] + planted["interviewed_per_team"]


def test_back_to_manual_tasks_are_tied_to_the_catalog(default_pipeline):
    _, settings = default_pipeline
    catalog = yaml.safe_load(Path(settings.workflows_path).read_text())["workflows"]
    with_task = {w["task"]: w for w in catalog if w.get("task")}
    df = _published(settings, "mart_back_to_manual")
    visible = df[~df["suppressed"]]
    tied = visible[visible["in_catalog"]]
    assert set(tied["task"]) <= set(with_task)
    assert tied.shape[0] >= 2
    for _, row in tied.iterrows():
        workflow = with_task[row["task"]]
        assert row["workflow"] == workflow["workflow"]
        assert workflow["team"] in (row["team"], row["department"])
    # a catalog task named by a team outside the workflow's is not tied to it
    others = visible[visible["task"].isin(with_task) & ~visible["in_catalog"]]
    for _, row in others.iterrows():
        assert with_task[row["task"]]["team"] not in (row["team"], row["department"])
    assert (visible["back_to_manual_n"] <= visible["people_n"]).all()
    assert visible["back_to_manual_n"].sum() > 0


def test_the_run_summary_names_the_teams_reporting_more_than_they_use(tmp_path, capsys):
    """print_report on a small publication (test_html_report's): the latest survey week only."""
    from dataclasses import replace

    from test_html_report import write_publication
    from tests_support import isolated_settings

    from outcomes.report import print_report
    from outcomes.settings import Settings

    published = write_publication(tmp_path / "analytics.duckdb")
    settings: Settings = replace(isolated_settings(tmp_path / "data"), published_path=published)
    print_report(settings)
    out = capsys.readouterr().out
    assert "Usage audit, week of 2026-11-16 (what people said against telemetry, 2 team x tool groups):" in out
    assert "  HR A (m365_copilot) reports more than it uses: said 5.0 days a week, telemetry 0.9; 90% overstate" in out
    assert out.count("reports more than it uses") == 1
