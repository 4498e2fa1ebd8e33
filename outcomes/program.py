"""The AI program file (`program.yml`, beside `workflows.yml`): the outcome metrics each team chose, validated on load.

A rollout lead writes one entry per team (a directory department or team) with the two or three KPIs the
team will be judged by once the tools are in. The program mart (`mart_program`) sets them beside the
team's audit, candidate wins, catalog workflows and verdicts. The file is optional: without it no team has
chosen its metrics yet, which the mart shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from outcomes.catalog import KPIS

MAX_METRICS = 3


class ProgramError(ValueError):
    pass


class OutcomeMetric(BaseModel):
    """A KPI the team chose; `task` narrows it (required for harvest_task_hours, as in the catalog)."""

    model_config = ConfigDict(extra="forbid")

    kpi: str
    task: str | None = None

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, kpi: str) -> str:
        if kpi not in KPIS:
            raise ValueError(f"unknown kpi '{kpi}'; known: {sorted(KPIS)}")
        return kpi

    @model_validator(mode="after")
    def _task_where_the_kpi_needs_one(self) -> OutcomeMetric:
        if KPIS[self.kpi]["needs_task"] and not self.task:
            raise ValueError(f"kpi '{self.kpi}' needs `task`, the task name whose time entries are the work items")
        return self


class TeamProgram(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: str = Field(min_length=1)
    outcome_metrics: list[OutcomeMetric] = Field(min_length=1, max_length=MAX_METRICS)

    @field_validator("outcome_metrics", mode="before")
    @classmethod
    def _a_name_is_a_metric(cls, value: Any) -> Any:
        # `- zendesk_resolution_hours` is short for `- {kpi: zendesk_resolution_hours}`
        if isinstance(value, list):
            return [{"kpi": v} if isinstance(v, str) else v for v in value]
        return value


class Program(BaseModel):
    model_config = ConfigDict(extra="allow")  # room for top-level notes beside `teams:`

    teams: list[TeamProgram] = Field(min_length=1)


def parse_program(doc: Any, where: str) -> list[dict[str, Any]]:
    """Validate a program document (`{"teams": [...]}`); return its entries as plain dicts.

    Errors name the entry (`<where>: teams[<i>] (<team>)`), the field and what is allowed.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("teams"), list) or not doc["teams"]:
        raise ProgramError(f"{where}: expected a non-empty 'teams:' list (one entry per team: team, outcome_metrics)")
    try:
        program = Program.model_validate(doc)
    except ValidationError as exc:
        raise ProgramError(_describe(exc, doc["teams"], where)) from None
    seen: set[str] = set()
    for i, entry in enumerate(program.teams):
        if entry.team in seen:
            raise ProgramError(f"{where}: teams[{i}]: team '{entry.team}' is declared twice")
        seen.add(entry.team)
    return [entry.model_dump(mode="json") for entry in program.teams]


def load_program(path: str | Path) -> list[dict[str, Any]]:
    """The program's entries; none when the file does not exist (no team has chosen its metrics yet)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ProgramError(f"{path}: not valid YAML: {exc}") from None
    return parse_program(doc, str(path))


def _describe(exc: ValidationError, entries: list[Any], where: str) -> str:
    """One line per problem, in the file's words: `<where>: teams[i] (<team>): <field>: <what>`."""
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        if len(loc) < 2 or loc[0] != "teams" or not isinstance(loc[1], int):
            lines.append(f"{where}: {'.'.join(map(str, loc))}: {error['msg']}")
            continue
        i = loc[1]
        raw = entries[i] if i < len(entries) else None
        name = raw.get("team", "?") if isinstance(raw, dict) else "?"
        field = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in loc[2:]).replace(".[", "[")
        kind = error["type"]
        if kind == "model_type":
            what = "must be a mapping with team and outcome_metrics"
        elif kind == "missing":
            what = "is missing"
        elif kind == "extra_forbidden":
            what = "unknown key; allowed: team, outcome_metrics (each: kpi, task)"
        elif kind == "too_long":
            what = f"a team chooses at most {MAX_METRICS} outcome metrics, got {len(error.get('input') or [])}"
        elif kind == "too_short":
            what = "must not be empty: name the KPIs the team will be judged by"
        elif kind == "value_error":
            what = str(error["ctx"]["error"])
        else:
            what = f"{error['msg'].lower()}, got {error.get('input')!r}"
        lines.append(f"{where}: teams[{i}] ({name}): {field or 'entry'}: {what}")
    return "\n".join(lines)


def check_program_teams(entries: list[dict[str, Any]], directory_groups: Iterable[str], source: str) -> None:
    """Every entry's `team` must name a department or team that has people in the directory."""
    groups = {g for g in directory_groups if g}
    for entry in entries:
        if entry["team"] not in groups:
            raise ProgramError(f"program team '{entry['team']}' has no people in the directory ({source}); "
                               f"known departments and teams: {sorted(groups)}")
