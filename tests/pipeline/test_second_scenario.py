"""The method, not the default scenario's numbers: a second scenario with another seed, other team sizes
and other effect sizes (sandbox/scenarios/second.yml, written for this test and not tuned) is recovered too."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from outcomes.settings import Settings


@pytest.fixture(scope="module")
def second(session_tmp):
    from devenv.sandbox_env import sandbox_session
    from outcomes.run import run_pipeline
    from sandbox.company import generate_company
    from sandbox.scenario import load_scenario

    data = session_tmp / "second-data"
    settings = replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                       state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                       published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                       runs_dir=data / "runs")
    with sandbox_session("second", settings) as on_sandbox:
        result = run_pipeline(on_sandbox, quiet=True)
    assert result.success
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        outcomes = con.sql("select * from mart_workflow_outcomes").df().set_index("workflow")
        flagged = con.sql("select * from mart_usage_without_outcomes").df()
    finally:
        con.close()
    return generate_company(load_scenario("second")).truth, outcomes, flagged


def test_support_effect_of_the_second_scenario_is_recovered(second):
    truth, outcomes, _ = second
    row = outcomes.loc["support_ticket_resolution"]
    planted = 100 * truth["drift_factor"] * (truth["support_effect_factor"] - 1)  # -27 here, -18.9 by default
    assert abs(row["effect_pct"] - planted) <= 4, (row["effect_pct"], planted)
    assert row["verdict"] == "improved"


@pytest.mark.parametrize("workflow", ["pr_time_to_merge", "first_draft_report"])
def test_kpi_effects_of_the_second_scenario_are_recovered(second, workflow):
    truth, outcomes, _ = second
    row = outcomes.loc[workflow]
    planted = truth["kpi_effects"][workflow]["effect_pct"]
    assert abs(row["effect_pct"] - planted) <= 4, (row["effect_pct"], planted)
    assert row["verdict"] == "improved"


def test_no_effect_team_of_the_second_scenario_is_no_change(second):
    _, outcomes, flagged = second
    row = outcomes.loc["sales_proposal"]
    assert row["verdict"] == "no_change" and row["ci_low_pct"] < 0 < row["ci_high_pct"]
    assert "sales_proposal" in set(flagged["subject"])
