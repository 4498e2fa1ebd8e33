"""The KPI records carry the planted effects, computed straight from the vendor-shaped records.

People are found the way a pipeline would: Harvest users by email, GitHub authors by EMU login, Jira
categories from the statuses list. Adopters come from the scenario (company.is_effect_adopter).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime, timedelta
from statistics import mean, median

import pytest
import sandbox_testlib as lib

from sandbox.company import generate_company
from sandbox.records import github, harvest, jira
from sandbox.records import msgraph as graph_records
from sandbox.records import zendesk as zendesk_records
from sandbox.scenario import ScenarioError, parse_scenario

BASELINE, COHORT, POST = 84, 28, 84


def _effect(company, key: str):
    return next(e for e in company.scenario.kpi_effects if e.key == key)


def _day(ts: str) -> date:
    return date.fromisoformat(ts[:10])


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))) / timedelta(hours=1)


def _did(items: list[tuple[str, date, float]], adopters: set[str], t0: date, end: date, min_items: int) -> float:
    """Person-level difference-in-differences relative to the adopters' baseline (own, plain implementation)."""
    pre: dict[str, list[float]] = {}
    post: dict[str, list[float]] = {}
    for person, day, value in items:
        if t0 - timedelta(days=BASELINE) <= day < t0:
            pre.setdefault(person, []).append(value)
        elif t0 + timedelta(days=COHORT) <= day < min(t0 + timedelta(days=COHORT + POST), end + timedelta(days=1)):
            post.setdefault(person, []).append(value)
    used = [p for p in pre if len(pre[p]) >= min_items and len(post.get(p, [])) >= min_items]
    diff = {p: mean(post[p]) - mean(pre[p]) for p in used}
    a = [p for p in used if p in adopters]
    c = [p for p in used if p not in adopters]
    return 100 * (mean(diff[p] for p in a) - mean(diff[p] for p in c)) / mean(mean(pre[p]) for p in a)


def _harvest_task_items(company, task: str) -> list[tuple[str, date, float]]:
    data = harvest.harvest_data(company)
    person_by_email = {p["email"]: p["person_id"] for p in company.people}
    person_of_user = {u["id"]: person_by_email.get(u["email"]) for u in data.users}
    return [(person_of_user[e["user"]["id"]], date.fromisoformat(e["spent_date"]), e["hours"])
            for e in data.entries
            if e["task"]["name"] == task and not e["is_running"] and person_of_user.get(e["user"]["id"])]


def _merged_pr_items(company) -> list[tuple[str, date, float]]:
    person_of_login = {p["github_login"]: p["person_id"] for p in company.people if p["github_login"]}
    return [(person_of_login[p["user"]["login"]], _day(p["created_at"]), _hours(p["created_at"], p["merged_at"]))
            for p in github.pull_requests(company).pulls
            if p["merged_at"] and p["user"]["login"] in person_of_login]


def _groups(company, key: str) -> tuple[set[str], set[str]]:
    e = _effect(company, key)
    population = company.effect_population(e)
    adopters = {p["person_id"] for p in population if company.is_effect_adopter(p, e)}
    return adopters, {p["person_id"] for p in population} - adopters


def test_first_draft_reports_take_240_minutes_then_40_for_adopters(company):
    e = _effect(company, "first_draft_report")
    t0 = company.effect_redesign_date(e)
    adopters, control = _groups(company, "first_draft_report")
    items = _harvest_task_items(company, "First-draft report")
    drift = company.scenario.effects.drift_factor

    def minutes(group: set[str], after: bool) -> float:
        return 60 * mean(h for p, d, h in items if p in group and (d >= t0) == after)

    assert minutes(adopters, after=False) == pytest.approx(240, rel=0.1)
    assert minutes(adopters, after=True) == pytest.approx(240 * e.factor * drift, rel=0.1)  # about 40 minutes
    assert minutes(control, after=False) == pytest.approx(240, rel=0.1)
    assert minutes(control, after=True) / minutes(control, after=False) == pytest.approx(drift, abs=0.04)
    # Finance people log one or two first drafts a week
    weeks = company.days / 7
    per_person_week = len([i for i in items if i[0] in adopters | control]) / len(adopters | control) / weeks
    assert 1.0 <= per_person_week <= 2.5


def test_pull_requests_merge_in_about_a_day_and_adopters_speed_up(company):
    e = _effect(company, "pr_time_to_merge")
    t0 = company.effect_redesign_date(e)
    adopters, control = _groups(company, "pr_time_to_merge")
    items = _merged_pr_items(company)
    drift = company.scenario.effects.drift_factor
    assert median(h for _, d, h in items if d < t0) == pytest.approx(24, rel=0.15)

    def ratio(group: set[str]) -> float:
        return mean(h for p, d, h in items if p in group and d >= t0) / mean(h for p, d, h in items
                                                                              if p in group and d < t0)

    assert ratio(adopters) == pytest.approx(e.factor * drift, abs=0.05)
    assert ratio(control) == pytest.approx(drift, abs=0.05)
    engineers = adopters | control
    workdays = sum(1 for d in range(company.days) if (company.start_date + timedelta(days=d)).weekday() < 5)
    assert 1.0 <= len([i for i in items if i[0] in engineers]) / len(engineers) / workdays <= 2.0


