"""Airflow DAG ingest_harvest: land the harvest streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("harvest")
