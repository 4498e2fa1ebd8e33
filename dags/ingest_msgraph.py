"""Airflow DAG ingest_msgraph: land the msgraph streams (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dag

dag = build_ingest_dag("msgraph")
