"""Airflow DAGs ingest_<source>: one per source in connectors.sources() (see outcomes.dag_builders)."""

from outcomes.dag_builders import build_ingest_dags

globals().update(build_ingest_dags())
