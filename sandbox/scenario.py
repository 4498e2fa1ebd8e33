"""Scenario files: the knobs of the synthetic company, validated with precise error messages.

The YAML is validated by pydantic models of the file (`_ScenarioFile`), every problem reported at once as
`<file>: <where>: <what>`, then converted to the frozen dataclasses the generator reads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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
        return _team_names(self.name, self.teams)


@dataclass(frozen=True)
class EffectSpec:
    """The Support effect and the drift. Drift is what happens to everyone's work from the rollout on: one
    factor by default, replaced per KPI source (`drift_by_kpi`) and multiplied per team (`drift_by_team`),
    because a company's support times and merge times do not drift together."""
    support_department: str
    adopter_styles: tuple[str, ...]
    support_factor: float
    drift_factor: float
    drift_by_kpi: dict[str, float] = field(default_factory=dict)
    drift_by_team: dict[str, float] = field(default_factory=dict)

    def drift_for(self, source: str, team: str | None = None) -> float:
        """Drift of work from KPI source `source` (zendesk, github, jira, harvest) done by `team`."""
        return self.drift_by_kpi.get(source, self.drift_factor) * self.drift_by_team.get(team or "", 1.0)


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
    # a diverging pre-trend: before the redesign the adopters' KPI moves this many percent a week against
    # the control's (reaching the planted level at the redesign); 0 = parallel pre-trends
    pretrend_pct_per_week: float = 0.0
    # false: a win the teams have not written into their workflow catalog (the sandbox's catalog leaves it
    # out), for the win finder to recover
    in_catalog: bool = True


TOOL_NAMES = ("github_copilot", "m365_copilot", "openai", "claude_code")
# Sources whose generator plants a `kpi_effects` entry (Jira issues drift but carry no adopter effect).
KPI_EFFECT_SOURCES = ("github", "harvest")
KPI_SOURCES = ("zendesk", "github", "jira", "harvest")


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


# ------------------------------------------------------------------------------------- the file's schema
# Pydantic models of the YAML file, converted to the dataclasses above once valid. Cross-references (style,
# department and team names) are checked against the names the file declares, passed in the validation
# context, so one run reports every problem of the file.

def _int_as_str(value: Any) -> Any:
    """GitHub ids may be written as numbers or strings in YAML."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _end_date(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        raise PydanticCustomError("scenario", "expected a date (YYYY-MM-DD), got a timestamp")
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise PydanticCustomError("scenario", f"expected null or YYYY-MM-DD, got {raw!r}")


def _team_names(department: str, teams: int) -> list[str]:
    return [f"{department} {chr(ord('A') + i)}" for i in range(teams)]


Share = Annotated[float, Field(ge=0)]


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        # `vendors:` or `team_styles:` with nothing under them read as their defaults
        if isinstance(data, dict):
            return {k: v for k, v in data.items()
                    if not (v is None and k in cls.model_fields and not cls.model_fields[k].is_required()
                            and cls.model_fields[k].default is not None)}
        return data


def _declared(info: ValidationInfo, kind: str) -> set[str] | None:
    return (info.context or {}).get(kind)


def _only_declared(value: dict[str, Any], info: ValidationInfo, kind: str, noun: str) -> dict[str, Any]:
    """`value`'s keys must be names the file declares as `kind` (teams, departments)."""
    declared = _declared(info, kind)
    unknown = [k for k in value if declared is not None and k not in declared]
    if unknown:
        raise PydanticCustomError("scenario", f"unknown {noun} {unknown[0]!r}")
    return value


def _check_shares(shares: dict[str, float], info: ValidationInfo) -> dict[str, float]:
    problems = []
    styles = _declared(info, "styles")
    if styles is not None:
        problems += [f"unknown style {s!r}; defined styles are {sorted(styles)}" for s in shares if s not in styles]
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        problems.append(f"shares sum to {total:.4g}, expected 1.0")
    if problems:
        raise PydanticCustomError("scenario", "; ".join(problems))
    return shares


