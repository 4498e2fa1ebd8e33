"""The seeds, intermediate and mart models (with their data and unit tests) run on PostgreSQL and publish the
same rows as on DuckDB.

Staging reads the landing zone with DuckDB functions, so it is DuckDB-only by design: test_dbt_build's
hand-made landing zone, plus rows for every other model (see write_landing), is built on DuckDB with the
same --vars, every staging model's rows are copied into Postgres tables of
the relation names the postgres target uses, and `dbt build --target postgres` runs everything else on top
(seeds, intermediate, marts, their data tests, including those reaching into staging, and their unit tests).
Layers land in fixed schemas (staging, intermediate, marts, seeds; see macros/generate_schema_name.sql), so
each run gets a database of its own, dropped afterwards.

Skipped, with the reason, only when PostgreSQL is not reachable (OUTCOMES_PG_HOST / _PORT / _USER /
_PASSWORD / _DBNAME, defaults 127.0.0.1:5432, postgres, postgres: the `postgres` target's defaults).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import sql

from connectors import landing_streams
from outcomes.dbt_models import dbt_model_vars
from sandbox.webhooks import github_pull_request_merged, jira_issue_done, zendesk_ticket_solved

sys.path.insert(0, str(Path(__file__).parent))
import make_landing_fixture as fixture  # noqa: E402
import test_ai_usage_staging as ai_usage  # noqa: E402
import test_audit_marts as audit  # noqa: E402
import test_kpi_staging as kpi  # noqa: E402
import test_outcome_marts as outcome_marts  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

PG = {
    "host": os.environ.get("OUTCOMES_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("OUTCOMES_PG_PORT", "5432")),
    "user": os.environ.get("OUTCOMES_PG_USER", "postgres"),
    "password": os.environ.get("OUTCOMES_PG_PASSWORD", ""),
    "dbname": os.environ.get("OUTCOMES_PG_DBNAME", "postgres"),
}
BUILT_SCHEMAS = ("seeds", "intermediate", "marts")
pytestmark = pytest.mark.services


def webhook_record(event: str, delivery_id: str, received_at: datetime, payload: dict) -> dict:
    """A delivery as the receiver lands it (connectors/webhooks/app.py)."""
    return {"delivery_id": delivery_id, "event": event, "received_at": received_at.isoformat().replace("+00:00", "Z"),
            "headers": {}, "payload": payload}


def write_landing(root: Path) -> Path:
    """test_dbt_build's hand-made landing zone (which fixes the Support workflow's effect), plus rows for every
    other model: the Lab team of test_outcome_marts (adoption segments, usage without outcomes), the KPI
    sources of test_kpi_staging, the AI-usage sources of test_ai_usage_staging, the Lab's usage audit of
    test_audit_marts, and one delivery per webhook stream. None of them touches the Support workflow's people
    or windows."""
    outcome_marts.write_landing(root, with_later_activity=False)  # fixture.write_fixture + the Lab team
    kpi.write_kpi_landing(root)
    ai_usage.write_landing(root)
    audit.write_landing(root)
    received = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)
    created, done = datetime(2026, 1, 5, 9, 0, tzinfo=UTC), datetime(2026, 1, 6, 15, 30, tzinfo=UTC)
    fixture.write_batch(root, "zendesk", "ticket_events", [
        webhook_record("ticket.status_changed", "ev-new", received, zendesk_ticket_solved(
            900_000_123, 1001, 1002, created, done, event_id="ev-new")),
        webhook_record("ticket.status_changed", "ev-polled", received, zendesk_ticket_solved(
            80001, 1001, 1002, created, done, event_id="ev-polled")),
    ], received, "wz000001")
    fixture.write_batch(root, "github", "pull_request_events", [webhook_record(
        "pull_request.closed", "gh-delivery-1", received,
        github_pull_request_merged(1_900_000_001, 2001, "octocat", created, done))], received, "wg000001")
    fixture.write_batch(root, "jira", "issue_events", [webhook_record(
        "jira:issue_updated", "jira-delivery-1", received,
        jira_issue_done(10_099, "ENG-99", "5b10ac8d82e05b22cc7d4ef5", created, done))], received, "wj000001")
    return root


# The fixture's short windows for the win finder, as its catalog has them, and a program file's entries, so
# that mart_win_candidates and stg_catalog__program have rows to compare.
FIXTURE_VARS = {
    "win_baseline_days": fixture.BASELINE_DAYS, "win_cohort_days": fixture.COHORT_DAYS,
    "win_post_days": fixture.POST_DAYS, "win_min_items": 1,
    "program": [{"team": "Support", "outcome_metrics": [{"kpi": "zendesk_resolution_hours", "task": None}]}],
}


def dbt_build(tmp: Path, target: str, env: dict[str, str], *args: str,
              extra_vars: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env}
    return subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", target,
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--vars", json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams(),
                                             **{**FIXTURE_VARS, **(extra_vars or {})})), *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )


def pg_connect(dbname: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(**{**PG, "dbname": dbname or PG["dbname"]}, connect_timeout=5, **kwargs)


def pg_type(duckdb_type: str) -> str:
    """The Postgres column type holding a DuckDB column's values faithfully."""
    t = duckdb_type.upper()
    if m := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t):
        return f"numeric({m[1]}, {m[2]})"
    if t.endswith("[]") or t.startswith(("STRUCT", "MAP", "UNION")) or t == "JSON":
        return "text"  # as JSON text
    types = {
        "VARCHAR": "text", "BOOLEAN": "boolean", "DATE": "date", "TIME": "time", "INTERVAL": "interval",
        "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "UUID": "uuid",
        "TINYINT": "smallint", "SMALLINT": "smallint", "INTEGER": "integer", "BIGINT": "bigint",
        "UTINYINT": "smallint", "USMALLINT": "integer", "UINTEGER": "bigint", "UBIGINT": "numeric(20, 0)",
        "HUGEINT": "numeric(39, 0)", "FLOAT": "real", "DOUBLE": "double precision",
    }
    assert t in types, f"no Postgres type for DuckDB type {duckdb_type}: extend pg_type"
    return types[t]


