"""The whole pipeline through Airflow (dag.test) on the default sandbox, checked against planted truth."""

from __future__ import annotations

import duckdb
import pytest

from outcomes.settings import Settings


@pytest.fixture(scope="module")
def pipeline(default_pipeline):
    return default_pipeline


def _published(settings: Settings, table: str):
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.sql(f"select * from {table}").df()
    finally:
        con.close()


def test_every_dag_succeeds_with_dag_test(pipeline):
    from connectors import sources

    result, _ = pipeline
    expected = {*(f"ingest_{name}" for name in sources()), "transform", "publish"}
    assert len(expected) == 13  # ten vendor sources and the interview drop, then transform and publish
    assert result.dag_states == dict.fromkeys(expected, "success")


def test_every_stream_of_every_source_landed(pipeline):
    from connectors import sources
    from connectors.landing import LandingZone

    _, settings = pipeline
    zone = LandingZone(settings.landing_root)
    for name, module in sources().items():
        for stream in module.STREAMS:
            manifests = zone.manifests(name, stream.name)
            assert manifests, f"{name}/{stream.name} landed nothing"
            assert sum(m.record_count for m in manifests) > 0, f"{name}/{stream.name} landed no records"


def _outcome(settings: Settings, workflow: str):
    return _published(settings, "mart_workflow_outcomes").set_index("workflow").loc[workflow]


@pytest.mark.parametrize("workflow", ["pr_time_to_merge", "first_draft_report"])
def test_planted_kpi_effects_are_recovered_with_an_improved_verdict(pipeline, company, workflow):
    _, settings = pipeline
    row = _outcome(settings, workflow)
    planted = company.truth["kpi_effects"][workflow]["effect_pct"]  # drift x (factor - 1), relative
    assert abs(row["effect_pct"] - planted) <= 4, (row["effect_pct"], planted)
    assert row["verdict"] == "improved" and row["ci_high_pct"] < 0
    assert row["adopters_n"] >= settings.min_group_size and row["control_n"] >= settings.min_group_size


def test_high_usage_without_an_effect_is_no_change_and_flagged(pipeline, company):
    _, settings = pipeline
    row = _outcome(settings, "sales_proposal")
    assert company.truth["kpi_effects"]["sales_proposal"]["effect_pct"] == 0
    assert row["verdict"] == "no_change"
    assert row["ci_low_pct"] < 0 < row["ci_high_pct"]
    assert row["adopters_share"] >= 0.3  # Sales B uses Microsoft 365 Copilot heavily
    flagged = _published(settings, "mart_usage_without_outcomes")
    assert "sales_proposal" in set(flagged[flagged["subject_type"] == "workflow"]["subject"])
    assert not {"pr_time_to_merge", "first_draft_report", "support_ticket_resolution"} & set(flagged["subject"])


def test_naive_before_after_is_misled_by_the_drift(pipeline, company):
    _, settings = pipeline
    # Everyone got 5% slower: the whole-team before/after understates the adopters' real gain.
    for workflow in ("support_ticket_resolution", "pr_time_to_merge"):
        row = _outcome(settings, workflow)
        assert abs(row["control_change_pct"] - company.truth["drift_pct"]) <= 4, workflow
        assert row["naive_change_pct"] - row["effect_pct"] >= 5, workflow


def test_usage_of_every_tool_and_every_kpi_is_published(pipeline):
    _, settings = pipeline
    segments = _published(settings, "mart_adoption_segments")
    visible = segments[~segments["suppressed"]]
    for tool in ("github_copilot", "m365_copilot", "openai", "claude_code", "any"):
        assert visible[visible["tool"] == tool]["engaged_n"].max() > 0, tool
    sales_b = visible[(visible["team"] == "Sales B") & (visible["tool"] == "m365_copilot")]
    assert sales_b["engaged_n"].max() >= 10  # the busy team of the no-change story
    kpis = _published(settings, "mart_kpi_weekly")
    assert set(kpis["kpi"]) == {"zendesk_resolution_hours", "jira_cycle_time_hours", "github_pr_merge_hours",
                                "harvest_task_hours"}
    cost = _published(settings, "mart_ai_cost")
    company_rows = cost[cost["level"] == "company"]
    assert set(company_rows["tool"]) >= {"github_copilot", "m365_copilot", "openai", "claude_code"}
    # seats priced in EUR and metered spend in USD never share a row
    assert company_rows.groupby(["tool", "month_start", "currency"]).size().max() == 1
    assert (company_rows[company_rows["tool"] == "m365_copilot"]["currency"] == "EUR").all()


def test_identity_coverage_is_published_for_every_source(pipeline):
    from connectors import sources

    _, settings = pipeline
    coverage = _published(settings, "mart_identity_coverage").set_index("source")
    assert set(coverage.index) == set(sources()) - {"msgraph"}
    assert (coverage["coverage"] >= settings.min_identity_coverage).all()
    assert (coverage["coverage"] <= 1).all()


def test_every_published_group_has_at_least_min_group_size_people(pipeline):
    _, settings = pipeline
    for table, column in [("mart_adoption_segments", "people_n"), ("mart_kpi_weekly", "people_n"),
                          ("mart_workflow_outcomes_weekly", "people_n"), ("mart_manager_rollup", "org_size"),
                          ("mart_workflow_event_study", "adopters_n"), ("mart_win_candidates", "users_n"),
                          ("mart_win_candidates", "colleagues_n")]:
        df = _published(settings, table)
        assert (df[~df["suppressed"]][column] >= settings.min_group_size).all(), table
        assert df[df["suppressed"]][column].isna().all(), table
    seats = _published(settings, "mart_seat_utilization")
    hidden = seats[seats["suppressed"]]
    assert hidden[["seats_assigned", "active_n", "engaged_n", "idle_n"]].isna().all().all()


