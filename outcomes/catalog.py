"""The workflow catalog (`workflows.yml`): the workflows teams redesigned around AI, validated on load.

Each entry names a population (`team`: a directory department or team), the AI tools whose use makes a
person an adopter, a KPI over work items, its direction, the redesign date, the windows and a target.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

# KPI name -> (source it is computed from, work item, whether `task` is required)
KPIS: dict[str, dict[str, Any]] = {
    "zendesk_resolution_hours": {"source": "zendesk", "item": "solved ticket", "needs_task": False},
    "jira_cycle_time_hours": {"source": "jira", "item": "issue (in progress -> done)", "needs_task": False},
    "github_pr_merge_hours": {"source": "github", "item": "merged pull request", "needs_task": False},
    "harvest_task_hours": {"source": "harvest", "item": "time entry of one task", "needs_task": True},
}
TOOLS = {"github_copilot", "m365_copilot", "openai", "claude_code"}
REQUIRED = ("workflow", "name", "team", "tools", "kpi", "direction", "redesigned_on")
OPTIONAL = {"baseline_days": 84, "cohort_days": 28, "post_days": 84, "min_items": 5, "target_pct": None,
            "task": None}


class CatalogError(ValueError):
    pass


def load_catalog(path: str | Path, today: date | None = None) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"workflow catalog {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    entries = doc.get("workflows") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: expected a non-empty 'workflows:' list")
    today = today or datetime.now(UTC).date()
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(entries):
        where = f"{path}: workflows[{i}]"
        if not isinstance(raw, dict):
            raise CatalogError(f"{where} must be a mapping")
        missing = [k for k in REQUIRED if raw.get(k) in (None, "", [])]
        if missing:
            raise CatalogError(f"{where} ({raw.get('workflow', '?')}) lacks {missing}")
        unknown_keys = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
        if unknown_keys:
            raise CatalogError(f"{where} ({raw['workflow']}): unknown keys {unknown_keys}; "
                               f"allowed: {[*REQUIRED, *OPTIONAL]}")
        entry = {**OPTIONAL, **raw}
        key = entry["workflow"]
        if key in seen:
            raise CatalogError(f"{where}: workflow '{key}' is declared twice")
        seen.add(key)
        kpi = KPIS.get(entry["kpi"])
        if kpi is None:
            raise CatalogError(f"{where} ({key}): unknown kpi '{entry['kpi']}'; known: {sorted(KPIS)}")
        if kpi["needs_task"] and not entry["task"]:
            raise CatalogError(f"{where} ({key}): kpi '{entry['kpi']}' needs `task`, the task name whose "
                               "time entries are the work items")
        if entry["direction"] not in ("lower", "higher"):
            raise CatalogError(f"{where} ({key}): direction must be 'lower' or 'higher'")
        tools = entry["tools"] if isinstance(entry["tools"], list) else [entry["tools"]]
        unknown = sorted(set(tools) - TOOLS)
        if unknown:
            raise CatalogError(f"{where} ({key}): unknown tools {unknown}; known: {sorted(TOOLS)}")
        try:
            redesigned = date.fromisoformat(str(entry["redesigned_on"]))
        except ValueError:
            raise CatalogError(f"{where} ({key}): redesigned_on '{entry['redesigned_on']}' is not YYYY-MM-DD") from None
        if redesigned > today:
            raise CatalogError(f"{where} ({key}): redesigned_on {redesigned} is in the future")
        for k in ("baseline_days", "cohort_days", "post_days", "min_items"):
            if isinstance(entry[k], bool) or not isinstance(entry[k], int) or entry[k] <= 0:
                raise CatalogError(f"{where} ({key}): {k} must be a positive integer, got {entry[k]!r}")
        target = entry["target_pct"]
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
            raise CatalogError(f"{where} ({key}): target_pct must be a number (percent change), got {target!r}")
        entry.update(tools=tools, redesigned_on=redesigned.isoformat())
        out.append(entry)
    return out


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
