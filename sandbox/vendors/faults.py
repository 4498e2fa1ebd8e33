"""Injectable faults: a thread-safe registry that vendor handlers consult on every request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any

VENDORS = ("msgraph", "login", "github", "copilot_reports", "zendesk", "m365_reports", "openai", "anthropic",
           "jira", "harvest", "typeform")
# Kinds the vendor handlers apply themselves.
KINDS = ("status", "empty_page", "malformed", "no_data")
# GitHub GraphQL's refusals inside an HTTP 200 (sandbox/vendors/github_graphql.py), taken by that endpoint only:
#   rate_limited    a RATE_LIMITED error with x-ratelimit-remaining: 0 (the hour's points spent)
#   graphql_errors  an `errors` array (default: FORBIDDEN on the repository; `body` replaces the whole answer)
GRAPHQL_KINDS = ("rate_limited", "graphql_errors")
# Kinds applied to any vendor's response by ResponseFaultMiddleware (sandbox.vendors.common):
#   html         an HTML page instead of the vendor's answer (status: 200 unless given, e.g. 502/503 from a proxy)
#   repeat_page  the previous response of the same path again (with its next link/cursor): a repeated page
#   drop_field   `field` removed from every object in the body, at any depth
#   rename_field `field` renamed to `rename_to` in every object in the body, at any depth
#   add_field    `field: value` added to every record (the objects in the body's top-level lists)
#   withhold     records whose `field` equals `value` left out (a record the vendor shows late)
RESPONSE_KINDS = ("html", "repeat_page", "drop_field", "rename_field", "add_field", "withhold")


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
    after: int = 0                     # let this many matching requests through first (a fault mid-run)
    field: str | None = None           # for drop_field, rename_field, add_field, withhold
    rename_to: str | None = None       # for rename_field
    value: Any = None                  # for add_field, withhold
    fired: int = dataclass_field(default=0)
    passed: int = dataclass_field(default=0)

    def __post_init__(self) -> None:
        if self.vendor not in VENDORS:
            raise FaultError(f"unknown vendor {self.vendor!r}; expected one of {list(VENDORS)}")
        if self.kind not in KINDS + RESPONSE_KINDS + GRAPHQL_KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; expected one of "
                             f"{list(KINDS + RESPONSE_KINDS + GRAPHQL_KINDS)}")
        if self.kind == "status" and (self.status is None or not 400 <= int(self.status) <= 599):
            raise FaultError("kind 'status' needs an HTTP error status between 400 and 599")
        if self.kind == "empty_page" and self.vendor != "zendesk":
            raise FaultError("kind 'empty_page' only applies to vendor 'zendesk'")
        if self.kind in GRAPHQL_KINDS and self.vendor != "github":
            raise FaultError(f"kind {self.kind!r} only applies to vendor 'github' (its GraphQL endpoint)")
        if self.kind == "no_data" and self.vendor != "github":
            raise FaultError("kind 'no_data' only applies to vendor 'github' (users-1-day)")
        if self.kind == "html" and self.status is not None and not 200 <= int(self.status) <= 599:
            raise FaultError("kind 'html' takes an HTTP status between 200 and 599 (default 200)")
        if self.kind in ("drop_field", "rename_field", "add_field", "withhold") and not self.field:
            raise FaultError(f"kind {self.kind!r} needs a field")
        if self.kind == "rename_field" and not self.rename_to:
            raise FaultError("kind 'rename_field' needs rename_to")
        if int(self.after) < 0:
            raise FaultError("after must be >= 0")
        self.after = int(self.after)
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

    def armed(self, vendor: str, kind: str) -> bool:
        with self._lock:
            return any(f.vendor == vendor and f.kind == kind for f in self._faults)

    def take(self, vendor: str, target: str, kinds: tuple[str, ...] = KINDS,
             ready: Callable[[Fault], bool] | None = None) -> Fault | None:
        """First armed fault for vendor whose path_contains is in target (path?query) and that is `ready`
        to fire there; consumes one shot (after letting its first `after` matching requests through)."""
        with self._lock:
            for f in self._faults:
                if f.vendor == vendor and f.kind in kinds and f.path_contains in target \
                        and f.fired < f.times and (ready is None or ready(f)):
                    if f.passed < f.after:
                        f.passed += 1
                        continue
                    f.fired += 1
                    if f.fired >= f.times:
                        self._faults.remove(f)
                    return f
        return None
