"""DAG shapes, kept out of dags/ so DAG files stay a few lines and the logic is testable."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from airflow.sdk import BaseHook, dag, task

from outcomes.alerts import WebhookNotifier
from outcomes.assets import PUBLISHED, WAREHOUSE, any_landing_asset, landing_asset

START = datetime(2026, 1, 1)
WAREHOUSE_POOL = "duckdb_writer"  # one slot: DuckDB allows one writing process per file
# Under CeleryExecutor the tasks that write DuckDB go to this queue, which one worker with one slot serves
# (`airflow celery worker --queues duckdb_writer --concurrency 1`): the pool keeps them one at a time, the
# queue keeps them on the machine that holds the warehouse. Other executors ignore queues.
DUCKDB_WRITER_QUEUE = "duckdb_writer"
# Every task of every DAG: one retry after OUTCOMES_RETRY_DELAY_SECONDS, and a failure posts to the
# connection `outcomes_alerts` (outcomes/alerts.py).
DEFAULT_ARGS = {
    "retries": 1,
    "retry_delay": timedelta(seconds=float(os.environ.get("OUTCOMES_RETRY_DELAY_SECONDS", "300"))),
    "on_failure_callback": [WebhookNotifier()],
}
# A task running past these is failed (then retried): the build has its own timeout (OUTCOMES_BUILD_TIMEOUT_
# SECONDS, which kills dbt's process group), this is the backstop; gate and publish take minutes.
TRANSFORM_TIMEOUT = timedelta(seconds=float(os.environ.get("OUTCOMES_BUILD_TIMEOUT_SECONDS", "3600")) + 900)
PUBLISH_TIMEOUT = timedelta(minutes=float(os.environ.get("OUTCOMES_PUBLISH_TIMEOUT_MINUTES", "30")))


def _settings():
    from outcomes.settings import Settings

    return Settings.from_env()


def _lineage_of_stream(source: str, stream: str) -> dict:
    """A landing task's OpenLineage inlets and outlets (outcomes/lineage.py): the vendor's stream in, the
    landing stream out."""
    from outcomes import lineage

    return {"inlets": [lineage.vendor_stream(source, stream)],
            "outlets": [lineage.landing_stream(_settings().landing_root, source, stream)]}


def _published_marts(path) -> list:
    """The published marts, as OpenLineage datasets of the DuckDB file at `path` (the warehouse, where dbt
    builds them in their schema, or the published file, where they are tables of `main`)."""
    from outcomes import lineage

    settings = _settings()
    in_warehouse = path == settings.warehouse_path
    return [lineage.duckdb_table(path, schema if in_warehouse else "main", model)
            for schema, model in lineage.declared_published_marts(settings.dbt_project_dir)]


def build_ingest_dag(source: str, schedule: str = "@hourly"):
    """One DAG per source, one task per stream, each task emitting its stream's landing Asset."""
    from connectors import sources

    module = sources()[source]

    @dag(
        dag_id=f"ingest_{source}",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["ingest", source],
        doc_md=f"Land every stream of **{source}** into the landing zone "
        f"(`source={source}/stream=.../date=.../<batch>.jsonl.gz`). Credentials: Airflow connection "
        f"`outcomes_{source}`. Each batch is validated with GX before it is committed.",
        default_args=DEFAULT_ARGS,
    )
    def ingest():
        for stream in module.STREAMS:

            lineage = _lineage_of_stream(source, stream.name)

            @task(task_id=f"land_{stream.name}", inlets=lineage["inlets"],
                  outlets=[landing_asset(source, stream.name), *lineage["outlets"]])
            def land(stream_name: str = stream.name) -> list[dict]:
                from connectors.config import ConnectionConfig
                from outcomes.pipeline import conn_id_for
                from outcomes.pipeline import ingest as run_ingest

                conn = ConnectionConfig.from_airflow(BaseHook.get_connection(conn_id_for(source)))
                return run_ingest(source, conn, _settings(), streams=[stream_name])

            land()

    return ingest()


