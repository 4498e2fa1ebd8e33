"""Airflow DAG publish: GX gate then atomic publish, after each transform (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_publish_dag

dag = build_publish_dag()
