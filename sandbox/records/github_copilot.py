"""GitHub Copilot records: the users-1-day usage-metrics report lines and the org's seats.

A report line per seat holder and day with activity (`company.activity`: 1 user-initiated, 2 passive
suggestions only), shaped like the NDJSON the signed report links serve; the counters follow the person's
style, department and Copilot habits (languages, editor, chat model). Seats draw from the company's core
generator after the directory and activity, so `seats` is built before Zendesk's records.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from sandbox.company import Company, Record, iso_offset, iso_z, midnight
from sandbox.records import cached

COUNTERS = (
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
)
# Language breakdowns carry no interaction count.
LANGUAGE_COUNTERS = COUNTERS[1:]
# editor -> (editor version, plugin, plugin version, last_activity_editor of the seat)
IDES = {
    "vscode": ("1.104.2", "copilot-chat", "0.31.3", "vscode/1.104.2/copilot-chat/0.31.3"),
    "intellij": ("2025.2.1", "copilot-intellij", "1.5.57", "JetBrains-IU/252.25557/copilot-intellij/1.5.57"),
    "visualstudio": ("17.14.13", "copilot-vs", "17.14.878", "VisualStudio/17.14.13/copilot-vs/17.14.878"),
    "neovim": ("0.11.4", "copilot.vim", "1.54.0", "Neovim/0.11.4/copilot.vim/1.54.0"),
}


# GitHub's adoption phases (0-3) by usage style; completions are not billed in AI credits, chat prompts
# and CLI tokens are (a chat prompt ~0.8 credit, 10,000 CLI tokens ~1 credit at the sandbox's model mix).
ADOPTION_PHASES = {"power": 3, "habitual": 2, "novice": 1}


def ai_credits(chat_prompts: int, cli: Record | None) -> float:
    tokens = 0
    if cli:
        tokens = cli["token_usage"]["output_tokens_sum"] + cli["token_usage"]["prompt_tokens_sum"]
    return round(chat_prompts * 0.8 + tokens / 10_000, 2)


def seats(company: Company) -> list[Record]:
    """Seat objects as GET /orgs/{org}/copilot/billing/seats lists them, oldest first (cached)."""
    return cached(company, "github_copilot:seats", lambda: _build_seats(company))


# Purchased seats above those assigned: a company buys a little headroom (seat_breakdown.total is what is billed).
SEAT_HEADROOM_SHARE = 0.05


def billing(company: Company) -> Record:
    """The org's seat billing summary as GET /orgs/{org}/copilot/billing returns it."""
    all_seats = seats(company)
    total = len(all_seats) + int(np.ceil(round(SEAT_HEADROOM_SHARE * len(all_seats), 6)))
    active = sum(1 for s in all_seats if s.get("last_activity_at"))
    return {
        "seat_breakdown": {
            "total": total,
            "added_this_cycle": sum(1 for s in all_seats if s["created_at"][:7] == company.end_date.isoformat()[:7]),
            "pending_invitation": 0,
            "pending_cancellation": sum(1 for s in all_seats if s.get("pending_cancellation_date")),
            "active_this_cycle": active,
            "inactive_this_cycle": len(all_seats) - active,
        },
        "seat_management_setting": "assign_selected",
        "ide_chat": "enabled",
        "platform_chat": "enabled",
        "cli": "enabled",
        "public_code_suggestions": "block",
        "plan_type": "business",
    }


def active_days(company: Company) -> list[date]:
    """Days that have at least one users-1-day record."""
    cols = np.nonzero(company.activity.any(axis=0))[0]
    return [company.start_date + timedelta(days=int(c)) for c in cols]


def user_day_records(company: Company, day: date) -> list[Record]:
    """users-1-day NDJSON records for one UTC day (copies); [] outside the window."""
    return [dict(r) for r in _day_records(company, day)]


@lru_cache(maxsize=512)
def _day_records(company: Company, day: date) -> tuple[Record, ...]:
    idx = (day - company.start_date).days
    if idx < 0 or idx >= company.days:
        return ()
    # Per-day generator: a day's file does not depend on which other days were asked for.
    rng = np.random.default_rng([company.scenario.seed, 101, day.toordinal()])
    out = []
    for i in np.nonzero(company.activity[:, idx])[0]:
        out.append(_record(company, company.seat_holders[int(i)], day, int(company.activity[i, idx]), rng))
    return tuple(out)


