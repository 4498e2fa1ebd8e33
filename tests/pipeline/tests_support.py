from dataclasses import replace
from pathlib import Path

from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def isolated_settings(data: Path) -> Settings:
    """Settings whose every path lives under `data`."""
    return replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                   state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                   published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                   runs_dir=data / "runs")
