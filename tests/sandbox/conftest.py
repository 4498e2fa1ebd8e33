"""Shared fixtures: one pinned-date company and one server per test session."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import pytest

from sandbox.company import Company, generate_company
from sandbox.scenario import Scenario, load_scenario
from sandbox.server import SandboxServer

# Pinned so hand-computed dates hold: start 2025-10-03, rollout 2026-01-01 (start + 90 days).
END_DATE = date(2026, 3, 31)


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return dataclasses.replace(load_scenario("default"), end_date=END_DATE)


@pytest.fixture(scope="session")
def company(scenario: Scenario) -> Company:
    return generate_company(scenario)


@pytest.fixture(scope="session")
def server(company: Company) -> Iterator[SandboxServer]:
    with SandboxServer(company) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset_server_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        srv: SandboxServer = request.getfixturevalue("server")
        srv.clear_faults()
        srv.set_now(None)
