"""Per-vendor HTTP simulators mounted on one Starlette app by sandbox.server.

Each module has `routes(state) -> list[Route]` under its own path prefix; VENDORS lists them.
"""

from __future__ import annotations

from types import ModuleType


def vendor_modules() -> tuple[ModuleType, ...]:
    from sandbox.vendors import github, msgraph, zendesk

    return (msgraph, github, zendesk)
