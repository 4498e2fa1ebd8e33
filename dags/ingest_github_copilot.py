"""Airflow DAG ingest_github_copilot: land the github_copilot streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("github_copilot")
