"""Airflow DAG ingest_zendesk: land the zendesk streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("zendesk")
