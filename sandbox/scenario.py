"""Scenario files: the knobs of the synthetic company, validated with precise error messages."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario file is missing, unparsable or inconsistent; the message lists every problem."""


@dataclass(frozen=True)
class CompanySettings:
    name: str
    email_domain: str
    tenant_id: str
    github_org: str
    github_enterprise_id: str
    github_organization_id: str
    emu_shortcode: str
    zendesk_subdomain: str


@dataclass(frozen=True)
class StyleSpec:
    name: str
    has_seat: bool
    passive_only: bool
    workday_active_share: float
    weekend_active_share: float
    interactions_mean: float


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    headcount: int
    teams: int
    job_titles: tuple[str, ...]
    styles: dict[str, float]
    team_styles: dict[str, dict[str, float]] = field(default_factory=dict)
    zendesk_agents: bool = False
    cli_day_share: float = 0.0

    def team_names(self) -> list[str]:
        return [f"{self.name} {chr(ord('A') + i)}" for i in range(self.teams)]


@dataclass(frozen=True)
class EffectSpec:
    support_department: str
    adopter_styles: tuple[str, ...]
    support_factor: float
    drift_factor: float


@dataclass(frozen=True)
class TicketSpec:
    per_agent_per_workday: float
    agent_speed_sigma: float
    resolution_median_hours: float
    resolution_sigma: float
    deleted_share: float
    reopened_share: float


@dataclass(frozen=True)
class VendorSettings:
    zendesk_per_page: int = 1000
    zendesk_incremental_requests_per_minute: int = 10
    github_seats_per_page: int = 50
    github_report_lines_per_file: int = 150
    github_report_link_ttl_seconds: int = 3600
    msgraph_users_page_size: int = 100


@dataclass(frozen=True)
class ToolSpec:
    """An AI tool other than GitHub Copilot: who gets a licence (per department/team style shares)."""
    name: str
    departments: dict[str, dict[str, float]]
    team_styles: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class KpiEffectSpec:
    """A planted outcome effect in a KPI source: adopters' work changes by `factor` after the redesign.

    Adopters are the people of the population who actually used any of `tools` on >= 2 days in the
    `cohort_days` after the redesign (rollout_date + redesign_offset_days): the effect follows use, as the
    workflow catalog's frozen cohort assumes. `drift` applies to everyone.
    """
    key: str
    source: str
    tools: tuple[str, ...]
    factor: float
    department: str | None = None
    team: str | None = None
    task: str | None = None
    redesign_offset_days: int = 0
    cohort_days: int = 28


TOOL_NAMES = ("github_copilot", "m365_copilot", "openai", "claude_code")
KPI_EFFECT_SOURCES = ("github", "jira", "harvest")


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    company: CompanySettings
    days: int
    end_date: date | None
    rollout_day: int
    late_seat_share: float
    styles: dict[str, StyleSpec]
    departments: tuple[DepartmentSpec, ...]
    effects: EffectSpec
    tickets: TicketSpec
    vendors: VendorSettings
    tools: dict[str, ToolSpec] = field(default_factory=dict)
    kpi_effects: tuple[KpiEffectSpec, ...] = ()
    # Per-source generator and simulator knobs, validated by the source's own sandbox module.
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def resolved_end_date(self) -> date:
        # None means "yesterday in UTC" so a fresh checkout always has data up to the last full day.
        if self.end_date is not None:
            return self.end_date
        return datetime.now(UTC).date() - timedelta(days=1)

    @property
    def start_date(self) -> date:
        return self.resolved_end_date - timedelta(days=self.days - 1)

    @property
    def rollout_date(self) -> date:
        return self.start_date + timedelta(days=self.rollout_day)

    def replace(self, **changes: Any) -> Scenario:
        return dataclasses.replace(self, **changes)


