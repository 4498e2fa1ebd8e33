"""A request budget per vendor: a token bucket taken before each request, so a run stays inside the
vendor's documented rate limit instead of learning it from 429s.

Hand-written rather than pyrate-limiter: the bucket must wait through the client's injectable `sleep`
(tests observe the waits without waiting), and the whole algorithm is a dozen lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RequestBudget:
    """At most `requests` per `per_seconds`, in bursts of up to `burst` (default: the whole allowance), for
    the requests whose path contains `path_contains` ("" = every request of the client) and not
    `path_excludes` (a vendor limit that another budget counts, e.g. GitHub's GraphQL points)."""

    requests: float
    per_seconds: float
    burst: float | None = None
    path_contains: str = ""
    path_excludes: str = ""
    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(init=False)
    _updated: float = field(init=False)

    def __post_init__(self) -> None:
        if self.requests <= 0 or self.per_seconds <= 0:
            raise ValueError(f"a request budget needs a positive rate, got {self.requests}/{self.per_seconds}s")
        self.burst = self.burst or self.requests
        self._tokens, self._updated = float(self.burst), self.clock()

    def covers(self, url: str) -> bool:
        return self.path_contains in url and not (self.path_excludes and self.path_excludes in url)

    @property
    def rate(self) -> float:
        return self.requests / self.per_seconds

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def take(self, sleep: Callable[[float], None]) -> float:
        """Take one request's token, sleeping first if the bucket is empty; returns the seconds waited."""
        self._refill()
        wait = 0.0
        if self._tokens < 1:
            wait = (1 - self._tokens) / self.rate
            sleep(wait)
            self._tokens, self._updated = 1.0, max(self.clock(), self._updated + wait)
        self._tokens -= 1
        return wait


def budget_from_settings(settings: dict, default: tuple[float, float] | None,
                         prefix: str = "", path_contains: str = "", path_excludes: str = "") -> RequestBudget | None:
    """The connection's `<prefix>requests_per_window` / `<prefix>window_seconds` extra, else the vendor's
    documented default; `requests_per_window: 0` turns the budget off."""
    requests = settings.get(f"{prefix}requests_per_window", default[0] if default else None)
    seconds = settings.get(f"{prefix}window_seconds", default[1] if default else None)
    if not requests or not seconds:
        return None
    return RequestBudget(float(requests), float(seconds), path_contains=path_contains, path_excludes=path_excludes)


def budgets(*found: RequestBudget | None) -> tuple[RequestBudget, ...]:
    return tuple(b for b in found if b is not None)
