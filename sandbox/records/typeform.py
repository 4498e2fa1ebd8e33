"""The usage-audit survey's Typeform responses and the interviews typed up by hand, with the planted
over-reporting team.

"Last week" is the last full ISO week that ended at least two days before the window's end; answers come in
on the three days after it. In every team, up to `respondents_per_team` holders of each AI tool answer about
it: what they used it for, how often, what worked, what did not, what they went back to doing by hand.
Honest respondents give the frequency bucket of their own activity that week (the days they took a
user-initiated action), a few (`round_up_share`) one bucket higher. The team named in
`sources.typeform.over_reporting` (a team and a tool) says "Every day" whatever its telemetry shows: the
over-reporting `mart_reported_vs_real` must recover. The interviews are `interviewed_per_team` further
holders of the team named in `sources.typeform.interviews` (a team and a tool), answering honestly (in a
team too small to have further holders, some of the surveyed ones, interviewed as well).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from sandbox.company import Company, iso_z, midnight
from sandbox.records import cached
from sandbox.records.kpi_common import knob
from sandbox.scenario import ScenarioError

Record = dict[str, Any]
SOURCE = "typeform"
FORM_ID = "AuD1tWk1"
TOOL_LABELS = {"github_copilot": "GitHub Copilot", "m365_copilot": "Microsoft 365 Copilot",
               "openai": "ChatGPT (OpenAI)", "claude_code": "Claude Code"}
FREQUENCY_LABELS = {"daily": "Every day", "few_times_a_week": "A few times a week", "weekly": "About once a week",
                    "less_than_weekly": "Less than once a week", "never": "Not at all"}
FREQUENCIES = ("never", "less_than_weekly", "weekly", "few_times_a_week", "daily")
TASKS = {
    "Support": ("Ticket replies", "Summarising tickets", "Knowledge base articles"),
    "Engineering": ("Writing code", "Code review", "Pull request descriptions", "Writing tests"),
    "Sales": ("Customer proposal", "CRM updates", "Email drafting"),
    "Finance": ("First-draft report", "Reconciliation", "Email drafting"),
    "Marketing": ("Content writing", "Campaign planning", "Email drafting"),
    "HR": ("Job descriptions", "Policy questions", "Email drafting"),
    "Operations": ("Meeting notes", "Status reports", "Email drafting"),
}
DEFAULT_TASKS = ("Email drafting", "Meeting notes")
WORKED = ("Drafts in minutes instead of an hour", "Summaries of long threads", "Boilerplate", "Finding things")
DID_NOT_WORK = ("Numbers it made up", "Long documents", "Our internal jargon", "Anything with tables")


@dataclass(frozen=True)
class TypeformKnobs:
    """`sources.typeform` in the scenario (numbers; `over_reporting` and `interviews` are read apart)."""

    respondents_per_team: int = knob(10, 1, 10_000)   # holders of a tool per team who answer about it
    round_up_share: float = knob(0.05, 0.0, 1.0)        # honest answers one frequency bucket too high
    back_to_manual_share: float = knob(0.25, 0.0, 1.0)  # answers naming a task gone back to by hand
    interviewed_per_team: int = knob(6, 0, 10_000)      # interviews typed up by hand (the CSV drop)
    page_size_max: int = knob(1000, 1, 1000)            # Typeform's maximum page_size
    requests_per_second: int = knob(2, 1, 100_000)      # Typeform: 2 requests per second per account


@dataclass(frozen=True)
class Target:
    team: str
    tool: str


@dataclass
class SurveyData:
    responses: list[Record]          # Typeform items, newest submitted first
    interviews: list[Record]         # CSV rows of the interview drop (template columns)
    week_start: date                 # Monday of "last week"
    knobs: TypeformKnobs
    over_reporting: Target | None
    truth: Record = dataclasses.field(default_factory=dict)


def _target(raw: Any, where: str, company: Company) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"team", "tool"}:
        raise ScenarioError(f"invalid scenario:\n  {where}: expected {{team: <team>, tool: <tool>}}, got {raw!r}")
    teams = {p["team"] for p in company.people}
    if raw["team"] not in teams:
        raise ScenarioError(f"invalid scenario:\n  {where}.team: {raw['team']!r} is not a team of the scenario")
    if raw["tool"] not in TOOL_LABELS:
        raise ScenarioError(f"invalid scenario:\n  {where}.tool: {raw['tool']!r} is not one of {sorted(TOOL_LABELS)}")
    return Target(raw["team"], raw["tool"])


def settings(company: Company) -> tuple[TypeformKnobs, Target | None, Target | None]:
    """The knobs, the over-reporting (team, tool) and the interviewed (team, tool); ScenarioError if invalid."""
    from sandbox.records.kpi_common import parse_settings

    raw = dict(company.scenario.sources.get(SOURCE) or {})
    over = _target(raw.pop("over_reporting", None), f"sources.{SOURCE}.over_reporting", company)
    interviewed = _target(raw.pop("interviews", None), f"sources.{SOURCE}.interviews", company)
    view = type("View", (), {"scenario": type("S", (), {"sources": {SOURCE: raw}})()})()
    return parse_settings(view, SOURCE, TypeformKnobs), over, interviewed


def survey_data(company: Company) -> SurveyData:
    return cached(company, SOURCE, lambda: _build(company))


def survey_week(company: Company) -> date:
    """Monday of the last ISO week that ended at least two days before the window's end."""
    last_sunday = company.end_date - timedelta(days=2)
    last_sunday -= timedelta(days=(last_sunday.weekday() + 1) % 7)
    return last_sunday - timedelta(days=6)


