"""Shared pieces of the KPI record generators (Jira, GitHub pull requests, Harvest).

- validation of a source's knobs in `scenario.sources[<source>]`, with every problem in one error;
- the planted-effect multiplier: work started on/after the rollout takes `drift` x as long for everyone
  (the drift of the KPI's source and the person's team, EffectSpec.drift_for), and on/after the effect's
  redesign date `factor` x as long for its adopters;
- a person-level difference-in-differences over generated items, as the outcome mart computes it, so the
  truth records what the generated data itself lets a pipeline recover.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np

from sandbox.company import iso_z  # noqa: F401 - the records modules take it from here
from sandbox.scenario import KpiEffectSpec, ScenarioError

T = TypeVar("T")

# The outcome mart's windows (devenv/sandbox_env.py catalog): baseline before T0, a cohort window (each
# effect's own `cohort_days`; this one for the Support workflow), then post.
BASELINE_DAYS, COHORT_DAYS, POST_DAYS = 84, 28, 84


def knob(default: float | int, minimum: float | None = None, maximum: float | None = None) -> Any:
    """A dataclass field for a source knob, with the range the validator enforces."""
    return dataclasses.field(default=default, metadata={"min": minimum, "max": maximum})


def parse_settings(company: Any, source: str, cls: type[T]) -> T:
    """Read `scenario.sources[source]` into the knobs dataclass `cls`; raise ScenarioError listing every problem."""
    raw = company.scenario.sources.get(source) or {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise ScenarioError(f"invalid scenario:\n  sources.{source}: expected a mapping of knob -> value")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"sources.{source}.{key}"
        if key not in fields:
            errors.append(f"{where}: unknown knob; expected one of {sorted(fields)}")
            continue
        field = fields[key]
        wants_int = isinstance(field.default, int)
        if isinstance(value, bool) or not isinstance(value, int | float) or (wants_int and not isinstance(value, int)):
            errors.append(f"{where}: expected {'an integer' if wants_int else 'a number'}, got {value!r}")
            continue
        low, high = field.metadata.get("min"), field.metadata.get("max")
        if low is not None and value < low:
            errors.append(f"{where}: must be >= {low}, got {value}")
        if high is not None and value > high:
            errors.append(f"{where}: must be <= {high}, got {value}")
        values[key] = value if wants_int else float(value)
    if errors:
        raise ScenarioError("invalid scenario:\n  " + "\n  ".join(errors))
    return cls(**values)


def register_truth(company: Any, source: str, truth: dict[str, Any]) -> None:
    """Publish a source's generator knobs and observed figures under company.truth["kpi_sources"]."""
    company.truth.setdefault("kpi_sources", {})[source] = truth


def effects_for(company: Any, source: str, task: str | None = None) -> list[KpiEffectSpec]:
    return [e for e in company.scenario.kpi_effects if e.source == source and (task is None or e.task == task)]


@dataclass(frozen=True)
class EffectModel:
    """The planted effect of one KpiEffectSpec, resolved against the company's people."""

    effect: KpiEffectSpec
    population: frozenset[str]  # person_id
    adopters: frozenset[str]
    redesign_date: date
    rollout_date: date
    drift: float  # the KPI source's drift
    person_drift: dict[str, float]  # person_id -> drift of the person's team, for the population

    @classmethod
    def of(cls, company: Any, effect: KpiEffectSpec) -> EffectModel:
        pop = company.effect_population(effect)
        effects = company.scenario.effects
        return cls(
            effect=effect,
            population=frozenset(p["person_id"] for p in pop),
            adopters=frozenset(p["person_id"] for p in pop if company.is_effect_adopter(p, effect)),
            redesign_date=company.effect_redesign_date(effect),
            rollout_date=company.rollout_date,
            drift=effects.drift_for(effect.source),
            person_drift={p["person_id"]: effects.drift_for(effect.source, p["team"]) for p in pop},
        )

    def multiplier(self, person_id: str, started_on: date) -> float:
        m = self.person_drift.get(person_id, self.drift) if started_on >= self.rollout_date else 1.0
        return m * self.adopter_factor(person_id, started_on)

    def adopter_factor(self, person_id: str, started_on: date) -> float:
        """The effect on an adopter's work (drift aside): `factor` from the redesign on; before it, the
        planted pre-trend, 1 + pretrend_pct_per_week / 100 x (weeks from the redesign, negative)."""
        if person_id not in self.adopters:
            return 1.0
        if started_on >= self.redesign_date:
            return self.effect.factor
        weeks = (started_on - self.redesign_date).days / 7
        return max(0.1, 1 + self.effect.pretrend_pct_per_week / 100 * weeks)


def drift_multiplier(company: Any, started_on: date, source: str, team: str | None = None) -> float:
    """Everyone's drift for work of KPI source `source` by `team` started on `started_on`."""
    return company.scenario.effects.drift_for(source, team) if started_on >= company.rollout_date else 1.0


def day_start(d: date) -> int:
    return (d.toordinal() - 719_163) * 86_400  # 719_163 = date(1970, 1, 1).toordinal()


def workday_dates(company: Any) -> list[date]:
    return [company.start_date + timedelta(days=d) for d in range(company.days)
            if (company.start_date + timedelta(days=d)).weekday() < 5]


def person_level_did(items: Iterable[tuple[str, date, float]], adopters: set[str] | frozenset[str],
                     population: set[str] | frozenset[str], t0: date, end_date: date,
                     min_items: int, cohort_days: int = COHORT_DAYS) -> dict[str, Any]:
    """Difference-in-differences of person means, relative to the adopters' baseline (mart definition v1).

    items: (person_id, item_date, value). Baseline [t0 - 84, t0), post [t0 + cohort_days, t0 + cohort_days
    + 84) clipped to end_date; a person counts when they have >= min_items in both windows.
    """
    base_start, post_start = t0 - timedelta(days=BASELINE_DAYS), t0 + timedelta(days=cohort_days)
    post_end = min(t0 + timedelta(days=cohort_days + POST_DAYS), end_date + timedelta(days=1))
    pre: dict[str, list[float]] = {}
    post: dict[str, list[float]] = {}
    for person, day, value in items:
        if person not in population:
            continue
        if base_start <= day < t0:
            pre.setdefault(person, []).append(value)
        elif post_start <= day < post_end:
            post.setdefault(person, []).append(value)
    used = [p for p in pre if len(pre[p]) >= min_items and len(post.get(p, [])) >= min_items]
    groups: dict[str, dict[str, float]] = {}
    for name, members in (("adopters", [p for p in used if p in adopters]),
                          ("control", [p for p in used if p not in adopters])):
        pre_means = np.array([np.mean(pre[p]) for p in members])
        post_means = np.array([np.mean(post[p]) for p in members])
        groups[name] = {
            "n": len(members),
            "pre_mean": float(pre_means.mean()) if members else float("nan"),
            "post_mean": float(post_means.mean()) if members else float("nan"),
            "diff": float((post_means - pre_means).mean()) if members else float("nan"),
        }
    a, c = groups["adopters"], groups["control"]
    effect = 100 * (a["diff"] - c["diff"]) / a["pre_mean"] if a["n"] and c["n"] else float("nan")
    return {"adopters_n": a["n"], "control_n": c["n"], "adopters_pre_mean": round(a["pre_mean"], 4),
            "adopters_post_mean": round(a["post_mean"], 4), "control_pre_mean": round(c["pre_mean"], 4),
            "control_post_mean": round(c["post_mean"], 4), "effect_pct": round(float(effect), 3),
            "post_start": post_start, "post_end_excl": post_end}
