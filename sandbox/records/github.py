"""GitHub repositories, pull requests and reviews of the org, with the planted `github` effects.

Engineers (active, below department head) open pull requests on workdays; the time from opened to merged
is lognormal around `merge_median_hours`, times a per-person speed factor, times the planted multiplier
(drift for everyone after the rollout, `factor` for an effect's adopters after its redesign). A few pull
requests come from bots and outside logins that resolve to nobody. Some are closed without merging, and
some are still open at the end of the window.

Records are dicts shaped like the REST list items ("pull request simple"). `pull_as_of` and
`reviews_as_of` give the view at an earlier instant, so the simulator can replay earlier runs.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
SOURCE = "github"
REPO_NAMES = ("api", "web", "mobile-app", "billing", "auth-service", "data-pipeline", "infra", "search",
              "design-system", "sdk-python", "docs", "ml-platform")
ARCHIVED_REPO = "legacy-monolith"  # archived, no pull requests in the window: an empty list
BOTS = (("dependabot[bot]", 49699333), ("renovate[bot]", 29139614))
OUTSIDERS = (("octocat", 583231), ("contractor-sam", 90123457))
TITLES = ("Fix flaky test in {a}", "Add {a} endpoint", "Refactor {a} module", "Bump dependencies in {a}",
          "Improve {a} error messages", "Handle empty {a} response", "Speed up {a} queries", "Document {a}")
AREAS = ("billing", "export", "login", "search", "settings", "reports", "webhooks", "dashboard", "cache")


@dataclass(frozen=True)
class GithubKnobs:
    """`sources.github` in the scenario."""

    prs_per_workday: float = knob(1.2, 0.0, 10.0)      # Poisson mean per engineer and workday
    merge_median_hours: float = knob(24.0, 0.1)
    merge_sigma: float = knob(0.35, 0.0, 3.0)          # lognormal sigma per pull request
    person_speed_sigma: float = knob(0.15, 0.0, 2.0)   # lognormal sigma of a per-engineer speed factor
    abandoned_share: float = knob(0.08, 0.0, 0.9)      # closed without merging
    bot_prs_per_week: float = knob(5.0, 0.0, 1000.0)
    outside_prs_per_week: float = knob(1.0, 0.0, 1000.0)
    pulls_default_per_page: int = knob(30, 1, 100)     # GitHub's default when per_page is absent
    repos_default_per_page: int = knob(30, 1, 100)


@dataclass(frozen=True)
class PullTimeline:
    created: int
    closed: int | None  # None: still open at the end of the window
    merged: bool
    late_update: int | None  # a comment or label after closing
    reviews: tuple[int, ...]


@dataclass
class PullRequestData:
    repos: list[Record]
    pulls: list[Record]                 # final versions, every state, ordered by created_at
    reviews: dict[int, list[Record]]    # PR id -> reviews submitted by the end of the window, oldest first
    timelines: dict[int, PullTimeline]  # PR id -> events
    author_person: dict[int, str | None]  # PR id -> person_id (None for bots and outside logins)
    cutoff: int
    knobs: GithubKnobs


def knobs(company: Company) -> GithubKnobs:
    return parse_settings(company, SOURCE, GithubKnobs)


def pull_requests(company: Company) -> PullRequestData:
    """Repositories, pull requests and reviews for the company (cached; registers truth["kpi_sources"]["github"])."""
    return cached(company, "github_prs", lambda: _build(company))


def pull_as_of(data: PullRequestData, pr: Record, now_ts: float) -> Record | None:
    """The pull request as the API shows it at now_ts, or None if it was not opened yet."""
    tl = data.timelines[pr["id"]]
    if tl.created > now_ts:
        return None
    if now_ts >= data.cutoff:
        return pr
    events = [tl.created, *(r for r in tl.reviews if r <= now_ts)]
    out = dict(pr)
    if tl.closed is not None and tl.closed <= now_ts:
        events.append(tl.closed)
        if tl.late_update is not None and tl.late_update <= now_ts:
            events.append(tl.late_update)
    else:
        out.update(state="open", closed_at=None, merged_at=None, merge_commit_sha=None)
    out["updated_at"] = iso_z(max(events))
    return out


def reviews_as_of(data: PullRequestData, pr_id: int, now_ts: float) -> list[Record]:
    reviews = data.reviews.get(pr_id, [])
    if now_ts >= data.cutoff:
        return reviews
    times = data.timelines[pr_id].reviews
    return reviews[: bisect.bisect_right(times, now_ts)]


def truth(company: Company) -> Record:
    pull_requests(company)
    return company.truth["kpi_sources"][SOURCE]


# ---------------------------------------------------------------------------------------------- build
def _user(login: str, uid: int, kind: str = "User") -> Record:
    return {"login": login, "id": uid, "node_id": f"U_kgDO{uid:08X}", "type": kind, "site_admin": False}


def _build(company: Company) -> PullRequestData:
    k = knobs(company)
    sc = company.scenario
    rng = company.rng_for("kpi:github_prs")
    org = sc.company.github_org
    org_ref = {"login": org, "id": int(sc.company.github_organization_id), "type": "Organization"}
    start_ts = day_start(company.start_date)
    cutoff = company.cutoff_ts

    repos: list[Record] = []
    for i, name in enumerate((*REPO_NAMES, ARCHIVED_REPO)):
        rid = 612_000_000 + i * 7_919 + int(rng.integers(0, 7_000))
        created = start_ts - int(rng.integers(200, 2_000)) * DAY
        repos.append({
            "id": rid, "node_id": f"R_kgDO{rid:08X}", "name": name, "full_name": f"{org}/{name}",
            "private": True, "owner": org_ref, "html_url": f"https://github.com/{org}/{name}",
            "url": f"https://api.github.com/repos/{org}/{name}", "fork": False,
            "archived": name == ARCHIVED_REPO, "disabled": False, "visibility": "private",
            "default_branch": "main", "created_at": iso_z(created),
            "updated_at": iso_z(min(cutoff - 3_600, start_ts + int(rng.integers(0, company.days)) * DAY)),
            "pushed_at": iso_z(cutoff - int(rng.integers(3_600, 5 * DAY))) if name != ARCHIVED_REPO
            else iso_z(created + 30 * DAY),
        })
    active_repos = repos[: len(REPO_NAMES)]
    repo_ref = {r["id"]: {"id": r["id"], "name": r["name"], "full_name": r["full_name"]} for r in repos}

    github_effects = [EffectModel.of(company, e) for e in effects_for(company, SOURCE)]
    engineers = [p for p in company.people
                 if p["department"] == "Engineering" and p["level"] < 7 and p["active"] and p["github_login"]]
    teams = sorted({p["team"] for p in engineers})
    team_repos = {t: (active_repos[(2 * i) % len(active_repos)], active_repos[(2 * i + 1) % len(active_repos)])
                  for i, t in enumerate(teams)}
    team_members: dict[str, list[Record]] = {}
    for p in engineers:
        team_members.setdefault(p["team"], []).append(p)
    users = {p["person_id"]: _user(p["github_login"], p["github_user_id"]) for p in engineers}

    workdays = workday_dates(company)
    speed = np.exp(rng.normal(0.0, k.person_speed_sigma, size=len(engineers)))
    counts = rng.poisson(k.prs_per_workday, size=(len(engineers), len(workdays)))

    # (created_ts, duration_hours, author_user, person_id, repo, team)
    drafts: list[tuple[int, float, Record, str | None, Record, str | None]] = []
    for i, p in enumerate(engineers):
        day_idx = np.repeat(np.arange(len(workdays)), counts[i])
        offsets = rng.integers(8 * 3_600, 18 * 3_600, size=len(day_idx))
        base_hours = np.exp(rng.normal(np.log(k.merge_median_hours), k.merge_sigma, size=len(day_idx)))
        elsewhere = rng.random(len(day_idx)) >= 0.85
        repo_pick = rng.integers(0, len(active_repos), size=len(day_idx))
        own = team_repos[p["team"]]
        for n_, j in enumerate(day_idx):
            day = workdays[int(j)]
            m = drift_multiplier(company, day, SOURCE, p["team"])
            for e in github_effects:
                m *= e.adopter_factor(p["person_id"], day)
            repo = active_repos[int(repo_pick[n_])] if elsewhere[n_] else own[int(repo_pick[n_]) % 2]
            hours = max(0.05, float(base_hours[n_]) * float(speed[i]) * m)
            drafts.append((day_start(day) + int(offsets[n_]), hours, users[p["person_id"]], p["person_id"], repo,
                           p["team"]))
    weeks = company.days / 7
    for pool, rate, median, sigma in ((BOTS, k.bot_prs_per_week, 6.0, 1.0),
                                      (OUTSIDERS, k.outside_prs_per_week, 48.0, 0.8)):
        for _ in range(int(rng.poisson(rate * weeks))):
            login, uid = pool[int(rng.integers(0, len(pool)))]
            created = start_ts + int(rng.integers(0, company.days * DAY))
            hours = float(np.exp(rng.normal(np.log(median), sigma))) * drift_multiplier(
                company, datetime.fromtimestamp(created, UTC).date(), SOURCE)
            repo = active_repos[int(rng.integers(0, len(active_repos)))]
            drafts.append((created, max(0.05, hours), _user(login, uid, "Bot" if "[bot]" in login else "User"),
                           None, repo, None))
    drafts.sort(key=lambda d: d[0])

    next_number = {r["id"]: 1_000 + 37 * i for i, r in enumerate(repos)}
    n = len(drafts)
    # bulk draws: one generator call per attribute rather than per pull request
    id_steps = np.cumsum(rng.integers(1, 60, size=n))
    abandoned_all = rng.random(n) < k.abandoned_share
    abandon_stretch = rng.uniform(0.5, 2.0, size=n)
    late_all = rng.random(n) < 0.2
    late_offsets = rng.integers(3_600, 72 * 3_600, size=n)
    review_counts = rng.choice([0, 1, 2, 3], p=[0.1, 0.5, 0.3, 0.1], size=n)
    title_idx = rng.integers(0, len(TITLES), size=n)
    area_idx = rng.integers(0, len(AREAS), size=n)
    shas = rng.bytes(60 * n)
    pulls: list[Record] = []
    reviews: dict[int, list[Record]] = {}
    timelines: dict[int, PullTimeline] = {}
    author_person: dict[int, str | None] = {}
    review_id = 2_100_000_000
    for i, (created, hours, user, person_id, repo, team) in enumerate(drafts):
        pr_id = 1_834_000_000 + int(id_steps[i])
        number = next_number[repo["id"]]
        next_number[repo["id"]] += 1
        abandoned = bool(abandoned_all[i])
        duration = hours * 3_600 * (float(abandon_stretch[i]) if abandoned else 1.0)
        closed: int | None = created + max(60, int(duration))
        if closed >= cutoff:
            closed = None
        merged = closed is not None and not abandoned
        late = closed + int(late_offsets[i]) if closed is not None and late_all[i] else None
        if late is not None and late >= cutoff:
            late = None

        # reviews by teammates (bots and outsiders get theirs from any engineer), before the close
        n_reviews = int(review_counts[i])
        pool = [m for m in team_members.get(team, engineers) if m["person_id"] != person_id] or engineers
        span = (closed or cutoff) - created
        times = sorted(created + int(span * f) for f in rng.uniform(0.05, 0.95, size=n_reviews))
        reviewer_idx = rng.integers(0, len(pool), size=n_reviews)
        pr_reviews: list[Record] = []
        pr_url = f"https://api.github.com/repos/{repo['full_name']}/pulls/{number}"
        for r, ts in enumerate(times):
            if ts >= cutoff:
                break
            last = r == len(times) - 1
            state = "APPROVED" if (last and merged) else ("COMMENTED" if (ts + r) % 3 else "CHANGES_REQUESTED")
            review_id += 1 + (ts % 37)
            pr_reviews.append({
                "id": review_id, "node_id": f"PRR_kwDO{review_id:010X}",
                "user": users[pool[int(reviewer_idx[r])]["person_id"]],
                "body": "" if state == "APPROVED" else "See comments.", "state": state,
                "html_url": f"https://github.com/{repo['full_name']}/pull/{number}#pullrequestreview-{review_id}",
                "pull_request_url": pr_url, "author_association": "MEMBER",
                "submitted_at": iso_z(ts), "commit_id": shas[60 * i: 60 * i + 20].hex(),
            })
        review_times = tuple(times[: len(pr_reviews)])
        events = [created, *review_times, *(t for t in (closed, late) if t is not None)]
        head_sha, base_sha, merge_sha = (shas[60 * i + o: 60 * i + o + 20].hex() for o in (0, 20, 40))
        branch = f"{user['login'].split('_')[0]}/{number}"
        title = TITLES[int(title_idx[i])].format(a=AREAS[int(area_idx[i])])
        ref = repo_ref[repo["id"]]
        pr: Record = {
            "url": pr_url, "id": pr_id, "node_id": f"PR_kwDO{pr_id:010X}",
            "html_url": f"https://github.com/{repo['full_name']}/pull/{number}",
            "number": number, "state": "closed" if closed is not None else "open", "locked": False,
            "title": title, "user": user, "body": None,
            "labels": [{"name": "dependencies"}] if user["type"] == "Bot" else [],
            "milestone": None, "active_lock_reason": None,
            "created_at": iso_z(created), "updated_at": iso_z(max(events)),
            "closed_at": iso_z(closed) if closed is not None else None,
            "merged_at": iso_z(closed) if merged else None,
            "merge_commit_sha": merge_sha if merged else None,
            "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
            "head": {"label": f"{org}:{branch}", "ref": branch, "sha": head_sha, "repo": ref},
            "base": {"label": f"{org}:main", "ref": "main", "sha": base_sha, "repo": ref},
            "author_association": "MEMBER" if person_id else ("NONE" if user["type"] == "Bot" else "CONTRIBUTOR"),
            "auto_merge": None, "draft": False,
        }
        pulls.append(pr)
        reviews[pr_id] = pr_reviews
        timelines[pr_id] = PullTimeline(created, closed, merged, late, review_times)
        author_person[pr_id] = person_id

    data = PullRequestData(repos, pulls, reviews, timelines, author_person, cutoff, k)
    register_truth(company, SOURCE, _truth(company, data, github_effects))
    return data


def _truth(company: Company, data: PullRequestData, effects: list[EffectModel]) -> Record:
    merged = [p for p in data.pulls if p["merged_at"]]
    out: Record = {
        "knobs": dataclasses.asdict(data.knobs),
        "repos": len(data.repos),
        "pull_requests": len(data.pulls),
        "merged": len(merged),
        "closed_unmerged": sum(1 for p in data.pulls if p["state"] == "closed" and not p["merged_at"]),
        "open_at_end": sum(1 for p in data.pulls if p["state"] == "open"),
        "unresolved_author_prs": sum(1 for p in data.pulls if data.author_person[p["id"]] is None),
        "reviews": sum(len(v) for v in data.reviews.values()),
        "effects": {},
    }
    items = [(data.author_person[p["id"]], _date(p["created_at"]), _hours(p["created_at"], p["merged_at"]))
             for p in merged if data.author_person[p["id"]]]
    for e in effects:
        out["effects"][e.effect.key] = {
            "population": len(e.population), "adopters": len(e.adopters),
            "control": len(e.population) - len(e.adopters),
            "observed": person_level_did(items, e.adopters, e.population, e.redesign_date, company.end_date, 5,
                                         e.effect.cohort_days),
        }
    return out


def _date(ts: str) -> date:
    return date.fromisoformat(ts[:10])


def _hours(start: str, end: str) -> float:
    a = datetime.fromisoformat(start.replace("Z", "+00:00"))
    b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return (b - a) / timedelta(hours=1)
