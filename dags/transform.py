"""Airflow DAG transform: one dbt build when any landing Asset updates (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_transform_dag

dag = build_transform_dag()