def frequency_of(active_days: int, active_before: bool) -> str:
    """The honest bucket of a week's active days (int_audit_answers ranks them the same way)."""
    if active_days >= 4:
        return "daily"
    if active_days >= 2:
        return "few_times_a_week"
    if active_days == 1:
        return "weekly"
    return "less_than_weekly" if active_before else "never"


def _answer(field_id: str, ref: str, field_type: str, **value: Any) -> Record:
    kind = next(iter(value))
    return {"field": {"id": field_id, "type": field_type, "ref": ref}, "type": kind, **value}


def _build(company: Company) -> SurveyData:
    k, over, interviewed = settings(company)
    rng = company.rng_for(f"records:{SOURCE}")
    week = survey_week(company)
    first_day = (week - company.start_date).days
    responses: list[Record] = []
    interviews: list[Record] = []
    planted: dict[str, Any] = {}
    for tool in TOOL_LABELS:
        holders, act = company.tool_activity(tool)
        index = {p["person_id"]: i for i, p in enumerate(holders)}
        by_team: dict[str, list[Record]] = {}
        for p in holders:
            if p["active"] and p["level"] < 7:
                by_team.setdefault(p["team"], []).append(p)
        for team in sorted(by_team):
            members = by_team[team]
            order = rng.permutation(len(members))
            chosen = [members[int(i)] for i in order[: k.respondents_per_team]]
            extra = [members[int(i)] for i in order[k.respondents_per_team:]]
            say_daily = over is not None and (team, tool) == (over.team, over.tool)
            for p in chosen:
                row = act[index[p["person_id"]]]
                days = int(np.sum(row[first_day:first_day + 7] == 1))
                before = bool(np.any(row[max(first_day - 28, 0):first_day] == 1))
                honest = frequency_of(days, before)
                said = honest
                if say_daily:
                    said = "daily"
                elif rng.random() < k.round_up_share:
                    said = FREQUENCIES[min(FREQUENCIES.index(honest) + 1, len(FREQUENCIES) - 1)]
                responses.append(_response(company, rng, p, tool, said, week, k.back_to_manual_share))
                if say_daily:
                    planted.setdefault("respondents", []).append({"email": p["email"], "active_days": days})
            if interviewed is not None and (team, tool) == (interviewed.team, interviewed.tool):
                # holders the survey did not ask; in a team too small for that, some it did (a second answer)
                for p in (extra or chosen)[: k.interviewed_per_team]:
                    row = act[index[p["person_id"]]]
                    days = int(np.sum(row[first_day:first_day + 7] == 1))
                    before = bool(np.any(row[max(first_day - 28, 0):first_day] == 1))
                    interviews.append(_interview(company, rng, p, tool, frequency_of(days, before), week,
                                                 k.back_to_manual_share))
    responses.sort(key=lambda r: (r["submitted_at"], r["token"]), reverse=True)
    truth = {"form_id": FORM_ID, "week_start": week, "responses": len(responses), "interviews": len(interviews),
             "over_reporting": dataclasses.asdict(over) if over else None, "planted": planted}
    company.truth.setdefault("audit", {}).update(truth)
    return SurveyData(responses, interviews, week, k, over, truth)


