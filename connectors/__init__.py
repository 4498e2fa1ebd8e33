"""Connectors: extract vendor records and land them unchanged (the landing zone: connectors/landing.py)."""

from __future__ import annotations

from types import ModuleType


def sources() -> dict[str, ModuleType]:
    """Every source module by name; each has SOURCE, STREAMS and make_client(conn)."""
    from connectors import (
        anthropic,
        github_copilot,
        github_prs,
        harvest,
        jira,
        m365_copilot,
        msgraph,
        openai,
        zendesk,
    )

    modules = (msgraph, github_copilot, zendesk, m365_copilot, openai, anthropic, jira, github_prs, harvest)
    return {m.SOURCE: m for m in modules}
