"""Connectors: extract vendor records and land them unchanged (the landing zone: connectors/landing.py)."""

from __future__ import annotations

from types import ModuleType

# the AI tools the pipeline measures, as the catalog, the survey answers and the interview drop name them
AI_TOOLS = ("github_copilot", "m365_copilot", "openai", "claude_code")


def sources() -> dict[str, ModuleType]:
    """Every source module by name; each has SOURCE, STREAMS and make_client(conn)."""
    from connectors import (
        anthropic,
        github_copilot,
        github_prs,
        harvest,
        interviews,
        jira,
        m365_copilot,
        msgraph,
        openai,
        typeform,
        zendesk,
    )

    modules = (msgraph, github_copilot, zendesk, m365_copilot, openai, anthropic, jira, github_prs, harvest,
               typeform, interviews)
    return {m.SOURCE: m for m in modules}


def landing_streams() -> dict[str, dict[str, object]]:
    """How staging reads each landed stream, by "<source>/<stream>": its primary key (JSON paths into the
    vendor record) and disposition ("merge": the latest extraction of each key wins; "snapshot": the latest
    batch is the whole list). The transform passes this to dbt as var `landing_streams`, so the Stream
    declarations are the only place these are written."""
    from connectors.webhooks.vendors import VENDORS

    declared = [stream for module in sources().values() for stream in module.STREAMS] + list(VENDORS.values())
    return {s.key: {"primary_key": list(s.primary_key), "disposition": s.disposition} for s in declared}
