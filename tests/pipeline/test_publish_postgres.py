"""Publishing to PostgreSQL: the same tables as analytics.duckdb in schema `analytics`, swapped in atomically,
readable by a read-only role, and left alone when the gate has not passed.

Runs against the machine's PostgreSQL (OUTCOMES_PG_HOST / _PORT / _USER / _PASSWORD, defaults
127.0.0.1:5432, postgres) in a database of its own, `outcomes_bi_test`, created here and dropped afterwards;
skipped, saying so, when no server answers.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import duckdb
import psycopg
import pytest
from psycopg import sql
from test_publish import _manifest, _node, _settings, _warehouse

from outcomes.pipeline import StepFailed, publish, record_step
from outcomes.publish_postgres import PostgresTarget, publish_to_postgres, url_from_connection

PG = {
    "host": os.environ.get("OUTCOMES_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("OUTCOMES_PG_PORT", "5432")),
    "user": os.environ.get("OUTCOMES_PG_USER", "postgres"),
    "password": os.environ.get("OUTCOMES_PG_PASSWORD", ""),
}
DBNAME = "outcomes_bi_test"
READER = "outcomes_bi_test_reader"
pytestmark = pytest.mark.services

MART_TEAMS = ("select * from (values "
              "('Support', 12, 3.25::double, 18.50::decimal(10,2), date '2026-03-02', "
              " timestamptz '2026-03-02 09:30:00+00', true), "
              "('Lab', 7, null, null, date '2026-03-09', null, false)) "
              "as t(team, people_n, effect_pct, spend, week, updated_at, engaged)")


def _url(dbname: str) -> str:
    auth = PG["user"] + (f":{PG['password']}" if PG["password"] else "")
    return f"postgresql://{auth}@{PG['host']}:{PG['port']}/{dbname}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(_url("postgres"), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def pg_url():
    try:
        socket.create_connection((PG["host"], PG["port"]), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG['host']}:{PG['port']} ({exc}); start it to test publishing")
    with _admin() as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DBNAME)))
        con.execute(sql.SQL("create database {}").format(sql.Identifier(DBNAME)))
    yield _url(DBNAME)
    with _admin() as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DBNAME)))
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(READER)))


@pytest.fixture
def pg(pg_url, monkeypatch):
    """A clean database for each test; publish grants this module's reader role (roles are server-wide)."""
    monkeypatch.setenv("OUTCOMES_PUBLISH_READER_ROLE", READER)
    with psycopg.connect(pg_url, autocommit=True) as con:
        for schema in ("analytics", "analytics__next", "analytics__old"):
            con.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
    return pg_url


def _build(settings, build_id: str, tables: dict[str, str], gate_passed: bool = True) -> None:
    """A warehouse signed by `build_id`, its manifest, and the run log of its transform and gate."""
    if settings.warehouse_path.exists():
        settings.warehouse_path.unlink()
    _warehouse(settings, tables, build_id=build_id)
    _manifest(settings, [_node(relation.split(".")[1], "marts", {"published": True}) for relation in tables]
              + [_node("dim_people", "marts", None)])
    record_step(settings, "transform", {"success": True, "build_id": build_id, "landed_through": {}})
    record_step(settings, "gate", {"success": gate_passed, "build_id": build_id})


def _pg_tables(url: str, schema: str = "analytics") -> dict[str, list[tuple]]:
    with psycopg.connect(url) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = %s",
                                           [schema]).fetchall()]
        return {n: sorted(con.execute(sql.SQL("select * from {}").format(sql.Identifier(schema, n))).fetchall(),
                          key=repr) for n in names}