def _record(company: Company, p: Record, day: date, kind: int, rng: np.random.Generator) -> Record:
    sc = company.scenario
    style = sc.styles[p["style"]]
    eng = p["department"] == "Engineering"
    dept = next((d for d in sc.departments if d.name == p["department"]), None)
    # feature rows: (feature, language, model, counters)
    rows: list[tuple[str, str, str, dict[str, int]]] = []

    def counters(**kw: int) -> dict[str, int]:
        return {k: int(kw.get(k, 0)) for k in COUNTERS}

    lang = p["_languages"]
    if kind == 2:
        gen = int(rng.poisson(6)) + 1
        rows.append(("code_completion", lang[0], "default", counters(
            code_generation_activity_count=gen, loc_suggested_to_add_sum=gen * int(rng.integers(1, 5)))))
    else:
        m = style.interactions_mean
        accept_rate = {"power": 0.35, "habitual": 0.28}.get(p["style"], 0.2)
        gen = int(rng.poisson(m * (2.0 if eng else 0.4)))
        if gen:
            acc = int(rng.binomial(gen, accept_rate))
            per = int(rng.integers(1, 6))
            rows.append(("code_completion", lang[0], "default", counters(
                code_generation_activity_count=gen, code_acceptance_activity_count=acc,
                loc_suggested_to_add_sum=gen * per, loc_added_sum=acc * per)))
        interactions = max(1, int(rng.poisson(m)))
        modes = ["chat_panel_ask_mode", "chat_panel_agent_mode", "chat_panel_edit_mode"]
        probs = [0.5, 0.35, 0.15] if eng else [0.8, 0.15, 0.05]
        split = rng.multinomial(interactions, probs)
        for mode, k in zip(modes, split, strict=True):
            if k == 0:
                continue
            blocks = int(rng.poisson(k * 0.6))
            acc = int(rng.binomial(blocks, 0.4))
            size = int(rng.integers(3, 16))
            rows.append((mode, lang[int(rng.integers(0, 2))], p["_chat_model"], counters(
                user_initiated_interaction_count=int(k), code_generation_activity_count=blocks,
                code_acceptance_activity_count=acc, loc_suggested_to_add_sum=blocks * size,
                loc_suggested_to_delete_sum=int(blocks * size * 0.2), loc_added_sum=acc * size,
                loc_deleted_sum=int(acc * size * 0.2))))
        if eng and split[1] > 0:
            # agent_edit writes lines directly and fills no suggestion fields.
            edits = int(rng.poisson(split[1] * 2)) + 1
            rows.append(("agent_edit", lang[0], p["_chat_model"], counters(
                code_generation_activity_count=edits, loc_added_sum=edits * int(rng.integers(5, 40)),
                loc_deleted_sum=edits * int(rng.integers(0, 10)))))

    totals = {k: sum(r[3][k] for r in rows) for k in COUNTERS}
    features = [r[0] for r in rows]
    used_cli = kind == 1 and dept is not None and rng.random() < dept.cli_day_share
    ide = p["_ide"]
    ide_ver, plugin, plugin_ver, _ = IDES[ide]
    sampled = f"{day.isoformat()}T{int(rng.integers(7, 19)):02d}:{int(rng.integers(0, 60)):02d}:02.000Z"

    def group(key_names: tuple[str, ...], idx: tuple[int, ...], fields: tuple[str, ...]) -> list[Record]:
        acc: dict[tuple[str, ...], dict[str, int]] = {}
        for r in rows:
            key = tuple(r[i] for i in idx)
            tgt = acc.setdefault(key, dict.fromkeys(fields, 0))
            for f in fields:
                tgt[f] += r[3][f]
        return [{**dict(zip(key_names, k, strict=True)), **v} for k, v in acc.items()]

    rec: Record = {
        "report_start_day": day.isoformat(), "report_end_day": day.isoformat(), "day": day.isoformat(),
        "enterprise_id": sc.company.github_enterprise_id,
        "organization_id": sc.company.github_organization_id,
        "user_id": p["github_user_id"], "user_login": p["github_login"],
        **totals,
        "used_agent": "chat_panel_agent_mode" in features or "agent_edit" in features,
        "used_chat": any(f.startswith("chat_panel_") for f in features),
        "used_cli": bool(used_cli),
        "used_copilot_code_review_active": bool(kind == 1 and eng and rng.random() < 0.05),
        "used_copilot_code_review_passive": bool(kind == 1 and eng and rng.random() < 0.10),
        "totals_by_ide": [{
            "ide": ide, **totals,
            "last_known_ide_version": {"ide_version": ide_ver, "sampled_at": sampled},
            "last_known_plugin_version": {"plugin": plugin, "plugin_version": plugin_ver,
                                          "sampled_at": sampled},
        }],
        "totals_by_feature": group(("feature",), (0,), COUNTERS),
        "totals_by_language_feature": group(("language", "feature"), (1, 0), LANGUAGE_COUNTERS),
        "totals_by_language_model": group(("language", "model"), (1, 2), LANGUAGE_COUNTERS),
        "totals_by_model_feature": group(("model", "feature"), (2, 0), COUNTERS),
    }
    if used_cli:
        requests = int(rng.integers(1, 12))
        out_tok = requests * int(rng.integers(800, 3000))
        prompt_tok = requests * int(rng.integers(1500, 6000))
        rec["totals_by_cli"] = {
            "session_count": int(rng.integers(1, requests + 1)), "request_count": requests,
            "prompt_count": requests,
            "token_usage": {"output_tokens_sum": out_tok, "prompt_tokens_sum": prompt_tok,
                            "avg_tokens_per_request": round((out_tok + prompt_tok) / requests, 1)},
            "last_known_cli_version": {"cli_version": "1.0.8", "sampled_at": sampled},
        }
    # Fields GitHub added in 2026: both agent flags (the coding agent was renamed the cloud agent; files of
    # the renaming period send both), the user's AI adoption phase and the AI credits the day consumed.
    # They draw nothing from rng, so every other value of the company stays as it was.
    rec["used_copilot_coding_agent"] = False
    rec["used_copilot_cloud_agent"] = False
    phase = ADOPTION_PHASES.get(p["style"], 0)
    rec["ai_adoption_phase"] = {"phase_number": phase, "phase": f"Phase {phase}", "version": "v1"}
    rec["ai_credits_used"] = ai_credits(totals["user_initiated_interaction_count"], rec.get("totals_by_cli"))
    rec["etl_id"] = "green" if day.toordinal() % 3 else "blue"
    rec["day_partition"] = day.isoformat()
    rec["entity_id_partition"] = int(sc.company.github_enterprise_id)
    return rec


