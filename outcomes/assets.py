"""Airflow Assets: each landed stream, the private warehouse and the published warehouse."""

from __future__ import annotations

from functools import reduce

from airflow.sdk import Asset


def landing_asset(source: str, stream: str) -> Asset:
    return Asset(name=f"landing.{source}.{stream}", uri=f"x-landing://{source}/{stream}")


WAREHOUSE = Asset(name="warehouse.outcomes", uri="x-warehouse://outcomes")
PUBLISHED = Asset(name="warehouse.analytics", uri="x-warehouse://analytics")


def all_landing_assets() -> list[Asset]:
    from connectors import sources

    return [landing_asset(s.source, s.name) for m in sources().values() for s in m.STREAMS]


def any_landing_asset():
    """Transform runs when any stream lands a batch (AssetAny)."""
    return reduce(lambda a, b: a | b, all_landing_assets())