def _duckdb_tables(settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        return {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}


def test_postgres_carries_the_duckdb_publication_row_for_row(tmp_path, pg):
    settings = _settings(tmp_path)
    _build(settings, "b1", {"marts.mart_teams": MART_TEAMS,
                            "marts.mart_spend": "select 'copilot' as tool, 'USD' as currency, 1900.0 as spend"})
    summary = publish(settings, publish_url=pg)
    assert summary["postgres"]["tables"] == {"_publication": 1, "mart_spend": 1, "mart_teams": 2}
    assert summary["postgres"]["url"] == f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{DBNAME}"
    published = _pg_tables(pg)
    assert published == _duckdb_tables(settings)
    assert set(published) == {"mart_teams", "mart_spend", "_publication"}  # dim_people is not flagged
    assert sorted(published["mart_teams"], key=lambda r: r[0]) == [
        ("Lab", 7, None, None, date(2026, 3, 9), None, False),
        ("Support", 12, 3.25, Decimal("18.50"), date(2026, 3, 2), datetime(2026, 3, 2, 9, 30, tzinfo=UTC), True),
    ]
    with psycopg.connect(pg) as con:
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_schema = 'analytics' and table_name = 'mart_teams'").fetchall())
    assert types == {"team": "text", "people_n": "integer", "effect_pct": "double precision", "spend": "numeric",
                     "week": "date", "updated_at": "timestamp with time zone", "engaged": "boolean"}
    assert json.loads((settings.runs_dir / "publish.json").read_text())["postgres"]["schema"] == "analytics"


def test_the_reader_role_can_select_and_nothing_else(tmp_path, pg):
    settings = _settings(tmp_path)
    _build(settings, "b1", {"marts.mart_spend": "select 'copilot' as tool, 1900.0 as spend"})
    assert publish(settings, publish_url=pg)["postgres"]["reader_role"] == READER
    with psycopg.connect(pg, autocommit=True) as con:
        con.execute(sql.SQL("set role {}").format(sql.Identifier(READER)))
        assert con.execute("select tool from analytics.mart_spend").fetchall() == [("copilot",)]
        for statement in ("insert into analytics.mart_spend values ('x', 1)", "delete from analytics.mart_spend",
                          "create table analytics.mine (x int)", "drop table analytics.mart_spend"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)


def test_a_failed_gate_leaves_the_postgres_publication_untouched(tmp_path, pg):
    settings = _settings(tmp_path)
    _build(settings, "b1", {"marts.mart_spend": "select 'copilot' as tool, 1900.0 as spend"})
    publish(settings, publish_url=pg)
    before = _pg_tables(pg)
    _build(settings, "b2", {"marts.mart_spend": "select 'copilot' as tool, 2500.0 as spend"}, gate_passed=False)
    with pytest.raises(StepFailed, match="has not passed the quality gate"):
        publish(settings, publish_url=pg)
    assert _pg_tables(pg) == before
    assert before["mart_spend"] == [("copilot", Decimal("1900.0"))]
    with psycopg.connect(pg) as con:
        schemas = {r[0] for r in con.execute("select nspname from pg_namespace").fetchall()}
    assert "analytics__next" not in schemas and "analytics__old" not in schemas


def _versioned(version: int) -> dict[str, str]:
    """Two marts and their rows, every value naming the publication it belongs to."""
    return {"marts.mart_a": f"select {version} as version, i from range(50) t(i)",
            "marts.mart_b": f"select {version} as version, 'b' as kind"}


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _someone_waits_for_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as con:
        return bool(con.execute("select 1 from pg_stat_activity where datname = current_database() "
                                "and wait_event_type = 'Lock'").fetchall())


def test_a_reader_transaction_sees_the_old_publication_throughout_a_publish(tmp_path, pg):
    settings = _settings(tmp_path)
    _build(settings, "b1", _versioned(1))
    publish(settings, publish_url=pg)
    _build(settings, "b2", _versioned(2))

    reader = psycopg.connect(pg)
    reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    seen = reader.execute("select distinct version from analytics.mart_a").fetchall()  # the transaction is open
    results: list[dict] = []
    publisher = threading.Thread(target=lambda: results.append(publish(settings, publish_url=pg)))
    publisher.start()
    swap_waited = _until(lambda: _someone_waits_for_a_lock(pg), 30)  # building first, then the swap's locks
    time.sleep(1.0)
    # the swap locks the tables in name order: _publication first, so reading it meets the waiting publisher
    seen += reader.execute("select distinct version from analytics._publication cross join analytics.mart_b").fetchall()
    seen += reader.execute("select distinct version from analytics.mart_a").fetchall()
    reader.commit()
    publisher.join(timeout=60)
    reader.close()
    assert seen == [(1,), (1,), (1,)]  # one publication throughout, never half of the next one
    assert swap_waited, "the swap must wait for a reader that holds the old publication"
    assert results and results[0]["postgres"]["swap_waited_seconds"] >= 1.0
    assert _pg_tables(pg)["mart_b"] == [(2, "b")]


def test_statements_running_during_publishes_never_mix_two_publications(tmp_path, pg):
    settings = _settings(tmp_path)
    _build(settings, "b1", _versioned(1))
    publish(settings, publish_url=pg)
    stop = threading.Event()
    mixed, counts = [], []

    def read_until_stopped() -> None:
        with psycopg.connect(pg, autocommit=True) as con:  # a BI tool's usual: one statement, its own snapshot
            while not stop.is_set():
                rows = con.execute("select a.version, b.version, count(*) from analytics.mart_a a "
                                   "cross join analytics.mart_b b group by 1, 2").fetchall()
                counts.append(rows)
                if len(rows) != 1 or rows[0][0] != rows[0][1] or rows[0][2] != 50:
                    mixed.append(rows)

    readers = [threading.Thread(target=read_until_stopped) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        assert _until(lambda: len(counts) >= 2, 60)  # the readers are reading the first publication
        for version in (2, 3, 4):
            _build(settings, f"b{version}", _versioned(version))
            publish(settings, publish_url=pg)
        assert _until(lambda: counts and counts[-1][0][0] == 4, 60)
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=30)
    assert not mixed
    # the readers ran across the publishes: they saw the first and the last publication, each whole
    assert {1, 4} <= {rows[0][0] for rows in counts}


def test_an_unreachable_postgres_fails_publish_and_keeps_the_duckdb_publication(tmp_path):
    settings = _settings(tmp_path)
    _build(settings, "b1", {"marts.mart_spend": "select 'copilot' as tool, 1900.0 as spend"})
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StepFailed, match=rf"cannot connect to postgresql://u@127.0.0.1:{port}/db.*OUTCOMES_PUBLISH_URL"):
        publish(settings, publish_url=f"postgresql://u:secret@127.0.0.1:{port}/db")
    assert _duckdb_tables(settings)["mart_spend"] == [("copilot", Decimal("1900.0"))]
    record = json.loads((settings.runs_dir / "publish.json").read_text())
    assert record["success"] is False and "secret" not in json.dumps(record)


