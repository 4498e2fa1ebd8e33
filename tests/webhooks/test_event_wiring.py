"""Webhook streams drive the transform like polled streams, and bursts coalesce instead of queueing runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _dags():
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    return bag.dags["transform"], bag.dags["publish"]


def test_each_webhook_stream_is_a_landing_asset_that_triggers_the_transform():
    transform, _ = _dags()
    condition = transform.timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"
    uris = {a.uri for a in condition.objects}
    assert {"x-landing://github/pull_request_events", "x-landing://zendesk/ticket_events",
            "x-landing://jira/issue_events"} <= uris
    assert "x-landing://zendesk/tickets" in uris  # the polled streams still trigger it too


def test_bursts_coalesce_and_the_warehouse_has_one_writer():
    # max_active_runs=1: while a run is queued or running the scheduler creates none, and asset events
    # wait as one queue row per asset, so a burst becomes the running transform plus at most one more.
    transform, publish = _dags()
    assert transform.max_active_runs == 1 and publish.max_active_runs == 1
    assert {t.pool for t in transform.tasks} | {t.pool for t in publish.tasks} == {"duckdb_writer"}