def build_ingest_dags(schedule: str = "@hourly") -> dict:
    """`ingest_<source>` for every source in the registry (connectors.sources()), by DAG id."""
    from connectors import sources

    return {f"ingest_{source}": build_ingest_dag(source, schedule) for source in sources()}
def build_reconcile_dag(schedule: str = "@daily"):
    """One DAG re-reading the recent past of every incremental stream (late records; docs/late_data.md).
    Each run re-lands the last `resync_days`; on `full_reload_weekday` it reloads everything."""
    import os

    from connectors import sources

    @dag(
        dag_id="reconcile",
        schedule=os.environ.get("OUTCOMES_RECONCILE_SCHEDULE", schedule),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["ingest", "reconcile"],
        doc_md="Re-lands the last `OUTCOMES_RESYNC_DAYS` (default 7) of every incremental stream, so records "
        "a vendor shows late (back-dated or edited long after) are not lost; on `OUTCOMES_FULL_RELOAD_WEEKDAY` "
        "(default Sunday) a full reload. Staging keeps the latest extraction per key, so nothing is "
        "duplicated; cursors do not move. Where the vendor gives totals, a count difference is a warning.",
        default_args=DEFAULT_ARGS,
    )
    def reconcile():
        for source, module in sources().items():
            for stream in module.STREAMS:
                if stream.disposition != "merge":
                    continue

                lineage = _lineage_of_stream(source, stream.name)

                @task(task_id=f"reconcile_{source}_{stream.name}", inlets=lineage["inlets"],
                      outlets=[landing_asset(source, stream.name), *lineage["outlets"]])
                def run(source: str = source, stream_name: str = stream.name, logical_date=None) -> list[dict]:
                    from connectors.config import ConnectionConfig
                    from outcomes.pipeline import conn_id_for
                    from outcomes.pipeline import reconcile as run_reconcile

                    settings = _settings()
                    conn = ConnectionConfig.from_airflow(BaseHook.get_connection(conn_id_for(source)))
                    full = logical_date is not None and logical_date.weekday() == settings.full_reload_weekday
                    return run_reconcile(source, conn, settings, streams=[stream_name], full=full)

                run()

    return reconcile()


def transform_schedule():
    """Any polled stream or any webhook stream landing a batch (AssetAny)."""
    from connectors.webhooks import webhook_streams

    return reduce(or_, [landing_asset(source, stream) for source, stream in webhook_streams()], any_landing_asset())


# Bursts coalesce: with max_active_runs=1 the scheduler creates no run while one is queued or running, and
# the asset events that arrive meanwhile wait as one queue entry per asset, so ten batches in a minute
# cause the running transform plus one more, never ten queued runs. The one-slot pool keeps the transform
# and the publish from ever opening the DuckDB file at the same time.
def build_transform_dag():
    @dag(
        dag_id="transform",
        schedule=transform_schedule(),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["transform", "dbt"],
        default_args=DEFAULT_ARGS,
        doc_md="Runs one `dbt build` over the landing zone when any stream lands a batch (polled or webhook). "
        "Batches that land while it runs are taken by the next run, so bursts coalesce. A run that only "
        "webhook streams triggered builds their models and what depends on them. "
        "Model and test results are in the task log and `data/runs/transform.json`.",
    )
    def transform():
        from connectors import landing_streams
        from outcomes import lineage

        settings = _settings()
        # lineage: every landing stream staging reads in, the published marts out
        read = [lineage.landing_stream(settings.landing_root, *key.split("/")) for key in landing_streams()]

        @task(inlets=read, outlets=[WAREHOUSE, *_published_marts(settings.warehouse_path)], pool=WAREHOUSE_POOL,
              queue=DUCKDB_WRITER_QUEUE, execution_timeout=TRANSFORM_TIMEOUT)
        def dbt_build(triggering_asset_events=None, outlet_events=None) -> dict:
            from outcomes.pipeline import transform as run_transform
            from outcomes.pipeline import webhook_only_selection

            settings = _settings()
            uris = [getattr(asset, "uri", "") for asset in (triggering_asset_events or {})]
            summary = run_transform(settings, select=webhook_only_selection(settings, uris))
            # the publish DAG checks that the warehouse still holds exactly this build
            outlet_events[WAREHOUSE].extra = {"build_id": summary["build_id"]}
            return summary

        dbt_build()

    return transform()


