"""Landing suites for the business-KPI sources (Jira, GitHub pull requests, Harvest)."""

from __future__ import annotations

import great_expectations.expectations as gxe  # noqa: F401

from expectations.spec import SuiteSpec

KPI_LANDING_SUITES: dict[str, SuiteSpec] = {}
