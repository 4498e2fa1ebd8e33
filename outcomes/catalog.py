"""The workflow catalog (`workflows.yml`): the workflows teams redesigned around AI, validated on load."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

KPIS = {"zendesk_resolution_hours": "lower"}
TOOLS = {"github_copilot"}
REQUIRED = ("workflow", "name", "team", "tools", "kpi", "direction", "redesigned_on")
DEFAULTS = {"baseline_days": 84, "cohort_days": 28, "post_days": 84, "min_items": 5, "target_pct": None}


class CatalogError(ValueError):
    pass


def load_catalog(path: str | Path, today: date | None = None) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"workflow catalog {path} does not exist")
    doc = yaml.safe_load(path.read_text()) or {}
    entries = doc.get("workflows")
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
        entry = {**DEFAULTS, **raw}
        key = entry["workflow"]
        if key in seen:
            raise CatalogError(f"{where}: workflow '{key}' is declared twice")
        seen.add(key)
        if entry["kpi"] not in KPIS:
            raise CatalogError(f"{where} ({key}): unknown kpi '{entry['kpi']}'; known: {sorted(KPIS)}")
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
            if not isinstance(entry[k], int) or entry[k] <= 0:
                raise CatalogError(f"{where} ({key}): {k} must be a positive integer")
        entry.update(tools=tools, redesigned_on=redesigned.isoformat())
        out.append(entry)
    return out


def write_catalog(path: str | Path, workflows: list[dict[str, Any]]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump({"workflows": workflows}, sort_keys=False))
