"""Airflow DAG ingest_openai: land the openai streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("openai")
