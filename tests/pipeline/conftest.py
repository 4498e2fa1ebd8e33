"""The default scenario's whole pipeline, run once per session: the end-to-end, report and publication
checks (and, under `make test-scenarios`, the second scenario's comparison) read the same run."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests_support import isolated_settings


@pytest.fixture(scope="session")
def default_pipeline(session_tmp):
    """(run result, settings) of the default scenario, run once through Airflow."""
    from devenv.sandbox_env import sandbox_session
    from outcomes.run import run_pipeline

    data = session_tmp / "e2e-data"
    settings = isolated_settings(data)
    with sandbox_session("default", settings) as on_sandbox:
        result = run_pipeline(on_sandbox, quiet=True)
    workflows = data / "sandbox" / "default_workflows.yml"
    return result, replace(settings, workflows_path=workflows)
