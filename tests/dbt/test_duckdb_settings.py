"""dbt's DuckDB under the project's profile: the memory limit, threads and spill directory from the environment
hold for every model, and a build goes on after a query has spilled to disk.

A throwaway project uses the real profile (profiles.yml of dbt_project): a model sorts more rows than the
memory limit holds, so DuckDB spills to the temp directory, and the models after it open new cursors. With the
database settings given as dbt-duckdb `settings` (SET on every cursor) the second model failed: DuckDB refuses
to switch temp_directory once it has been used, even to the same path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

MODELS = {
    # about 20 million (bigint, ubigint) rows sorted: far more than 150 MB, so the sort spills
    "spilled": "select i, hash(i) as h from range(20000000) as t(i) order by h",
    "after_spill": "select count(*) as n from {{ ref('spilled') }}",
    "settings_seen": """
        select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads,
               current_setting('temp_directory') as temp_directory, current_setting('TimeZone') as time_zone,
               current_setting('preserve_insertion_order') as preserve_insertion_order
        from {{ ref('after_spill') }}
    """,
}


def test_a_build_goes_on_after_a_spill_with_the_configured_limits(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: spill_check\nversion: '1.0'\nprofile: ai_outcomes\nmodels:\n  spill_check:\n    +materialized: table\n")
    for name, sql in MODELS.items():
        (project / "models" / f"{name}.sql").write_text(sql)
    warehouse, spill = tmp_path / "w.duckdb", tmp_path / "spill"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "OUTCOMES_WAREHOUSE_PATH": str(warehouse),
           "OUTCOMES_DUCKDB_MEMORY_LIMIT": "150MB", "OUTCOMES_DUCKDB_THREADS": "2",
           "OUTCOMES_DUCKDB_TEMP_DIR": str(spill)}
    result = subprocess.run([str(DBT), "run", "--project-dir", str(project), "--profiles-dir", str(PROFILES),
                             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                            cwd=project, env=env, capture_output=True, text=True, timeout=600)
    # before the settings moved to config_options: "Cannot switch temporary directory after the current one has
    # been used" on the model after the spill
    assert result.returncode == 0, result.stdout[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select n from main.after_spill").fetchone() == (20_000_000,)
        memory_limit, threads, temp_directory, time_zone, insertion_order = con.execute(
            "select * from main.settings_seen").fetchone()
    finally:
        con.close()
    # DuckDB reports the limit in its own units (150 MB = 143.0 MiB)
    assert memory_limit.replace(" ", "") in ("143.0MiB", "150.0MB"), memory_limit
    assert (int(threads), temp_directory, time_zone, insertion_order) == (2, str(spill), "UTC", False)
