"""Microsoft 365 Copilot usage-report rows for the synthetic company.

The report is a "latest activity" snapshot: for a refresh date D and a period of N days, each licensed user
gets, per app, the last day in [D-N+1, D] on which they used Copilot in that app, or `""`. Per-day app use
is drawn here from the company's activity matrix (`tool_activity('m365_copilot')`), so a series of daily
snapshots reveals every active (day, app) exactly: the apps dated D in the snapshot of D.

Knobs (`sources.m365_copilot` in the scenario, all optional):
    concealed_names: bool           UPN and displayName become 32-hex uppercase hashes (default false)
    page_size: int                  rows per page before an @odata.nextLink (default 100)
    requests_per_10_minutes: int    report calls allowed per 10 minutes, per report function (default 10000)
    report_lag_days: int            the newest refresh date is today minus this many days (default 1)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from sandbox.company import Company, Record
from sandbox.scenario import ScenarioError

TOOL = "m365_copilot"
# (app, report field, share of a user's active days on which a typical user touches the app)
APPS = (
    ("copilot_chat", "copilotChatLastActivityDate", 0.55),
    ("teams", "microsoftTeamsCopilotLastActivityDate", 0.60),
    ("word", "wordCopilotLastActivityDate", 0.45),
    ("excel", "excelCopilotLastActivityDate", 0.30),
    ("powerpoint", "powerPointCopilotLastActivityDate", 0.25),
    ("outlook", "outlookCopilotLastActivityDate", 0.50),
    ("onenote", "oneNoteCopilotLastActivityDate", 0.10),
    ("loop", "loopCopilotLastActivityDate", 0.05),
)
APP_NAMES = tuple(a for a, _, _ in APPS)


@dataclass(frozen=True)
class M365Settings:
    concealed_names: bool = False
    page_size: int = 100
    requests_per_10_minutes: int = 10_000
    report_lag_days: int = 1


def settings(company: Company) -> M365Settings:
    """The validated `sources.m365_copilot` knobs; raises ScenarioError naming every bad key."""
    raw: dict[str, Any] = dict(company.scenario.sources.get(TOOL) or {})
    defaults = M365Settings()
    errors: list[str] = []
    allowed = set(M365Settings.__dataclass_fields__)
    for key in sorted(set(raw) - allowed):
        errors.append(f"sources.{TOOL}: unknown key {key!r}; expected one of {sorted(allowed)}")
    values: dict[str, Any] = {}
    if "concealed_names" in raw:
        if not isinstance(raw["concealed_names"], bool):
            errors.append(f"sources.{TOOL}.concealed_names: expected true or false, got {raw['concealed_names']!r}")
        else:
            values["concealed_names"] = raw["concealed_names"]
    for key, minimum in (("page_size", 1), ("requests_per_10_minutes", 1), ("report_lag_days", 0)):
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(f"sources.{TOOL}.{key}: expected an integer >= {minimum}, got {value!r}")
        else:
            values[key] = value
    if errors:
        raise ScenarioError("invalid scenario:\n  " + "\n  ".join(errors))
    return M365Settings(**{**defaults.__dict__, **values})


def conceal(value: str) -> str:
    """What Microsoft shows instead of a name when the tenant conceals user details: a 32-hex hash."""
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest().upper()


@lru_cache(maxsize=4)
def app_days(company: Company) -> tuple[list[Record], np.ndarray]:
    """(holders, used[i, d, a]): holder i used app a on day d (days from company.start_date)."""
    holders, act = company.tool_activity(TOOL)
    rng = company.rng_for(f"{TOOL}:apps")
    base = np.array([share for _, _, share in APPS])
    used = np.zeros((len(holders), company.days, len(APPS)), dtype=bool)
    for i in range(len(holders)):
        # Each person leans towards some apps: their own per-app share around the typical one.
        person_share = np.clip(base * rng.lognormal(0.0, 0.5, size=len(APPS)), 0.02, 0.95)
        favourite = int(np.argmax(person_share))
        days = np.nonzero(act[i] == 1)[0]
        draws = rng.random((len(days), len(APPS))) < person_share
        draws[~draws.any(axis=1), favourite] = True  # an active day touches at least one app
        used[i, days] = draws
    return holders, used


def latest_refresh_date(company: Company, today: date) -> date:
    return min(company.end_date, today - timedelta(days=settings(company).report_lag_days))


@lru_cache(maxsize=1024)
def _snapshot(company: Company, refresh: date, period_days: int) -> tuple[Record, ...]:
    idx = (refresh - company.start_date).days
    if idx < 0 or idx >= company.days or refresh < company.rollout_date:
        return ()  # licences start on rollout_date; only licensed users appear
    holders, used = app_days(company)
    concealed = settings(company).concealed_names
    first = max(0, idx - period_days + 1)
    window = used[:, first: idx + 1, :]
    rows = []
    for i, person in enumerate(holders):
        dates: dict[str, str] = {}
        for a, (_, field, _) in enumerate(APPS):
            active = np.nonzero(window[i, :, a])[0]
            dates[field] = (company.start_date + timedelta(days=first + int(active[-1]))).isoformat() \
                if len(active) else ""
        last = max((d for d in dates.values() if d), default="")
        upn, name = person["email"], person["display_name"]
        rows.append({
            "reportRefreshDate": refresh.isoformat(),
            "userPrincipalName": conceal(upn) if concealed else upn,
            "displayName": conceal(name + "|" + upn) if concealed else name,
            "lastActivityDate": last,
            **dates,
            "copilotActivityUserDetailsByPeriod": [{"reportPeriod": period_days}],
        })
    rows.sort(key=lambda r: r["userPrincipalName"])
    return tuple(rows)


def usage_user_detail(company: Company, refresh: date, period_days: int = 7) -> list[Record]:
    """getMicrosoft365CopilotUsageUserDetail rows for one refresh date (copies; safe to mutate)."""
    return [dict(r) for r in _snapshot(company, refresh, period_days)]


def active_app_days(company: Company) -> dict[tuple[str, date], tuple[str, ...]]:
    """Truth: (user principal name, day) -> sorted apps used that day, for every active day."""
    holders, used = app_days(company)
    out: dict[tuple[str, date], tuple[str, ...]] = {}
    for i, d in zip(*np.nonzero(used.any(axis=2)), strict=True):
        apps = tuple(sorted(APP_NAMES[a] for a in np.nonzero(used[i, d])[0]))
        out[(holders[int(i)]["email"], company.start_date + timedelta(days=int(d)))] = apps
    return out
