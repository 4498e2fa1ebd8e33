"""Airflow DAG reconcile: re-land the recent past of every incremental stream (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_reconcile_dag

dag = build_reconcile_dag()
