"""Jira Cloud issues with changelogs, statuses and users.

Engineering and Operations people work issues in two projects with their own workflows (status names
differ, so only the status *category* ids mean anything: 2 new, 4 in progress, 3 done). Cycle time, from
the first entry into an in-progress status to the first done after it, is lognormal times a per-person
speed factor, and takes `drift` x as long for work started on/after the rollout (no adopter effect).
Some issues are reopened (done -> in progress -> done), some have changelogs longer than the search
endpoint embeds, some are never started, and ~10% of accounts hide their email.

`issue_as_of` renders an issue as the API shows it at an earlier instant (histories, status, updated).
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from sandbox.company import DAY, Company
from sandbox.records import cached
from sandbox.records.kpi_common import (
    BASELINE_DAYS,
    day_start,
    drift_multiplier,
    iso_z,
    knob,
    parse_settings,
    register_truth,
    workday_dates,
)

Record = dict[str, Any]
SOURCE = "jira"

# status category id -> (key, name, colour), as GET /rest/api/3/statuscategory
CATEGORIES = {2: ("new", "To Do", "blue-gray"), 4: ("indeterminate", "In Progress", "yellow"),
              3: ("done", "Done", "green")}
# status id -> (name, category id); ENG and OPS workflows name their statuses differently
STATUSES = {
    "10004": ("Backlog", 2), "10000": ("To Do", 2), "3": ("In Progress", 4), "10003": ("In Review", 4),
    "10002": ("Done", 3),
    "1": ("Open", 2), "10011": ("Working on it", 4), "10012": ("Waiting for vendor", 4), "5": ("Resolved", 3),
}
PROJECTS = {"Engineering": ("ENG", "10000", "Engineering"), "Operations": ("OPS", "10001", "Operations")}
PROJECTS_BY_KEY = {key: (pid, name) for key, pid, name in PROJECTS.values()}
ENG_STATUSES = {"10004", "10000", "3", "10003", "10002"}
ISSUE_TYPES = {"ENG": (("10001", "Story"), ("10004", "Bug"), ("10002", "Task")),
               "OPS": (("10002", "Task"), ("10010", "Service Request"), ("10011", "Incident"))}
PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"))
SUMMARIES = ("Add export button", "Fix timeout on {a}", "Migrate {a} to the new API", "Investigate {a} alerts",
             "Update {a} runbook", "Rotate {a} credentials", "Clean up {a} dashboards", "Speed up {a} page")
AREAS = ("billing", "login", "search", "reports", "VPN", "payroll sync", "backups", "onboarding")
AUTOMATION = {"accountId": "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "accountType": "app",
              "displayName": "Automation for Jira", "active": True}
PROFILE_TIME_ZONES = ("America/New_York", "Europe/London", "America/Chicago", "Europe/Lisbon")


@dataclass(frozen=True)
class JiraKnobs:
    """`sources.jira` in the scenario (generator and simulator)."""

    issues_per_workday: float = knob(0.35, 0.0, 10.0)    # Poisson mean of issues started per person
    cycle_median_hours: float = knob(40.0, 0.1)
    cycle_sigma: float = knob(0.5, 0.0, 3.0)
    person_speed_sigma: float = knob(0.2, 0.0, 2.0)
    wait_median_hours: float = knob(48.0, 0.0)           # created -> first in progress
    reopen_share: float = knob(0.06, 0.0, 0.9)
    long_changelog_share: float = knob(0.03, 0.0, 1.0)
    never_started_share: float = knob(0.08, 0.0, 1.0)
    hidden_email_share: float = knob(0.10, 0.0, 1.0)
    embedded_changelog_max: int = knob(20, 1, 100)       # histories embedded by search with expand=changelog
    changelog_page_max: int = knob(100, 1, 1000)         # cap of maxResults on /issue/{key}/changelog
    search_page_max: int = knob(100, 1, 5000)            # cap of maxResults on /search/jql with fields
    users_page_max: int = knob(1000, 1, 1000)


@dataclass
class IssueTimeline:
    created: int
    initial_status: str
    status_events: list[tuple[int, str, str]]  # (ts, from id, to id), oldest first
    history_times: list[int]                   # every history's ts, oldest first (bisect for as-of)
    histories: list[Record]


@dataclass
class JiraData:
    site: str
    issues: list[Record]                   # final versions, ordered by id
    timelines: dict[str, IssueTimeline]    # issue id -> events
    issue_person: dict[str, str | None]    # issue id -> assignee person_id
    users: list[Record]
    account_of: dict[str, str]             # person_id -> accountId
    statuses: list[Record]
    cutoff: int
    knobs: JiraKnobs
    _as_of_cache: dict[int, list[Record]] = field(default_factory=dict)


def knobs(company: Company) -> JiraKnobs:
    return parse_settings(company, SOURCE, JiraKnobs)


def jira_data(company: Company) -> JiraData:
    """Issues, users and statuses for the company (cached; registers truth["kpi_sources"]["jira"])."""
    return cached(company, "jira", lambda: _build(company))


def jira_ts(ts: float, millis: int = 0) -> str:
    """Jira's timestamp format: milliseconds and an offset without a colon (2024-05-03T16:20:11.123+0000)."""
    return f"{iso_z(ts)[:19]}.{millis % 1000:03d}+0000"


