"""Candidate wins as workflow catalog entries: the win finder's top places, printed to paste into workflows.yml.

Reads `mart_win_candidates` from the published warehouse (read-only, like any BI tool). A place becomes one
entry: its team, KPI and task, the tools whose users were measurably faster there, and the tools' arrival
as `redesigned_on`, with the windows the finder used. Each entry carries its figures as a comment, the
words "candidate, not a verdict", and whether it holds after a Bonferroni correction over every place the
finder compared (many are tried at once): the catalog's own difference-in-differences decides once it is in.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import yaml

MART = "mart_win_candidates"
# the finder's post window (var win_post_days); the mart publishes the baseline and cohort windows as dates
POST_DAYS = 84
MIN_ITEMS = 3


class NoCandidates(RuntimeError):
    pass


def read_candidates(published_path: str | Path) -> list[dict[str, Any]]:
    """The ranked places' rows (every tool measurably faster there), best place first."""
    import duckdb

    path = Path(published_path)
    if not path.exists():
        raise NoCandidates(f"no published warehouse at {path}: run the pipeline (outcomes run) first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        if MART not in tables:
            raise NoCandidates(f"{path} has no {MART}: it was published before the win finder; run the pipeline again")
        cursor = con.execute(f"""
            select c.team, c.kpi, c.task, c.tool, c.direction, c.arrived_on, c.baseline_start, c.post_start,
                   c.users_n, c.colleagues_n, c.effect_pct, c.ci_low_pct, c.ci_high_pct, c.z_score,
                   c.places_compared, ranked.candidate_rank
            from {MART} as c
            inner join (select team, kpi, coalesce(task, '') as task_key, candidate_rank
                        from {MART} where candidate_rank is not null) as ranked
                on c.team = ranked.team and c.kpi = ranked.kpi and coalesce(c.task, '') = ranked.task_key
            where c.measurably_faster and not c.in_catalog
            order by ranked.candidate_rank, c.ci_high_pct, c.tool
        """)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def proposals(rows: list[dict[str, Any]], top: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(catalog entry, the place's best row) for the `top` best places."""
    places: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        places.setdefault(int(row["candidate_rank"]), []).append(row)
    out = []
    for rank in sorted(places)[:top]:
        tool_rows = places[rank]
        best = tool_rows[0]
        arrived = min(_day(r["arrived_on"]) for r in tool_rows)
        subject = best["task"] or best["kpi"]
        entry: dict[str, Any] = {
            "workflow": _slug(f"{best['team']} {subject}"),
            "name": f"{subject} ({best['team']})",
            "team": best["team"],
            "tools": sorted({r["tool"] for r in tool_rows}),
            "kpi": best["kpi"],
            "direction": best["direction"],
            "redesigned_on": arrived.isoformat(),
            "baseline_days": (arrived - _day(best["baseline_start"])).days,
            "cohort_days": (_day(best["post_start"]) - arrived).days,
            "post_days": POST_DAYS,
            "min_items": MIN_ITEMS,
        }
        if best["task"]:
            entry["task"] = best["task"]
        out.append((entry, best))
    return out


def format_proposals(rows: list[dict[str, Any]], top: int = 3) -> str:
    """YAML list entries in the catalog's format, indented to paste under `workflows:`, figures as comments."""
    chosen = proposals(rows, top)
    if not chosen:
        return ("# No candidate wins: no place outside the catalog where people using AI are measurably faster\n"
                "# than colleagues on the same work (or every such group is smaller than min_group_size).\n")
    lines = ["# Candidate wins (mart_win_candidates): candidates, not verdicts. Paste the entries a team adopts",
             "# under `workflows:` in workflows.yml and give each a target_pct; the catalog's own estimate decides."]
    for i, (entry, best) in enumerate(chosen, start=1):
        lines.append(f"  # {i}. {best['team']}, {best['kpi']}{' (' + best['task'] + ')' if best['task'] else ''}: "
                     f"{best['tool']} users {best['effect_pct']:+.1f}% against colleagues")
        lines.append(f"  #    (95% CI {best['ci_low_pct']:+.1f} .. {best['ci_high_pct']:+.1f}; "
                     f"{best['users_n']} users, {best['colleagues_n']} colleagues). Candidate, not a verdict.")
        lines.append(f"  #    {_after_correction(best)}")
        # flow style for the tools list, as workflows.yml writes it
        body = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=None)
        lines += ["  " + line for line in body.splitlines()]
    return "\n".join(lines) + "\n"


def bonferroni_z(places: int, alpha: float = 0.05) -> float:
    """The |z| a two-sided test must reach for a family-wise error of `alpha` over `places` comparisons."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(places, 1)))


def _after_correction(row: dict[str, Any]) -> str:
    """Whether the candidate would survive a Bonferroni correction over every place compared."""
    places, z = int(row["places_compared"]), abs(float(row["z_score"]))
    needed = bonferroni_z(places)
    if z >= needed:
        return f"Holds after a Bonferroni correction for the {places} places compared (|z| {z:.1f} >= {needed:.1f})."
    return (f"Does not hold after a Bonferroni correction for the {places} places compared (|z| {z:.1f} < "
            f"{needed:.1f}): it may be chance.")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
