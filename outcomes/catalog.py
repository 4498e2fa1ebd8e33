"""The workflow catalog (`workflows.yml`): the workflows teams redesigned around AI, validated on load.

Each entry names a population (`team`: a directory department or team), the AI tools whose use makes a
person an adopter, a KPI over work items, its direction, the redesign date, the windows and a target.
This module is the catalog's one way into the build: dbt gets the validated entries, every option filled,
through --vars (dbt_project.yml keeps no catalog of its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from connectors import AI_TOOLS

# KPI name -> (source it is computed from, work item, whether `task` is required)
KPIS: dict[str, dict[str, Any]] = {
    "zendesk_resolution_hours": {"source": "zendesk", "item": "solved ticket", "needs_task": False},
    "jira_cycle_time_hours": {"source": "jira", "item": "issue (in progress -> done)", "needs_task": False},
    "github_pr_merge_hours": {"source": "github", "item": "merged pull request", "needs_task": False},
    "harvest_task_hours": {"source": "harvest", "item": "time entry of one task", "needs_task": True},
}
TOOLS = set(AI_TOOLS)

Days = StrictInt


class CatalogError(ValueError):
    pass


class Workflow(BaseModel):
    """One catalog entry. Field order is the order dbt and `write_catalog` see."""

    model_config = ConfigDict(extra="forbid")

    workflow: str = Field(min_length=1)
    name: str = Field(min_length=1)
    team: str = Field(min_length=1)
    tools: list[str] = Field(min_length=1)
    kpi: str = Field(min_length=1)
    direction: Literal["lower", "higher"]
    redesigned_on: date
    baseline_days: Days = Field(default=84, gt=0)
    cohort_days: Days = Field(default=28, gt=0)
    post_days: Days = Field(default=84, gt=0)
    min_items: Days = Field(default=5, gt=0)
    target_pct: StrictInt | StrictFloat | None = None
    task: str | None = None

    @field_validator("tools", mode="before")
    @classmethod
    def _one_tool_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, tools: list[str]) -> list[str]:
        unknown = sorted(set(tools) - TOOLS)
        if unknown:
            raise ValueError(f"unknown tools {unknown}; known: {sorted(TOOLS)}")
        return tools

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, kpi: str) -> str:
        if kpi not in KPIS:
            raise ValueError(f"unknown kpi '{kpi}'; known: {sorted(KPIS)}")
        return kpi

    @field_validator("redesigned_on", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"redesigned_on '{value}' is not YYYY-MM-DD") from None

    @field_validator("redesigned_on")
    @classmethod
    def _not_in_the_future(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today") or datetime.now(UTC).date()
        if value > today:
            raise ValueError(f"redesigned_on {value} is in the future")
        return value

    @model_validator(mode="after")
    def _task_where_the_kpi_needs_one(self) -> Workflow:
        if KPIS[self.kpi]["needs_task"] and not self.task:
            raise ValueError(f"kpi '{self.kpi}' needs `task`, the task name whose time entries are the work items")
        return self


REQUIRED = tuple(name for name, field in Workflow.model_fields.items() if field.is_required())
OPTIONAL = {name: field.default for name, field in Workflow.model_fields.items() if not field.is_required()}


class Catalog(BaseModel):
    model_config = ConfigDict(extra="allow")  # room for top-level notes beside `workflows:`

    workflows: list[Workflow] = Field(min_length=1)


def parse_catalog(doc: Any, where: str, today: date | None = None) -> list[dict[str, Any]]:
    """Validate a catalog document (`{"workflows": [...]}`) and return its entries with every option filled.

    Errors name the entry (`<where>: workflows[<i>] (<workflow>)`), the field and what is allowed.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("workflows"), list) or not doc["workflows"]:
        raise CatalogError(f"{where}: expected a non-empty 'workflows:' list")
    context = {"today": today or datetime.now(UTC).date()}
    try:
        catalog = Catalog.model_validate(doc, context=context)
    except ValidationError as exc:
        raise CatalogError(_describe(exc, doc["workflows"], where)) from None
    seen: set[str] = set()
    for i, entry in enumerate(catalog.workflows):
        if entry.workflow in seen:
            raise CatalogError(f"{where}: workflows[{i}]: workflow '{entry.workflow}' is declared twice")
        seen.add(entry.workflow)
    return [entry.model_dump(mode="json") for entry in catalog.workflows]


def load_catalog(path: str | Path, today: date | None = None) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"workflow catalog {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    return parse_catalog(doc, str(path), today)


def _describe(exc: ValidationError, entries: list[Any], where: str) -> str:
    """One line per catalog entry at fault, in the catalog's words rather than pydantic's."""
    problems: dict[int, list[str]] = {}
    missing: dict[int, list[str]] = {}
    unknown: dict[int, list[str]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if len(loc) < 2 or loc[0] != "workflows" or not isinstance(loc[1], int):
            problems.setdefault(-1, []).append(f"{'.'.join(map(str, loc))}: {error['msg']}")
            continue
        i, field = loc[1], (str(loc[2]) if len(loc) > 2 else None)
        kind, value = error["type"], error.get("input")
        if kind == "model_type":
            problems.setdefault(i, []).append("must be a mapping")
        elif kind == "missing" or (field in REQUIRED and value in (None, "", [])):
            missing.setdefault(i, []).append(field)
        elif kind == "extra_forbidden":
            unknown.setdefault(i, []).append(field)
        elif kind == "value_error":
            problems.setdefault(i, []).append(str(error["ctx"]["error"]))
        elif field == "direction":
            problems.setdefault(i, []).append(f"direction must be 'lower' or 'higher', got {value!r}")
        elif field in ("baseline_days", "cohort_days", "post_days", "min_items"):
            problems.setdefault(i, []).append(f"{field} must be a positive integer, got {value!r}")
        elif field == "target_pct":
            problems.setdefault(i, []).append(f"target_pct must be a number (percent change), got {value!r}")
        else:
            problems.setdefault(i, []).append(f"{field}: {error['msg'].lower()}, got {value!r}")
    for i, fields in missing.items():
        problems.setdefault(i, []).insert(0, f"lacks {sorted(set(fields), key=list(Workflow.model_fields).index)}")
    for i, fields in unknown.items():
        problems.setdefault(i, []).append(f"unknown keys {sorted(fields)}; allowed: {list(Workflow.model_fields)}")
    lines = []
    for i in sorted(problems):
        if i < 0:
            lines.append(f"{where}: {'; '.join(problems[i])}")
            continue
        raw = entries[i] if i < len(entries) else None
        name = raw.get("workflow", "?") if isinstance(raw, dict) else "?"
        lines.append(f"{where}: workflows[{i}] ({name}): {'; '.join(problems[i])}")
    return "\n".join(lines)


def check_teams(workflows: list[dict[str, Any]], directory_groups: Iterable[str], source: str) -> None:
    """Every workflow's `team` must name a department or team that has people in the directory."""
    groups = {g for g in directory_groups if g}
    for w in workflows:
        if w["team"] not in groups:
            raise CatalogError(
                f"workflow '{w['workflow']}': team '{w['team']}' has no people in the directory ({source}); "
                f"known departments and teams: {sorted(groups)}"
            )


def write_catalog(path: str | Path, workflows: list[dict[str, Any]]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump({"workflows": workflows}, sort_keys=False))
