"""OpenLineage events from ingest to published marts: every task declares what it reads and writes, and the
events of the default pipeline's run (captured by the OpenLineage file transport, tests/conftest.py) lead from
a published mart back to the vendor streams through the landing zone."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from tests_support import ROOT, SOURCE_STREAMS

from outcomes import lineage


def test_every_task_declares_its_datasets(monkeypatch, tmp_path):
    from airflow.models import DagBag

    monkeypatch.setenv("OUTCOMES_LANDING_ROOT", "s3://lake/outcomes/landing")
    monkeypatch.setenv("OUTCOMES_WAREHOUSE_PATH", str(tmp_path / "outcomes.duckdb"))
    monkeypatch.setenv("OUTCOMES_PUBLISHED_PATH", str(tmp_path / "analytics.duckdb"))
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}

    def names(objects):
        return {(o.namespace, o.name) for o in objects if hasattr(o, "namespace")}

    for source, streams in SOURCE_STREAMS.items():
        for stream in streams:
            task = bag.dags[f"ingest_{source}"].get_task(f"land_{stream}")
            assert names(task.inlets) == {(f"api://{source}", stream)}
            # an object store URL: the bucket is the namespace, the key prefix the name
            assert names(task.outlets) == {("s3://lake", f"outcomes/landing/source={source}/stream={stream}")}
    build = bag.dags["transform"].get_task("dbt_build")
    read = names(build.inlets)
    assert {("s3://lake", f"outcomes/landing/source={s}/stream={t}") for s, ts in SOURCE_STREAMS.items()
            for t in ts} <= read
    assert ("s3://lake", "outcomes/landing/source=github/stream=pull_request_events") in read  # webhook streams
    warehouse = f"duckdb://{tmp_path / 'outcomes.duckdb'}"
    assert (warehouse, "marts.mart_workflow_outcomes") in names(build.outlets)
    publish = bag.dags["publish"].get_task("publish_marts")
    assert names(publish.inlets) == names(build.outlets)
    assert {name for _, name in names(publish.outlets)} == {
        name.replace("marts.", "main.") for _, name in names(build.outlets)}
    assert {ns for ns, _ in names(publish.outlets)} == {f"duckdb://{tmp_path / 'analytics.duckdb'}"}


def _completed(path) -> list[dict]:
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in events if e["eventType"] == "COMPLETE"]


def test_a_published_marts_lineage_reaches_back_to_the_landing_streams_and_vendors(default_pipeline,
                                                                                   openlineage_events_path):
    from outcomes.pipeline import dbt_manifest_path
    from outcomes.published import published_models

    result, settings = default_pipeline
    assert result.success
    # the DAGs declare the marts from the models' YAML; publish copies those of the build's manifest
    assert lineage.declared_published_marts(settings.dbt_project_dir) == sorted(
        (m.schema, m.relation) for m in published_models(dbt_manifest_path(settings)))

    produced_by: dict[tuple, set[str]] = defaultdict(set)
    inputs_of: dict[str, set[tuple]] = defaultdict(set)
    for event in _completed(openlineage_events_path):
        job = f"{event['job']['namespace']}/{event['job']['name']}"
        for dataset in event.get("outputs") or []:
            produced_by[(dataset["namespace"], dataset["name"])].add(job)
        inputs_of[job] |= {(d["namespace"], d["name"]) for d in event.get("inputs") or []}

    published = (f"duckdb://{settings.published_path.resolve()}", "main.mart_workflow_outcomes")
    assert produced_by[published], f"no completed task wrote {published}"
    reached, jobs, frontier = set(), set(), [published]
    while frontier:
        dataset = frontier.pop()
        for job in produced_by.get(dataset, ()):
            if job not in jobs:
                jobs.add(job)
                frontier.extend(inputs_of[job] - reached)
                reached |= inputs_of[job]
    job_names = {job.split("/", 1)[1] for job in jobs}
    assert {"publish.publish_marts", "transform.dbt_build"} <= job_names
    landing = Path(settings.landing_root).resolve()
    for source, streams in SOURCE_STREAMS.items():
        for stream in streams:
            assert ("file", f"{landing}/source={source}/stream={stream}") in reached, (source, stream)
            assert (f"api://{source}", stream) in reached, (source, stream)
            assert f"ingest_{source}.land_{stream}" in job_names
    assert (f"duckdb://{settings.warehouse_path.resolve()}", "marts.mart_workflow_outcomes") in reached
