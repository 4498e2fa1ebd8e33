"""Deterministic synthetic company: directory, Copilot seats and usage, Zendesk agents and tickets.

Every record is a plain dict shaped like the vendor's payload (real field names, real nulls), so the
simulators only page, filter and serialise. Same scenario + same end_date gives identical output.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import numpy as np

from sandbox.credentials import ZENDESK_EMAIL
from sandbox.names import FIRST_NAMES, LAST_NAMES, OFFICE_LOCATIONS, TICKET_SUBJECTS, TICKET_TAGS
from sandbox.scenario import DepartmentSpec, KpiEffectSpec, Scenario

Record = dict[str, Any]

COUNTERS = (
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
)
# Language breakdowns carry no interaction count (ai_usage_apis.md 1.2).
LANGUAGE_COUNTERS = COUNTERS[1:]

ENG_LANGUAGES = ("python", "typescript", "go", "java", "sql", "yaml", "markdown")
OTHER_LANGUAGES = ("markdown", "plaintext", "python", "sql")
CHAT_MODELS = ("claude-sonnet-4.5", "gpt-5-mini", "gpt-4.1", "gemini-2.5-pro")
IDES = {
    "vscode": ("1.104.2", "copilot-chat", "0.31.3", "vscode/1.104.2/copilot-chat/0.31.3"),
    "intellij": ("2025.2.1", "copilot-intellij", "1.5.57", "JetBrains-IU/252.25557/copilot-intellij/1.5.57"),
    "visualstudio": ("17.14.13", "copilot-vs", "17.14.878", "VisualStudio/17.14.13/copilot-vs/17.14.878"),
    "neovim": ("0.11.4", "copilot.vim", "1.54.0", "Neovim/0.11.4/copilot.vim/1.54.0"),
}
ZENDESK_TZ = (("Eastern Time (US & Canada)", "America/New_York"), ("London", "Europe/London"),
              ("Central Time (US & Canada)", "America/Chicago"))
DAY = 86_400


def iso_z(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(ts: float, offset_hours: int) -> str:
    """GitHub seat timestamps sometimes carry a local offset such as -06:00 instead of Z."""
    if offset_hours == 0:
        return iso_z(ts)
    local = datetime.fromtimestamp(int(ts), UTC).astimezone(timezone(timedelta(hours=offset_hours)))
    return local.isoformat()


def midnight(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def emu_login(email: str, shortcode: str) -> str:
    """GitHub EMU handle rule: mail local part with '.' replaced by '-', then _<shortcode>."""
    return f"{email.split('@')[0].replace('.', '-')}_{shortcode}"


def _quota(shares: dict[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """Exact per-style counts (largest remainder), shuffled, so truth counts are not sampling noise."""
    names = list(shares)
    raw = np.array([shares[s] * n for s in names])
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    out = [s for s, c in zip(names, counts, strict=True) for _ in range(c)]
    rng.shuffle(out)
    return out


class Company:
    """The generated company. Treat returned records as read-only; they are shared, not copied."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.start_date = scenario.start_date
        self.end_date = scenario.resolved_end_date
        self.rollout_date = scenario.rollout_date
        self.days = scenario.days
        self.cutoff_ts = midnight(self.end_date) + DAY  # nothing happens at or after this instant
        self._rng = np.random.default_rng(scenario.seed)
        self.people: list[Record] = []
        self._build_people()
        self._build_activity()
        self._seats = self._build_seats()
        self._zendesk_users = self._build_zendesk_users()
        self._tickets = self._build_tickets()
        self._assign_tool_styles()
        self.truth = self._build_truth()
        self.truth.update(self._tools_truth())

    # ------------------------------------------------------------------ per-source randomness
    def rng_for(self, name: str) -> np.random.Generator:
        """An independent, deterministic generator per source: adding a source never changes another's data."""
        return np.random.default_rng([self.scenario.seed, zlib.crc32(name.encode())])

    # ------------------------------------------------------------------ AI tools beyond GitHub Copilot
    def _assign_tool_styles(self) -> None:
        """person["tool_styles"][tool] = style; github_copilot is the person's `style`, others are drawn
        per department/team from scenario.tools. A licence starts on rollout_date for styles with a seat."""
        sc = self.scenario
        for p in self.people:
            p["tool_styles"] = {"github_copilot": p["style"] if p["has_seat"] else "none"}
        for tool, spec in sc.tools.items():
            rng = self.rng_for(f"tool:{tool}")
            for dept in sc.departments:
                for team in dept.team_names():
                    shares = spec.team_styles.get(team) or spec.departments.get(dept.name)
                    members = [p for p in self.people if p["team"] == team and p["level"] < 7]
                    styles = _quota(shares, len(members), rng) if shares else ["none"] * len(members)
                    for p, style in zip(members, styles, strict=True):
                        p["tool_styles"][tool] = style if p["active"] else "none"
            for p in self.people:
                p["tool_styles"].setdefault(tool, "none")

    def tool_style(self, person: Record, tool: str) -> str:
        return person["tool_styles"].get(tool, "none")

    def tool_holders(self, tool: str) -> list[Record]:
        """People holding a licence/seat/key for the tool (style with has_seat)."""
        return [p for p in self.people if self.scenario.styles[self.tool_style(p, tool)].has_seat]

    def tool_activity(self, tool: str) -> tuple[list[Record], np.ndarray]:
        """(holders, act) with act[i, d] 0 none, 1 user-initiated use, 2 passive only, day d from start_date.

        github_copilot returns the activity its report is built from; other tools draw from their own
        generator with the same style rules, licences starting on rollout_date."""
        if tool == "github_copilot":
            return self._seat_holders, self._activity
        cache = self.__dict__.setdefault("_tool_activity_cache", {})
        if tool not in cache:
            holders = self.tool_holders(tool)
            rng = self.rng_for(f"activity:{tool}")
            first = (self.rollout_date - self.start_date).days
            act = np.zeros((len(holders), self.days), dtype=np.int8)
            draws = rng.random((len(holders), self.days))
            for i, p in enumerate(holders):
                style = self.scenario.styles[self.tool_style(p, tool)]
                prob = np.where(self._workday, style.workday_active_share, style.weekend_active_share)
                on = (draws[i] < prob) & (np.arange(self.days) >= first)
                act[i, on] = 2 if style.passive_only else 1
            cache[tool] = (holders, act)
        return cache[tool]

    def effect_population(self, effect: KpiEffectSpec) -> list[Record]:
        """Active individual contributors and leads of the effect's department or team."""
        return [p for p in self.people if p["level"] < 7 and p["active"]
                and (p["department"] == effect.department if effect.department else p["team"] == effect.team)]

    def is_effect_adopter(self, person: Record, effect: KpiEffectSpec) -> bool:
        """Used any of the effect's tools on >= 2 distinct days in the cohort window after the redesign."""
        cache = self.__dict__.setdefault("_effect_adopters", {})
        if effect.key not in cache:
            first = (self.effect_redesign_date(effect) - self.start_date).days
            window = slice(max(first, 0), max(first + effect.cohort_days, 0))
            active_days: dict[str, set[int]] = {}
            for tool in effect.tools:
                holders, act = self.tool_activity(tool)
                for i, p in enumerate(holders):
                    days = np.flatnonzero(act[i, window] == 1)
                    active_days.setdefault(p["person_id"], set()).update(days.tolist())
            cache[effect.key] = frozenset(pid for pid, days in active_days.items() if len(days) >= 2)
        return person["person_id"] in cache[effect.key]

    def effect_redesign_date(self, effect: KpiEffectSpec) -> date:
        return self.rollout_date + timedelta(days=effect.redesign_offset_days)

    def _tools_truth(self) -> Record:
        sc = self.scenario
        drift = sc.effects.drift_factor
        effects = {}
        for e in sc.kpi_effects:
            pop = self.effect_population(e)
            adopters = [p for p in pop if self.is_effect_adopter(p, e)]
            effects[e.key] = {
                "source": e.source, "task": e.task, "department": e.department, "team": e.team,
                "tools": list(e.tools), "factor": e.factor, "cohort_days": e.cohort_days,
                "redesigned_on": self.effect_redesign_date(e),
                # additive DiD relative to the adopters' baseline, as mart_workflow_outcomes reports it
                "effect_pct": round(drift * (e.factor - 1) * 100, 6),
                "population": len(pop), "adopters": len(adopters),
            }
        holders = {t: len(self.tool_holders(t)) for t in ("github_copilot", *sc.tools)}
        return {"kpi_effects": effects, "tool_holders": holders,
                "tool_style_by_email": {p["email"]: dict(p["tool_styles"]) for p in self.people}}

    # ------------------------------------------------------------------ directory
    def _new_person(self, dept: str, team: str, title: str, level: int, manager_id: str | None,
                    style: str) -> Record:
        rng = self._rng
        pid = f"P{len(self.people) + 1:04d}"
        return {
            "person_id": pid,
            "employee_id": f"{100000 + len(self.people) + 1}",
            "graph_id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            "given_name": str(rng.choice(FIRST_NAMES)),
            "surname": str(rng.choice(LAST_NAMES)),
            "department": dept, "team": team, "job_title": title, "level": level,
            "manager_id": manager_id, "style": style,
            "office_location": str(rng.choice(OFFICE_LOCATIONS)),
            "active": True, "left_on": None,
            "github_login": None, "github_user_id": None, "github_login_follows_rule": None,
            "has_seat": False, "seat_assigned_on": None,
            "zendesk_user_id": None, "zendesk_role": None, "is_support_agent": False,
        }

    def _draw_style(self, shares: dict[str, float]) -> str:
        names = list(shares)
        return str(self._rng.choice(names, p=np.array([shares[n] for n in names])))

    def _build_people(self) -> None:
        sc = self.scenario
        ceo = self._new_person("Executive", "Executive", "Chief Executive Officer", 8, None, "habitual")
        self.people.append(ceo)
        for dept in sc.departments:
            self._build_department(dept, ceo["person_id"])
        self._assign_emails()
        rng = self._rng
        # A few directory entries without a job title, as real tenants have.
        candidates = [p for p in self.people if not p["is_support_agent"] and p["level"] < 6]
        for i in rng.choice(len(candidates), size=min(5, len(candidates)), replace=False):
            candidates[int(i)]["job_title"] = None
        for p in rng.choice(len(self.people), size=min(8, len(self.people)), replace=False):
            self.people[int(p)]["office_location"] = None
        self._assign_leaver()
        self._assign_seats_and_logins()

    def _build_department(self, dept: DepartmentSpec, ceo_id: str) -> None:
        rng = self._rng
        head = self._new_person(dept.name, dept.name, f"Head of {dept.name}", 7, ceo_id,
                                self._draw_style(dept.styles))
        self.people.append(head)
        teams = dept.team_names()
        sizes = [dept.headcount // dept.teams + (1 if i < dept.headcount % dept.teams else 0)
                 for i in range(dept.teams)]
        for team, size in zip(teams, sizes, strict=True):
            shares = dept.team_styles.get(team, dept.styles)
            lead = self._new_person(dept.name, team, f"{dept.name} Team Lead", 6, head["person_id"],
                                    self._draw_style(shares))
            self.people.append(lead)
            for style in _quota(shares, size, rng):
                title = str(rng.choice(dept.job_titles))
                level = int(rng.integers(1, 5))
                person = self._new_person(dept.name, team, title, level, lead["person_id"], style)
                if dept.zendesk_agents:
                    person["is_support_agent"] = True
                self.people.append(person)
            if dept.zendesk_agents:
                for p in (lead, head):
                    p["zendesk_role"] = "admin"
        if dept.zendesk_agents:
            for p in self.people:
                if p["is_support_agent"]:
                    p["zendesk_role"] = "agent"

    def _assign_emails(self) -> None:
        domain = self.scenario.company.email_domain
        seen: dict[str, int] = {}
        for p in self.people:
            base = f"{p['given_name']}.{p['surname']}".lower()
            n = seen.get(base, 0) + 1
            seen[base] = n
            local = base if n == 1 else f"{base}{n}"
            p["email"] = f"{local}@{domain}"
            p["display_name"] = f"{p['given_name']} {p['surname']}"

    def _assign_leaver(self) -> None:
        # One Support agent without AI left before rollout: inactive in Zendesk, disabled in Graph.
        cands = [p for p in self.people if p["is_support_agent"] and p["style"] == "none"]
        if cands:
            leaver = cands[0]
            leaver["active"] = False
            leaver["left_on"] = self.start_date + timedelta(days=min(60, self.scenario.rollout_day - 1))

    def _assign_seats_and_logins(self) -> None:
        sc = self.scenario
        rng = self._rng
        shortcode = sc.company.emu_shortcode
        used_ids: set[int] = set()
        for p in self.people:
            style = sc.styles[p["style"]]
            if style.has_seat and p["active"]:
                p["has_seat"] = True
                late = p["department"] != sc.effects.support_department and rng.random() < sc.late_seat_share
                offset = int(rng.integers(7, 43)) if late else 0
                p["seat_assigned_on"] = min(self.rollout_date + timedelta(days=offset), self.end_date)
            if p["has_seat"] or p["department"] == "Engineering":
                uid = int(rng.integers(1_000_000, 250_000_000))
                while uid in used_ids:
                    uid += 1
                used_ids.add(uid)
                p["github_user_id"] = uid
                p["github_login"] = emu_login(p["email"], shortcode)
                p["github_login_follows_rule"] = True
        seat_holders = [p for p in self.people if p["has_seat"]]
        n_odd = min(len(seat_holders), max(1, round(0.05 * len(seat_holders))))
        taken = {p["github_login"] for p in self.people if p["github_login"]}
        for i in rng.choice(len(seat_holders), size=n_odd, replace=False):
            p = seat_holders[int(i)]
            login = f"{p['given_name'][0]}{p['surname']}-dev_{shortcode}".lower()
            n = 2
            while login in taken:
                login = f"{p['given_name'][0]}{p['surname']}{n}-dev_{shortcode}".lower()
                n += 1
            taken.add(login)
            p["github_login"] = login
            p["github_login_follows_rule"] = False

    # ------------------------------------------------------------------ Copilot activity
    def _build_activity(self) -> None:
        """activity[i, d]: 0 none, 1 user-initiated use, 2 passive suggestions only (per seat holder)."""
        sc = self.scenario
        rng = self._rng
        self._seat_holders = [p for p in self.people if p["has_seat"]]
        dates = [self.start_date + timedelta(days=d) for d in range(self.days)]
        weekday = np.array([d.weekday() < 5 for d in dates])
        self._workday = weekday
        n = len(self._seat_holders)
        act = np.zeros((n, self.days), dtype=np.int8)
        draws = rng.random((n, self.days))
        for i, p in enumerate(self._seat_holders):
            style = sc.styles[p["style"]]
            first = (p["seat_assigned_on"] - self.start_date).days
            prob = np.where(weekday, style.workday_active_share, style.weekend_active_share)
            on = (draws[i] < prob) & (np.arange(self.days) >= first)
            act[i, on] = 2 if style.passive_only else 1
            lang_pool = ENG_LANGUAGES if p["department"] == "Engineering" else OTHER_LANGUAGES
            p["_languages"] = [str(x) for x in rng.choice(lang_pool, size=2, replace=False)]
            if p["department"] == "Engineering":
                p["_ide"] = str(rng.choice(list(IDES), p=[0.6, 0.25, 0.1, 0.05]))
            else:
                p["_ide"] = "vscode"
            p["_chat_model"] = str(rng.choice(CHAT_MODELS))
        self._activity = act
        self._index_by_login = {p["github_login"]: i for i, p in enumerate(self._seat_holders)}

    def copilot_active_days(self) -> list[date]:
        """Days that have at least one users-1-day record."""
        cols = np.nonzero(self._activity.any(axis=0))[0]
        return [self.start_date + timedelta(days=int(c)) for c in cols]

    def copilot_user_day_records(self, day: date) -> list[Record]:
        """users-1-day NDJSON records for one UTC day (ai_usage_apis.md 1.2); [] outside the data."""
        return [dict(r) for r in self._copilot_day(day)]

    @lru_cache(maxsize=512)  # noqa: B019 - a Company lives as long as its server; caching is the point
    def _copilot_day(self, day: date) -> tuple[Record, ...]:
        idx = (day - self.start_date).days
        if idx < 0 or idx >= self.days:
            return ()
        # Per-day generator: a day's file does not depend on which other days were asked for.
        rng = np.random.default_rng([self.scenario.seed, 101, day.toordinal()])
        out = []
        for i in np.nonzero(self._activity[:, idx])[0]:
            out.append(self._copilot_record(self._seat_holders[int(i)], day, int(self._activity[i, idx]), rng))
        return tuple(out)

    def _copilot_record(self, p: Record, day: date, kind: int, rng: np.random.Generator) -> Record:
        sc = self.scenario
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
        rec["etl_id"] = "green" if day.toordinal() % 3 else "blue"
        rec["day_partition"] = day.isoformat()
        rec["entity_id_partition"] = int(sc.company.github_enterprise_id)
        return rec

    # ------------------------------------------------------------------ seats
    def _build_seats(self) -> list[Record]:
        rng = self._rng
        seats: list[tuple[int, Record]] = []
        novices = [i for i, p in enumerate(self._seat_holders) if p["style"] == "novice"]
        cancelling = set(int(i) for i in rng.choice(novices, size=min(4, len(novices)), replace=False))
        no_plan = set(int(i) for i in rng.choice(len(self._seat_holders), size=min(2, len(self._seat_holders)),
                                                  replace=False))
        eng_team = {"id": 7001, "name": "Copilot Engineering", "slug": "copilot-engineering"}
        for i, p in enumerate(self._seat_holders):
            offset = -6 if rng.random() < 0.3 else 0
            created = midnight(p["seat_assigned_on"]) + int(rng.integers(13 * 3600, 17 * 3600))
            active_cols = np.nonzero(self._activity[i])[0]
            if len(active_cols):
                last_day = self.start_date + timedelta(days=int(active_cols[-1]))
                last_act: int | None = midnight(last_day) + int(rng.integers(8 * 3600, 19 * 3600))
            else:
                last_act = None
            seat: Record = {
                "created_at": iso_offset(created, offset),
                "updated_at": iso_offset(created + int(rng.integers(0, 3600)), offset),
                "pending_cancellation_date": (
                    (self.end_date + timedelta(days=int(rng.integers(3, 25)))).isoformat()
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
        orphan_created = midnight(self.rollout_date) + 15 * 3600
        seats.append((orphan_created, {
            "created_at": iso_z(orphan_created), "updated_at": iso_z(orphan_created),
            "pending_cancellation_date": (self.end_date + timedelta(days=10)).isoformat(),
            "last_activity_at": None, "last_activity_editor": None, "last_authenticated_at": None,
            "plan_type": "business", "assignee": None, "assigning_team": None,
        }))
        seats.sort(key=lambda s: s[0])
        return [s for _, s in seats]

    def copilot_seats(self) -> list[Record]:
        """Seat objects as in ai_usage_apis.md 1.3, oldest first."""
        return self._seats

    # ------------------------------------------------------------------ Graph
    def graph_users(self, expand_manager: bool = False) -> list[Record]:
        """Microsoft Graph user objects with every property the sandbox knows; the server projects."""
        by_id = {p["person_id"]: p for p in self.people}
        out = []
        for p in self.people:
            u: Record = {
                "id": p["graph_id"], "businessPhones": [], "displayName": p["display_name"],
                "givenName": p["given_name"], "surname": p["surname"], "mail": p["email"],
                "userPrincipalName": p["email"], "jobTitle": p["job_title"], "department": p["department"],
                "employeeId": p["employee_id"], "accountEnabled": p["active"],
                "officeLocation": p["office_location"], "mobilePhone": None, "preferredLanguage": "en-US",
                # the team is kept as the cost centre, as many tenants do
                "employeeOrgData": {"division": None, "costCenter": p["team"]},
            }
            if expand_manager and p["manager_id"]:
                m = by_id[p["manager_id"]]
                u["manager"] = {"@odata.type": "#microsoft.graph.user", "id": m["graph_id"],
                                "displayName": m["display_name"], "mail": m["email"],
                                "userPrincipalName": m["email"], "jobTitle": m["job_title"]}
            out.append(u)
        return out

    def identity_overrides(self) -> list[Record]:
        """What an admin would list in the dbt seed: accounts the automatic rules cannot match.

        GitHub logins that break the EMU rule; personal Claude Code API keys (the CI key belongs to nobody);
        three in four Jira accounts that hide their email (the rest stay unresolved: a visible coverage gap).
        """
        from sandbox.records.anthropic import api_key_owners
        from sandbox.records.jira import jira_data

        rows = [{"source": "github", "source_user_id": p["github_login"], "email": p["email"]}
                for p in self.people if p["github_login_follows_rule"] is False]
        if "claude_code" in self.scenario.tools:
            rows += [{"source": "anthropic", "source_user_id": key, "email": email}
                     for key, email in sorted(api_key_owners(self).items()) if email]
        if any(d.name in ("Engineering", "Operations") for d in self.scenario.departments):
            data = jira_data(self)
            person_of = {account: pid for pid, account in data.account_of.items()}
            email_of = {p["person_id"]: p["email"] for p in self.people}
            hidden = [u["accountId"] for u in data.users
                      if u["accountType"] == "atlassian" and "emailAddress" not in u]
            rows += [{"source": "jira", "source_user_id": account, "email": email_of[person_of[account]]}
                     for i, account in enumerate(hidden) if i % 4 != 0]
        return rows

    # ------------------------------------------------------------------ Zendesk
    def _build_zendesk_users(self) -> list[Record]:
        rng = self._rng
        support = next(d for d in self.scenario.departments if d.zendesk_agents) \
            if any(d.zendesk_agents for d in self.scenario.departments) else None
        self._group_ids: dict[str, int] = {}
        if support:
            for i, team in enumerate(support.team_names()):
                self._group_ids[team] = 360_001_001 + i
        users: list[Record] = []
        next_id = 381_000_000_001
        base_created = midnight(self.start_date) - 400 * DAY
        zd_people = [p for p in self.people if p["zendesk_role"]]
        for p in zd_people:
            p["zendesk_user_id"] = next_id
            next_id += int(rng.integers(1_000, 90_000))
            tz, iana = ZENDESK_TZ[int(rng.integers(0, len(ZENDESK_TZ)))]
            created = base_created + int(rng.integers(0, 300 * DAY))
            updated = min(self.cutoff_ts - 3600, midnight(self.end_date) - int(rng.integers(0, 60 * DAY)))
            if p["left_on"]:
                updated = midnight(p["left_on"]) + 10 * 3600
            users.append({
                "id": p["zendesk_user_id"], "url": None, "name": p["display_name"], "email": p["email"],
                "role": p["zendesk_role"], "active": p["active"], "suspended": False,
                "default_group_id": self._group_ids.get(p["team"], next(iter(self._group_ids.values()), None)),
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
        sub = self.scenario.company.zendesk_subdomain
        for u in users:
            u["url"] = f"https://{sub}.zendesk.com/api/v2/users/{u['id']}.json"
        users.sort(key=lambda u: u["id"])
        return users

    def zendesk_users(self) -> list[Record]:
        """Agents and admins (kpi_apis.md 1C fields), ordered by id."""
        return self._zendesk_users

    def _build_tickets(self) -> list[Record]:
        sc = self.scenario
        ts = sc.tickets
        rng = self._rng
        agents = [p for p in self.people if p["is_support_agent"]]
        if not agents:
            return []
        n_agents = len(agents)
        day_idx = np.arange(self.days)
        active = np.ones((n_agents, self.days), dtype=bool)
        for a, p in enumerate(agents):
            if p["left_on"]:
                active[a, day_idx >= (p["left_on"] - self.start_date).days] = False
        lam = ts.per_agent_per_workday * self._workday[None, :] * active
        counts = rng.poisson(lam)
        agent_of, day_of = np.nonzero(counts)
        reps = counts[agent_of, day_of]
        agent_of = np.repeat(agent_of, reps)
        day_of = np.repeat(day_of, reps)
        n = len(agent_of)
        start_ts = midnight(self.start_date)
        created = start_ts + day_of * DAY + rng.integers(8 * 3600, 18 * 3600, size=n)
        order = np.argsort(created, kind="stable")
        agent_of, day_of, created = agent_of[order], day_of[order], created[order]

        speed = np.exp(rng.normal(0.0, ts.agent_speed_sigma, size=n_agents))
        adopter_agent = np.array([p["style"] in sc.effects.adopter_styles for p in agents])
        post = day_of >= sc.rollout_day
        factor = np.where(post, sc.effects.drift_factor, 1.0) * np.where(
            post & adopter_agent[agent_of], sc.effects.support_factor, 1.0)
        base_hours = np.exp(rng.normal(np.log(ts.resolution_median_hours), ts.resolution_sigma, size=n))
        full_min = np.maximum(5, np.round(base_hours * 60 * speed[agent_of] * factor)).astype(np.int64)
        reply_min = np.minimum(np.exp(rng.normal(np.log(45), 0.9, size=n)), full_min * 0.9)
        reply_min = np.maximum(1, np.round(reply_min)).astype(np.int64)
        solved = created + full_min * 60
        is_solved = solved < self.cutoff_ts
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
            replied = c + int(reply_min[k]) * 60 < self.cutoff_ts
            if deleted[k]:
                status = "deleted"
                updated = min(c + 2 * 3600 + int(jitter[k]) * 60, self.cutoff_ts - 120)
            elif is_solved[k]:
                if s + four_days <= self.cutoff_ts:
                    status, updated = "closed", s + four_days + int(jitter[k]) * 20
                else:
                    status, updated = "solved", s
                updated = min(updated, self.cutoff_ts - 120)
            else:
                status = "pending" if (replied and open_pending[k]) else "open"
                updated = min(c + int(reply_min[k]) * 60, self.cutoff_ts - 120) if replied else c
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
                "generated_timestamp": min(updated + int(jitter[k]), self.cutoff_ts - 61),
                "type": None if ttype is None else str(ttype), "subject": subject, "raw_subject": subject,
                "priority": None if prio is None else str(prio), "status": status, "recipient": None,
                "requester_id": int(requesters[k]), "submitter_id": int(requesters[k]),
                "assignee_id": a["zendesk_user_id"], "organization_id": None if org == 0 else 361_000_000 + org,
                "group_id": self._group_ids.get(a["team"]), "collaborator_ids": [], "follower_ids": [],
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
        if early:
            t = early[0]
            t["generated_timestamp"] = min(
                int(datetime.fromisoformat(t["updated_at"]).timestamp()) + 5 * 3600, self.cutoff_ts - 61)
            self.system_updated_ticket_id = t["id"]
        tickets.sort(key=lambda t: (t["generated_timestamp"], t["id"]))
        return tickets

    def zendesk_tickets(self) -> list[Record]:
        """Export-shaped tickets with an embedded metric_set, ordered by (generated_timestamp, id)."""
        return self._tickets

    # ------------------------------------------------------------------ truth
    def _build_truth(self) -> Record:
        sc = self.scenario
        eff = sc.effects
        support = [p for p in self.people if p["is_support_agent"]]
        style_counts = {s: sum(1 for p in support if p["style"] == s) for s in sc.styles}
        by_dept: dict[str, dict[str, int]] = {}
        for p in self.people:
            d = by_dept.setdefault(p["department"], dict.fromkeys(sc.styles, 0))
            d[p["style"]] += 1
        return {
            "scenario": sc.name, "seed": sc.seed,
            "start_date": self.start_date, "end_date": self.end_date, "rollout_date": self.rollout_date,
            "days": self.days,
            "support_department": eff.support_department,
            "adopter_styles": list(eff.adopter_styles),
            "support_effect_factor": eff.support_factor,
            "support_effect_pct": round((eff.support_factor - 1) * 100, 6),
            "drift_factor": eff.drift_factor,
            "drift_pct": round((eff.drift_factor - 1) * 100, 6),
            # post/pre ratio of median resolution time a correct analysis should recover.
            "expected_adopter_post_pre_ratio": eff.support_factor * eff.drift_factor,
            "expected_control_post_pre_ratio": eff.drift_factor,
            "support_agents": len(support),
            "support_style_counts": style_counts,
            "style_counts_by_department": by_dept,
            "style_by_email": {p["email"]: p["style"] for p in self.people},
            "seat_holders": sum(1 for p in self.people if p["has_seat"]),
            "seats_total": len(self._seats),
            "people": len(self.people),
            "tickets": len(self._tickets),
            "github_login_rule": "<mail local part, '.' -> '-'>_<emu shortcode>",
            "github_login_overrides": sum(1 for p in self.people if p["github_login_follows_rule"] is False),
            "inactive_agent_emails": [p["email"] for p in support if not p["active"]],
            "system_updated_ticket_id": getattr(self, "system_updated_ticket_id", None),
        }


def generate_company(scenario: Scenario) -> Company:
    """Build the company for a scenario (deterministic for seed + resolved end date)."""
    return Company(scenario)
