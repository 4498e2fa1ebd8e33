"""Steps 2-4 of a rollout on the default sandbox: the win finder, the manager signal and the program mart,
checked against what the scenario plants (sandbox/scenarios/default.yml), not against the marts' own output."""

from __future__ import annotations

import duckdb
import yaml

from outcomes.catalog import KPIS, parse_catalog
from outcomes.cli import main
from outcomes.wins import bonferroni_z

KPI_OF_SOURCE = {spec["source"]: kpi for kpi, spec in KPIS.items()}
STYLES_THAT_USE = ("power", "habitual")


def _published(settings, table: str):
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.sql(f"select * from {table}").df()
    finally:
        con.close()


def _hidden_win(company):
    """The planted effect no catalog entry names."""
    [(key, effect)] = [(k, e) for k, e in company.truth["kpi_effects"].items() if not e["in_catalog"]]
    return key, effect


def _catalogued_populations(company) -> dict[str, float]:
    """Department or team -> planted factor of the catalog workflows the sandbox writes for it."""
    scenario = company.scenario
    populations = {scenario.effects.support_department: scenario.effects.support_factor}
    for effect in scenario.kpi_effects:
        if effect.in_catalog:
            populations[effect.department or effect.team] = effect.factor
    return populations


def test_the_hidden_win_is_the_top_candidate(default_pipeline, company):
    _, settings = default_pipeline
    _, planted = _hidden_win(company)
    candidates = _published(settings, "mart_win_candidates")
    top = candidates[candidates["candidate_rank"] == 1].iloc[0]
    assert (top["team"], top["kpi"], top["task"]) == (planted["team"], KPI_OF_SOURCE[planted["source"]],
                                                      planted["task"])
    assert top["tool"] in planted["tools"] and not top["in_catalog"]
    # the planted effect (drift x (factor - 1)) lies inside the candidate's interval, which excludes 0
    assert top["ci_low_pct"] <= planted["effect_pct"] <= top["ci_high_pct"] < 0, top.to_dict()
    assert top["users_n"] >= settings.min_group_size and top["colleagues_n"] >= settings.min_group_size
    # strong enough to survive a Bonferroni correction over every place the finder compared
    assert abs(top["z_score"]) >= bonferroni_z(int(top["places_compared"])) > 3
    assert set(candidates["evidence"]) == {"candidate, not a verdict"}
    # places a catalog workflow already measures are never proposed, however fast
    assert candidates[candidates["in_catalog"]]["candidate_rank"].isna().all()


def test_small_candidates_show_no_figures(default_pipeline):
    _, settings = default_pipeline
    candidates = _published(settings, "mart_win_candidates")
    small = candidates[candidates["shown_as"] == "a small group"]
    assert len(small) > 0  # the default company has teams where a tool has a handful of users
    figures = ["users_n", "colleagues_n", "users_items_n", "colleagues_items_n", "effect_pct", "ci_low_pct",
               "ci_high_pct", "users_change_pct", "colleagues_change_pct", "candidate_rank"]
    assert small[figures].isna().all().all()
    assert not small["measurably_faster"].any()


def test_the_wins_command_proposes_the_hidden_win_as_a_catalog_entry(default_pipeline, company, capsys,
                                                                     monkeypatch):
    _, settings = default_pipeline
    _, planted = _hidden_win(company)
    monkeypatch.setenv("OUTCOMES_PUBLISHED_PATH", str(settings.published_path))
    assert main(["wins", "--top", "2"]) == 0
    entries = parse_catalog(yaml.safe_load("workflows:\n" + capsys.readouterr().out), "outcomes wins")
    first = entries[0]
    assert (first["team"], first["kpi"], first["task"]) == (planted["team"], KPI_OF_SOURCE[planted["source"]],
                                                            planted["task"])
    assert set(first["tools"]) <= set(planted["tools"])
    # the tools arrived on the rollout, which is when the sandbox plants the effect
    assert first["redesigned_on"] == planted["redesigned_on"].isoformat()


