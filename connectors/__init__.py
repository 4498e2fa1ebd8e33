"""Connectors: extract vendor records and land them unchanged (see DESIGN.md, "Landing zone")."""

from __future__ import annotations

from types import ModuleType


def sources() -> dict[str, ModuleType]:
    """Every source module by name; each has SOURCE, STREAMS and make_client(conn)."""
    from connectors import github_copilot, msgraph, zendesk

    modules = (msgraph, github_copilot, zendesk)
    return {m.SOURCE: m for m in modules}
