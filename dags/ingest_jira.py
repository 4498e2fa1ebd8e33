"""Airflow DAG ingest_jira: land the jira streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("jira")
