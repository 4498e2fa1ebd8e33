"""The synthetic company every simulated source reads: people, teams, AI-tool styles and activity.

The directory (names, emails, managers, GitHub logins, Copilot seat dates), each person's adoption style
per AI tool, the per-day activity that tool records follow, and the planted KPI effects' populations live
here. The vendor records themselves are built from a Company by `sandbox.records.<source>`; this module
imports none of them. Same scenario + same end_date gives identical output.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np

from sandbox.names import FIRST_NAMES, LAST_NAMES, OFFICE_LOCATIONS
from sandbox.scenario import DepartmentSpec, KpiEffectSpec, Scenario

Record = dict[str, Any]

# Per-person Copilot habits drawn with the activity: the languages, editor and chat model of their records.
ENG_LANGUAGES = ("python", "typescript", "go", "java", "sql", "yaml", "markdown")
OTHER_LANGUAGES = ("markdown", "plaintext", "python", "sql")
CHAT_MODELS = ("claude-sonnet-4.5", "gpt-5-mini", "gpt-4.1", "gemini-2.5-pro")
IDE_NAMES = ("vscode", "intellij", "visualstudio", "neovim")
DAY = 86_400


def iso_z(ts: float) -> str:
    """UTC ISO-8601 with Z (isoformat is several times faster than strftime; same text for years 1000-9999)."""
    return datetime.fromtimestamp(int(ts), UTC).isoformat()[:19] + "Z"


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
        self._assign_tool_styles()
        self.truth = self._build_truth()
        self.truth.update(self._tools_truth())

    # ------------------------------------------------------------------ per-source randomness
    def rng_for(self, name: str) -> np.random.Generator:
        """An independent, deterministic generator per source: adding a source never changes another's data."""
        return np.random.default_rng([self.scenario.seed, zlib.crc32(name.encode())])

    @property
    def core_rng(self) -> np.random.Generator:
        """The generator of the first three sources, shared in a fixed order for reproducible data.

        The directory and the Copilot activity draw from it here; then `records.github_copilot` draws the
        seats and `records.zendesk` the users and tickets, in that order (zendesk builds the seats first).
        Sources added later use `rng_for` instead.
        """
        return self._rng

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
            return self.seat_holders, self.activity
        cache = self.__dict__.setdefault("_tool_activity_cache", {})
        if tool not in cache:
            holders = self.tool_holders(tool)
            rng = self.rng_for(f"activity:{tool}")
            first = (self.rollout_date - self.start_date).days
            act = np.zeros((len(holders), self.days), dtype=np.int8)
            draws = rng.random((len(holders), self.days))
            for i, p in enumerate(holders):
                style = self.scenario.styles[self.tool_style(p, tool)]
                prob = np.where(self.workday, style.workday_active_share, style.weekend_active_share)
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
        effects = {}
        for e in sc.kpi_effects:
            pop = self.effect_population(e)
            adopters = [p for p in pop if self.is_effect_adopter(p, e)]
            # the adopters' own drift (their KPI's, times their team's): the effect on them, relative
            drift = (float(np.mean([sc.effects.drift_for(e.source, p["team"]) for p in adopters])) if adopters
                     else sc.effects.drift_for(e.source))
            effects[e.key] = {
                "source": e.source, "task": e.task, "department": e.department, "team": e.team,
                "tools": list(e.tools), "factor": e.factor, "cohort_days": e.cohort_days,
                "redesigned_on": self.effect_redesign_date(e), "in_catalog": e.in_catalog,
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
            "zendesk_role": None, "is_support_agent": False,
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
        """activity[i, d] of seat_holders[i]: 0 none, 1 user-initiated use, 2 passive suggestions only."""
        sc = self.scenario
        rng = self._rng
        self.seat_holders = [p for p in self.people if p["has_seat"]]
        dates = [self.start_date + timedelta(days=d) for d in range(self.days)]
        weekday = np.array([d.weekday() < 5 for d in dates])
        self.workday = weekday
        n = len(self.seat_holders)
        act = np.zeros((n, self.days), dtype=np.int8)
        draws = rng.random((n, self.days))
        for i, p in enumerate(self.seat_holders):
            style = sc.styles[p["style"]]
            first = (p["seat_assigned_on"] - self.start_date).days
            prob = np.where(weekday, style.workday_active_share, style.weekend_active_share)
            on = (draws[i] < prob) & (np.arange(self.days) >= first)
            act[i, on] = 2 if style.passive_only else 1
            lang_pool = ENG_LANGUAGES if p["department"] == "Engineering" else OTHER_LANGUAGES
            p["_languages"] = [str(x) for x in rng.choice(lang_pool, size=2, replace=False)]
            if p["department"] == "Engineering":
                p["_ide"] = str(rng.choice(list(IDE_NAMES), p=[0.6, 0.25, 0.1, 0.05]))
            else:
                p["_ide"] = "vscode"
            p["_chat_model"] = str(rng.choice(CHAT_MODELS))
        self.activity = act

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
            # per KPI source (team factors aside): what the control group of that source's workflows drifts by
            "drift_by_kpi": {s: eff.drift_for(s) for s in ("zendesk", "github", "jira", "harvest")},
            "drift_by_team": dict(eff.drift_by_team),
            # post/pre ratio of median resolution time a correct analysis should recover.
            "expected_adopter_post_pre_ratio": eff.support_factor * eff.drift_for("zendesk"),
            "expected_control_post_pre_ratio": eff.drift_for("zendesk"),
            "support_agents": len(support),
            "support_style_counts": style_counts,
            "style_counts_by_department": by_dept,
            "style_by_email": {p["email"]: p["style"] for p in self.people},
            "seat_holders": sum(1 for p in self.people if p["has_seat"]),
            "people": len(self.people),
            "github_login_rule": "<mail local part, '.' -> '-'>_<emu shortcode>",
            "github_login_overrides": sum(1 for p in self.people if p["github_login_follows_rule"] is False),
            "inactive_agent_emails": [p["email"] for p in support if not p["active"]],
        }


def generate_company(scenario: Scenario) -> Company:
    """Build the company for a scenario (deterministic for seed + resolved end date)."""
    return Company(scenario)
