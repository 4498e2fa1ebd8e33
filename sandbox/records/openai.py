"""OpenAI organization users, completions usage and costs for the company.

Usage comes from `tool_activity('openai')`: every user-initiated day of a holder makes model requests in
the project of their department; passive-only holders have an account and no requests. A small service
job (an API key not owned by a person) also runs on workdays, so some usage has `user_id: null`.
Costs are the same token counts priced with PRICES, so they reconcile with usage by construction.

The finest grain is a "usage row" per (day, user_id, project_id, api_key_id, model); usage_results and
cost_results group it by whatever `group_by` a request asks for.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from sandbox.company import Company, Record, midnight

TOOL = "openai"
# USD per 1M tokens: (input, cached input, output).
PRICES = {
    "gpt-4.1-2025-04-14": (2.00, 0.50, 8.00),
    "gpt-4o-2024-08-06": (2.50, 1.25, 10.00),
    "gpt-4o-mini-2024-07-18": (0.15, 0.075, 0.60),
    "o3-mini-2025-01-31": (1.10, 0.55, 4.40),
}
MODELS = tuple(PRICES)
PROJECT_NAMES = {"Finance": "Finance Analytics", "Engineering": "Engineering Platform",
                 "Marketing": "Marketing Content"}
DEFAULT_PROJECT = "Default project"
USAGE_GROUP_BY = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
COST_GROUP_BY = ("project_id", "line_item")


@dataclass(frozen=True)
class UsageRow:
    day: date
    user_id: str | None
    project_id: str
    api_key_id: str
    model: str
    input_tokens: int
    input_cached_tokens: int
    output_tokens: int
    num_model_requests: int


def _ident(rng: np.random.Generator, prefix: str, n: int = 24) -> str:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    return prefix + "".join(rng.choice(alphabet, size=n))


@lru_cache(maxsize=4)
def projects(company: Company) -> dict[str, str]:
    """Project name -> project id (`proj_…`)."""
    rng = company.rng_for(f"{TOOL}:projects")
    return {name: _ident(rng, "proj_") for name in (*PROJECT_NAMES.values(), DEFAULT_PROJECT)}


@lru_cache(maxsize=4)
def users(company: Company) -> list[Record]:
    """GET /v1/organization/users objects, in the order the list endpoint returns them (added_at, id)."""
    holders, _ = company.tool_activity(TOOL)
    rng = company.rng_for(f"{TOOL}:users")
    start = midnight(company.rollout_date)
    out = []
    for i, p in enumerate(holders):
        added = start + int(rng.integers(8 * 3600, 4 * 86_400))
        out.append({
            "object": "organization.user",
            "id": _ident(rng, "user-"),
            "name": p["display_name"],
            "email": p["email"],
            "role": "owner" if i < 2 else "reader",
            "added_at": added,
        })
    out.sort(key=lambda u: (u["added_at"], u["id"]))
    return out


@lru_cache(maxsize=4)
def _user_ids(company: Company) -> dict[str, str]:
    return {u["email"]: u["id"] for u in users(company)}


@lru_cache(maxsize=4)
def usage_rows(company: Company) -> dict[date, tuple[UsageRow, ...]]:
    """Every day of the window -> its usage rows (empty before the rollout)."""
    holders, act = company.tool_activity(TOOL)
    rng = company.rng_for(f"{TOOL}:usage")
    project_ids = projects(company)
    ids = _user_ids(company)
    styles = company.scenario.styles
    habits = []
    for p in holders:
        favourite = MODELS[int(rng.integers(0, len(MODELS)))]
        second = MODELS[int(rng.integers(0, len(MODELS)))]
        project = project_ids[PROJECT_NAMES.get(p["department"], DEFAULT_PROJECT)]
        habits.append((favourite, second, project, _ident(rng, "key_", 16)))
    service_key = _ident(rng, "key_", 16)
    by_day: dict[date, list[UsageRow]] = {company.start_date + timedelta(days=d): [] for d in range(company.days)}
    for d in range(company.days):
        day = company.start_date + timedelta(days=d)
        for i in np.nonzero(act[:, d] == 1)[0]:
            p = holders[int(i)]
            favourite, second, project, key = habits[int(i)]
            requests = 1 + int(rng.poisson(styles[company.tool_style(p, TOOL)].interactions_mean * 0.8))
            split = {favourite: requests}
            if second != favourite and requests > 1 and rng.random() < 0.3:
                moved = int(rng.integers(1, requests))
                split = {favourite: requests - moved, second: moved}
            for model, n in split.items():
                by_day[day].append(_row(rng, day, ids[p["email"]], project, key, model, n))
        if day >= company.rollout_date and day.weekday() < 5:
            # a nightly classification job on a service key: usage no person owns
            n = 150 + int(rng.poisson(50))
            by_day[day].append(_row(rng, day, None, project_ids[PROJECT_NAMES["Engineering"]], service_key,
                                    "gpt-4o-mini-2024-07-18", n))
    return {day: tuple(rows) for day, rows in by_day.items()}


def _row(rng: np.random.Generator, day: date, user_id: str | None, project: str, key: str, model: str,
         requests: int) -> UsageRow:
    input_tokens = int(requests * rng.integers(500, 6000))
    cached = int(input_tokens * rng.uniform(0.0, 0.6))  # input_tokens includes the cached ones
    output_tokens = int(requests * rng.integers(100, 1500))
    return UsageRow(day, user_id, project, key, model, input_tokens, cached, output_tokens, requests)


def row_cost_usd(row: UsageRow) -> tuple[float, float]:
    """(input line cost, output line cost) in dollars; cached input tokens are billed at the cached price."""
    price_in, price_cached, price_out = PRICES[row.model]
    uncached = row.input_tokens - row.input_cached_tokens
    return ((uncached * price_in + row.input_cached_tokens * price_cached) / 1e6,
            row.output_tokens * price_out / 1e6)


def _group_values(r: UsageRow) -> dict[str, object]:
    return {"project_id": r.project_id, "user_id": r.user_id, "api_key_id": r.api_key_id, "model": r.model,
            "batch": False, "service_tier": "default"}


def _sort_key(values: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in values)


@lru_cache(maxsize=2048)
def usage_results(company: Company, day: date, group_by: tuple[str, ...]) -> tuple[Record, ...]:
    """`organization.usage.completions.result` objects of one daily bucket; fields not grouped on are null."""
    groups: dict[tuple, list[UsageRow]] = {}
    for r in usage_rows(company).get(day, ()):
        values = _group_values(r)
        groups.setdefault(tuple(values[g] for g in group_by), []).append(r)
    out = []
    for key in sorted(groups, key=_sort_key):
        rows = groups[key]
        group = dict(zip(group_by, key, strict=True))
        out.append({
            "object": "organization.usage.completions.result",
            "input_tokens": sum(r.input_tokens for r in rows),
            "output_tokens": sum(r.output_tokens for r in rows),
            "input_cached_tokens": sum(r.input_cached_tokens for r in rows),
            "input_audio_tokens": 0,
            "output_audio_tokens": 0,
            "num_model_requests": sum(r.num_model_requests for r in rows),
            **{g: group.get(g) for g in ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")},
        })
    return tuple(out)


@lru_cache(maxsize=2048)
def cost_results(company: Company, day: date, group_by: tuple[str, ...]) -> tuple[Record, ...]:
    """`organization.costs.result` objects of one daily bucket, in dollars with currency "usd"."""
    groups: dict[tuple, list[float]] = {}
    for r in usage_rows(company).get(day, ()):
        cost_in, cost_out = row_cost_usd(r)
        for line_item, dollars, quantity in ((f"{r.model}, input", cost_in, r.input_tokens),
                                             (f"{r.model}, output", cost_out, r.output_tokens)):
            values = {"project_id": r.project_id, "line_item": line_item}
            acc = groups.setdefault(tuple(values[g] for g in group_by), [0.0, 0])
            acc[0] += dollars
            acc[1] += quantity
    out = []
    for key in sorted(groups, key=_sort_key):
        group = dict(zip(group_by, key, strict=True))
        result: Record = {"object": "organization.costs.result",
                          "amount": {"value": round(groups[key][0], 8), "currency": "usd"},
                          "line_item": group.get("line_item"), "project_id": group.get("project_id")}
        if "line_item" in group_by:
            result["quantity"] = float(groups[key][1])
        out.append(result)
    return tuple(out)


def daily_cost_usd(company: Company) -> dict[date, float]:
    """Truth: dollars per day over all projects."""
    return {day: sum(sum(row_cost_usd(r)) for r in rows) for day, rows in usage_rows(company).items()}