StyleShares = Annotated[dict[str, Share], Field(min_length=1), AfterValidator(_check_shares)]


class _MicrosoftFile(_FileModel):
    tenant_id: str


class _GithubFile(_FileModel):
    org: str
    enterprise_id: Annotated[str, BeforeValidator(_int_as_str)] = "1"
    organization_id: Annotated[str, BeforeValidator(_int_as_str)] = "1"


class _EmuFile(_FileModel):
    shortcode: str


class _ZendeskAccountFile(_FileModel):
    subdomain: str


class _CompanyFile(_FileModel):
    name: str
    email_domain: str
    microsoft: _MicrosoftFile
    github: _GithubFile
    emu: _EmuFile
    zendesk: _ZendeskAccountFile


class _StyleFile(_FileModel):
    has_seat: bool
    passive_only: bool = False
    workday_active_share: float = Field(ge=0.0, le=1.0)
    weekend_active_share: float = Field(0.0, ge=0.0, le=1.0)
    interactions_mean: float = Field(0.0, ge=0.0)

    @model_validator(mode="after")
    def _consistent(self) -> _StyleFile:
        if not self.has_seat and self.workday_active_share > 0:
            raise PydanticCustomError(
                "scenario", "a style without a seat cannot have Copilot activity (workday_active_share > 0)")
        if self.has_seat and not self.passive_only and self.workday_active_share > 0 and self.interactions_mean <= 0:
            raise PydanticCustomError("scenario", "interactions_mean must be > 0 for an active, non-passive style")
        return self


class _DepartmentFile(_FileModel):
    name: str
    headcount: int = Field(ge=1)
    teams: int = Field(ge=1)
    job_titles: list[str] = Field(min_length=1)
    styles: StyleShares
    team_styles: dict[str, StyleShares] = Field(default_factory=dict)
    zendesk_agents: bool = False
    cli_day_share: float = Field(0.0, ge=0.0, le=1.0)

    @field_validator("team_styles")
    @classmethod
    def _known_teams(cls, value: dict[str, dict[str, float]], info: ValidationInfo) -> dict[str, dict[str, float]]:
        if "name" in info.data and "teams" in info.data:
            valid = _team_names(info.data["name"], info.data["teams"])
            unknown = [t for t in value if t not in valid]
            if unknown:
                raise PydanticCustomError("scenario", f"unknown team {unknown[0]!r}; teams are {valid}")
        return value

    @model_validator(mode="after")
    def _teams_fit(self) -> _DepartmentFile:
        if self.teams > self.headcount:
            raise PydanticCustomError(
                "scenario", f"{self.teams} teams for {self.headcount} people; every team needs at least one member")
        return self


class _SupportEffectFile(_FileModel):
    department: str
    styles: list[str] = Field(min_length=1)
    factor: float = Field(ge=0.1, le=10.0)

    @field_validator("department")
    @classmethod
    def _known_department(cls, value: str, info: ValidationInfo) -> str:
        departments = _declared(info, "departments")
        if departments is not None and value not in departments:
            raise PydanticCustomError("scenario", f"{value!r} is not a department")
        return value

    @field_validator("styles")
    @classmethod
    def _known_styles(cls, value: list[str], info: ValidationInfo) -> list[str]:
        styles = _declared(info, "styles")
        unknown = [s for s in value if styles is not None and s not in styles]
        if unknown:
            raise PydanticCustomError("scenario", "; ".join(f"unknown style {s!r}" for s in unknown))
        return value


DriftFactor = Annotated[float, Field(ge=0.1, le=10.0)]


