"""Per-vendor HTTP simulators mounted on one Starlette app by sandbox.server.

Each module has `routes(state) -> list[Route]` under its own path prefix; VENDORS lists them.
"""

from __future__ import annotations

from types import ModuleType


def vendor_modules() -> tuple[ModuleType, ...]:
    from sandbox.vendors import anthropic, github, github_prs, harvest, jira, m365_reports, msgraph, openai, zendesk

    # github_prs before github: github's catch-all /github/orgs/{org}/... would shadow /orgs/{org}/repos
    return (msgraph, github_prs, github, zendesk, m365_reports, openai, anthropic, jira, harvest)
