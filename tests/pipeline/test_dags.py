"""The DAG files: import cleanly, parse without heavy imports, and are wired by Assets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests_support import ROOT, SOURCE_STREAMS


def _dagbag():
    from airflow.models import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_every_dag_imports_without_error():
    bag = _dagbag()
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {f"ingest_{source}" for source in SOURCE_STREAMS} | {
        "transform", "publish", "reconcile", "published_freshness"}


def test_parsing_dags_does_not_import_gx_or_dbt():
    code = (
        "import json, sys; from airflow.models import DagBag; "
        f"b = DagBag(dag_folder={str(ROOT / 'dags')!r}); "
        "print(json.dumps({'errors': len(b.import_errors), 'heavy': sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('great_expectations', 'dbt', 'duckdb', 'pandas'))}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["errors"] == 0
    assert [m for m in report["heavy"] if m.split(".")[0] in ("great_expectations", "dbt")] == []


def test_assets_chain_ingest_to_transform_to_publish():
    from airflow.sdk import Asset  # outlets also hold OpenLineage datasets (outcomes/lineage.py)

    bag = _dagbag()
    landed = set()
    for source in SOURCE_STREAMS:
        for task in bag.dags[f"ingest_{source}"].tasks:
            landed |= {o.uri for o in task.outlets if isinstance(o, Asset)}
    assert landed == {f"x-landing://{source}/{stream}" for source, streams in SOURCE_STREAMS.items()
                      for stream in streams}
    transform = bag.dags["transform"]
    condition = transform.timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"  # any one stream landing is enough
    # polled streams and the webhook streams the receiver lands
    assert {a.uri for a in condition.objects} == landed | {
        "x-landing://github/pull_request_events", "x-landing://zendesk/ticket_events", "x-landing://jira/issue_events"}
    assert {o.uri for t in transform.tasks for o in t.outlets if isinstance(o, Asset)} == {"x-warehouse://outcomes"}
    publish = bag.dags["publish"]
    assert [a.uri for a in publish.timetable.asset_condition.objects] == ["x-warehouse://outcomes"]
    assert {o.uri for t in publish.tasks for o in t.outlets if isinstance(o, Asset)} == {"x-warehouse://analytics"}
    assert [t.task_id for t in publish.topological_sort()] == ["quality_gate", "publish_marts"]


def test_publish_takes_the_build_id_of_the_newest_warehouse_event():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from outcomes.assets import WAREHOUSE
    from outcomes.dag_builders import triggering_build_id

    older = SimpleNamespace(timestamp=datetime(2026, 5, 1, tzinfo=UTC), extra={"build_id": "b-older"})
    newer = SimpleNamespace(timestamp=datetime(2026, 5, 2, tzinfo=UTC), extra={"build_id": "b-newer"})
    assert triggering_build_id({WAREHOUSE: [newer, older]}) == "b-newer"
    assert triggering_build_id({WAREHOUSE: []}) is None
    assert triggering_build_id(None) is None


def test_reconcile_re_lands_every_incremental_stream_and_only_those():
    from airflow.sdk import Asset

    from connectors import sources

    bag = _dagbag()
    tasks = bag.dags["reconcile"].tasks
    merge = {f"x-landing://{m.SOURCE}/{s.name}" for m in sources().values() for s in m.STREAMS
             if s.disposition == "merge"}
    assert {o.uri for t in tasks for o in t.outlets if isinstance(o, Asset)} == merge
    assert "x-landing://harvest/time_entries" in merge and "x-landing://harvest/users" not in merge
    assert len(tasks) == len(merge)
