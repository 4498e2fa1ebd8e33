"""Injectable faults: a thread-safe registry that vendor handlers consult on every request."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

VENDORS = ("msgraph", "login", "github", "copilot_reports", "zendesk", "m365_reports", "openai", "anthropic",
           "jira", "harvest")
KINDS = ("status", "empty_page", "malformed", "no_data")


class FaultError(ValueError):
    """A fault definition is invalid."""


@dataclass
class Fault:
    vendor: str
    kind: str
    path_contains: str = ""
    times: int = 1
    status: int | None = None          # for kind=status
    retry_after: int | None = None     # seconds; sent as Retry-After / retry-after
    body: Any = None                   # overrides the vendor-shaped error body (str or JSON value)
    fired: int = field(default=0)

    def __post_init__(self) -> None:
        if self.vendor not in VENDORS:
            raise FaultError(f"unknown vendor {self.vendor!r}; expected one of {list(VENDORS)}")
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; expected one of {list(KINDS)}")
        if self.kind == "status" and (self.status is None or not 400 <= int(self.status) <= 599):
            raise FaultError("kind 'status' needs an HTTP error status between 400 and 599")
        if self.kind == "empty_page" and self.vendor != "zendesk":
            raise FaultError("kind 'empty_page' only applies to vendor 'zendesk'")
        if self.kind == "no_data" and self.vendor != "github":
            raise FaultError("kind 'no_data' only applies to vendor 'github' (users-1-day)")
        if int(self.times) < 1:
            raise FaultError("times must be >= 1")
        self.times = int(self.times)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def take(self, vendor: str, target: str, kinds: tuple[str, ...] = KINDS) -> Fault | None:
        """First armed fault for vendor whose path_contains is in target (path?query); consumes one shot."""
        with self._lock:
            for f in self._faults:
                if f.vendor == vendor and f.kind in kinds and f.path_contains in target \
                        and f.fired < f.times:
                    f.fired += 1
                    if f.fired >= f.times:
                        self._faults.remove(f)
                    return f
        return None
