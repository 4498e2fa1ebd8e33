"""Zendesk records: agents and admins, and tickets with their metric sets as the incremental export shows them.

Support agents get tickets on workdays (Poisson per agent and day while employed); full resolution time is
lognormal times a per-agent speed factor, times the drift for tickets created on/after the rollout and the
support factor for agents whose Copilot style adopts (`scenario.effects`). Some tickets are reopened,
deleted or still open at the end of the window, and one closed ticket is re-exported hours after its last
update (a system update). Users and tickets draw from the company's core generator after the Copilot seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from sandbox.company import DAY, Company, Record, iso_z, midnight
from sandbox.credentials import ZENDESK_EMAIL
from sandbox.names import TICKET_SUBJECTS, TICKET_TAGS
from sandbox.records import cached, github_copilot

ZENDESK_TZ = (("Eastern Time (US & Canada)", "America/New_York"), ("London", "Europe/London"),
              ("Central Time (US & Canada)", "America/Chicago"))


@dataclass
class ZendeskData:
    users: list[Record]                  # agents, admins and the integration account, ordered by id
    tickets: list[Record]                # export-shaped, with metric_set, ordered by (generated_timestamp, id)
    user_id_of: dict[str, int]           # person_id -> Zendesk user id
    system_updated_ticket_id: int | None  # re-exported after its updated_at


def zendesk_data(company: Company) -> ZendeskData:
    """Users and tickets for the company (cached; adds `tickets` and `system_updated_ticket_id` to the truth)."""
    return cached(company, "zendesk", lambda: _build(company))


def users(company: Company) -> list[Record]:
    """Agents and admins, ordered by id."""
    return zendesk_data(company).users


def tickets(company: Company) -> list[Record]:
    """Export-shaped tickets with an embedded metric_set, ordered by (generated_timestamp, id)."""
    return zendesk_data(company).tickets


def _build(company: Company) -> ZendeskData:
    github_copilot.seats(company)  # the seats draw from the core generator first
    rng = company.core_rng
    built_users, group_ids, user_id_of = _build_users(company, rng)
    built_tickets, system_updated = _build_tickets(company, rng, group_ids, user_id_of)
    company.truth.update(tickets=len(built_tickets), system_updated_ticket_id=system_updated)
    return ZendeskData(built_users, built_tickets, user_id_of, system_updated)


def _build_users(company: Company, rng: np.random.Generator) -> tuple[list[Record], dict[str, int], dict[str, int]]:
    support = next(d for d in company.scenario.departments if d.zendesk_agents) \
        if any(d.zendesk_agents for d in company.scenario.departments) else None
    group_ids: dict[str, int] = {}
    if support:
        for i, team in enumerate(support.team_names()):
            group_ids[team] = 360_001_001 + i
    users: list[Record] = []
    next_id = 381_000_000_001
    base_created = midnight(company.start_date) - 400 * DAY
    user_id_of: dict[str, int] = {}
    zd_people = [p for p in company.people if p["zendesk_role"]]
    for p in zd_people:
        user_id_of[p["person_id"]] = next_id
        next_id += int(rng.integers(1_000, 90_000))
        tz, iana = ZENDESK_TZ[int(rng.integers(0, len(ZENDESK_TZ)))]
        created = base_created + int(rng.integers(0, 300 * DAY))
        updated = min(company.cutoff_ts - 3600, midnight(company.end_date) - int(rng.integers(0, 60 * DAY)))
        if p["left_on"]:
            updated = midnight(p["left_on"]) + 10 * 3600
        users.append({
            "id": user_id_of[p["person_id"]], "url": None, "name": p["display_name"], "email": p["email"],
            "role": p["zendesk_role"], "active": p["active"], "suspended": False,
            "default_group_id": group_ids.get(p["team"], next(iter(group_ids.values()), None)),
            "time_zone": tz, "iana_time_zone": iana,
            "created_at": iso_z(created), "updated_at": iso_z(updated),
            "custom_role_id": None if p["zendesk_role"] == "agent" else 360_000_123_456,
        })
    # The integration account the pipeline authenticates as.
    users.append({
        "id": next_id, "url": None, "name": "Pipeline Integration", "email": ZENDESK_EMAIL, "role": "admin",
        "active": True, "suspended": False, "default_group_id": None,
        "time_zone": "UTC", "iana_time_zone": "Etc/UTC", "created_at": iso_z(base_created),
        "updated_at": iso_z(base_created), "custom_role_id": 360_000_123_456,
    })
    sub = company.scenario.company.zendesk_subdomain
    for u in users:
        u["url"] = f"https://{sub}.zendesk.com/api/v2/users/{u['id']}.json"
    users.sort(key=lambda u: u["id"])
    return users, group_ids, user_id_of



def _build_tickets(company: Company, rng: np.random.Generator, group_ids: dict[str, int],
                   user_id_of: dict[str, int]) -> tuple[list[Record], int | None]:
    sc = company.scenario
    ts = sc.tickets
    agents = [p for p in company.people if p["is_support_agent"]]
    if not agents:
        return [], None
    n_agents = len(agents)
    day_idx = np.arange(company.days)
    active = np.ones((n_agents, company.days), dtype=bool)
    for a, p in enumerate(agents):
        if p["left_on"]:
            active[a, day_idx >= (p["left_on"] - company.start_date).days] = False
    lam = ts.per_agent_per_workday * company.workday[None, :] * active
    counts = rng.poisson(lam)
    agent_of, day_of = np.nonzero(counts)
    reps = counts[agent_of, day_of]
    agent_of = np.repeat(agent_of, reps)
    day_of = np.repeat(day_of, reps)
    n = len(agent_of)
    start_ts = midnight(company.start_date)
    created = start_ts + day_of * DAY + rng.integers(8 * 3600, 18 * 3600, size=n)
    order = np.argsort(created, kind="stable")
    agent_of, day_of, created = agent_of[order], day_of[order], created[order]

    speed = np.exp(rng.normal(0.0, ts.agent_speed_sigma, size=n_agents))
    adopter_agent = np.array([p["style"] in sc.effects.adopter_styles for p in agents])
    post = day_of >= sc.rollout_day
    agent_drift = np.array([sc.effects.drift_for("zendesk", p["team"]) for p in agents])
    factor = np.where(post, agent_drift[agent_of], 1.0) * np.where(
        post & adopter_agent[agent_of], sc.effects.support_factor, 1.0)
    base_hours = np.exp(rng.normal(np.log(ts.resolution_median_hours), ts.resolution_sigma, size=n))
    full_min = np.maximum(5, np.round(base_hours * 60 * speed[agent_of] * factor)).astype(np.int64)
    reply_min = np.minimum(np.exp(rng.normal(np.log(45), 0.9, size=n)), full_min * 0.9)
    reply_min = np.maximum(1, np.round(reply_min)).astype(np.int64)
    solved = created + full_min * 60
    is_solved = solved < company.cutoff_ts
    reopened = is_solved & (rng.random(n) < ts.reopened_share)
    first_res = np.where(reopened, np.round(full_min * rng.uniform(0.2, 0.7, size=n)), full_min)
    deleted = rng.random(n) < ts.deleted_share
    jitter = rng.integers(0, 90, size=n)
    assign_delay = rng.integers(60, 1800, size=n)
    replies = 1 + rng.poisson(1.5, size=n) + reopened
    agent_wait = np.round(full_min * rng.uniform(0.0, 0.2, size=n)).astype(np.int64)
    types = rng.choice(["incident", "question", "problem", "task", None], p=[.4, .35, .1, .1, .05], size=n)
    priorities = rng.choice(["low", "normal", "high", "urgent", None], p=[.2, .5, .2, .05, .05], size=n)
    channels = rng.choice(["email", "web", "api", "chat"], p=[.5, .3, .1, .1], size=n)
    subjects = rng.integers(0, len(TICKET_SUBJECTS), size=n)
    tag_draws = rng.integers(0, len(TICKET_TAGS), size=(n, 2))
    requesters = rng.integers(20_000_000_000, 20_000_400_000, size=n)
    orgs = rng.integers(0, 41, size=n)
    open_pending = rng.random(n) < 0.6

    sub = sc.company.zendesk_subdomain
    four_days = 4 * DAY
    tickets: list[Record] = []
    for k in range(n):
        tid = 40_001 + k
        a = agents[int(agent_of[k])]
        c = int(created[k])
        s = int(solved[k])
        replied = c + int(reply_min[k]) * 60 < company.cutoff_ts
        if deleted[k]:
            status = "deleted"
            updated = min(c + 2 * 3600 + int(jitter[k]) * 60, company.cutoff_ts - 120)
        elif is_solved[k]:
            if s + four_days <= company.cutoff_ts:
                status, updated = "closed", s + four_days + int(jitter[k]) * 20
            else:
                status, updated = "solved", s
            updated = min(updated, company.cutoff_ts - 120)
        else:
            status = "pending" if (replied and open_pending[k]) else "open"
            updated = min(c + int(reply_min[k]) * 60, company.cutoff_ts - 120) if replied else c
        solved_k = bool(is_solved[k])
        full = int(full_min[k])
        first = int(first_res[k])

        def mins(v: int | None) -> dict[str, int | None]:
            return {"calendar": v, "business": None if v is None else int(v * 0.3)}

        assigned_at = iso_z(c + int(assign_delay[k]))
        status_updated = iso_z(updated)
        metric_set = {
            "url": f"https://{sub}.zendesk.com/api/v2/ticket_metrics/{5_527_000_000_000 + tid}.json",
            "id": 5_527_000_000_000 + tid, "ticket_id": tid,
            "created_at": iso_z(c), "updated_at": iso_z(updated),
            "group_stations": 1, "assignee_stations": 1,
            "reopens": int(reopened[k]), "replies": int(replies[k]) if solved_k else int(replied),
            "assignee_updated_at": iso_z(s) if solved_k else None,
            "requester_updated_at": iso_z(c + int(reply_min[k]) * 30) if replied else iso_z(c),
            "status_updated_at": status_updated, "custom_status_updated_at": status_updated,
            "initially_assigned_at": assigned_at, "assigned_at": assigned_at,
            "solved_at": iso_z(s) if solved_k else None,
            "latest_comment_added_at": iso_z(s - 60) if solved_k else (
                iso_z(c + int(reply_min[k]) * 60) if replied else iso_z(c)),
            "reply_time_in_minutes": mins(int(reply_min[k]) if replied else None),
            "reply_time_in_seconds": {"calendar": None},
            "first_resolution_time_in_minutes": mins(first if solved_k else None),
            "full_resolution_time_in_minutes": mins(full if solved_k else None),
            "agent_wait_time_in_minutes": mins(int(agent_wait[k]) if solved_k else None),
            "requester_wait_time_in_minutes": mins(full - int(agent_wait[k]) if solved_k else None),
            "on_hold_time_in_minutes": mins(0 if solved_k else None),
        }
        org = int(orgs[k])
        ttype = types[k]
        prio = priorities[k]
        tags = sorted({TICKET_TAGS[int(tag_draws[k, 0])], TICKET_TAGS[int(tag_draws[k, 1])]})
        subject = TICKET_SUBJECTS[int(subjects[k])]
        tickets.append({
            "url": f"https://{sub}.zendesk.com/api/v2/tickets/{tid}.json", "id": tid,
            "external_id": None,
            "via": {"channel": str(channels[k]), "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": iso_z(c), "updated_at": iso_z(updated),
            "generated_timestamp": min(updated + int(jitter[k]), company.cutoff_ts - 61),
            "type": None if ttype is None else str(ttype), "subject": subject, "raw_subject": subject,
            "priority": None if prio is None else str(prio), "status": status, "recipient": None,
            "requester_id": int(requesters[k]), "submitter_id": int(requesters[k]),
            "assignee_id": user_id_of[a["person_id"]], "organization_id": None if org == 0 else 361_000_000 + org,
            "group_id": group_ids.get(a["team"]), "collaborator_ids": [], "follower_ids": [],
            "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
            "is_public": True, "due_at": None, "tags": tags,
            "custom_fields": [{"id": 360_005_001, "value": tags[0]}, {"id": 360_005_002, "value": None}],
            "satisfaction_rating": {"score": "unoffered"}, "sharing_agreement_ids": [],
            "followup_ids": [], "ticket_form_id": 360_000_200_001, "brand_id": 360_000_100_001,
            "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
            "metric_set": metric_set,
        })
    # A system update (e.g. an SLA recalculation) re-exports an old ticket hours after its updated_at.
    early = [t for t in tickets if t["status"] == "closed"]
    system_updated = None
    if early:
        t = early[0]
        t["generated_timestamp"] = min(
            int(datetime.fromisoformat(t["updated_at"]).timestamp()) + 5 * 3600, company.cutoff_ts - 61)
        system_updated = t["id"]
    tickets.sort(key=lambda t: (t["generated_timestamp"], t["id"]))
    return tickets, system_updated