def _build_seats(company: Company) -> list[Record]:
    rng = company.core_rng
    seats: list[tuple[int, Record]] = []
    novices = [i for i, p in enumerate(company.seat_holders) if p["style"] == "novice"]
    cancelling = set(int(i) for i in rng.choice(novices, size=min(4, len(novices)), replace=False))
    no_plan = set(int(i) for i in rng.choice(len(company.seat_holders), size=min(2, len(company.seat_holders)),
                                              replace=False))
    eng_team = {"id": 7001, "name": "Copilot Engineering", "slug": "copilot-engineering"}
    for i, p in enumerate(company.seat_holders):
        offset = -6 if rng.random() < 0.3 else 0
        created = midnight(p["seat_assigned_on"]) + int(rng.integers(13 * 3600, 17 * 3600))
        active_cols = np.nonzero(company.activity[i])[0]
        if len(active_cols):
            last_day = company.start_date + timedelta(days=int(active_cols[-1]))
            last_act: int | None = midnight(last_day) + int(rng.integers(8 * 3600, 19 * 3600))
        else:
            last_act = None
        seat: Record = {
            "created_at": iso_offset(created, offset),
            "updated_at": iso_offset(created + int(rng.integers(0, 3600)), offset),
            "pending_cancellation_date": (
                (company.end_date + timedelta(days=int(rng.integers(3, 25)))).isoformat()
                if i in cancelling else None),
            "last_activity_at": iso_offset(last_act, offset) if last_act else None,
            "last_activity_editor": IDES[p["_ide"]][3] if last_act else None,
            "last_authenticated_at": (iso_offset(last_act + int(rng.integers(0, 600)), offset)
                                      if last_act else None),
            "plan_type": "business",
            "assignee": {"login": p["github_login"], "id": p["github_user_id"], "type": "User",
                         "site_admin": False},
            "assigning_team": eng_team if p["department"] == "Engineering" else None,
        }
        if i in no_plan:
            del seat["plan_type"]  # documented as optional
        seats.append((created, seat))
    # A seat whose user was deleted: GitHub returns assignee null.
    orphan_created = midnight(company.rollout_date) + 15 * 3600
    seats.append((orphan_created, {
        "created_at": iso_z(orphan_created), "updated_at": iso_z(orphan_created),
        "pending_cancellation_date": (company.end_date + timedelta(days=10)).isoformat(),
        "last_activity_at": None, "last_activity_editor": None, "last_authenticated_at": None,
        "plan_type": "business", "assignee": None, "assigning_team": None,
    }))
    seats.sort(key=lambda s: s[0])
    company.truth["seats_total"] = len(seats)
    return [s for _, s in seats]
