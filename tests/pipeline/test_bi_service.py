"""The compose file's BI service reads the published warehouse: Metabase is pointed at the Postgres
publication (it cannot open DuckDB), through the setup API calls its documentation describes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import yaml
from tests_support import ROOT

from outcomes.metabase import DATABASE_NAME, MetabaseError, connect_warehouse, warehouse_details

BI_URL = "postgresql://metabase:s%40cret@postgres:5432/analytics"


class FakeMetabase:
    """Metabase's setup, session and database endpoints as its API reference describes them, in memory."""

    def __init__(self, set_up: bool = False, databases: list[dict] | None = None):
        self.set_up, self.databases, self.calls = set_up, list(databases or []), []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                fake.calls.append(("GET", self.path, None, self.headers.get("X-Metabase-Session")))
                if self.path == "/api/health":
                    return self._send(200, {"status": "ok"})
                if self.path == "/api/session/properties":
                    return self._send(200, {"has-user-setup": fake.set_up,
                                            "setup-token": None if fake.set_up else "tok-123"})
                if self.path == "/api/database":
                    if self.headers.get("X-Metabase-Session") != "sess-1":
                        return self._send(401, "Unauthenticated")
                    return self._send(200, {"data": fake.databases, "total": len(fake.databases)})
                self._send(404, "not found")

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append(("POST", self.path, body, self.headers.get("X-Metabase-Session")))
                if self.path == "/api/setup":
                    if fake.set_up or body.get("token") != "tok-123":
                        return self._send(403, "Token does not match the setup token.")
                    fake.set_up = True
                    return self._send(200, {"id": "sess-1"})
                if self.path == "/api/session":
                    ok = body == {"username": "admin@example.com", "password": "pw-0utcomes"}
                    return self._send(200, {"id": "sess-1"}) if ok else self._send(401, "bad password")
                if self.path == "/api/database":
                    fake.databases.append({"id": len(fake.databases) + 1, **body})
                    return self._send(200, fake.databases[-1])
                self._send(404, "not found")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def metabase():
    servers = []

    def start(**kwargs) -> FakeMetabase:
        servers.append(FakeMetabase(**kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_fresh_metabase_gets_an_admin_and_the_postgres_publication(metabase):
    fake = metabase()
    said = connect_warehouse(fake.url, "admin@example.com", "pw-0utcomes", BI_URL, timeout=10)
    assert said == f"created admin admin@example.com; added {DATABASE_NAME!r}"
    setup = next(c for c in fake.calls if c[1] == "/api/setup")[2]
    assert setup["token"] == "tok-123" and setup["user"]["email"] == "admin@example.com"
    [database] = fake.databases
    assert database["engine"] == "postgres"
    assert database["details"] == {"host": "postgres", "port": 5432, "dbname": "analytics", "user": "metabase",
                                   "password": "s@cret", "ssl": False, "schema-filters-type": "inclusion",
                                   "schema-filters-patterns": "analytics"}
    # again: logs in, finds the database, adds nothing
    said = connect_warehouse(fake.url, "admin@example.com", "pw-0utcomes", BI_URL, timeout=10)
    assert said == f"logged in; {DATABASE_NAME!r} was already there" and len(fake.databases) == 1


def test_a_wrong_admin_password_says_what_failed(metabase):
    fake = metabase(set_up=True)
    with pytest.raises(MetabaseError, match="could not log in as admin@example.com: HTTP 401"):
        connect_warehouse(fake.url, "admin@example.com", "wrong", BI_URL, timeout=10)
    assert not fake.databases


def test_a_warehouse_url_that_is_not_postgres_is_refused_without_its_password():
    with pytest.raises(MetabaseError, match="postgresql://") as info:
        warehouse_details("duckdb://user:hunter2@/warehouse/analytics.duckdb")
    assert "hunter2" not in str(info.value)


def test_compose_points_the_bi_service_at_the_postgres_publication():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    publish_url = urlsplit(services["airflow-worker"]["environment"]["OUTCOMES_PUBLISH_URL"])
    bi_url = urlsplit(services["metabase-setup"]["environment"]["OUTCOMES_BI_URL"])
    # the worker publishes where Metabase reads: same server and database, a different (read-only) login
    assert (publish_url.hostname, publish_url.path) == (bi_url.hostname, bi_url.path) == ("postgres", "/analytics")
    assert bi_url.username == "metabase" != publish_url.username
    assert not any("/warehouse" in v for v in services["metabase"].get("volumes", []))  # no DuckDB to misread
    init = (ROOT / "deploy" / "postgres" / "10-analytics.sh").read_text()
    assert "CREATE DATABASE analytics;" in init and "CREATE ROLE metabase LOGIN" in init
    assert "IN ROLE analytics_reader" in init  # the role publish grants SELECT to
    assert any(v.startswith("./deploy/postgres:/docker-entrypoint-initdb.d") for v in services["postgres"]["volumes"])
    assert services["metabase-setup"]["command"][:3] == ["python", "-m", "outcomes.metabase"]