def test_the_warehouse_event_carries_the_build_id_that_was_published(pipeline):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    from outcomes.pipeline import read_step

    _, settings = pipeline
    with create_session() as session:
        events = (session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                  .filter(AssetModel.uri == "x-warehouse://outcomes").order_by(AssetEvent.timestamp).all())
        extras = [e.extra for e in events]
    built = read_step(settings, "transform")["build_id"]
    assert extras and extras[-1] == {"build_id": built}
    assert read_step(settings, "publish")["build_id"] == built


def test_copilot_users_fall_into_every_usage_segment(pipeline):
    # per-tool thresholds: the sandbox's habitual Copilot style (~45% of workdays, tens of actions a day) is
    # habitual, not power, and its novices and box-tickers fill the lower segments
    _, settings = pipeline
    segments = _published(settings, "mart_adoption_segments")
    copilot = segments[(segments["tool"] == "github_copilot") & ~segments["suppressed"]]
    last = copilot[~copilot["is_partial_week"]]["week_start"].max()
    week = copilot[copilot["week_start"] == last]
    for segment in ("power_n", "habitual_n", "novice_n", "low_n", "none_n"):
        assert week[segment].sum() > 0, segment
    assert (week["habitual_n"] > 0).sum() >= 5  # habitual in many teams, not in none


def test_purchased_seats_come_from_the_vendors_and_no_count_or_spend_is_negative(pipeline, company):
    from sandbox.records import github_copilot

    _, settings = pipeline
    seats = _published(settings, "mart_seat_utilization")
    top = seats[seats["level"] == "company"].set_index(["tool", "month_start"]).sort_index()
    copilot = top.loc["github_copilot"].iloc[-1]
    assert copilot["seats_purchased_source"] == "vendor"
    assert copilot["seats_purchased"] == github_copilot.billing(company)["seat_breakdown"]["total"]
    m365 = top.loc["m365_copilot"].iloc[-1]
    assert m365["seats_purchased_source"] == "vendor"
    assert not top["purchased_below_assigned"].any()
    numeric = seats[["seats_purchased", "seats_assigned", "seats_unresolved", "seats_unassigned", "idle_n"]]
    assert (numeric.fillna(0) >= 0).all().all()
    cost = _published(settings, "mart_ai_cost")
    assert (cost[["seat_spend", "idle_spend", "total_spend"]].fillna(0) >= 0).all().all()


def test_outcome_checks_find_nothing_where_nothing_was_planted(pipeline):
    # no pre-trends are planted: none diverges; the no-effect workflow's placebo CI covers 0, and every
    # target is above its workflow's minimum detectable effect
    _, settings = pipeline
    outcomes = _published(settings, "mart_workflow_outcomes").set_index("workflow")
    assert not outcomes["pretrend_diverges"].any()
    row = outcomes.loc["sales_proposal"]
    assert row["placebo_ci_low_pct"] < 0 < row["placebo_ci_high_pct"]
    assert (outcomes["mde_pct"] < outcomes["target_pct"].abs()).all()
    assert (outcomes["metric_version"] == 3).all()


def test_event_study_shows_the_change_after_the_redesign_only(pipeline, company):
    # baseline weeks scatter around 0; post weeks sit near the planted effect
    _, settings = pipeline
    study = _published(settings, "mart_workflow_event_study")
    rows = study[(study["workflow"] == "pr_time_to_merge") & ~study["suppressed"]]
    planted = company.truth["kpi_effects"]["pr_time_to_merge"]["effect_pct"]
    baseline, post = rows[rows["period"] == "baseline"], rows[rows["period"] == "post"]
    assert len(baseline) >= 10 and len(post) >= 5
    assert abs(baseline["effect_pct"].mean()) <= 2
    assert abs(post["effect_pct"].mean() - planted) <= 4


def test_the_before_after_chart_ends_with_a_whole_week(pipeline):
    # items are dated when they start: a week the data has not finished holds only the fast items
    _, settings = pipeline
    weekly = _published(settings, "mart_workflow_outcomes_weekly")
    ends = _published(settings, "mart_workflow_outcomes").set_index("workflow")["post_end"]
    for workflow, weeks in weekly.groupby("workflow"):
        assert (weeks["week_end"] <= ends[workflow]).all(), workflow
    adopters = weekly[(weekly["workflow"] == "pr_time_to_merge") & (weekly["cohort"] == "adopters")
                      & (weekly["period"] == "post") & ~weekly["suppressed"]].sort_values("week_start")
    # the last post week looks like the others (the planted effect is a step, not a slope)
    assert abs(adopters["kpi_mean"].iloc[-1] / adopters["kpi_mean"].median() - 1) < 0.2


def test_the_production_build_runs_data_tests_but_leaves_unit_tests_to_ci(pipeline):
    import json

    _, settings = pipeline
    target = settings.data_dir / "dbt" / "target"
    ran = {r["unique_id"].split(".")[0] for r in json.loads((target / "run_results.json").read_text())["results"]}
    assert {"model", "test"} <= ran
    # the project has unit tests (tests/dbt runs them on DuckDB and PostgreSQL); a data build skips them
    assert json.loads((target / "manifest.json").read_text())["unit_tests"]
    assert "unit_test" not in ran