class _DriftFile(_FileModel):
    factor: DriftFactor
    # per KPI source: replaces `factor` for that source's work items
    kpis: dict[str, DriftFactor] = Field(default_factory=dict)
    # per team: multiplies the KPI's drift for that team's work items
    teams: dict[str, DriftFactor] = Field(default_factory=dict)

    @field_validator("kpis")
    @classmethod
    def _known_kpi_sources(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(KPI_SOURCES))
        if unknown:
            raise PydanticCustomError("scenario", f"unknown KPI source {unknown[0]!r}; known: {list(KPI_SOURCES)}")
        return value

    @field_validator("teams")
    @classmethod
    def _known_teams(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        return _only_declared(value, info, "teams", "team")


class _EffectsFile(_FileModel):
    support_resolution: _SupportEffectFile
    drift: _DriftFile


class _TicketsFile(_FileModel):
    per_agent_per_workday: float = Field(ge=0.0, le=100.0)
    agent_speed_sigma: float = Field(ge=0.0, le=3.0)
    resolution_median_hours: float = Field(ge=0.1)
    resolution_sigma: float = Field(ge=0.0, le=3.0)
    deleted_share: float = Field(ge=0.0, le=0.5)
    reopened_share: float = Field(ge=0.0, le=0.9)


_VENDOR_DEFAULTS = VendorSettings()


class _ZendeskVendorFile(_FileModel):
    per_page: int = Field(_VENDOR_DEFAULTS.zendesk_per_page, ge=1, le=1000)
    incremental_requests_per_minute: int = Field(_VENDOR_DEFAULTS.zendesk_incremental_requests_per_minute, ge=1)


class _GithubVendorFile(_FileModel):
    seats_per_page: int = Field(_VENDOR_DEFAULTS.github_seats_per_page, ge=1, le=100)
    report_lines_per_file: int = Field(_VENDOR_DEFAULTS.github_report_lines_per_file, ge=1)
    report_link_ttl_seconds: int = Field(_VENDOR_DEFAULTS.github_report_link_ttl_seconds, ge=1)


class _MsgraphVendorFile(_FileModel):
    users_page_size: int = Field(_VENDOR_DEFAULTS.msgraph_users_page_size, ge=1, le=999)


class _VendorsFile(_FileModel):
    zendesk: _ZendeskVendorFile = Field(default_factory=_ZendeskVendorFile)
    github: _GithubVendorFile = Field(default_factory=_GithubVendorFile)
    msgraph: _MsgraphVendorFile = Field(default_factory=_MsgraphVendorFile)


class _ToolFile(_FileModel):
    departments: dict[str, StyleShares]
    team_styles: dict[str, StyleShares] = Field(default_factory=dict)

    @field_validator("departments")
    @classmethod
    def _known_departments(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _only_declared(value, info, "departments", "department")

    @field_validator("team_styles")
    @classmethod
    def _known_teams(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _only_declared(value, info, "teams", "team")


class _KpiEffectFile(_FileModel):
    key: str
    source: str
    tools: list[str] = Field(min_length=1)
    factor: float = Field(ge=0.01, le=10.0)
    department: str | None = None
    team: str | None = None
    task: str | None = None
    redesign_offset_days: int = Field(0, ge=0)
    cohort_days: int = Field(28, ge=1)
    pretrend_pct_per_week: float = Field(0.0, ge=-5.0, le=5.0)
    in_catalog: bool = True

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value == "jira":
            # refused rather than accepted and silently not planted
            raise PydanticCustomError(
                "scenario", "the sandbox's Jira generator plants no adopter effect (only drift); "
                f"a kpi effect's source must be one of {list(KPI_EFFECT_SOURCES)}")
        if value not in KPI_EFFECT_SOURCES:
            raise PydanticCustomError("scenario", f"unknown source {value!r}; known: {list(KPI_EFFECT_SOURCES)}")
        return value

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: list[str]) -> list[str]:
        if any(t not in TOOL_NAMES for t in value):
            raise PydanticCustomError("scenario", f"expected a non-empty list of {list(TOOL_NAMES)}, got {value!r}")
        return value

    @field_validator("department")
    @classmethod
    def _known_department(cls, value: str | None, info: ValidationInfo) -> str | None:
        departments = _declared(info, "departments")
        if value is not None and departments is not None and value not in departments:
            raise PydanticCustomError("scenario", f"unknown department {value!r}")
        return value

    @field_validator("team")
    @classmethod
    def _known_team(cls, value: str | None, info: ValidationInfo) -> str | None:
        teams = _declared(info, "teams")
        if value is not None and teams is not None and value not in teams:
            raise PydanticCustomError("scenario", f"unknown team {value!r}")
        return value

    @model_validator(mode="after")
    def _one_population(self) -> _KpiEffectFile:
        if (self.department is None) == (self.team is None):
            raise PydanticCustomError("scenario", "give exactly one of department or team as the population")
        if self.source == "harvest" and not self.task:
            raise PydanticCustomError("scenario", "task: a harvest effect needs the task whose time entries change")
        return self


class _ScenarioFile(_FileModel):
    seed: int = Field(ge=0)
    company: _CompanyFile
    days: int = Field(180, ge=14)
    end_date: Annotated[date | None, BeforeValidator(_end_date)] = None
    rollout_day: int = Field(ge=1)
    late_seat_share: float = Field(0.0, ge=0.0, le=1.0)
    styles: dict[str, _StyleFile] = Field(min_length=1)
    departments: list[_DepartmentFile] = Field(min_length=1)
    effects: _EffectsFile
    tickets: _TicketsFile
    vendors: _VendorsFile = Field(default_factory=_VendorsFile)
    tools: dict[str, _ToolFile] = Field(default_factory=dict)
    kpi_effects: list[_KpiEffectFile] = Field(default_factory=list)
    # Per-source generator and simulator knobs, validated by the source's own sandbox module.
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("rollout_day")
    @classmethod
    def _inside_window(cls, value: int, info: ValidationInfo) -> int:
        days = info.data.get("days")
        if days is not None and value >= days:
            raise PydanticCustomError("scenario", f"must be inside the window (< days={days}), got {value}")
        return value

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: dict[str, _ToolFile]) -> dict[str, _ToolFile]:
        allowed = [t for t in TOOL_NAMES if t != "github_copilot"]
        unknown = [t for t in value if t not in allowed]
        if unknown:
            raise PydanticCustomError("scenario", f"unknown key {unknown[0]!r}; expected one of {sorted(allowed)}")
        return value

    @field_validator("departments")
    @classmethod
    def _unique_names(cls, value: list[_DepartmentFile]) -> list[_DepartmentFile]:
        seen: set[str] = set()
        for d in value:
            if d.name in seen:
                raise PydanticCustomError("scenario", f"duplicate department {d.name!r}")
            seen.add(d.name)
        return value

    def to_scenario(self, name: str) -> Scenario:
        c, e, v = self.company, self.effects, self.vendors
        return Scenario(
            name=name, seed=self.seed,
            company=CompanySettings(
                name=c.name, email_domain=c.email_domain, tenant_id=c.microsoft.tenant_id, github_org=c.github.org,
                github_enterprise_id=c.github.enterprise_id, github_organization_id=c.github.organization_id,
                emu_shortcode=c.emu.shortcode, zendesk_subdomain=c.zendesk.subdomain),
            days=self.days, end_date=self.end_date, rollout_day=self.rollout_day,
            late_seat_share=self.late_seat_share,
            styles={n: StyleSpec(name=n, **s.model_dump()) for n, s in self.styles.items()},
            departments=tuple(DepartmentSpec(
                name=d.name, headcount=d.headcount, teams=d.teams, job_titles=tuple(d.job_titles), styles=d.styles,
                team_styles=d.team_styles, zendesk_agents=d.zendesk_agents, cli_day_share=d.cli_day_share)
                for d in self.departments),
            effects=EffectSpec(support_department=e.support_resolution.department,
                               adopter_styles=tuple(e.support_resolution.styles),
                               support_factor=e.support_resolution.factor, drift_factor=e.drift.factor,
                               drift_by_kpi=dict(e.drift.kpis), drift_by_team=dict(e.drift.teams)),
            tickets=TicketSpec(**self.tickets.model_dump()),
            vendors=VendorSettings(
                zendesk_per_page=v.zendesk.per_page,
                zendesk_incremental_requests_per_minute=v.zendesk.incremental_requests_per_minute,
                github_seats_per_page=v.github.seats_per_page,
                github_report_lines_per_file=v.github.report_lines_per_file,
                github_report_link_ttl_seconds=v.github.report_link_ttl_seconds,
                msgraph_users_page_size=v.msgraph.users_page_size),
            tools={n: ToolSpec(name=n, departments=t.departments, team_styles=t.team_styles)
                   for n, t in self.tools.items()},
            kpi_effects=tuple(KpiEffectSpec(
                key=k.key, source=k.source, tools=tuple(k.tools), factor=k.factor, department=k.department,
                team=k.team, task=k.task, redesign_offset_days=k.redesign_offset_days, cohort_days=k.cohort_days,
                pretrend_pct_per_week=k.pretrend_pct_per_week, in_catalog=k.in_catalog)
                for k in self.kpi_effects),
            sources=dict(self.sources),
        )


def _declared_names(data: Any) -> dict[str, set[str]]:
    """Style, department and team names the file declares, read leniently: the models report what is malformed."""
    styles = set(data.get("styles") or {}) if isinstance(data.get("styles"), dict) else set()
    departments: set[str] = set()
    teams: set[str] = set()
    for d in data.get("departments") or [] if isinstance(data.get("departments"), list) else []:
        if isinstance(d, dict) and isinstance(d.get("name"), str):
            departments.add(d["name"])
            if isinstance(d.get("teams"), int) and not isinstance(d.get("teams"), bool):
                teams.update(_team_names(d["name"], d["teams"]))
    return {"styles": {str(s) for s in styles}, "departments": departments, "teams": teams}


_KIND = {"int_type": "int", "int_parsing": "int", "int_from_float": "int", "float_type": "float",
         "float_parsing": "float", "string_type": "str", "bool_type": "bool", "bool_parsing": "bool"}


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def _message(error: Any) -> tuple[tuple[int | str, ...], str]:
    """(location, message) in the file's terms for one pydantic error."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return loc[:-1], f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        return loc[:-1], f"unknown key {loc[-1]!r}; expected one of {_allowed_keys(loc[:-1])}"
    if kind in _KIND:
        got = "a boolean" if isinstance(value, bool) else f"{type(value).__name__} {value!r}"
        return loc, f"expected {_KIND[kind]}, got {got}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return loc, f"must be {'>=' if kind == 'greater_than_equal' else '<='} {bound}, got {value}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return loc, f"expected a mapping, got {type(value).__name__}"
    if kind == "list_type":
        return loc, f"expected a list, got {type(value).__name__}"
    if kind == "too_short":
        return loc, "must not be empty"
    return loc, str(error["msg"])


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model at `loc` of the file accepts."""
    model: Any = _ScenarioFile
    for part in loc:
        if model is None:
            return []
        if isinstance(part, str) and part in model.model_fields:  # else a list index or a mapping's key
            model = _model_of(model.model_fields[part].annotation)
    return sorted(model.model_fields) if model is not None else []


def _model_of(annotation: Any) -> Any:
    """The model inside `X`, `X | None`, `list[X]` or `dict[str, X]`."""
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


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
    """Validate parsed YAML; raises ScenarioError listing every problem as `<source>: <where>: <what>`."""
    names = _declared_names(data) if isinstance(data, dict) else {}
    try:
        model = _ScenarioFile.model_validate(data, context=names)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc, message = _message(error)
            problems.append(f"{source}: {_where(loc)}: {message}")
        raise ScenarioError("invalid scenario:\n  " + "\n  ".join(problems)) from None
    return model.to_scenario(name)
