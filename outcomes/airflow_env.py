"""Run the DAGs in-process with `dag.test()`: an isolated AIRFLOW_HOME, a migrated SQLite DB, no daemons."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from outcomes.settings import PROJECT_ROOT, Settings

log = logging.getLogger("outcomes.airflow")


def configure(settings: Settings) -> Path:
    """Must run before airflow is imported: Airflow reads its config at import time."""
    home = Path(os.environ.get("AIRFLOW_HOME", settings.data_dir / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    return home


def ensure_db() -> None:
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.initdb()  # idempotent: migrates a fresh or older DB, no-op otherwise
    from outcomes.dag_builders import WAREHOUSE_POOL

    Pool.create_or_update_pool(WAREHOUSE_POOL, slots=1, description="one DuckDB writer", include_deferred=False)


def load_dags():
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag


def run_dag(bag, dag_id: str) -> str:
    """Run one DAG once in this process; return the final state."""
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id}")
    dag_run = dag.test()
    state = str(getattr(dag_run, "state", "unknown"))
    return state.split(".")[-1].lower()