def pg_value(value, duckdb_type: str):
    if value is not None and pg_type(duckdb_type) == "text" and duckdb_type.upper() != "VARCHAR":
        return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return value


def copy_staging(ddb: duckdb.DuckDBPyConnection, pg: psycopg.Connection) -> dict[str, int]:
    """Every staging relation of the DuckDB build as a Postgres table of the same name; returns row counts."""
    counts = {}
    pg.execute("create schema staging")
    relations = [r[0] for r in ddb.execute(
        "select table_name from information_schema.tables where table_schema = 'staging' order by 1").fetchall()]
    assert relations, "the DuckDB build has no staging relations"
    for name in relations:
        columns = ddb.execute("""
            select column_name, data_type from information_schema.columns
            where table_schema = 'staging' and table_name = ? order by ordinal_position""", [name]).fetchall()
        table = sql.Identifier("staging", name)
        pg.execute(sql.SQL("create table {} ({})").format(table, sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(col), sql.SQL(pg_type(typ))) for col, typ in columns)))
        rows = ddb.execute(f'select * from staging."{name}"').fetchall()
        with pg.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(
                table, sql.SQL(", ").join(sql.Identifier(col) for col, _ in columns))) as copy:
            for row in rows:
                copy.write_row([pg_value(v, typ) for v, (_, typ) in zip(row, columns, strict=True)])
        counts[name] = len(rows)
    pg.commit()
    return counts


def pg_reachable() -> str | None:
    """None when something listens on the PostgreSQL address, else why not."""
    try:
        socket.create_connection((PG["host"], PG["port"]), timeout=3).close()
    except OSError as exc:
        return f"PostgreSQL not reachable at {PG['host']}:{PG['port']} (set OUTCOMES_PG_HOST / OUTCOMES_PG_PORT): {exc}"
    return None


