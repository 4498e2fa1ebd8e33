"""A scenario that plants diverging pre-trends (sandbox/scenarios/pretrend.yml: Engineering's adopters were
already merging 2% a week faster before the redesign) is caught: pr_time_to_merge gets
`inconclusive_pretrend` with the slope in its reason, not `improved`; the workflows without a pre-trend keep
their verdicts. A whole pipeline run: marked scenario_pipeline (`make test-scenarios`), outside `make test`."""

from __future__ import annotations

import duckdb
import pytest
from tests_support import isolated_settings

pytestmark = pytest.mark.scenario_pipeline


@pytest.fixture(scope="module")
def pretrend(session_tmp):
    from devenv.sandbox_env import sandbox_session
    from outcomes.run import run_pipeline

    settings = isolated_settings(session_tmp / "pretrend-data")
    with sandbox_session("pretrend", settings) as on_sandbox:
        result = run_pipeline(on_sandbox, quiet=True)
    assert result.success
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.sql("select * from mart_workflow_outcomes").df().set_index("workflow")
    finally:
        con.close()


def test_diverging_pretrends_are_caught(pretrend):
    row = pretrend.loc["pr_time_to_merge"]
    # planted: -2% a week of the level at T0; the mart reports it against the adopters' baseline mean
    # (about 12% above that level), so about -1.8% a week
    assert row["pretrend_ci_high_pct"] < -1.0 and -2.6 < row["pretrend_slope_pct"] < -1.2, row["pretrend_slope_pct"]
    assert row["pretrend_diverges"] and row["verdict"] == "inconclusive_pretrend"
    assert "diverged before the redesign" in row["verdict_reason"]


def test_workflows_without_a_pretrend_keep_their_verdicts(pretrend):
    assert pretrend.loc["first_draft_report", "verdict"] == "improved"
    assert pretrend.loc["support_ticket_resolution", "verdict"] == "improved"
    assert pretrend.loc["sales_proposal", "verdict"] == "no_change"
    assert not pretrend.drop(index="pr_time_to_merge")["pretrend_diverges"].any()
