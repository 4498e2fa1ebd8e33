"""Airflow DAG published_freshness: alert when the published warehouse is too old (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_freshness_dag

dag = build_freshness_dag()
