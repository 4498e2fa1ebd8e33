"""Where things live. Every path can be overridden by an environment variable (fsspec URLs for landing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The privacy rule: no published row describes fewer people than this. Below 2 a row may be one person.
MIN_GROUP_SIZE_FLOOR = 2


def _min_group_size(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(f"OUTCOMES_MIN_GROUP_SIZE must be a whole number of at least {MIN_GROUP_SIZE_FLOOR} "
                         f"(the fewest people a published row may describe), got {raw!r}")
    return value


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
    min_identity_coverage: float
    # A CSV of identity overrides read in addition to the dbt seed (same columns), or None.
    extra_identity_overrides: Path | None = None
    # DuckDB inside dbt: its own default memory limit is 80% of the machine. 6 GB of buffers leaves room on a
    # 2-core / 24 GB machine shared with the scheduler and connectors; what does not fit spills to temp.
    duckdb_memory_limit: str = "6GB"
    duckdb_threads: int = 2
    duckdb_temp_dir: Path | None = None
    # a dbt build running longer than this is stopped (its process group is killed) and fails
    build_timeout_seconds: float = 3600.0
    # a batch that does not match its manifest is left out of the build and, unless this is set, blocks publish
    publish_with_quarantined: bool = False
    # a landing stream past its source's dbt error_after blocks publish unless this is set (one never
    # landed always does)
    publish_with_stale_sources: bool = False
    # one stream's extraction, retries and waits included, fails after this (a connection's extra
    # `stream_deadline_seconds` overrides it for that source)
    stream_deadline_seconds: float = 1800.0
    # reconciliation: days re-read daily for late records; weekday (0 = Monday) of the full reload
    resync_days: float = 7.0
    full_reload_weekday: int = 6
    max_batch_records: int = 100_000
    max_rejected_share: float = 0.05
    # a past day of a webhook stream with at least this many batches is compacted into one before a build
    # (connectors/compaction.py); 0 turns compaction off
    compact_min_batches: int = 2
    # besides analytics.duckdb, publish the same tables to this PostgreSQL database (schema `analytics`)
    publish_url: str | None = None
    # the role BI logins are granted: USAGE and SELECT on the published schema, nothing else
    publish_reader_role: str = "analytics_reader"
    # the AI program file (outcomes/program.py); None: `program.yml` beside the workflow catalog
    program_path: Path | None = None

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int) \
                or self.min_group_size < MIN_GROUP_SIZE_FLOOR:
            raise ValueError(f"min_group_size must be a whole number of at least {MIN_GROUP_SIZE_FLOOR} (the fewest "
                             f"people a published row may describe), got {self.min_group_size!r}")

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
            min_group_size=_min_group_size(env("OUTCOMES_MIN_GROUP_SIZE", "5")),
            # share of each source's activity that must resolve to a person for the gate to pass
            min_identity_coverage=float(env("OUTCOMES_MIN_IDENTITY_COVERAGE", "0.9")),
            extra_identity_overrides=Path(extra) if (extra := env("OUTCOMES_EXTRA_IDENTITY_OVERRIDES")) else None,
            duckdb_memory_limit=env("OUTCOMES_DUCKDB_MEMORY_LIMIT", "6GB"),
            duckdb_threads=int(env("OUTCOMES_DUCKDB_THREADS", "2")),
            duckdb_temp_dir=Path(env("OUTCOMES_DUCKDB_TEMP_DIR", str(data / "dbt" / "duckdb_tmp"))),
            build_timeout_seconds=float(env("OUTCOMES_BUILD_TIMEOUT_SECONDS", "3600")),
            stream_deadline_seconds=float(env("OUTCOMES_STREAM_DEADLINE_SECONDS", "1800")),
            resync_days=float(env("OUTCOMES_RESYNC_DAYS", "7")),
            full_reload_weekday=int(env("OUTCOMES_FULL_RELOAD_WEEKDAY", "6")),
            publish_with_quarantined=env("OUTCOMES_PUBLISH_WITH_QUARANTINED", "0").lower() in ("1", "true", "yes"),
            publish_with_stale_sources=env("OUTCOMES_PUBLISH_WITH_STALE_SOURCES", "0").lower() in ("1", "true", "yes"),
            # an incremental stream lands in batches of at most this many records
            max_batch_records=int(env("OUTCOMES_MAX_BATCH_RECORDS", "100000")),
            # a batch whose share of rejected records passes this is refused whole
            max_rejected_share=float(env("OUTCOMES_MAX_REJECTED_SHARE", "0.05")),
            publish_url=env("OUTCOMES_PUBLISH_URL") or None,
            publish_reader_role=env("OUTCOMES_PUBLISH_READER_ROLE", "analytics_reader"),
            compact_min_batches=int(env("OUTCOMES_COMPACT_MIN_BATCHES", "2")),
            program_path=Path(program) if (program := env("OUTCOMES_PROGRAM")) else None,
        )

    @property
    def program_file(self) -> Path:
        """The program file: OUTCOMES_PROGRAM, else beside the catalog, named after it (`workflows.yml` ->
        `program.yml`; the sandbox's `default_workflows.yml` -> `default_program.yml`)."""
        if self.program_path is not None:
            return self.program_path
        return self.workflows_path.with_name(self.workflows_path.name.replace("workflows", "program"))

    @property
    def report_path(self) -> Path:
        """The static HTML report the run writes from the published warehouse."""
        return self.data_dir / "report" / "index.html"

    @property
    def dbt_target(self) -> str:
        """The DuckDB target of the dbt profile that can read this landing zone: `duckdb_s3` registers s3fs
        with DuckDB when the landing zone is on S3 (workers on several machines share it), `duckdb` otherwise."""
        protocol = self.landing_root.split("://", 1)[0] if "://" in self.landing_root else "file"
        if protocol in ("s3", "s3a"):
            return "duckdb_s3"
        if protocol not in ("file", "local"):
            raise ValueError(f"OUTCOMES_LANDING_ROOT {self.landing_root!r}: dbt reads a landing zone on a local "
                             "or shared disk (a path) or on S3 (s3://bucket/prefix), not over " + protocol)
        return "duckdb"

    @property
    def duckdb_env(self) -> dict[str, str]:
        """The DuckDB limits as the dbt profile reads them."""
        temp_dir = self.duckdb_temp_dir or self.data_dir / "dbt" / "duckdb_tmp"
        return {"OUTCOMES_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
                "OUTCOMES_DUCKDB_THREADS": str(self.duckdb_threads),
                "OUTCOMES_DUCKDB_TEMP_DIR": str(temp_dir)}

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
                **self.duckdb_env,
                "OUTCOMES_BUILD_TIMEOUT_SECONDS": str(self.build_timeout_seconds),
                "OUTCOMES_STREAM_DEADLINE_SECONDS": str(self.stream_deadline_seconds),
                "OUTCOMES_RESYNC_DAYS": str(self.resync_days),
                "OUTCOMES_FULL_RELOAD_WEEKDAY": str(self.full_reload_weekday),
                "OUTCOMES_PUBLISH_WITH_QUARANTINED": "1" if self.publish_with_quarantined else "0",
                "OUTCOMES_PUBLISH_WITH_STALE_SOURCES": "1" if self.publish_with_stale_sources else "0",
                "OUTCOMES_MAX_BATCH_RECORDS": str(self.max_batch_records),
                "OUTCOMES_MAX_REJECTED_SHARE": str(self.max_rejected_share),
                "OUTCOMES_PUBLISH_READER_ROLE": self.publish_reader_role,
                "OUTCOMES_COMPACT_MIN_BATCHES": str(self.compact_min_batches),
            }
        )
        if self.publish_url:
            os.environ["OUTCOMES_PUBLISH_URL"] = self.publish_url
        else:
            os.environ.pop("OUTCOMES_PUBLISH_URL", None)
        if self.extra_identity_overrides is not None:
            os.environ["OUTCOMES_EXTRA_IDENTITY_OVERRIDES"] = str(self.extra_identity_overrides)
        else:
            os.environ.pop("OUTCOMES_EXTRA_IDENTITY_OVERRIDES", None)