def _tasks(rng: np.random.Generator, p: Record) -> list[str]:
    pool = TASKS.get(p["department"], DEFAULT_TASKS)
    n = int(rng.integers(1, min(3, len(pool)) + 1))
    return [pool[int(i)] for i in sorted(rng.choice(len(pool), size=n, replace=False))]


def _answered_at(company: Company, rng: np.random.Generator, week: date) -> int:
    week_end = week + timedelta(days=6)
    days_after = max(1, min(3, (company.end_date - week_end).days))
    day = week_end + timedelta(days=int(rng.integers(1, days_after + 1)))
    return midnight(min(day, company.end_date)) + int(rng.integers(8 * 3600, 18 * 3600))


def _response(company: Company, rng: np.random.Generator, p: Record, tool: str, frequency: str,
              week: date, back_to_manual_share: float) -> Record:
    submitted = _answered_at(company, rng, week)
    landed = submitted - int(rng.integers(60, 900))
    token = rng.bytes(16).hex()
    tasks = _tasks(rng, p) if frequency != "never" else []
    manual = [tasks[-1]] if tasks and rng.random() < back_to_manual_share else []
    answers = [
        _answer("Tl00lQ1xyzAb", "tool", "multiple_choice", choice={"label": TOOL_LABELS[tool]}),
        _answer("FrEq0Q2xyzAb", "frequency", "multiple_choice", choice={"label": FREQUENCY_LABELS[frequency]}),
    ]
    if tasks:
        answers.append(_answer("TaSk0Q3xyzAb", "tasks", "multiple_choice", choices={"labels": tasks}))
        answers.append(_answer("WoRk0Q4xyzAb", "worked", "long_text", text=str(rng.choice(WORKED))))
        answers.append(_answer("NoPe0Q5xyzAb", "did_not_work", "long_text", text=str(rng.choice(DID_NOT_WORK))))
    if manual:
        answers.append(_answer("MaNu0Q6xyzAb", "back_to_manual", "multiple_choice", choices={"labels": manual}))
    return {
        "landing_id": token, "token": token, "response_id": token,
        "landed_at": iso_z(landed), "submitted_at": iso_z(submitted),
        "metadata": {"user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15",
                     "platform": "other", "referer": f"https://acme.typeform.com/to/{FORM_ID}",
                     "network_id": rng.bytes(5).hex(), "browser": "default"},
        "hidden": {"email": p["email"]},
        "calculated": {"score": 0},
        "answers": answers,
    }


def _interview(company: Company, rng: np.random.Generator, p: Record, tool: str, frequency: str,
               week: date, back_to_manual_share: float) -> Record:
    day = datetime.fromtimestamp(_answered_at(company, rng, week), UTC).date()
    tasks = _tasks(rng, p) if frequency != "never" else []
    return {"interviewed_on": day.isoformat(), "email": p["email"], "tool": tool, "frequency": frequency,
            "tasks": ";".join(tasks), "worked": str(rng.choice(WORKED)) if tasks else "",
            "did_not_work": str(rng.choice(DID_NOT_WORK)) if tasks else "",
            "back_to_manual": tasks[-1] if tasks and rng.random() < back_to_manual_share else "",
            "interviewer": "rollout lead"}
