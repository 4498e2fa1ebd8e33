"""HTTP simulators mounted on one Starlette app by sandbox.server, one module per source it serves.

`sandbox/vendors/<source>.py` serves the records of `sandbox/records/<source>.py` with
`routes(state) -> list[Route]` under its own path prefix; `vendor_modules()` lists them in mounting order.
"""

from __future__ import annotations

from types import ModuleType


def vendor_modules() -> tuple[ModuleType, ...]:
    from sandbox.vendors import (
        anthropic,
        github,
        github_copilot,
        harvest,
        jira,
        m365_copilot,
        msgraph,
        openai,
        typeform,
        zendesk,
    )

    # github before github_copilot: Copilot's catch-all /github/orgs/{org}/... would shadow /orgs/{org}/repos
    return (msgraph, github, github_copilot, zendesk, m365_copilot, openai, anthropic, jira, harvest, typeform)