def category_of(status_id: str) -> int:
    return STATUSES[status_id][1]


def issues_as_of(data: JiraData, now_ts: float) -> list[Record]:
    """Every issue as the API shows it at now_ts (cached per instant)."""
    if now_ts >= data.cutoff:
        return data.issues
    key = int(now_ts)
    if key not in data._as_of_cache:
        data._as_of_cache.clear()
        rendered = (issue_as_of(data, i, now_ts) for i in data.issues)
        data._as_of_cache[key] = [r for r in rendered if r is not None]
    return data._as_of_cache[key]


def issue_as_of(data: JiraData, issue: Record, now_ts: float) -> Record | None:
    if now_ts >= data.cutoff:
        return issue
    tl = data.timelines[issue["id"]]
    if tl.created > now_ts:
        return None
    return _render(data.site, issue, tl, now_ts)


def truth(company: Company) -> Record:
    jira_data(company)
    return company.truth["kpi_sources"][SOURCE]


# ---------------------------------------------------------------------------------------------- build
def _status_ref(site: str, status_id: str) -> Record:
    name, cat = STATUSES[status_id]
    key, cat_name, colour = CATEGORIES[cat]
    return {"self": f"https://{site}.atlassian.net/rest/api/3/status/{status_id}", "description": "",
            "iconUrl": f"https://{site}.atlassian.net/images/icons/statuses/generic.png", "name": name,
            "id": status_id, "statusCategory": {
                "self": f"https://{site}.atlassian.net/rest/api/3/statuscategory/{cat}", "id": cat, "key": key,
                "colorName": colour, "name": cat_name}}


