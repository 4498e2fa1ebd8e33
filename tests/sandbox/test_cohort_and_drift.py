"""A scenario's cohort window and drift reach the generated records and the sandbox's workflow catalog.

- `cohort_days` of a KPI effect picks the adopters (>= 2 active days in [T0, T0 + cohort_days)) and is the
  catalog's cohort window, so the mart freezes the same cohort the generator planted the effect on;
- a Jira effect, which the generator cannot plant, is refused when the scenario loads;
- drift per KPI source and per team: each source's work drifts by its own factor, a team's by its factor
  on top, and the planted effect is relative to the adopters' own drift.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from statistics import mean

import numpy as np
import pytest
import sandbox_testlib as lib

from devenv.sandbox_env import sandbox_catalog
from sandbox.company import generate_company
from sandbox.records import github, harvest, zendesk
from sandbox.scenario import ScenarioError, parse_scenario

END_DATE = "2026-03-31"  # rollout 2026-01-01, as in conftest


def _scenario(**drift):
    data = lib.default_yaml()
    data["end_date"] = END_DATE
    for e in data["kpi_effects"]:
        if e["key"] == "pr_time_to_merge":
            e["cohort_days"] = 14
        if e["key"] == "first_draft_report":
            e["pretrend_pct_per_week"] = -3.0  # adopters 3% a week faster already before the redesign
    data["effects"]["drift"].update(drift)
    return parse_scenario(data, name="cohort14")


@pytest.fixture(scope="module")
def company14():
    # github 20% slower after the rollout, Support not at all, Engineering B a further 50% slower
    return generate_company(_scenario(kpis={"github": 1.2, "zendesk": 1.0}, teams={"Engineering B": 1.5}))


def _pr_items(company) -> list[tuple[str, date, float]]:
    person_of_login = {p["github_login"]: p["person_id"] for p in company.people if p["github_login"]}

    def ts(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return [(person_of_login[p["user"]["login"]], ts(p["created_at"]).date(),
             (ts(p["merged_at"]) - ts(p["created_at"])) / timedelta(hours=1))
            for p in github.pull_requests(company).pulls
            if p["merged_at"] and p["user"]["login"] in person_of_login]


def test_catalog_takes_each_effects_cohort_days(company14):
    catalog = {w["workflow"]: w for w in sandbox_catalog(company14)}
    assert catalog["pr_time_to_merge"]["cohort_days"] == 14
    assert catalog["first_draft_report"]["cohort_days"] == 28  # not set: the default
    assert catalog["support_ticket_resolution"]["cohort_days"] == 28


def test_adopters_are_chosen_from_the_effects_own_cohort_window(company14):
    e = next(e for e in company14.scenario.kpi_effects if e.key == "pr_time_to_merge")
    t0 = company14.effect_redesign_date(e)
    first = (t0 - company14.start_date).days
    # recount from the per-tool activity matrices: >= 2 distinct active days in [T0, T0 + 14)
    days_of: dict[str, set[int]] = {}
    for tool in e.tools:
        holders, act = company14.tool_activity(tool)
        for i, p in enumerate(holders):
            days_of.setdefault(p["person_id"], set()).update(np.flatnonzero(act[i, first:first + 14] == 1).tolist())
    expected = {pid for pid, days in days_of.items() if len(days) >= 2}
    population = company14.effect_population(e)
    got = {p["person_id"] for p in population if company14.is_effect_adopter(p, e)}
    assert got == expected & {p["person_id"] for p in population}
    github.pull_requests(company14)  # registers the truth
    observed = company14.truth["kpi_sources"]["github"]["effects"]["pr_time_to_merge"]["observed"]
    assert observed["post_start"] == t0 + timedelta(days=14)


def test_a_jira_effect_is_refused_on_load():
    data = lib.default_yaml()
    data["kpi_effects"].append({"key": "jira_cycle", "source": "jira", "department": "Engineering",
                                "tools": ["github_copilot"], "factor": 0.8})
    last = len(data["kpi_effects"]) - 1
    with pytest.raises(ScenarioError, match=rf"kpi_effects\[{last}\]\.source: the sandbox's Jira generator plants no"):
        parse_scenario(data)


def test_drift_keys_are_validated():
    data = lib.default_yaml()
    data["effects"]["drift"].update(kpis={"salesforce": 1.1}, teams={"Engineering Z": 1.1})
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert "effects.drift.kpis: unknown KPI source 'salesforce'" in str(err.value)
    assert "effects.drift.teams: unknown team 'Engineering Z'" in str(err.value)


def test_each_kpi_and_team_drifts_by_its_own_factor(company14):
    e = next(e for e in company14.scenario.kpi_effects if e.key == "pr_time_to_merge")
    population = company14.effect_population(e)
    adopters = {p["person_id"] for p in population if company14.is_effect_adopter(p, e)}
    team_of = {p["person_id"]: p["team"] for p in company14.people}
    rollout = company14.rollout_date
    items = _pr_items(company14)

    def ratio(people: set[str]) -> float:
        return (mean(h for p, d, h in items if p in people and d >= rollout)
                / mean(h for p, d, h in items if p in people and d < rollout))

    control = {p["person_id"] for p in population} - adopters
    assert ratio({p for p in control if team_of[p] != "Engineering B"}) == pytest.approx(1.2, abs=0.06)
    assert ratio({p for p in control if team_of[p] == "Engineering B"}) == pytest.approx(1.8, abs=0.15)

    # Support tickets do not drift at all here: the control agents' resolution times stay put
    adopter_styles = set(company14.scenario.effects.adopter_styles)
    person_of_user = {u["id"]: u["email"] for u in zendesk.users(company14)}
    style_of = {p["email"]: p["style"] for p in company14.people if p["is_support_agent"]}
    pre, post = [], []
    for t in zendesk.tickets(company14):
        email = person_of_user.get(t.get("assignee_id"))
        minutes = t["metric_set"]["full_resolution_time_in_minutes"]["calendar"]
        if email in style_of and style_of[email] not in adopter_styles and minutes is not None:
            (post if t["created_at"][:10] >= rollout.isoformat() else pre).append(minutes)
    assert mean(post) / mean(pre) == pytest.approx(1.0, abs=0.06)
    assert company14.truth["drift_by_kpi"] == {"zendesk": 1.0, "github": 1.2, "jira": 1.05, "harvest": 1.05}

    # planted effect relative to the adopters' own drift: 100 * mean(drift_i) * (factor - 1)
    drifts = [1.2 * (1.5 if team_of[p] == "Engineering B" else 1.0) for p in adopters]
    assert company14.truth["kpi_effects"]["pr_time_to_merge"]["effect_pct"] == pytest.approx(
        100 * mean(drifts) * (0.8 - 1), abs=1e-6)


def test_a_planted_pretrend_moves_only_the_adopters_before_the_redesign(company14):
    e = next(e for e in company14.scenario.kpi_effects if e.key == "first_draft_report")
    t0 = company14.effect_redesign_date(e)
    population = company14.effect_population(e)
    adopters = {p["person_id"] for p in population if company14.is_effect_adopter(p, e)}
    control = {p["person_id"] for p in population} - adopters
    data = harvest.harvest_data(company14)
    person_of_email = {p["email"]: p["person_id"] for p in company14.people}
    person_of_user = {u["id"]: person_of_email.get(u["email"]) for u in data.users}
    items = [(person_of_user[x["user"]["id"]], date.fromisoformat(x["spent_date"]), x["hours"])
             for x in data.entries if x["task"]["name"] == "First-draft report" and not x["is_running"]]

    def halves(group: set[str]) -> float:
        early = [h for p, d, h in items if p in group and t0 - timedelta(days=84) <= d < t0 - timedelta(days=42)]
        late = [h for p, d, h in items if p in group and t0 - timedelta(days=42) <= d < t0]
        return mean(early) / mean(late)

    # multiplier 1 + (-3 / 100) x (weeks before T0): about 1.27 in the first six baseline weeks and 1.09 in
    # the last six, a ratio of about 1.165; the control does not move before the rollout
    assert halves(adopters) == pytest.approx(1.165, abs=0.06)
    assert halves(control) == pytest.approx(1.0, abs=0.06)
