"""Where things live. Every path can be overridden by an environment variable (fsspec URLs for landing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_root: str
    state_root: str
    warehouse_path: Path
    published_path: Path
    gx_root: Path
    runs_dir: Path
    dbt_project_dir: Path
    workflows_path: Path
    min_group_size: int
    max_landing_age_hours: float
    min_identity_coverage: float
    max_batch_records: int = 100_000
    max_rejected_share: float = 0.05

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        data = Path(env("OUTCOMES_DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
        return cls(
            data_dir=data,
            landing_root=env("OUTCOMES_LANDING_ROOT", str(data / "landing")),
            state_root=env("OUTCOMES_STATE_ROOT", str(data / "state")),
            warehouse_path=Path(env("OUTCOMES_WAREHOUSE_PATH", str(data / "warehouse" / "outcomes.duckdb"))),
            published_path=Path(env("OUTCOMES_PUBLISHED_PATH", str(data / "warehouse" / "analytics.duckdb"))),
            gx_root=Path(env("OUTCOMES_GX_ROOT", str(data / "gx"))),
            runs_dir=data / "runs",
            dbt_project_dir=Path(env("OUTCOMES_DBT_PROJECT_DIR", str(PROJECT_ROOT / "dbt_project"))),
            workflows_path=Path(env("OUTCOMES_WORKFLOWS", str(PROJECT_ROOT / "workflows.yml"))),
            min_group_size=int(env("OUTCOMES_MIN_GROUP_SIZE", "5")),
            max_landing_age_hours=float(env("OUTCOMES_MAX_LANDING_AGE_HOURS", "48")),
            # share of each source's activity that must resolve to a person for the gate to pass
            min_identity_coverage=float(env("OUTCOMES_MIN_IDENTITY_COVERAGE", "0.9")),
            # an incremental stream lands in batches of at most this many records
            max_batch_records=int(env("OUTCOMES_MAX_BATCH_RECORDS", "100000")),
            # a batch whose share of rejected records passes this is refused whole
            max_rejected_share=float(env("OUTCOMES_MAX_REJECTED_SHARE", "0.05")),
        )

    def export(self) -> None:
        """Put the resolved paths in the environment so subprocesses (dbt) and Airflow tasks agree."""
        os.environ.update(
            {
                "OUTCOMES_DATA_DIR": str(self.data_dir),
                "OUTCOMES_LANDING_ROOT": self.landing_root,
                "OUTCOMES_STATE_ROOT": self.state_root,
                "OUTCOMES_WAREHOUSE_PATH": str(self.warehouse_path),
                "OUTCOMES_PUBLISHED_PATH": str(self.published_path),
                "OUTCOMES_GX_ROOT": str(self.gx_root),
                "OUTCOMES_WORKFLOWS": str(self.workflows_path),
                "OUTCOMES_MIN_GROUP_SIZE": str(self.min_group_size),
                "OUTCOMES_MIN_IDENTITY_COVERAGE": str(self.min_identity_coverage),
                "OUTCOMES_MAX_BATCH_RECORDS": str(self.max_batch_records),
                "OUTCOMES_MAX_REJECTED_SHARE": str(self.max_rejected_share),
            }
        )
