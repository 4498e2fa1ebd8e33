"""`python -m outcomes.metabase`: point a Metabase at the Postgres publication (the compose file's BI service).

Metabase reads no DuckDB without a third-party driver, so it reads the PostgreSQL copy of the publication
(schema `analytics`, see outcomes/publish_postgres.py) through a login that holds the read-only role. On a
fresh Metabase this creates the first admin (the setup token from `GET /api/session/properties`, then
`POST /api/setup`); on one already set up it logs in (`POST /api/session`). Then it adds the warehouse
(`POST /api/database`, engine postgres, schema filter `analytics`) unless a database of that name exists.
Running it again changes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

DATABASE_NAME = "AI Outcomes (published)"


class MetabaseError(RuntimeError):
    pass


def warehouse_details(url: str, schema: str = "analytics") -> dict[str, Any]:
    """Metabase's postgres connection details for a postgresql:// URL, limited to the published schema."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise MetabaseError(f"OUTCOMES_BI_URL must be a postgresql:// URL with a host, not {url.split('@')[-1]!r}")
    return {"host": parts.hostname, "port": parts.port or 5432, "dbname": parts.path.lstrip("/") or "postgres",
            "user": unquote(parts.username or ""), "password": unquote(parts.password or ""), "ssl": False,
            "schema-filters-type": "inclusion", "schema-filters-patterns": schema}


def wait_until_healthy(base: str, timeout: float, session: requests.Session) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if session.get(f"{base}/api/health", timeout=5).json().get("status") == "ok":
                return
        except (requests.RequestException, ValueError):
            pass
        if time.monotonic() > deadline:
            raise MetabaseError(f"Metabase at {base} did not become healthy within {timeout:.0f}s")
        time.sleep(2)


def connect_warehouse(base: str, admin_email: str, admin_password: str, warehouse_url: str,
                      timeout: float = 300.0) -> str:
    """Set Metabase up (or log in) and make sure it has the published warehouse; what was done, in words."""
    http = requests.Session()
    wait_until_healthy(base, timeout, http)
    properties = _json(http.get(f"{base}/api/session/properties", timeout=10), "read the session properties")
    if properties.get("has-user-setup"):
        token = _json(http.post(f"{base}/api/session", json={"username": admin_email, "password": admin_password},
                                timeout=30), f"log in as {admin_email}")["id"]
        done = "logged in"
    else:
        token = _json(http.post(f"{base}/api/setup", timeout=30, json={
            "token": properties["setup-token"],
            "user": {"email": admin_email, "password": admin_password, "first_name": "AI", "last_name": "Outcomes",
                     "site_name": "AI Outcomes"},
            "prefs": {"site_name": "AI Outcomes", "site_locale": "en", "allow_tracking": False},
        }), "create the first admin")["id"]
        done = f"created admin {admin_email}"
    http.headers["X-Metabase-Session"] = token
    listed = _json(http.get(f"{base}/api/database", timeout=30), "list databases")
    databases = listed.get("data", []) if isinstance(listed, dict) else listed
    if any(db.get("name") == DATABASE_NAME for db in databases):
        return f"{done}; {DATABASE_NAME!r} was already there"
    _json(http.post(f"{base}/api/database", timeout=60, json={
        "engine": "postgres", "name": DATABASE_NAME, "details": warehouse_details(warehouse_url),
        "is_full_sync": True}), "add the published warehouse")
    return f"{done}; added {DATABASE_NAME!r}"


def _json(response: requests.Response, what: str) -> Any:
    if response.status_code >= 400:
        raise MetabaseError(f"Metabase could not {what}: HTTP {response.status_code} {response.text[:300]}")
    return response.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outcomes.metabase", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="Metabase's address")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for Metabase to start")
    args = parser.parse_args(argv)
    env = os.environ.get
    missing = [n for n in ("OUTCOMES_METABASE_ADMIN_EMAIL", "OUTCOMES_METABASE_ADMIN_PASSWORD", "OUTCOMES_BI_URL")
               if not env(n)]
    if missing:
        print(f"set {', '.join(missing)} (the admin to create or log in as, and the read-only warehouse login)",
              file=sys.stderr)
        return 2
    try:
        print(connect_warehouse(args.url.rstrip("/"), env("OUTCOMES_METABASE_ADMIN_EMAIL"),
                                env("OUTCOMES_METABASE_ADMIN_PASSWORD"), env("OUTCOMES_BI_URL"), args.timeout))
    except MetabaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
