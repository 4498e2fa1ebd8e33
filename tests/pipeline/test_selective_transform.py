"""A transform that only webhook batches triggered builds their models and what depends on them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from connectors import landing_streams
from outcomes.dbt_models import dbt_model_vars
from outcomes.pipeline import record_step, webhook_only_selection
from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GITHUB_EVENTS = "x-landing://github/pull_request_events"
ZENDESK_EVENTS = "x-landing://zendesk/ticket_events"


def _settings(tmp_path) -> Settings:
    return replace(Settings.from_env(), data_dir=tmp_path, runs_dir=tmp_path / "runs")


def test_the_first_build_is_always_full(tmp_path):
    assert webhook_only_selection(_settings(tmp_path), [GITHUB_EVENTS]) is None


def test_webhook_only_runs_select_their_staging_models_and_descendants(tmp_path):
    settings = _settings(tmp_path)
    record_step(settings, "transform", {"success": True, "selected": None, "full_build_done": True})
    assert webhook_only_selection(settings, [GITHUB_EVENTS]) == "stg_github__pull_request_events+"
    assert webhook_only_selection(settings, [ZENDESK_EVENTS, GITHUB_EVENTS, GITHUB_EVENTS]) == (
        "stg_github__pull_request_events+ stg_zendesk__ticket_events+")


def test_a_polled_batch_or_a_failed_build_means_a_full_build(tmp_path):
    settings = _settings(tmp_path)
    record_step(settings, "transform", {"success": True, "selected": None, "full_build_done": True})
    assert webhook_only_selection(settings, [GITHUB_EVENTS, "x-landing://github/pull_requests"]) is None
    assert webhook_only_selection(settings, []) is None  # a manual run
    record_step(settings, "transform", {"success": False, "selected": None, "full_build_done": False})
    assert webhook_only_selection(settings, [GITHUB_EVENTS]) is None


def test_the_selection_names_real_models_with_the_webhook_mart_downstream(tmp_path):
    settings = _settings(tmp_path)
    record_step(settings, "transform", {"success": True, "selected": None, "full_build_done": True})
    selection = webhook_only_selection(settings, [GITHUB_EVENTS, ZENDESK_EVENTS, "x-landing://jira/issue_events"])
    project = ROOT / "dbt_project"
    out = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "ls", "--project-dir", str(project), "--profiles-dir",
         str(project), "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--resource-type", "model", "--output", "name", "--select", *selection.split(),
         "--vars", json.dumps(dbt_model_vars(project, landing_streams=landing_streams()))],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:]
    models = set(out.stdout.split())
    assert {"stg_github__pull_request_events", "stg_zendesk__ticket_events", "stg_jira__issue_events",
            "mart_webhook_events_daily", "int_kpi_items", "mart_workflow_outcomes"} <= models
    # polled staging is not rebuilt: nothing it reads has changed
    assert not {"stg_jira__issues", "stg_zendesk__tickets", "stg_github_copilot__users_daily"} & models