@pytest.mark.parametrize("key", ["pr_time_to_merge", "first_draft_report", "sales_proposal"])
def test_person_level_did_recovers_the_truth(company, key):
    e = _effect(company, key)
    adopters, _ = _groups(company, key)
    items = _merged_pr_items(company) if e.source == "github" else _harvest_task_items(company, e.task)
    min_items = 5 if e.source == "github" else 3
    got = _did(items, adopters, company.effect_redesign_date(e), company.end_date, min_items)
    assert got == pytest.approx(company.truth["kpi_effects"][key]["effect_pct"], abs=4)


def test_sales_proposals_do_not_change_despite_heavy_use(company):
    e = _effect(company, "sales_proposal")
    t0 = company.effect_redesign_date(e)
    adopters, control = _groups(company, "sales_proposal")
    items = _harvest_task_items(company, "Customer proposal")
    drift = company.scenario.effects.drift_factor
    for group in (adopters, control):
        before = mean(h for p, d, h in items if p in group and d < t0)
        after = mean(h for p, d, h in items if p in group and d >= t0)
        assert after / before == pytest.approx(drift, abs=0.05)


def test_jira_cycle_time_drifts_for_everyone(company):
    data = jira.jira_data(company)
    category = {s["id"]: s["statusCategory"]["id"] for s in data.statuses}

    def ts(value: str) -> datetime:  # Jira's format: milliseconds and +0000
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")

    pre, post = [], []
    for issue in data.issues:
        changes = [(ts(h["created"]), i["from"], i["to"]) for h in issue["changelog"]["histories"]
                   for i in h["items"] if i["fieldId"] == "status"]
        start = next((t for t, f, to in changes if category[to] == 4 and category[f] != 4), None)
        done = next((t for t, f, to in changes if start and t > start and category[to] == 3 and category[f] != 3),
                    None)
        if start and done:
            hours = (done - start) / timedelta(hours=1)
            (post if start.date() >= company.rollout_date else pre).append(hours)
    assert mean(post) / mean(pre) == pytest.approx(company.scenario.effects.drift_factor, abs=0.06)
    assert {i["fields"]["project"]["key"] for i in data.issues} == {"ENG", "OPS"}


def test_vendor_quirks_are_present(company):
    jd = jira.jira_data(company)
    people = [u for u in jd.users if u["accountType"] == "atlassian"]
    hidden = [u for u in people if "emailAddress" not in u]
    assert 0.05 <= len(hidden) / len(people) <= 0.15
    totals = [i["changelog"]["total"] for i in jd.issues]
    assert any(t > jd.knobs.embedded_changelog_max for t in totals) and any(t > 100 for t in totals)
    done = {s["id"] for s in jd.statuses if s["statusCategory"]["id"] == 3}
    reopened = [i for i in jd.issues if any(it["fieldId"] == "status" and it["from"] in done
                                            for h in i["changelog"]["histories"] for it in h["items"])]
    assert reopened
    prs = github.pull_requests(company).pulls
    assert any(p["user"]["type"] == "Bot" for p in prs) and any(p["author_association"] == "CONTRIBUTOR" for p in prs)
    assert any(p["state"] == "open" for p in prs) and any(p["state"] == "closed" and not p["merged_at"] for p in prs)
    hv = harvest.harvest_data(company)
    assert any(e["is_running"] for e in hv.entries) and any(u["is_contractor"] for u in hv.users)


def test_truth_records_knobs_and_group_sizes(company):
    sources = company.truth["kpi_sources"]
    github.truth(company), harvest.truth(company), jira.truth(company)
    assert set(sources) >= {"github", "harvest", "jira"}
    for key, effect in company.truth["kpi_effects"].items():
        observed = sources[effect["source"]]["effects"][key]
        assert observed["population"] == effect["population"] and observed["adopters"] == effect["adopters"]
    assert sources["github"]["knobs"]["merge_median_hours"] == 24.0


def _small_company(**sources):
    data = lib.default_yaml()
    data.update(days=60, rollout_day=30, end_date="2026-03-31", sources=sources)
    data["departments"] = [dict(d, headcount=min(d["headcount"], 20), teams=min(d["teams"], 2))
                           for d in data["departments"]]
    return generate_company(parse_scenario(data, name="small-kpi"))


def _digest(records) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


def test_records_are_deterministic_and_leave_other_sources_alone():
    a, b = _small_company(), _small_company()
    tickets_before = _digest(zendesk_records.tickets(a))
    for build in (lambda c: jira.jira_data(c).issues, lambda c: github.pull_requests(c).pulls,
                  lambda c: harvest.harvest_data(c).entries):
        assert build(a) and _digest(build(a)) == _digest(build(b))
    assert _digest(zendesk_records.tickets(a)) == tickets_before
    assert _digest(graph_records.graph_users(a)) == _digest(graph_records.graph_users(b))


def test_source_knobs_are_validated_with_every_problem_listed():
    company = _small_company(jira={"issues_per_workday": "many", "bogus": 1}, harvest={"per_page_max": 5000})
    with pytest.raises(ScenarioError) as err:
        jira.jira_data(company)
    assert "sources.jira.issues_per_workday: expected a number" in str(err.value)
    assert "sources.jira.bogus: unknown knob" in str(err.value)
    with pytest.raises(ScenarioError, match="sources.harvest.per_page_max: must be <= 2000"):
        harvest.harvest_data(company)


def test_changed_knobs_change_the_records():
    quiet = _small_company(github={"prs_per_workday": 0.2})
    busy = _small_company(github={"prs_per_workday": 2.0})
    assert len(github.pull_requests(busy).pulls) > 5 * len(github.pull_requests(quiet).pulls)
    assert dataclasses.asdict(github.knobs(busy))["prs_per_workday"] == 2.0
