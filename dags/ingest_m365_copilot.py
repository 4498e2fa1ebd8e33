"""Airflow DAG ingest_m365_copilot: land the m365_copilot streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("m365_copilot")