def test_the_stalled_manager_is_flagged(default_pipeline, company):
    _, settings = default_pipeline
    scenario = company.scenario
    catalogued = _catalogued_populations(company)
    rollup = _published(settings, "mart_manager_rollup")
    heads = rollup[(rollup["workflow"] == "(adoption)") & rollup["manager_title"].str.startswith("Head of ")]
    heads = heads.set_index("manager_department")

    def heavy_use(dept) -> bool:  # a tool most of the department uses for real
        shares = [tool.departments.get(dept.name, {}) for tool in scenario.tools.values()] + [dept.styles]
        return any(sum(s.get(style, 0) for style in STYLES_THAT_USE) >= 0.5 for s in shares)

    def has_catalog(dept) -> bool:
        return dept.name in catalogued or any(team in catalogued for team in dept.team_names())

    stalled = [d.name for d in scenario.departments if heavy_use(d) and not has_catalog(d)]
    assert stalled == ["Operations"]  # the plant: heavy use, no workflow in the catalog
    for name in stalled:
        row = heads.loc[name]
        assert row["translation_stalled"] and not row["redesign_under_way"], row.to_dict()
        assert "no workflow" in row["stall_reason"]
        assert row["peers_n"] == len(scenario.departments) - 1  # the other heads under the CEO
        assert row["engaged_share"] > row["peers_engaged_share"]
    # the departments whose catalog workflows have a planted gain are not stalled
    improving = {d.name for d in scenario.departments
                 if any(catalogued.get(p, 1.0) < 1.0 for p in (d.name, *d.team_names()))}
    assert improving == {"Support", "Engineering", "Finance"}
    for name in improving:
        assert heads.loc[name, "redesign_under_way"] and not heads.loc[name, "translation_stalled"], name
    # Sales redesigns a workflow planted with no change (factor 1.0) while its people use AI: stalled too
    assert catalogued["Sales B"] == 1.0
    assert heads.loc["Sales", "translation_stalled"]
    assert "no catalog workflow of its teams has improved" in heads.loc["Sales", "stall_reason"]


def test_the_manager_signal_stays_above_the_privacy_floor(default_pipeline):
    _, settings = default_pipeline
    rollup = _published(settings, "mart_manager_rollup")
    assert not [c for c in rollup.columns if "rank" in c]  # no ranking of managers, let alone of people
    hidden = rollup[rollup["suppressed"]]
    signal = ["peers_n", "peers_engaged_share", "engaged_vs_peers_pts", "catalog_workflows_n",
              "redesign_under_way", "improved_workflows_n", "translation_stalled", "stall_reason"]
    assert hidden[signal].isna().all().all()


def test_the_program_mart_has_a_row_per_team(default_pipeline, company):
    _, settings = default_pipeline
    program = _published(settings, "mart_program").set_index("team")
    teams = {team for dept in company.scenario.departments for team in dept.team_names()}
    assert set(program.index) == teams and program.index.is_unique
    catalogued = _catalogued_populations(company)
    _, hidden = _hidden_win(company)
    for dept in company.scenario.departments:
        for team in dept.team_names():
            factor = catalogued.get(team, catalogued.get(dept.name))
            row = program.loc[team]
            if factor is not None and factor < 1.0:
                assert row["stage"] == "impact" and row["improved_n"] >= 1, team
            elif factor is not None:
                assert row["stage"] == "redesigning" and row["no_change_n"] == 1, team
            else:
                assert row["catalog_workflows_n"] == 0 and row["stage"] in ("audited", "wins found"), team
    assert program.loc[hidden["team"], "stage"] == "wins found"
    assert hidden["task"] in program.loc[hidden["team"], "best_candidate"]
    # the metrics the sandbox's program file gives each catalogued team (devenv.sandbox_env.sandbox_program)
    assert program.loc["Sales B", "outcome_metrics"] == "harvest_task_hours (Customer proposal)"
    assert program.loc["Engineering C", "outcome_metrics"] == "github_pr_merge_hours, jira_cycle_time_hours"
    assert program.loc[hidden["team"], "outcome_metrics_n"] == 0


def test_the_program_mart_says_which_teams_answered_the_audit(default_pipeline, company):
    from sandbox.records.typeform import TOOL_LABELS
    from sandbox.records.typeform import settings as survey_settings

    _, settings = default_pipeline
    program = _published(settings, "mart_program").set_index("team")
    # the survey asks up to respondents_per_team active holders of each tool (below the heads) in every team
    assert survey_settings(company)[0].respondents_per_team > 0
    holders = {p["team"] for tool in TOOL_LABELS for p in company.tool_activity(tool)[0]
               if p["active"] and p["level"] < 7}
    answered = set(program.index[program["audit_answers_collected"]])
    assert answered == holders & set(program.index) and answered
    days = program.loc[sorted(answered), ["audit_first_answered_on", "audit_last_answered_on"]]
    assert days.notna().all().all() and (days["audit_first_answered_on"] <= days["audit_last_answered_on"]).all()
    assert (days["audit_last_answered_on"].dt.date <= company.end_date).all()
    shown = program["audit_respondents_n"].dropna()
    assert (shown >= settings.min_group_size).all()