def triggering_build_id(triggering_asset_events) -> str | None:
    """The build id in the newest warehouse Asset event that triggered this run (None for a manual run:
    gate and publish then take the recorded build, still checked against the warehouse)."""
    events = list(triggering_asset_events.get(WAREHOUSE) or []) if triggering_asset_events else []
    for event in sorted(events, key=lambda e: e.timestamp, reverse=True):
        build_id = (getattr(event, "extra", None) or {}).get("build_id")
        if build_id:
            return build_id
    return None


def publish_connection_url() -> str | None:
    """The PostgreSQL publication from the Airflow connection `outcomes_publish`, if one is defined
    (OUTCOMES_PUBLISH_URL, when set, is used instead)."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    from outcomes.publish_postgres import PUBLISH_CONN_ID, url_from_connection

    try:
        conn = BaseHook.get_connection(PUBLISH_CONN_ID)
    except AirflowNotFoundException:  # not defined: analytics.duckdb only
        return None
    return url_from_connection(conn)


def build_publish_dag():
    @dag(
        dag_id="publish",
        schedule=[WAREHOUSE],
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["publish", "quality"],
        default_args=DEFAULT_ARGS,
        doc_md="Great Expectations gate over the fresh warehouse, then an atomic publish of the marts to "
        "`analytics.duckdb` (and to PostgreSQL schema `analytics` when `OUTCOMES_PUBLISH_URL` or the connection "
        "`outcomes_publish` is set). A failed critical check stops here and the last good file stays. Both check that "
        "the warehouse holds the build named in the triggering warehouse event (`extra.build_id`).",
    )
    def publish():
        @task(pool=WAREHOUSE_POOL, queue=DUCKDB_WRITER_QUEUE, execution_timeout=PUBLISH_TIMEOUT)
        def quality_gate(triggering_asset_events=None) -> dict:
            from outcomes.pipeline import gate

            return gate(_settings(), build_id=triggering_build_id(triggering_asset_events))

        settings = _settings()

        @task(inlets=_published_marts(settings.warehouse_path),
              outlets=[PUBLISHED, *_published_marts(settings.published_path)], pool=WAREHOUSE_POOL,
              queue=DUCKDB_WRITER_QUEUE, execution_timeout=PUBLISH_TIMEOUT)
        def publish_marts(triggering_asset_events=None) -> dict:
            from outcomes.pipeline import publish as run_publish

            return run_publish(_settings(), build_id=triggering_build_id(triggering_asset_events),
                               publish_url=publish_connection_url())

        quality_gate() >> publish_marts()

    return publish()


def build_freshness_dag(schedule: str = "@hourly"):
    """The published warehouse's age against OUTCOMES_MAX_PUBLISHED_AGE_HOURS: a too-old (or missing)
    publication fails the task, which notifies like any failure."""

    @dag(
        dag_id="published_freshness",
        schedule=os.environ.get("OUTCOMES_FRESHNESS_SCHEDULE", schedule),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["alerting"],
        doc_md="Fails (and so notifies through the connection `outcomes_alerts`) when `analytics.duckdb` was "
        "published more than `OUTCOMES_MAX_PUBLISHED_AGE_HOURS` (default 26) hours ago, or never: the "
        "pipeline has stopped publishing even if no task failed (paused DAGs, a vendor sending nothing).",
        default_args={**DEFAULT_ARGS, "retries": 0},
    )
    def published_freshness():
        @task(execution_timeout=timedelta(minutes=5))
        def check_published_age() -> dict:
            from outcomes.alerts import check_published_age as check
            from outcomes.alerts import max_published_age_hours

            return check(_settings().published_path, max_published_age_hours())

        check_published_age()

    return published_freshness()