class _Reader:
    """Walks the parsed YAML, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, msg: str) -> None:
        self.errors.append(f"{self.source}: {where}: {msg}")

    def mapping(self, data: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.error(where, f"expected a mapping, got {type(data).__name__}")
            return {}
        for key in sorted(set(data) - allowed):
            self.error(where, f"unknown key {key!r}; expected one of {sorted(allowed)}")
        for key in sorted(required - set(data)):
            self.error(where, f"missing required key {key!r}")
        return data

    def get(self, data: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...],
            default: Any = None, minimum: float | None = None, maximum: float | None = None) -> Any:
        if key not in data:
            return default
        value = data[key]
        path = f"{where}.{key}" if where else key
        # bool is an int subclass; a YAML `yes` must not pass as a count.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.error(path, f"expected {_kind_name(kind)}, got a boolean")
            return default
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind):
            self.error(path, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
            return default
        if minimum is not None and value < minimum:
            self.error(path, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            self.error(path, f"must be <= {maximum}, got {value}")
        return value

    def shares(self, data: Any, where: str, styles: set[str]) -> dict[str, float]:
        if not isinstance(data, dict) or not data:
            self.error(where, "expected a non-empty mapping of style -> share")
            return {}
        out: dict[str, float] = {}
        for style, share in data.items():
            if style not in styles:
                self.error(where, f"unknown style {style!r}; defined styles are {sorted(styles)}")
                continue
            if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
                self.error(f"{where}.{style}", f"share must be a number >= 0, got {share!r}")
                continue
            out[style] = float(share)
        total = sum(out.values())
        if out and abs(total - 1.0) > 1e-6:
            self.error(where, f"shares sum to {total:.4g}, expected 1.0")
        return out


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def resolve_path(path_or_name: str | Path) -> Path:
    candidate = Path(path_or_name)
    if candidate.suffix in {".yml", ".yaml"} or candidate.exists():
        return candidate
    return SCENARIO_DIR / f"{path_or_name}.yml"


def load_scenario(path_or_name: str | Path = "default") -> Scenario:
    """Load `sandbox/scenarios/<name>.yml` (or a path) and validate it; raises ScenarioError."""
    path = resolve_path(path_or_name)
    if not path.exists():
        available = sorted(p.stem for p in SCENARIO_DIR.glob("*.yml"))
        raise ScenarioError(f"scenario file {path} not found; available scenarios: {available}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    return parse_scenario(data, name=path.stem, source=str(path))


def parse_scenario(data: Any, name: str = "inline", source: str = "<scenario>") -> Scenario:
    r = _Reader(source)
    top = r.mapping(
        data, "top level",
        {"seed", "company", "days", "end_date", "rollout_day", "late_seat_share", "styles", "departments",
         "effects", "tickets", "vendors", "tools", "kpi_effects", "sources"},
        {"seed", "company", "days", "rollout_day", "styles", "departments", "effects", "tickets"},
    )
    seed = r.get(top, "seed", "", int, 0, minimum=0)
    days = r.get(top, "days", "", int, 180, minimum=14)
    rollout_day = r.get(top, "rollout_day", "", int, 0, minimum=1)
    if isinstance(days, int) and isinstance(rollout_day, int) and rollout_day >= days:
        r.error("rollout_day", f"must be inside the window (< days={days}), got {rollout_day}")
    late_seat_share = r.get(top, "late_seat_share", "", float, 0.0, minimum=0.0, maximum=1.0)

    end_date = _parse_end_date(r, top.get("end_date"))
    company = _parse_company(r, top.get("company", {}))
    styles = _parse_styles(r, top.get("styles", {}))
    departments = _parse_departments(r, top.get("departments", []), set(styles))
    effects = _parse_effects(r, top.get("effects", {}), set(styles), {d.name for d in departments})
    tickets = _parse_tickets(r, top.get("tickets", {}))
    vendors = _parse_vendors(r, top.get("vendors", {}))
    dept_names = {d.name for d in departments}
    team_names = {t for d in departments for t in d.team_names()}
    tools = _parse_tools(r, top.get("tools", {}), set(styles), dept_names, team_names)
    kpi_effects = _parse_kpi_effects(r, top.get("kpi_effects", []), dept_names, team_names)
    sources = top.get("sources", {}) or {}
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        r.error("sources", "expected a mapping of source name -> settings mapping")
        sources = {}

    if r.errors:
        raise ScenarioError("invalid scenario:\n  " + "\n  ".join(r.errors))
    return Scenario(
        name=name, seed=seed, company=company, days=days, end_date=end_date, rollout_day=rollout_day,
        late_seat_share=late_seat_share, styles=styles, departments=tuple(departments), effects=effects,
        tickets=tickets, vendors=vendors, tools=tools, kpi_effects=tuple(kpi_effects), sources=dict(sources),
    )


def _parse_end_date(r: _Reader, raw: Any) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        r.error("end_date", "expected a date (YYYY-MM-DD), got a timestamp")
        return None
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    r.error("end_date", f"expected null or YYYY-MM-DD, got {raw!r}")
    return None


def _parse_company(r: _Reader, raw: Any) -> CompanySettings:
    where = "company"
    c = r.mapping(raw, where, {"name", "email_domain", "microsoft", "github", "emu", "zendesk"},
                  {"name", "email_domain", "microsoft", "github", "emu", "zendesk"})
    ms = r.mapping(c.get("microsoft", {}), f"{where}.microsoft", {"tenant_id"}, {"tenant_id"})
    gh = r.mapping(c.get("github", {}), f"{where}.github", {"org", "enterprise_id", "organization_id"},
                   {"org"})
    emu = r.mapping(c.get("emu", {}), f"{where}.emu", {"shortcode"}, {"shortcode"})
    zd = r.mapping(c.get("zendesk", {}), f"{where}.zendesk", {"subdomain"}, {"subdomain"})
    return CompanySettings(
        name=r.get(c, "name", where, str, "Acme"),
        email_domain=r.get(c, "email_domain", where, str, "acme.example"),
        tenant_id=str(r.get(ms, "tenant_id", f"{where}.microsoft", str, "")),
        github_org=r.get(gh, "org", f"{where}.github", str, "acme"),
        github_enterprise_id=str(r.get(gh, "enterprise_id", f"{where}.github", (str, int), "1")),
        github_organization_id=str(r.get(gh, "organization_id", f"{where}.github", (str, int), "1")),
        emu_shortcode=r.get(emu, "shortcode", f"{where}.emu", str, "acme"),
        zendesk_subdomain=r.get(zd, "subdomain", f"{where}.zendesk", str, "acme"),
    )


def _parse_styles(r: _Reader, raw: Any) -> dict[str, StyleSpec]:
    keys = {"has_seat", "passive_only", "workday_active_share", "weekend_active_share", "interactions_mean"}
    if not isinstance(raw, dict) or not raw:
        r.error("styles", "expected a non-empty mapping of style name -> settings")
        return {}
    out: dict[str, StyleSpec] = {}
    for name, spec in raw.items():
        where = f"styles.{name}"
        s = r.mapping(spec, where, keys, {"has_seat", "workday_active_share"})
        style = StyleSpec(
            name=str(name),
            has_seat=r.get(s, "has_seat", where, bool, False),
            passive_only=r.get(s, "passive_only", where, bool, False),
            workday_active_share=r.get(s, "workday_active_share", where, float, 0.0, 0.0, 1.0),
            weekend_active_share=r.get(s, "weekend_active_share", where, float, 0.0, 0.0, 1.0),
            interactions_mean=r.get(s, "interactions_mean", where, float, 0.0, minimum=0.0),
        )
        if not style.has_seat and style.workday_active_share > 0:
            r.error(where, "a style without a seat cannot have Copilot activity (workday_active_share > 0)")
        if style.has_seat and not style.passive_only and style.workday_active_share > 0 \
                and style.interactions_mean <= 0:
            r.error(where, "interactions_mean must be > 0 for an active, non-passive style")
        out[str(name)] = style
    return out


def _parse_departments(r: _Reader, raw: Any, styles: set[str]) -> list[DepartmentSpec]:
    if not isinstance(raw, list) or not raw:
        r.error("departments", "expected a non-empty list")
        return []
    keys = {"name", "headcount", "teams", "job_titles", "styles", "team_styles", "zendesk_agents",
            "cli_day_share"}
    out: list[DepartmentSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"departments[{i}]"
        d = r.mapping(item, where, keys, {"name", "headcount", "teams", "job_titles", "styles"})
        name = r.get(d, "name", where, str, f"Department {i}")
        if name in seen:
            r.error(f"{where}.name", f"duplicate department {name!r}")
        seen.add(name)
        headcount = r.get(d, "headcount", where, int, 1, minimum=1)
        teams = r.get(d, "teams", where, int, 1, minimum=1)
        if isinstance(headcount, int) and isinstance(teams, int) and teams > headcount:
            r.error(where, f"{teams} teams for {headcount} people; every team needs at least one member")
        titles = d.get("job_titles", [])
        if not isinstance(titles, list) or not titles or not all(isinstance(t, str) for t in titles):
            r.error(f"{where}.job_titles", "expected a non-empty list of strings")
            titles = ["Employee"]
        spec = DepartmentSpec(
            name=name, headcount=headcount, teams=teams, job_titles=tuple(titles),
            styles=r.shares(d.get("styles"), f"{where}.styles", styles),
            zendesk_agents=r.get(d, "zendesk_agents", where, bool, False),
            cli_day_share=r.get(d, "cli_day_share", where, float, 0.0, 0.0, 1.0),
        )
        team_styles_raw = d.get("team_styles", {}) or {}
        if not isinstance(team_styles_raw, dict):
            r.error(f"{where}.team_styles", "expected a mapping of team name -> style shares")
            team_styles_raw = {}
        valid_teams = spec.team_names()
        for team, shares in team_styles_raw.items():
            if team not in valid_teams:
                r.error(f"{where}.team_styles", f"unknown team {team!r}; teams are {valid_teams}")
                continue
            spec.team_styles[team] = r.shares(shares, f"{where}.team_styles.{team}", styles)
        out.append(spec)
    return out


def _parse_effects(r: _Reader, raw: Any, styles: set[str], departments: set[str]) -> EffectSpec:
    e = r.mapping(raw, "effects", {"support_resolution", "drift"}, {"support_resolution", "drift"})
    sr = r.mapping(e.get("support_resolution", {}), "effects.support_resolution",
                   {"department", "styles", "factor"}, {"department", "styles", "factor"})
    dr = r.mapping(e.get("drift", {}), "effects.drift", {"factor"}, {"factor"})
    dept = r.get(sr, "department", "effects.support_resolution", str, "Support")
    if dept not in departments:
        r.error("effects.support_resolution.department", f"{dept!r} is not a department")
    adopters = sr.get("styles", [])
    if not isinstance(adopters, list) or not adopters:
        r.error("effects.support_resolution.styles", "expected a non-empty list of style names")
        adopters = []
    for s in adopters:
        if s not in styles:
            r.error("effects.support_resolution.styles", f"unknown style {s!r}")
    return EffectSpec(
        support_department=dept,
        adopter_styles=tuple(adopters),
        support_factor=r.get(sr, "factor", "effects.support_resolution", float, 1.0, 0.1, 10.0),
        drift_factor=r.get(dr, "factor", "effects.drift", float, 1.0, 0.1, 10.0),
    )


def _parse_tickets(r: _Reader, raw: Any) -> TicketSpec:
    keys = {"per_agent_per_workday", "agent_speed_sigma", "resolution_median_hours", "resolution_sigma",
            "deleted_share", "reopened_share"}
    t = r.mapping(raw, "tickets", keys, keys)
    return TicketSpec(
        per_agent_per_workday=r.get(t, "per_agent_per_workday", "tickets", float, 1.0, 0.0, 100.0),
        agent_speed_sigma=r.get(t, "agent_speed_sigma", "tickets", float, 0.0, 0.0, 3.0),
        resolution_median_hours=r.get(t, "resolution_median_hours", "tickets", float, 1.0, 0.1),
        resolution_sigma=r.get(t, "resolution_sigma", "tickets", float, 0.5, 0.0, 3.0),
        deleted_share=r.get(t, "deleted_share", "tickets", float, 0.0, 0.0, 0.5),
        reopened_share=r.get(t, "reopened_share", "tickets", float, 0.0, 0.0, 0.9),
    )


def _parse_vendors(r: _Reader, raw: Any) -> VendorSettings:
    v = r.mapping(raw or {}, "vendors", {"zendesk", "github", "msgraph"}, set())
    zd = r.mapping(v.get("zendesk", {}) or {}, "vendors.zendesk",
                   {"per_page", "incremental_requests_per_minute"}, set())
    gh = r.mapping(v.get("github", {}) or {}, "vendors.github",
                   {"seats_per_page", "report_lines_per_file", "report_link_ttl_seconds"}, set())
    ms = r.mapping(v.get("msgraph", {}) or {}, "vendors.msgraph", {"users_page_size"}, set())
    d = VendorSettings()
    return VendorSettings(
        zendesk_per_page=r.get(zd, "per_page", "vendors.zendesk", int, d.zendesk_per_page, 1, 1000),
        zendesk_incremental_requests_per_minute=r.get(
            zd, "incremental_requests_per_minute", "vendors.zendesk", int,
            d.zendesk_incremental_requests_per_minute, 1),
        github_seats_per_page=r.get(gh, "seats_per_page", "vendors.github", int, d.github_seats_per_page,
                                    1, 100),
        github_report_lines_per_file=r.get(gh, "report_lines_per_file", "vendors.github", int,
                                           d.github_report_lines_per_file, 1),
        github_report_link_ttl_seconds=r.get(gh, "report_link_ttl_seconds", "vendors.github", int,
                                             d.github_report_link_ttl_seconds, 1),
        msgraph_users_page_size=r.get(ms, "users_page_size", "vendors.msgraph", int,
                                      d.msgraph_users_page_size, 1, 999),
    )


def _parse_tools(r: _Reader, raw: Any, styles: set[str], departments: set[str],
                 teams: set[str]) -> dict[str, ToolSpec]:
    t = r.mapping(raw or {}, "tools", set(TOOL_NAMES) - {"github_copilot"}, set())
    out: dict[str, ToolSpec] = {}
    for name, spec_raw in t.items():
        where = f"tools.{name}"
        spec = r.mapping(spec_raw, where, {"departments", "team_styles"}, {"departments"})
        depts: dict[str, dict[str, float]] = {}
        for dept, shares in (spec.get("departments") or {}).items():
            if dept not in departments:
                r.error(f"{where}.departments", f"unknown department {dept!r}")
                continue
            depts[dept] = r.shares(shares, f"{where}.departments.{dept}", styles)
        team_styles: dict[str, dict[str, float]] = {}
        for team, shares in (spec.get("team_styles") or {}).items():
            if team not in teams:
                r.error(f"{where}.team_styles", f"unknown team {team!r}")
                continue
            team_styles[team] = r.shares(shares, f"{where}.team_styles.{team}", styles)
        out[name] = ToolSpec(name=name, departments=depts, team_styles=team_styles)
    return out


def _parse_kpi_effects(r: _Reader, raw: Any, departments: set[str], teams: set[str]) -> list[KpiEffectSpec]:
    if not isinstance(raw, list):
        r.error("kpi_effects", "expected a list")
        return []
    keys = {"key", "source", "tools", "factor", "department", "team", "task", "redesign_offset_days", "cohort_days"}
    out: list[KpiEffectSpec] = []
    for i, item in enumerate(raw):
        where = f"kpi_effects[{i}]"
        e = r.mapping(item, where, keys, {"key", "source", "tools", "factor"})
        source = r.get(e, "source", where, str, "github")
        if source not in KPI_EFFECT_SOURCES:
            r.error(f"{where}.source", f"unknown source {source!r}; known: {list(KPI_EFFECT_SOURCES)}")
        tools = e.get("tools") or []
        if not isinstance(tools, list) or not tools or any(t not in TOOL_NAMES for t in tools):
            r.error(f"{where}.tools", f"expected a non-empty list of {list(TOOL_NAMES)}, got {tools!r}")
            tools = []
        department, team = e.get("department"), e.get("team")
        if (department is None) == (team is None):
            r.error(where, "give exactly one of department or team as the population")
        if department is not None and department not in departments:
            r.error(f"{where}.department", f"unknown department {department!r}")
        if team is not None and team not in teams:
            r.error(f"{where}.team", f"unknown team {team!r}")
        if source == "harvest" and not e.get("task"):
            r.error(f"{where}.task", "a harvest effect needs the task whose time entries change")
        out.append(KpiEffectSpec(
            key=r.get(e, "key", where, str, f"effect_{i}"), source=source, tools=tuple(tools),
            factor=r.get(e, "factor", where, float, 1.0, 0.01, 10.0),
            department=department, team=team, task=e.get("task"),
            redesign_offset_days=r.get(e, "redesign_offset_days", where, int, 0, 0),
            cohort_days=r.get(e, "cohort_days", where, int, 28, 1),
        ))
    return out
