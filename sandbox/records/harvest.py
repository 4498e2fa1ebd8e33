"""Harvest time entries and users, with the planted `harvest` effects.

Each harvest effect names a task ("First-draft report", "Customer proposal"); everyone in the effect's
department logs entries of that task on workdays (`kpi_task_per_workday`, hours lognormal around
`kpi_task_median_hours`, times a per-person speed factor). Entries spent on/after the rollout take
`drift` x as long; for the effect's adopters (in its population) on/after its redesign date also
`factor` x. Everyone also logs other tasks of their department. A few entries are edited days later,
a few timers are still running at the end, and one contractor is not in the directory.

`entry_as_of` renders an entry as the API shows it at an earlier instant (before a later edit).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from sandbox.company import DAY, Company
from sandbox.records import cached
from sandbox.records.kpi_common import (
    EffectModel,
    day_start,
    drift_multiplier,
    effects_for,
    iso_z,
    knob,
    parse_settings,
    person_level_did,
    register_truth,
    workday_dates,
)

Record = dict[str, Any]
SOURCE = "harvest"
OTHER_TASKS = {
    "Finance": ("Month-end close", "Reconciliation", "Meetings"),
    "Sales": ("Client calls", "CRM updates", "Meetings"),
    "Marketing": ("Campaign planning", "Content writing", "Meetings"),
}
DEFAULT_OTHER_TASKS = ("Meetings", "Admin")
PROJECT_NAMES = {"Finance": ("Reporting", "FIN-REP"), "Sales": ("New Business", "SAL-NB"),
                 "Marketing": ("Brand & Campaigns", "MKT-BC")}
INTERNAL_CLIENT = {"id": 5_735_774, "name": "Acme (internal)", "currency": "USD"}
LOCKED_REASON = "Item Approved and Locked for this Time Period"
HARVEST_TIME_ZONES = ("Eastern Time (US & Canada)", "London", "Central Time (US & Canada)")


@dataclass(frozen=True)
class HarvestKnobs:
    """`sources.harvest` in the scenario (generator and simulator)."""

    kpi_task_per_workday: float = knob(0.4, 0.0, 10.0)  # Poisson mean of KPI-task entries per person
    kpi_task_median_hours: float = knob(4.0, 0.05, 24.0)
    kpi_task_sigma: float = knob(0.15, 0.0, 2.0)        # lognormal sigma per entry
    person_speed_sigma: float = knob(0.1, 0.0, 2.0)     # lognormal sigma of a per-person speed factor
    other_entries_per_workday: float = knob(0.6, 0.0, 10.0)
    edited_share: float = knob(0.05, 0.0, 1.0)          # entries edited 1-10 days after they were logged
    running_timers: int = knob(3, 0, 100)               # timers still running at the end of the window
    per_page_max: int = knob(2000, 1, 2000)             # Harvest's max per_page (422 above)
    requests_per_15s: int = knob(100, 1, 100_000)       # Harvest: 100 requests per 15 seconds


@dataclass
class HarvestData:
    entries: list[Record]                 # final versions, ordered by id
    original_notes: dict[int, str]        # entry id -> notes before a later edit
    entry_person: dict[int, str | None]   # entry id -> person_id (None: contractor outside the directory)
    users: list[Record]
    user_of: dict[str, int]               # person_id -> Harvest user id
    tasks: dict[str, Record]
    cutoff: int
    knobs: HarvestKnobs


def knobs(company: Company) -> HarvestKnobs:
    return parse_settings(company, SOURCE, HarvestKnobs)


def harvest_data(company: Company) -> HarvestData:
    """Time entries and users for the company (cached; registers truth["kpi_sources"]["harvest"])."""
    return cached(company, "harvest", lambda: _build(company))


def entry_as_of(data: HarvestData, entry: Record, now_ts: float) -> Record | None:
    """The entry as the API shows it at now_ts: absent before it was logged, unedited before its edit."""
    if now_ts >= data.cutoff:
        return entry
    created = _ts(entry["created_at"])
    if created > now_ts:
        return None
    if _ts(entry["updated_at"]) <= now_ts:
        return entry
    return {**entry, "notes": data.original_notes.get(entry["id"], entry["notes"]), "updated_at": entry["created_at"]}


def truth(company: Company) -> Record:
    harvest_data(company)
    return company.truth["kpi_sources"][SOURCE]


# ---------------------------------------------------------------------------------------------- build
def _ts(iso: str) -> int:
    d = date.fromisoformat(iso[:10])
    h, m, s = int(iso[11:13]), int(iso[14:16]), int(iso[17:19])
    return day_start(d) + h * 3_600 + m * 60 + s


def _effect_department(company: Company, e: EffectModel) -> str:
    if e.effect.department:
        return e.effect.department
    return next(p["department"] for p in company.people if p["team"] == e.effect.team)


def _build(company: Company) -> HarvestData:
    k = knobs(company)
    sc = company.scenario
    rng = company.rng_for("kpi:harvest")
    cutoff = company.cutoff_ts
    effects = [EffectModel.of(company, e) for e in effects_for(company, SOURCE)]
    kpi_tasks_by_dept: dict[str, list[EffectModel]] = {}
    for e in effects:
        kpi_tasks_by_dept.setdefault(_effect_department(company, e), []).append(e)
    dept_names = {d.name for d in sc.departments}
    departments = [d for d in (*kpi_tasks_by_dept, *OTHER_TASKS) if d in dept_names]
    departments = list(dict.fromkeys(departments))

    task_names = list(dict.fromkeys(
        [e.effect.task for e in effects if e.effect.task]
        + [t for d in departments for t in OTHER_TASKS.get(d, DEFAULT_OTHER_TASKS)]))
    tasks = {name: {"id": 8_083_365 + 17 * i, "name": name} for i, name in enumerate(task_names)}
    projects = {d: {"id": 14_307_913 + 101 * i, "name": PROJECT_NAMES.get(d, (d, d[:3].upper()))[0],
                    "code": PROJECT_NAMES.get(d, (d, d[:3].upper()))[1]} for i, d in enumerate(departments)}

    members = [p for p in company.people if p["department"] in departments]
    users: list[Record] = []
    user_of: dict[str, int] = {}
    refs: dict[str, Record] = {}
    uid = 1_782_959
    base_created = day_start(company.start_date) - 500 * DAY
    for p in members:
        uid += int(rng.integers(3, 4_000))
        user_of[p["person_id"]] = uid
        created = base_created + int(rng.integers(0, 400 * DAY))
        updated = created + int(rng.integers(0, 90 * DAY))
        if p["left_on"]:
            updated = day_start(p["left_on"]) + 9 * 3_600
        users.append(_user(uid, p["given_name"], p["surname"], p["email"], p["department"], p["active"],
                           False, created, updated, HARVEST_TIME_ZONES[int(rng.integers(0, 3))]))
        refs[p["person_id"]] = {"id": uid, "name": p["display_name"]}
    contractor_id = uid + 1_111
    users.append(_user(contractor_id, "Robin", "Freelance", "robin@freelance-studio.example", departments[0],
                       True, True, base_created, base_created + 30 * DAY, "London"))
    contractor_ref = {"id": contractor_id, "name": "Robin Freelance"}

    workdays = workday_dates(company)
    n_days = len(workdays)
    # (created_ts, spent_date, hours, task, project, user_ref, person_id, notes)
    plans: list[tuple[int, date, float, Record, Record, Record, str | None, str]] = []

    def add(day_idx: np.ndarray, hours: np.ndarray, task: Record, dept: str, ref: Record,
            person_id: str | None, notes: str) -> None:
        logged = rng.integers(15 * 3_600, 20 * 3_600, size=len(day_idx))
        for j, h, at in zip(day_idx, hours, logged, strict=True):
            day = workdays[int(j)]
            plans.append((day_start(day) + int(at), day, float(h), task, projects[dept], ref, person_id, notes))

    for p in members:
        if not p["active"] or p["level"] > 7:
            continue
        dept = p["department"]
        speed = float(np.exp(rng.normal(0.0, k.person_speed_sigma)))
        if p["level"] < 7:
            for e in kpi_tasks_by_dept.get(dept, []):
                n = rng.poisson(k.kpi_task_per_workday, size=n_days)
                day_idx = np.repeat(np.arange(n_days), n)
                noise = np.exp(rng.normal(np.log(k.kpi_task_median_hours), k.kpi_task_sigma, size=len(day_idx)))
                mult = np.array([e.multiplier(p["person_id"], workdays[int(j)]) if p["person_id"] in e.population
                                 else drift_multiplier(company, workdays[int(j)], SOURCE, p["team"]) for j in day_idx])
                add(day_idx, np.round(noise * speed * mult, 2).clip(0.01), tasks[e.effect.task], dept,
                    refs[p["person_id"]], p["person_id"], f"{e.effect.task} for {p['team']}")
        n = rng.poisson(k.other_entries_per_workday, size=n_days)
        day_idx = np.repeat(np.arange(n_days), n)
        hours = np.exp(rng.normal(np.log(1.5), 0.6, size=len(day_idx))) * np.array(
            [drift_multiplier(company, workdays[int(j)], SOURCE, p["team"]) for j in day_idx])
        others = OTHER_TASKS.get(dept, DEFAULT_OTHER_TASKS)
        picks = rng.integers(0, len(others), size=len(day_idx))
        for t in range(len(others)):
            sel = picks == t
            add(day_idx[sel], np.round(hours[sel], 2).clip(0.01), tasks[others[t]], dept, refs[p["person_id"]],
                p["person_id"], "")
    # the contractor helps with the first KPI task (or other work), resolving to no directory person
    c_idx = np.nonzero(rng.random(n_days) < 0.3)[0]
    c_task = tasks[effects[0].effect.task] if effects and effects[0].effect.task else tasks[task_names[0]]
    add(c_idx, np.round(np.exp(rng.normal(np.log(2.0), 0.4, size=len(c_idx))), 2), c_task, departments[0],
        contractor_ref, None, "External support")

    plans = [pl for pl in plans if pl[0] < cutoff]
    plans.sort(key=lambda pl: pl[0])
    entries: list[Record] = []
    original_notes: dict[int, str] = {}
    entry_person: dict[int, str | None] = {}
    eid = 636_709_355
    edited = rng.random(len(plans)) < k.edited_share
    edit_delay = rng.integers(DAY, 10 * DAY, size=len(plans))
    touch = rng.integers(0, 600, size=len(plans))
    lock_before = day_start(company.end_date) - 30 * DAY
    for i, (created, day, hours, task, project, ref, person_id, notes) in enumerate(plans):
        eid += 1 + int(touch[i] % 9)
        updated = created + int(touch[i])
        final_notes = notes
        if edited[i] and created + int(edit_delay[i]) < cutoff - 60:
            updated = created + int(edit_delay[i])
            final_notes = (notes + " (edited)").strip()
            original_notes[eid] = notes
        updated = min(updated, cutoff - 60)
        locked = created < lock_before
        entries.append(_entry(eid, day, hours, final_notes, locked, created, updated, ref, project, task))
        entry_person[eid] = person_id

    # timers still running at the end of the window: hours grow until they are stopped
    candidates = [p for p in members if p["active"] and p["level"] < 7]
    end_start = day_start(company.end_date)
    for p in [candidates[int(i)] for i in rng.choice(len(candidates), size=min(k.running_timers, len(candidates)),
                                                        replace=False)]:
        eid += 3
        started = end_start + int(rng.integers(14 * 3_600, 20 * 3_600))
        others = OTHER_TASKS.get(p["department"], DEFAULT_OTHER_TASKS)
        hours = round((cutoff - 60 - started) / 3_600, 2)
        entry = _entry(eid, company.end_date, hours, "", False, started, started, refs[p["person_id"]],
                       projects[p["department"]], tasks[others[-1]])
        entry.update(is_running=True, timer_started_at=iso_z(started), hours_without_timer=0.0)
        entries.append(entry)
        entry_person[eid] = p["person_id"]

    data = HarvestData(entries, original_notes, entry_person, users, user_of, tasks, cutoff, k)
    register_truth(company, SOURCE, _truth(company, data, effects))
    return data


def _user(uid: int, first: str, last: str, email: str, dept: str, active: bool, contractor: bool,
          created: int, updated: int, tz: str) -> Record:
    return {
        "id": uid, "first_name": first, "last_name": last, "email": email, "telephone": "",
        "timezone": tz, "has_access_to_all_future_projects": False, "is_contractor": contractor,
        "is_active": active, "weekly_capacity": 144_000, "default_hourly_rate": None if contractor else 120.0,
        "cost_rate": 55.0, "roles": [dept], "access_roles": ["member"],
        "avatar_url": "https://d3s3969qhosaug.cloudfront.net/v2/user.png",
        "created_at": iso_z(created), "updated_at": iso_z(updated),
    }


def _entry(eid: int, day: date, hours: float, notes: str, locked: bool, created: int, updated: int,
           user: Record, project: Record, task: Record) -> Record:
    return {
        "id": eid, "spent_date": day.isoformat(), "hours": hours, "hours_without_timer": hours,
        "rounded_hours": round(np.ceil(hours * 4) / 4, 2), "notes": notes or None,
        "is_locked": locked, "locked_reason": LOCKED_REASON if locked else None,
        "approval_status": "approved" if locked else "unsubmitted", "is_closed": locked, "is_billed": False,
        "timer_started_at": None, "started_time": None, "ended_time": None, "is_running": False,
        "billable": False, "budgeted": False, "billable_rate": None, "cost_rate": 55.0,
        "created_at": iso_z(created), "updated_at": iso_z(updated),
        "user": user, "client": INTERNAL_CLIENT, "project": project, "task": task,
        "user_assignment": {"id": 130_403_000 + user["id"] % 100_000, "is_project_manager": False,
                            "is_active": True, "budget": None, "hourly_rate": None},
        "task_assignment": {"id": 155_505_000 + task["id"] % 10_000, "billable": False, "is_active": True,
                            "hourly_rate": None, "budget": None},
        "invoice": None, "external_reference": None,
    }


def _truth(company: Company, data: HarvestData, effects: list[EffectModel]) -> Record:
    out: Record = {
        "knobs": dataclasses.asdict(data.knobs),
        "time_entries": len(data.entries),
        "users": len(data.users),
        "edited_entries": len(data.original_notes),
        "running_timers": sum(1 for e in data.entries if e["is_running"]),
        "unresolved_user_entries": sum(1 for e in data.entries if data.entry_person[e["id"]] is None),
        "tasks": sorted(data.tasks),
        "effects": {},
    }
    for e in effects:
        items = [(data.entry_person[x["id"]], date.fromisoformat(x["spent_date"]), x["hours"])
                 for x in data.entries
                 if x["task"]["name"] == e.effect.task and not x["is_running"] and data.entry_person[x["id"]]]
        before = [h for pid, d, h in items if pid in e.adopters and d < e.redesign_date]
        after = [h for pid, d, h in items if pid in e.adopters and d >= e.redesign_date]
        out["effects"][e.effect.key] = {
            "task": e.effect.task, "population": len(e.population), "adopters": len(e.adopters),
            "control": len(e.population) - len(e.adopters),
            "adopters_mean_minutes_before": round(60 * float(np.mean(before)), 2) if before else None,
            "adopters_mean_minutes_after": round(60 * float(np.mean(after)), 2) if after else None,
            "observed": person_level_did(items, e.adopters, e.population, e.redesign_date, company.end_date, 3,
                                         e.effect.cohort_days),
        }
    return out
