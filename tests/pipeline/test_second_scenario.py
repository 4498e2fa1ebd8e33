"""The method, not the default scenario's numbers: a second scenario with another seed, other team sizes
and other effect sizes (sandbox/scenarios/second.yml, written for this test and not tuned) is recovered too.
A whole pipeline run: marked scenario_pipeline (`make test-scenarios`), outside `make test`."""

from __future__ import annotations

import duckdb
import pytest
from tests_support import isolated_settings

pytestmark = pytest.mark.scenario_pipeline


def _coverage(settings) -> dict[str, float]:
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return dict(con.sql("select source, coverage from mart_identity_coverage").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def second(session_tmp):
    from devenv.sandbox_env import sandbox_session
    from outcomes.run import run_pipeline
    from sandbox.company import generate_company
    from sandbox.scenario import load_scenario

    settings = isolated_settings(session_tmp / "second-data")
    with sandbox_session("second", settings) as on_sandbox:
        result = run_pipeline(on_sandbox, quiet=True)
    assert result.success
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        outcomes = con.sql("select * from mart_workflow_outcomes").df().set_index("workflow")
        flagged = con.sql("select * from mart_usage_without_outcomes").df()
    finally:
        con.close()
    return generate_company(load_scenario("second")).truth, outcomes, flagged, _coverage(settings)


def test_support_effect_of_the_second_scenario_is_recovered(second):
    truth, outcomes, _, _ = second
    row = outcomes.loc["support_ticket_resolution"]
    planted = 100 * truth["drift_factor"] * (truth["support_effect_factor"] - 1)  # -27 here, -18.9 by default
    # unlinked adopters would fall into the control group and pull the estimate towards zero
    assert abs(row["effect_pct"] - planted) <= 3, (row["effect_pct"], planted)
    assert row["verdict"] == "improved"


@pytest.mark.parametrize("workflow", ["pr_time_to_merge", "first_draft_report"])
def test_kpi_effects_of_the_second_scenario_are_recovered(second, workflow):
    truth, outcomes, _, _ = second
    row = outcomes.loc[workflow]
    planted = truth["kpi_effects"][workflow]["effect_pct"]
    assert abs(row["effect_pct"] - planted) <= 4, (row["effect_pct"], planted)
    assert row["verdict"] == "improved"


def test_no_effect_team_of_the_second_scenario_is_no_change(second):
    _, outcomes, flagged, _ = second
    row = outcomes.loc["sales_proposal"]
    assert row["verdict"] == "no_change" and row["ci_low_pct"] < 0 < row["ci_high_pct"]
    assert "sales_proposal" in set(flagged["subject"])


def test_second_scenario_links_its_accounts_as_well_as_the_default(second, default_pipeline):
    # the sandbox writes each scenario's own identity overrides; the shipped seed holds none
    _, _, _, coverage = second
    _, default_settings = default_pipeline
    default = _coverage(default_settings)
    assert set(coverage) == set(default)
    gaps = {source: (coverage[source], default[source]) for source in default
            if abs(coverage[source] - default[source]) > 0.02}
    assert not gaps, gaps
