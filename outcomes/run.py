"""`outcomes run`: every DAG once, in order, in this process (dag.test), then the summary.

The connections are whatever is set (AIRFLOW_CONN_OUTCOMES_<SOURCE> or the Airflow metadata DB); `make run`
wraps this in a sandbox session (devenv) so that they point at the simulated vendors.
"""

from __future__ import annotations

import shutil
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from connectors import sources
from outcomes.settings import Settings

# One ingest DAG per source module (outcomes.dag_builders), then the transform and the publish.
PIPELINE_DAGS = (*(f"ingest_{name}" for name in sources()), "transform", "publish")


@dataclass
class RunResult:
    success: bool
    dag_states: dict[str, str] = field(default_factory=dict)
    failed_dag: str | None = None
    seconds: float = 0.0
    report_path: Path | None = None


def run_pipeline(settings: Settings, dags=PIPELINE_DAGS, quiet: bool = False) -> RunResult:
    from outcomes import airflow_env
    from outcomes.report import print_run_summary

    started = time.monotonic()
    result = RunResult(success=True)
    shutil.rmtree(settings.runs_dir, ignore_errors=True)  # the summary describes this run only
    settings.export()
    airflow_env.configure(settings)
    from outcomes.task_progress import task_progress  # imports Airflow: after configure

    if not quiet:
        print("preparing Airflow (isolated home, SQLite metadata DB)...", flush=True)
    airflow_env.ensure_db()
    bag = airflow_env.load_dags()
    for dag_id in dags:
        t0 = time.monotonic()
        if not quiet:
            print(f"  {dag_id} ...", flush=True)
        with nullcontext() if quiet else task_progress(sys.stdout):
            state = airflow_env.run_dag(bag, dag_id)
        result.dag_states[dag_id] = state
        if not quiet:
            print(f"  {dag_id:<24} {state:<8} {time.monotonic() - t0:6.1f}s", flush=True)
        if state != "success":
            result.success, result.failed_dag = False, dag_id
            break
    if result.success and settings.published_path.exists():
        from outcomes.html_report import write_html_report

        result.report_path = write_html_report(settings.published_path, settings.report_path)
    result.seconds = time.monotonic() - started
    if not quiet:
        print_run_summary(settings, result.seconds)
        if result.report_path:
            print(f"\nHTML report (open it in a browser): {result.report_path}")
    return result

