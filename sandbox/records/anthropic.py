"""Anthropic Admin API records: Claude Code usage and the cost report.

Claude Code rows come from `tool_activity('claude_code')` (engineers): each user-initiated day gives one
local row per actor, and on some days a separate remote row (`is_remote: true`, Claude Code on the web).
Most engineers sign in with their account (`user_actor` with an email); a few use an API key named after
them (`api_actor`), and a CI key runs reviews on workdays (`ci-github-actions`, owned by nobody: identity
resolution cannot place it). Passive-only holders have a seat and no rows.

The cost report prices the same tokens with PRICES, as decimal strings in cents. The Claude Code rows'
`estimated_cost` uses the same prices rounded to whole cents: an estimate beside the billed amount.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np

from sandbox.company import Company, Record

TOOL = "claude_code"
# USD per 1M tokens: (input, output, cache read, cache write 5m).
PRICES = {
    "claude-sonnet-4-5-20250929": ("Claude Sonnet 4.5", "3", "15", "0.30", "3.75"),
    "claude-opus-4-1-20250805": ("Claude Opus 4.1", "15", "75", "1.50", "18.75"),
    "claude-haiku-4-5-20251001": ("Claude Haiku 4.5", "1", "5", "0.10", "1.25"),
}
MODELS = tuple(PRICES)
# Claude Code token field -> (cost report token_type, description suffix, index of the price above)
TOKEN_TYPES = {
    "input": ("uncached_input_tokens", "Input Tokens", 1),
    "output": ("output_tokens", "Output Tokens", 2),
    "cache_read": ("cache_read_input_tokens", "Cache Read Input Tokens", 3),
    "cache_creation": ("cache_creation.ephemeral_5m_input_tokens", "Cache Write Input Tokens (5m)", 4),
}
TOOLS = ("edit_tool", "multi_edit_tool", "notebook_edit_tool", "write_tool")
TERMINALS = ("vscode", "iTerm.app", "Apple_Terminal", "gnome-terminal", "cursor", "tmux", "WarpTerminal")
CI_KEY = "ci-github-actions"
API_KEY_USERS = 3
COST_GROUP_BY = ("workspace_id", "description")


@dataclass(frozen=True)
class Habits:
    actor: Record
    workspace: str | None
    terminal: str
    models: tuple[str, ...]
    notebooks: bool
    remote_share: float
    intensity: float


def _ident(rng: np.random.Generator, prefix: str, n: int = 24) -> str:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    return prefix + "".join(rng.choice(alphabet, size=n))


@lru_cache(maxsize=4)
def workspaces(company: Company) -> dict[str, str | None]:
    """Workspace name -> id; the default workspace has no id (null in the API)."""
    rng = company.rng_for("anthropic:workspaces")
    return {"Default": None, "Claude Code": _ident(rng, "wrkspc_"), "CI Automation": _ident(rng, "wrkspc_")}


@lru_cache(maxsize=4)
def organization_id(company: Company) -> str:
    return str(uuid.UUID(bytes=company.rng_for("anthropic:org").bytes(16), version=4))


@lru_cache(maxsize=4)
def _habits(company: Company) -> tuple[list[Habits], Habits]:
    holders, _ = company.tool_activity(TOOL)
    rng = company.rng_for("anthropic:habits")
    styles = company.scenario.styles
    ws = workspaces(company)
    active_styles = [i for i, p in enumerate(holders) if not styles[company.tool_style(p, TOOL)].passive_only]
    key_users = {int(i) for i in rng.choice(active_styles, size=min(API_KEY_USERS, len(active_styles)),
                                            replace=False)}
    out = []
    for i, p in enumerate(holders):
        style = company.tool_style(p, TOOL)
        if i in key_users:
            actor: Record = {"type": "api_actor", "api_key_name": f"{p['email'].split('@')[0]}-laptop"}
            workspace = ws["Default"]
        else:
            actor = {"type": "user_actor", "email_address": p["email"]}
            workspace = ws["Claude Code"]
        favourite = MODELS[0] if rng.random() < 0.75 else MODELS[int(rng.integers(1, len(MODELS)))]
        models = (favourite,) if rng.random() < 0.6 else (favourite, MODELS[2] if favourite != MODELS[2] else MODELS[0])
        out.append(Habits(
            actor=actor, workspace=workspace, terminal=TERMINALS[int(rng.integers(0, len(TERMINALS)))],
            models=models, notebooks=bool(rng.random() < 0.1),
            remote_share={"power": 0.2, "habitual": 0.1}.get(style, 0.03),
            intensity=max(1.0, styles[style].interactions_mean),
        ))
    ci = Habits(actor={"type": "api_actor", "api_key_name": CI_KEY}, workspace=ws["CI Automation"],
                terminal="github-actions", models=(MODELS[0],), notebooks=False, remote_share=0.0, intensity=6.0)
    return out, ci


def api_key_owners(company: Company) -> dict[str, str | None]:
    """Truth: every api_actor key name -> the email of the person behind it (None for the CI key)."""
    holders, _ = company.tool_activity(TOOL)
    habits, ci = _habits(company)
    owners: dict[str, str | None] = {h.actor["api_key_name"]: p["email"] for p, h in zip(holders, habits, strict=True)
                                     if h.actor["type"] == "api_actor"}
    owners[ci.actor["api_key_name"]] = None
    return owners


def _cents(model: str, field: str, tokens: int) -> Decimal:
    return Decimal(tokens) * Decimal(PRICES[model][TOKEN_TYPES[field][2]]) * 100 / Decimal(1_000_000)


def _row(company: Company, rng: np.random.Generator, day: date, h: Habits, remote: bool) -> Record:
    scale = h.intensity * (0.4 if remote else 1.0)
    sessions = 1 + int(rng.poisson(scale / 10))
    tools: dict[str, dict[str, int]] = {}
    for tool, share in (("edit_tool", 0.9), ("multi_edit_tool", 0.35), ("notebook_edit_tool", 0.3),
                        ("write_tool", 0.25)):
        if tool == "notebook_edit_tool" and not h.notebooks:
            continue  # a map: tools never used are absent, not zero
        accepted = int(rng.poisson(scale * share))
        tools[tool] = {"accepted": accepted, "rejected": int(rng.binomial(accepted + 2, 0.12))}
    accepted_total = sum(t["accepted"] for t in tools.values())
    breakdown = []
    for k, model in enumerate(h.models):
        weight = 1.0 if k == 0 else 0.3
        # agentic sessions re-read their context from the cache many times over
        base = int(sessions * weight * rng.integers(30_000, 150_000))
        tokens = {"input": base, "output": int(base * rng.uniform(0.2, 0.6)),
                  "cache_read": int(base * rng.uniform(15.0, 50.0)),
                  "cache_creation": int(base * rng.uniform(0.5, 1.5))}
        estimate = sum(_cents(model, f, n) for f, n in tokens.items())
        breakdown.append({"model": model, "tokens": tokens,
                          "estimated_cost": {"amount": int(estimate.to_integral_value()), "currency": "USD"}})
    return {
        "date": f"{day.isoformat()}T00:00:00Z",
        "actor": dict(h.actor),
        "organization_id": organization_id(company),
        "customer_type": "api",
        "subscription_type": None,
        "terminal_type": "web" if remote else h.terminal,
        "is_remote": remote,
        "core_metrics": {
            "num_sessions": sessions,
            "lines_of_code": {"added": accepted_total * int(rng.integers(3, 25)),
                              "removed": accepted_total * int(rng.integers(0, 8))},
            "commits_by_claude_code": int(rng.poisson(sessions * 0.6)),
            "pull_requests_by_claude_code": int(rng.poisson(sessions * 0.15)),
        },
        "tool_actions": tools,
        "model_breakdown": breakdown,
    }


@lru_cache(maxsize=4)
def _claude_code_days(company: Company) -> dict[date, tuple[tuple[Record, str | None], ...]]:
    holders, act = company.tool_activity(TOOL)
    habits, ci = _habits(company)
    rng = company.rng_for("anthropic:claude_code")
    out: dict[date, tuple[tuple[Record, str | None], ...]] = {}
    for d in range(company.days):
        day = company.start_date + timedelta(days=d)
        rows: list[tuple[Record, str | None]] = []
        for i in np.nonzero(act[:, d] == 1)[0]:
            h = habits[int(i)]
            rows.append((_row(company, rng, day, h, remote=False), h.workspace))
            if rng.random() < h.remote_share:
                rows.append((_row(company, rng, day, h, remote=True), h.workspace))
        if day >= company.rollout_date and day.weekday() < 5:
            rows.append((_row(company, rng, day, ci, remote=False), ci.workspace))
        rows.sort(key=lambda rw: (rw[0]["actor"]["type"], rw[0]["actor"].get("email_address")
                                  or rw[0]["actor"].get("api_key_name"), rw[0]["is_remote"]))
        out[day] = tuple(rows)
    return out


def claude_code_records(company: Company, day: date) -> list[Record]:
    """usage_report/claude_code rows for one UTC day, in the order the API pages them."""
    return [r for r, _ in _claude_code_days(company).get(day, ())]


def _amount(cents: Decimal) -> str:
    return format(cents.quantize(Decimal("0.00001")).normalize(), "f")


@lru_cache(maxsize=1024)
def cost_results(company: Company, day: date, group_by: tuple[str, ...]) -> tuple[Record, ...]:
    """cost_report results of one daily bucket; `amount` is a decimal string in cents."""
    groups: dict[tuple, Decimal] = {}
    details: dict[tuple, Record] = {}
    for row, workspace in _claude_code_days(company).get(day, ()):
        for item in row["model_breakdown"]:
            model = item["model"]
            for field, tokens in item["tokens"].items():
                token_type, label, _ = TOKEN_TYPES[field]
                description = f"{PRICES[model][0]} Usage - {label}"
                values = {"workspace_id": workspace, "description": description}
                key = tuple(values[g] for g in group_by)
                groups[key] = groups.get(key, Decimal(0)) + _cents(model, field, tokens)
                details[key] = {"cost_type": "tokens", "model": model, "service_tier": "standard",
                                "token_type": token_type, "context_window": "0-200k"}
    out = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else v for v in k)):
        group = dict(zip(group_by, key, strict=True))
        grouped_description = "description" in group_by
        derived = details[key] if grouped_description else dict.fromkeys(
            ("cost_type", "model", "service_tier", "token_type", "context_window"))
        out.append({
            "amount": _amount(groups[key]),
            "currency": "USD",
            "cost_type": derived["cost_type"],
            "description": group.get("description"),
            "model": derived["model"],
            "service_tier": derived["service_tier"],
            "token_type": derived["token_type"],
            "context_window": derived["context_window"],
            "workspace_id": group.get("workspace_id"),
        })
    return tuple(out)


def daily_cost_cents(company: Company) -> dict[date, Decimal]:
    """Truth: billed cents per day over every workspace and model."""
    return {day: sum((Decimal(r["amount"]) for r in cost_results(company, day, ())), Decimal(0))
            for day in _claude_code_days(company)}