def test_a_url_that_is_not_postgres_is_refused_before_anything_is_published(tmp_path):
    settings = _settings(tmp_path)
    _build(settings, "b1", {"marts.mart_spend": "select 'copilot' as tool, 1900.0 as spend"})
    with pytest.raises(StepFailed, match="must be a postgresql:// URL"):
        publish(settings, publish_url="mysql://u@127.0.0.1/db")
    assert not settings.published_path.exists()


def test_the_airflow_connection_becomes_a_url_with_its_credentials_quoted():
    conn = SimpleNamespace(host="db.internal", port=5433, login="publisher", password="p@ss/word", schema="bi")
    assert url_from_connection(conn) == "postgresql://publisher:p%40ss%2Fword@db.internal:5433/bi"
    target = PostgresTarget(url=url_from_connection(conn))
    assert target.display_url == "postgresql://publisher@db.internal:5433/bi"


def test_the_publish_dag_reads_the_outcomes_publish_connection(monkeypatch):
    from outcomes.dag_builders import publish_connection_url

    monkeypatch.delenv("AIRFLOW_CONN_OUTCOMES_PUBLISH", raising=False)
    assert publish_connection_url() is None  # none defined: analytics.duckdb only
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_PUBLISH", json.dumps(
        {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "bi", "password": "s3cret",
         "schema": "warehouse"}))
    assert publish_connection_url() == "postgresql://bi:s3cret@127.0.0.1:5432/warehouse"


def test_the_default_scenarios_publication_reaches_postgres_row_for_row(default_pipeline, pg):
    """Every published mart of a real run (its types: dates, doubles, booleans, JSON text) survives the copy."""
    _, settings = default_pipeline
    summary = publish_to_postgres(settings.published_path, PostgresTarget(url=pg, reader_role=READER))
    duck = _duckdb_tables(settings)
    assert {"mart_workflow_outcomes", "mart_adoption_segments", "mart_ai_cost"} <= set(duck)
    assert summary["tables"] == {name: len(rows) for name, rows in duck.items()}
    assert _pg_tables(pg) == duck
