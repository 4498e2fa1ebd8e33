"""Publish the published warehouse's tables to PostgreSQL, for BI tools that cannot open DuckDB.

The source is the `analytics.duckdb` that publish has just swapped in, so Postgres carries exactly what the
gate passed and the DuckDB publication holds, row for row (the same tables, the same privacy).

Readers never see half a publication. One transaction builds every table in a fresh schema
(`analytics__next`), grants the read-only role SELECT on it, then swaps it in: it takes ACCESS EXCLUSIVE
locks on the current publication's tables, renames `analytics` away, renames the new schema to `analytics`
and drops the old one. A BI transaction that has read a published table holds a lock on it until it ends,
so the swap waits for it and that transaction keeps seeing the old publication throughout. The swap asks
for its locks with a short `lock_timeout` and retries from a savepoint: a reader is never kept waiting
behind it for long, and it never ends up in a lock cycle with one (a publisher holding table B while a
reader of table A asks for B gives up first, and the reader reads the old B).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("outcomes.publish_postgres")

SCHEMA = "analytics"


class PostgresPublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class PostgresTarget:
    url: str
    schema: str = SCHEMA
    reader_role: str = "analytics_reader"
    # the swap waits this long for BI readers' transactions to end, in attempts of lock_timeout_ms each
    swap_deadline_seconds: float = 600.0
    lock_timeout_ms: int = 500

    @property
    def next_schema(self) -> str:
        return f"{self.schema}__next"

    @property
    def old_schema(self) -> str:
        return f"{self.schema}__old"

    @property
    def display_url(self) -> str:
        """The URL without its password, for logs and the run summary."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


PUBLISH_CONN_ID = "outcomes_publish"


def postgres_target(url: str | None, reader_role: str = "analytics_reader") -> PostgresTarget | None:
    """The Postgres publication to write, or None when none is configured (analytics.duckdb only)."""
    if not url:
        return None
    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise PostgresPublishError(f"OUTCOMES_PUBLISH_URL must be a postgresql:// URL, not {urlsplit(url).scheme}://..."
                                   " (analytics.duckdb is always published; this adds a PostgreSQL copy)")
    return PostgresTarget(url=url, reader_role=reader_role)


def url_from_connection(conn: Any) -> str:
    """A postgresql:// URL from an Airflow connection (conn type postgres: host, port, login, password, and
    the database in `schema`, as Airflow's Postgres connections keep it)."""
    from urllib.parse import quote

    auth = ""
    if conn.login:
        auth = quote(conn.login, safe="") + (f":{quote(conn.password, safe='')}" if conn.password else "") + "@"
    port = f":{conn.port}" if conn.port else ""
    return f"postgresql://{auth}{conn.host or '127.0.0.1'}{port}/{quote(conn.schema or 'postgres', safe='')}"


def duckdb_to_postgres_type(duck_type: str) -> str:
    """The Postgres column type for a DuckDB column type (as `describe` prints it)."""
    t = duck_type.upper()
    simple = {
        "VARCHAR": "text", "BOOLEAN": "boolean", "TINYINT": "smallint", "SMALLINT": "smallint",
        "INTEGER": "integer", "BIGINT": "bigint", "HUGEINT": "numeric(38,0)", "UTINYINT": "smallint",
        "USMALLINT": "integer", "UINTEGER": "bigint", "UBIGINT": "numeric(20,0)", "FLOAT": "real",
        "DOUBLE": "double precision", "DATE": "date", "TIME": "time", "TIMESTAMP": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTERVAL": "interval", "UUID": "uuid", "BLOB": "bytea",
        "JSON": "jsonb",
    }
    if t in simple:
        return simple[t]
    if t.startswith("DECIMAL"):
        return "numeric" + t[len("DECIMAL"):].lower()
    if t.startswith("TIMESTAMP_") or t.startswith("TIMESTAMP("):
        return "timestamp"
    raise PostgresPublishError(f"no Postgres type for the DuckDB type {duck_type}; publish it as a plain type "
                               "(cast it in the mart) or extend outcomes/publish_postgres.py")


