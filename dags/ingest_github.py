"""Airflow DAG ingest_github: land the github streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("github")
