"""Shared fixtures. Airflow reads its configuration at import time, so its environment is set here first."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="outcomes-tests-"))
os.environ["AIRFLOW_HOME"] = str(_SESSION_TMP / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_SESSION_TMP / 'airflow' / 'airflow.db'}"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
# OpenLineage events of every task the tests run, to one file (tests/pipeline/test_lineage.py reads it)
OPENLINEAGE_EVENTS = _SESSION_TMP / "openlineage_events.jsonl"
os.environ["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
    {"type": "file", "log_file_path": str(OPENLINEAGE_EVENTS), "append": True})


@pytest.fixture(scope="session")
def session_tmp() -> Path:
    return _SESSION_TMP


@pytest.fixture(scope="session")
def company():
    from sandbox.company import generate_company
    from sandbox.scenario import load_scenario

    return generate_company(load_scenario("default"))


@pytest.fixture(scope="session")
def sandbox_server(company):
    from sandbox.server import SandboxServer

    with SandboxServer(company) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server):
    """The session's sandbox with no faults armed and an empty request log."""
    sandbox_server.clear_faults()
    sandbox_server.clear_requests()
    yield sandbox_server
    sandbox_server.clear_faults()


@pytest.fixture
def connections(sandbox, company):
    from devenv.sandbox_env import sandbox_connections

    return sandbox_connections(sandbox, company)


class SleepRecorder:
    """Stands in for time.sleep: records the waits a client asked for, waits for none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def no_sleep() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(scope="session")
def openlineage_events_path() -> Path:
    return OPENLINEAGE_EVENTS