def read_publication(published_path: Path) -> dict[str, tuple[list[tuple[str, str]], list[tuple]]]:
    """Every table of the DuckDB publication: its columns (name, Postgres type) and its rows."""
    import duckdb

    con = duckdb.connect(str(published_path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'main' order by table_name").fetchall()]
        tables = {}
        for name in names:
            columns = [(r[0], duckdb_to_postgres_type(r[1])) for r in con.execute(f'describe "{name}"').fetchall()]
            tables[name] = (columns, con.execute(f'select * from "{name}"').fetchall())
        return tables
    finally:
        con.close()


def publish_to_postgres(published_path: Path, target: PostgresTarget) -> dict[str, Any]:
    """Copy every table of the DuckDB publication into `target.schema`, swapped in atomically."""
    import psycopg
    from psycopg import sql

    tables = read_publication(published_path)
    started = time.monotonic()
    try:
        conn = psycopg.connect(target.url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise PostgresPublishError(f"cannot connect to {target.display_url}: {_one_line(exc)}; check "
                                   "OUTCOMES_PUBLISH_URL (or the Airflow connection outcomes_publish)") from None
    schema, nxt, old = (sql.Identifier(s) for s in (target.schema, target.next_schema, target.old_schema))
    role = sql.Identifier(target.reader_role)
    try:
        with conn.transaction(), conn.cursor() as cur:
            _ensure_reader_role(cur, target.reader_role)
            # a publish killed before its commit leaves nothing behind; these are leftovers of older failures only
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(nxt))
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(old))
            cur.execute(sql.SQL("create schema {}").format(nxt))
            rows = {}
            for name, (columns, data) in tables.items():
                table = sql.Identifier(target.next_schema, name)
                cur.execute(sql.SQL("create table {} ({})").format(table, sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns)))
                with cur.copy(sql.SQL("copy {} ({}) from stdin").format(
                        table, sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns))) as copy:
                    for row in data:
                        copy.write_row(row)
                rows[name] = len(data)
            cur.execute(sql.SQL("grant usage on schema {} to {}").format(nxt, role))
            cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(nxt, role))
            waited = _swap(conn, cur, target, schema, nxt, old)
    except psycopg.Error as exc:
        raise PostgresPublishError(f"publishing to {target.display_url} failed, the previous publication in "
                                   f"schema {target.schema} stays: {_one_line(exc)}") from None
    finally:
        conn.close()
    return {"url": target.display_url, "schema": target.schema, "tables": rows, "reader_role": target.reader_role,
            "swap_waited_seconds": round(waited, 3), "seconds": round(time.monotonic() - started, 3)}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _ensure_reader_role(cur, role_name: str) -> None:
    from psycopg import sql

    cur.execute("select 1 from pg_roles where rolname = %s", [role_name])
    if cur.fetchone():
        return
    cur.execute("select rolcreaterole or rolsuper from pg_roles where rolname = current_user")
    if not cur.fetchone()[0]:
        raise PostgresPublishError(f"the read-only role {role_name} does not exist and the publishing user cannot "
                                   f"create it: CREATE ROLE {role_name} NOLOGIN as an administrator, once")
    # NOLOGIN: BI logins are granted the role (GRANT analytics_reader TO metabase)
    cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role_name)))


def _swap(conn, cur, target: PostgresTarget, schema, nxt, old) -> float:
    """Rename the new schema over the old one once every reader of the old one has finished; seconds waited."""
    from psycopg import errors, sql

    started = time.monotonic()
    while True:
        try:
            with conn.transaction():  # a savepoint: a lock timeout undoes the attempt, not the build
                cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{target.lock_timeout_ms}ms")))
                cur.execute("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                            "where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p') order by c.relname",
                            [target.schema])
                current = [r[0] for r in cur.fetchall()]
                if current:
                    cur.execute(sql.SQL("lock table {} in access exclusive mode").format(sql.SQL(", ").join(
                        sql.Identifier(target.schema, name) for name in current)))
                cur.execute("select 1 from pg_namespace where nspname = %s", [target.schema])
                if cur.fetchone():
                    cur.execute(sql.SQL("alter schema {} rename to {}").format(schema, old))
                cur.execute(sql.SQL("alter schema {} rename to {}").format(nxt, schema))
                cur.execute(sql.SQL("drop schema if exists {} cascade").format(old))
                cur.execute("set local lock_timeout = 0")
            return time.monotonic() - started
        except errors.LockNotAvailable:
            waited = time.monotonic() - started
            if waited > target.swap_deadline_seconds:
                raise PostgresPublishError(
                    f"BI readers kept the publication in schema {target.schema} busy for {waited:.0f}s; the new "
                    "publication was not swapped in (the previous one stays); end the long-running reader "
                    "transactions (pg_stat_activity) and publish again") from None
            log.info("the publication in schema %s is being read; swapping once its readers finish", target.schema)
            time.sleep(min(0.2 + waited / 10, 2.0))
