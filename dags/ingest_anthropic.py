"""Airflow DAG ingest_anthropic: land the anthropic streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("anthropic")