def _render(site: str, issue: Record, tl: IssueTimeline, upto: float) -> Record:
    """The issue's fields and changelog as of `upto` (the final record uses the end of the window)."""
    n = bisect.bisect_right(tl.history_times, upto)
    status_id, category_changed, resolved = tl.initial_status, tl.created, None
    for ts, frm, to in tl.status_events:
        if ts > upto:
            break
        if category_of(frm) != category_of(to):
            category_changed = ts
            if category_of(to) == 3:
                resolved = ts
        status_id = to
    if category_of(status_id) != 3:
        resolved = None
    updated = max(tl.created, tl.history_times[n - 1]) if n else tl.created
    fields = dict(issue["fields"])
    fields.update({
        "status": _status_ref(site, status_id),
        "updated": jira_ts(updated, updated % 997),
        "resolutiondate": jira_ts(resolved) if resolved is not None else None,
        "resolution": {"id": "10000", "name": "Done"} if resolved is not None else None,
        "statuscategorychangedate": jira_ts(category_changed),
    })
    histories = tl.histories[:n]
    return {**issue, "fields": fields,
            "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                          "histories": histories}}


def _build(company: Company) -> JiraData:
    k = knobs(company)
    sc = company.scenario
    rng = company.rng_for("kpi:jira")
    site = sc.company.email_domain.split(".")[0]
    cutoff = company.cutoff_ts
    start_ts = day_start(company.start_date)

    workers = [p for p in company.people
               if p["department"] in PROJECTS and p["level"] < 7 and p["active"]]
    members = [p for p in company.people if p["department"] in PROJECTS]
    account_of: dict[str, str] = {}
    users: list[Record] = []
    refs: dict[str, Record] = {}
    hidden = rng.random(len(members)) < k.hidden_email_share
    for i, p in enumerate(members):
        if rng.random() < 0.3:
            raw = rng.bytes(16).hex()
            account = f"712020:{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"
        else:
            account = rng.bytes(12).hex()
        account_of[p["person_id"]] = account
        tz = PROFILE_TIME_ZONES[int(rng.integers(0, len(PROFILE_TIME_ZONES)))]
        user: Record = {
            "self": f"https://{site}.atlassian.net/rest/api/3/user?accountId={account}",
            "accountId": account, "accountType": "atlassian",
            "avatarUrls": {"48x48": f"https://avatar-management.services.atlassian.com/{account}/48"},
            "displayName": p["display_name"], "active": p["active"], "timeZone": tz, "locale": "en_US",
        }
        ref = {"self": user["self"], "accountId": account, "displayName": p["display_name"], "active": p["active"],
               "timeZone": tz, "accountType": "atlassian"}
        if not hidden[i]:
            # Jira omits emailAddress entirely when the profile hides it
            user = {**user, "emailAddress": p["email"]}
            ref = {**ref, "emailAddress": p["email"]}
        users.append(user)
        refs[p["person_id"]] = ref
    automation = {"self": f"https://{site}.atlassian.net/rest/api/3/user?accountId={AUTOMATION['accountId']}",
                  **AUTOMATION, "avatarUrls": {"48x48": "https://avatar-management.services.atlassian.com/app/48"}}
    users.append(automation)
    automation_ref = {k_: automation[k_] for k_ in ("self", "accountId", "displayName", "active", "accountType")}

    workdays = workday_dates(company)
    speed = np.exp(rng.normal(0.0, k.person_speed_sigma, size=len(workers)))
    counts = rng.poisson(k.issues_per_workday, size=(len(workers), len(workdays)))

    # (created_ts, person, project, start_ts or None, cycle_seconds)
    plans: list[tuple[int, Record, str, int | None, int]] = []
    for i, p in enumerate(workers):
        project = PROJECTS[p["department"]][0]
        for j in np.nonzero(counts[i])[0]:
            day = workdays[int(j)]
            for _ in range(int(counts[i, j])):
                started = day_start(day) + int(rng.integers(int(8.5 * 3_600), 17 * 3_600))
                wait = float(np.exp(rng.normal(np.log(max(k.wait_median_hours, 0.1)), 1.0))) * 3_600
                cycle = float(np.exp(rng.normal(np.log(k.cycle_median_hours), k.cycle_sigma)))
                cycle *= float(speed[i]) * drift_multiplier(company, day, SOURCE, p["team"]) * 3_600
                created = max(start_ts - 60 * DAY, started - int(wait))
                plans.append((created, p, project, started, max(1_800, int(cycle))))
        n_backlog = int(rng.poisson(k.never_started_share * counts[i].sum() / max(1e-9, 1 - k.never_started_share)))
        for _ in range(n_backlog):
            plans.append((start_ts + int(rng.integers(0, company.days * DAY)), p, project, None, 0))
    plans = [pl for pl in plans if pl[0] < cutoff]
    plans.sort(key=lambda pl: pl[0])

    issues: list[Record] = []
    timelines: dict[str, IssueTimeline] = {}
    issue_person: dict[str, str | None] = {}
    next_number = {"ENG": 1, "OPS": 1}
    history_id = 100_000
    long_flags = rng.random(len(plans)) < k.long_changelog_share
    reopen_flags = rng.random(len(plans)) < k.reopen_share
    for n_issue, (created, person, project, started, cycle) in enumerate(plans):
        issue_id = str(10_000 + n_issue)
        key = f"{project}-{next_number[project]}"
        next_number[project] += 1
        author = refs[person["person_id"]]
        eng = project == "ENG"
        initial = ("10004" if rng.random() < 0.3 else "10000") if eng else "1"
        work, review, done = ("3", "10003", "10002") if eng else ("10011", "10012", "5")
        events: list[tuple[int, str, str]] = []
        if started is not None:
            finished = started + cycle
            events.append((started, initial, work))
            if eng:
                events.append((started + int(cycle * rng.uniform(0.4, 0.85)), work, review))
                events.append((finished, review, done))
            else:
                if rng.random() < 0.25:  # waits on a vendor: in-progress to in-progress, no new category entry
                    events.append((started + int(cycle * rng.uniform(0.2, 0.4)), work, review))
                    events.append((started + int(cycle * rng.uniform(0.5, 0.7)), review, work))
                events.append((finished, work, done))
            if reopen_flags[n_issue]:
                reopened = finished + int(rng.integers(2 * 3_600, 96 * 3_600))
                redo = int(float(np.exp(rng.normal(np.log(8.0), 0.5))) * 3_600)
                events.append((reopened, done, work))
                if eng:
                    events.append((reopened + redo // 2, work, review))
                events.append((reopened + redo, review if eng else work, done))
        events = [e for e in events if e[0] < cutoff]

        histories: list[tuple[int, Record]] = []
        for ts, frm, to in events:
            histories.append((ts, {"author": author, "created": None, "items": [{
                "field": "status", "fieldtype": "jira", "fieldId": "status", "from": frm,
                "fromString": STATUSES[frm][0], "to": to, "toString": STATUSES[to][0]}]}))
        if long_flags[n_issue]:
            last = max([created + 10 * DAY, *(e[0] for e in events)])
            extra = int(rng.integers(k.embedded_changelog_max + 2, 140))
            for ts in sorted(rng.integers(created + 60, max(created + 120, min(last, cutoff - 60)), size=extra)):
                histories.append((int(ts), _field_change(rng, author, automation_ref)))
        histories.sort(key=lambda h: h[0])
        rendered: list[Record] = []
        for ts, h in histories:
            history_id += 1 + int(ts % 7)
            rendered.append({"id": str(history_id), **h, "created": jira_ts(ts, ts % 1000)})
        type_id, type_name = ISSUE_TYPES[project][int(rng.integers(0, 3))]
        prio_id, prio_name = PRIORITIES[int(rng.integers(0, len(PRIORITIES)))]
        reporter = refs[workers[int(rng.integers(0, len(workers)))]["person_id"]] if rng.random() < 0.4 else author
        unassigned = started is None and rng.random() < 0.3
        summary = SUMMARIES[int(rng.integers(0, len(SUMMARIES)))].format(a=AREAS[int(rng.integers(0, len(AREAS)))])
        base: Record = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue_id, "self": f"https://{site}.atlassian.net/rest/api/3/issue/{issue_id}", "key": key,
            "fields": {
                "summary": summary,
                "issuetype": {"self": f"https://{site}.atlassian.net/rest/api/3/issuetype/{type_id}",
                              "id": type_id, "name": type_name, "subtask": False, "hierarchyLevel": 0},
                "project": {"self": f"https://{site}.atlassian.net/rest/api/3/project/{PROJECTS_BY_KEY[project][0]}",
                            "id": PROJECTS_BY_KEY[project][0], "key": project,
                            "name": PROJECTS_BY_KEY[project][1], "projectTypeKey": "software"},
                "assignee": None if unassigned else author,
                "reporter": reporter,
                "priority": {"id": prio_id, "name": prio_name},
                "labels": [],
                "parent": None,
                "created": jira_ts(created, created % 991),
            },
        }
        tl = IssueTimeline(created, initial, events, [h[0] for h in histories], rendered)
        final = _render(site, base, tl, cutoff)
        issues.append(final)
        timelines[issue_id] = tl
        issue_person[issue_id] = None if unassigned else person["person_id"]

    statuses = [{**_status_ref(site, sid), "untranslatedName": STATUSES[sid][0],
                 "scope": {"type": "PROJECT", "project": {"id": PROJECTS["Engineering" if sid in ENG_STATUSES
                                                                      else "Operations"][1]}}}
                for sid in STATUSES]
    data = JiraData(site, issues, timelines, issue_person, users, account_of, statuses, cutoff, k)
    register_truth(company, SOURCE, _truth(company, data))
    return data


def _field_change(rng: np.random.Generator, author: Record, automation: Record) -> Record:
    kind = int(rng.integers(0, 4))
    if kind == 0:
        item = {"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None, "fromString": "",
                "to": None, "toString": str(rng.choice(["backend", "frontend", "tech-debt", "customer"]))}
    elif kind == 1:
        (f_id, f_name), (t_id, t_name) = (PRIORITIES[int(i)] for i in rng.choice(len(PRIORITIES), 2, replace=False))
        item = {"field": "priority", "fieldtype": "jira", "fieldId": "priority", "from": f_id, "fromString": f_name,
                "to": t_id, "toString": t_name}
    elif kind == 2:
        item = {"field": "Story Points", "fieldtype": "custom", "fieldId": "customfield_10016", "from": None,
                "fromString": str(int(rng.integers(1, 8))), "to": None, "toString": str(int(rng.integers(1, 13)))}
    else:
        item = {"field": "description", "fieldtype": "jira", "fieldId": "description", "from": None,
                "fromString": "", "to": None, "toString": "Steps to reproduce updated."}
    return {"author": automation if kind == 0 else author, "created": None, "items": [item]}


def _truth(company: Company, data: JiraData) -> Record:
    """Counts and the cycle-time drift a correct reading of the changelogs recovers."""
    cycle_pre: list[float] = []
    cycle_post: list[float] = []
    t0 = company.rollout_date
    for issue in data.issues:
        tl = data.timelines[issue["id"]]
        start = next((ts for ts, frm, to in tl.status_events
                      if category_of(to) == 4 and category_of(frm) != 4), None)
        if start is None:
            continue
        end = next((ts for ts, frm, to in tl.status_events
                    if ts > start and category_of(to) == 3 and category_of(frm) != 3), None)
        if end is None:
            continue
        day = date.fromordinal(719_163 + start // DAY)
        hours = (end - start) / 3_600
        if t0.toordinal() - BASELINE_DAYS <= day.toordinal() < t0.toordinal():
            cycle_pre.append(hours)
        elif day >= t0:
            cycle_post.append(hours)
    pre, post = float(np.mean(cycle_pre)) if cycle_pre else float("nan"), \
        float(np.mean(cycle_post)) if cycle_post else float("nan")
    return {
        "knobs": dataclasses.asdict(data.knobs),
        "issues": len(data.issues),
        "started": sum(1 for tl in data.timelines.values() if tl.status_events),
        "done": sum(1 for i in data.issues if i["fields"]["status"]["statusCategory"]["id"] == 3),
        "reopened": sum(1 for tl in data.timelines.values()
                        if sum(1 for _, f, t in tl.status_events if category_of(t) == 3) > 1),
        "long_changelogs": sum(1 for i in data.issues if i["changelog"]["total"] > data.knobs.embedded_changelog_max),
        "users": len(data.users),
        "hidden_emails": sum(1 for u in data.users if u["accountType"] == "atlassian" and "emailAddress" not in u),
        "cycle_time_mean_hours_baseline": round(pre, 3),
        "cycle_time_mean_hours_post_rollout": round(post, 3),
        "cycle_time_post_pre_ratio": round(post / pre, 4) if cycle_pre and cycle_post else None,
        "expected_post_pre_ratio": company.scenario.effects.drift_for(SOURCE),
    }
