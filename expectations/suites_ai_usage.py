"""Landing suites for the AI-tool usage and spend sources (Microsoft 365 Copilot, OpenAI, Anthropic)."""

from __future__ import annotations

import great_expectations.expectations as gxe  # noqa: F401

from expectations.spec import SuiteSpec

AI_USAGE_LANDING_SUITES: dict[str, SuiteSpec] = {}
