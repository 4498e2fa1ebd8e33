"""What a suite is: a name and a function from pipeline settings to GX expectations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MINUTES_PER_YEAR = 365 * 24 * 60
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    build: Callable[[dict], list]  # settings -> expectations
    # columns that name a failing row in the failure message (e.g. the source of a coverage row)
    id_columns: tuple[str, ...] = ()
    # column -> other names the vendor sends the same field under (in preference order); the check runs on
    # the first non-null of the column and its aliases
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