@pytest.fixture(scope="module")
def pg_admin() -> psycopg.Connection:
    if reason := pg_reachable():
        pytest.skip(reason)
    # Reachable: from here on a refused login or a missing privilege fails the test, it never skips it.
    con = pg_connect(autocommit=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pg_database(pg_admin) -> str:
    """A database of its own for this run (the layers' schema names are fixed), dropped afterwards."""
    name = f"outcomes_pgtest_{uuid.uuid4().hex[:12]}"
    pg_admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield name
    pg_admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, pg_admin) -> Path:
    """The landing zone built on DuckDB as test_dbt_build does; returns the build directory."""
    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    landing = write_landing(tmp / "landing")
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir()
    # the shipped overrides seed is empty: a second file links the Jira account that hides its email
    overrides = tmp / "extra_identity_overrides.csv"
    overrides.write_text(f"source,source_user_id,email\njira,{kpi.HIDDEN['accountId']},{outcome_marts.lab(1)[0]}\n")
    # what the transform's `dbt source freshness` writes (outcomes.pipeline.source_freshness), so the freshness
    # models have rows to compare
    freshness = tmp / "source_freshness.jsonl"
    freshness.write_text(
        '{"source": "zendesk", "stream": "tickets", "warn_after_hours": 24, "error_after_hours": 72, "status": "warn", '
        '"max_loaded_at": "2026-03-25T02:00:00.123456+00:00", "snapshotted_at": "2026-03-26T08:00:00+00:00", '
        '"age_hours": 30.0, "message": null}\n'
        '{"source": "jira", "stream": "issues", "warn_after_hours": 24, "error_after_hours": 72, '
        '"status": "runtime error", "max_loaded_at": null, "snapshotted_at": null, "age_hours": null, '
        '"message": "no committed batch"}\n')
    result = dbt_build(tmp, "duckdb", {"OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db)},
                       extra_vars={"extra_identity_overrides": str(overrides), "source_freshness": str(freshness)})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return tmp


@pytest.fixture(scope="module")
def ddb(duckdb_build) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(duckdb_build / "warehouse" / "outcomes.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pg_build(tmp_path_factory, duckdb_build, ddb, pg_database) -> Path:
    """Staging copied from DuckDB, then seeds, intermediate and marts with their tests built on Postgres;
    returns the build directory."""
    with pg_connect(pg_database) as con:
        copy_staging(ddb, con)
    tmp = tmp_path_factory.mktemp("dbt_postgres")
    env = {"OUTCOMES_LANDING_ROOT": str(duckdb_build / "landing"), "OUTCOMES_PG_DBNAME": pg_database,
           "OUTCOMES_PG_HOST": PG["host"], "OUTCOMES_PG_PORT": str(PG["port"]), "OUTCOMES_PG_USER": PG["user"],
           "OUTCOMES_PG_PASSWORD": PG["password"]}
    # selecting (not excluding staging) keeps the tests that reach from these models into staging
    result = dbt_build(tmp, "postgres", env, "--select", "path:seeds", "path:models/intermediate", "path:models/marts")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # the adoption marts again, incrementally (macros/rebuilt_weeks.sql): nothing changed, so only the last
    # week is recomputed; a value planted in it goes, and the tables compared below are this build's
    with pg_connect(pg_database, autocommit=True) as con:
        for mart in ("mart_adoption_weekly", "mart_adoption_segments"):
            assert con.execute(f"update marts.{mart} set engaged_n = -1 where week_start = "
                               f"(select max(week_start) from marts.{mart})").rowcount > 0
    again = tmp / "again"
    result = dbt_build(again, "postgres", env, "--select", "mart_adoption_weekly", "mart_adoption_segments")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    log = (again / "logs" / "dbt.log").read_text()
    assert "mart_adoption_weekly: weeks from " in log and "mart_adoption_segments: weeks from " in log
    return tmp


@pytest.fixture(scope="module")
def pg(pg_build, pg_database) -> psycopg.Connection:
    con = pg_connect(pg_database, autocommit=True)
    yield con
    con.close()


def run_results(build_dir: Path) -> dict[str, str]:
    return {r["unique_id"]: r["status"]
            for r in json.loads((build_dir / "target" / "run_results.json").read_text())["results"]}


def cell(value):
    """A value comparable across the two warehouses: (kind, value), so a boolean never equals a number nor a
    timestamp a date; numbers as floats (compared with a tolerance), aware timestamps as naive UTC."""
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float | Decimal):
        return (2, float(value))
    if isinstance(value, datetime):
        return (3, value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value)
    if isinstance(value, date):
        return (4, value)
    return (5, str(value))


def same_cell(a: tuple, b: tuple) -> bool:
    # DuckDB's dbt.type_float() is a 4-byte REAL, Postgres's a double: equal to about 7 significant digits.
    if a[0] == b[0] == 2:
        return math.isclose(a[1], b[1], rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def table_rows(con, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    """Columns by name, and rows sorted, with cells as by cell()."""
    cur = con.execute(f'select * from "{schema}"."{table}"')
    columns = [d[0] for d in cur.description]
    order = sorted(range(len(columns)), key=columns.__getitem__)
    return sorted(columns), sorted(tuple(cell(row[i]) for i in order) for row in cur.fetchall())


def row_differences(ddb, pg, schema: str, table: str) -> str | None:
    d_cols, d_rows = table_rows(ddb, schema, table)
    p_cols, p_rows = table_rows(pg, schema, table)
    if d_cols != p_cols:
        return f"{schema}.{table}: columns {d_cols} on DuckDB, {p_cols} on Postgres"
    if len(d_rows) != len(p_rows):
        return f"{schema}.{table}: {len(d_rows)} rows on DuckDB, {len(p_rows)} on Postgres"
    for d_row, p_row in zip(d_rows, p_rows, strict=True):
        if differing := {col: (a[1], b[1]) for col, a, b in zip(d_cols, d_row, p_row, strict=True)
                         if not same_cell(a, b)}:
            return f"{schema}.{table}: first differing row, (DuckDB, Postgres) by column: {differing}"
    return None


TYPE_FAMILIES = {  # information_schema data_type (DuckDB upper case, Postgres lower case) -> family
    "varchar": "text", "text": "text", "character varying": "text",
    "bigint": "integer", "integer": "integer", "smallint": "integer",
    "double": "float", "float": "float", "double precision": "float", "real": "float",
    "numeric": "numeric", "boolean": "boolean", "date": "date",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
}


def type_family(data_type: str) -> str:
    t = data_type.lower()
    return "numeric" if t.startswith("decimal") else TYPE_FAMILIES.get(t, t)


def column_types(con, schema: str) -> dict[tuple[str, str], str]:
    cur = con.execute(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = "
        + ("?" if isinstance(con, duckdb.DuckDBPyConnection) else "%s"), [schema])
    return {(t, c): type_family(typ) for t, c, typ in cur.fetchall()}


def duckdb_tables(ddb, schema: str) -> list[str]:
    return [r[0] for r in ddb.execute("""
        select table_name from information_schema.tables
        where table_schema = ? and table_type = 'BASE TABLE' order by 1""", [schema]).fetchall()]


def test_every_model_has_rows_to_compare(ddb):
    """Otherwise a model's SQL would run on Postgres without ever being checked against DuckDB."""
    empty = [f"{schema}.{table}" for schema in ("staging", *BUILT_SCHEMAS)
             for table in [r[0] for r in ddb.execute(
                 "select table_name from information_schema.tables where table_schema = ?", [schema]).fetchall()]
             if ddb.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0] == 0]
    # the customer's overrides seed ships empty; its rows reach the models through stg_identity_overrides
    assert empty == ["seeds.identity_overrides"]


def test_the_extra_overrides_file_links_an_account_nothing_else_can(ddb):
    # the Jira account hides its email: only the file named by var extra_identity_overrides links it
    rows = ddb.execute("""
        select m.match_method, u.mail from intermediate.int_identity_map as m
        join staging.stg_msgraph__users as u on u.user_id = m.person_key
        where m.source = 'jira' and m.source_user_id = ?""", [kpi.HIDDEN["accountId"]]).fetchall()
    assert rows == [("override", outcome_marts.lab(1)[0])]


def test_everything_but_staging_builds_and_passes_on_postgres(duckdb_build, pg_build):
    on_pg = run_results(pg_build)
    assert {"seed", "model", "test", "unit_test"} <= {uid.split(".")[0] for uid in on_pg}
    failed = {uid: status for uid, status in on_pg.items() if status not in ("success", "pass")}
    assert not failed
    manifest = json.loads((duckdb_build / "target" / "manifest.json").read_text())
    paths = {uid: n["original_file_path"] for uid, n in [*manifest["nodes"].items(), *manifest["unit_tests"].items()]}
    # the same seeds, models, data tests and unit tests as on DuckDB, less staging's own
    expected = {uid for uid in run_results(duckdb_build) if not paths[uid].startswith("models/staging/")}
    assert set(on_pg) == expected


@pytest.mark.parametrize("schema", BUILT_SCHEMAS)
def test_postgres_tables_equal_duckdb_row_by_row(ddb, pg, schema):
    tables = duckdb_tables(ddb, schema)
    assert tables
    pg_tables = {r[0] for r in pg.execute(
        "select table_name from information_schema.tables where table_schema = %s", [schema]).fetchall()}
    assert pg_tables == set(tables)
    differences = [d for table in tables if (d := row_differences(ddb, pg, schema, table))]
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("schema", BUILT_SCHEMAS)
def test_postgres_column_types_match_duckdb(ddb, pg, schema):
    """Integers stay integers, figures stay floats (not numerics), dates stay dates, on both warehouses."""
    on_duckdb, on_pg = column_types(ddb, schema), column_types(pg, schema)
    assert set(on_pg) == set(on_duckdb)
    assert {k: (v, on_pg[k]) for k, v in on_duckdb.items() if v != on_pg[k]} == {}


def test_workflow_effect_on_postgres_equals_hand_computation(pg):
    cols = list(fixture.EXPECTED_SUPPORT_EFFECT)
    cur = pg.execute(
        f"select {', '.join(cols)}, status, evidence, verdict, meets_target from marts.mart_workflow_outcomes")
    rows = cur.fetchall()
    assert len(rows) == 1
    got = dict(zip([d[0] for d in cur.description], rows[0], strict=True))
    for key, expected in fixture.EXPECTED_SUPPORT_EFFECT.items():
        assert float(got[key]) == pytest.approx(expected, abs=0.005), key
    assert (got["status"], got["evidence"], got["verdict"], got["meets_target"]) == (
        "ok", "observational", "improved", True)


def test_lab_segments_and_usage_without_outcomes_on_postgres(pg):
    cols = list(outcome_marts.EXPECTED_LAB)
    row = pg.execute(f"""
        select {', '.join(cols)} from marts.mart_adoption_segments
        where team = 'Lab A' and tool = 'any' and week_start = %s""", [outcome_marts.LAST_WEEK]).fetchone()
    assert row is not None
    for key, value in zip(cols, row, strict=True):
        assert float(value) == pytest.approx(outcome_marts.EXPECTED_LAB[key]), key
    flagged = pg.execute("select subject_type, subject from marts.mart_usage_without_outcomes").fetchall()
    assert flagged == [("team", "Lab A")]


def test_identity_coverage_on_postgres(ddb, pg):
    sql_ = "select source, activity_n, resolved_activity_n, coverage from marts.mart_identity_coverage order by 1"
    on_pg = pg.execute(sql_).fetchall()
    assert [r[0] for r in on_pg] == [r[0] for r in ddb.execute(sql_).fetchall()]
    coverage = {source: float(c) for source, _, _, c in on_pg}
    assert coverage["zendesk"] == pytest.approx(0.9583)
    assert coverage["github_copilot"] >= 0.9
