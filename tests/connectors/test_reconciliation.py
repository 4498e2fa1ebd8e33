"""Late records: one that shows up with an updated_at older than cursor - lookback is missed by the
incremental run and landed by the reconciliation, which never moves the cursor; the count reconciliation
warns when the vendor's total for the window differs from what landed."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.config import ConnectionConfig
from connectors.landing import LandingZone
from connectors.reconciliation import rewind_cursor
from connectors.state import StateStore
from outcomes.pipeline import ingest, read_step, reconcile
from outcomes.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)


def entry(entry_id: int, updated: datetime) -> dict:
    return {"id": entry_id, "spent_date": updated.date().isoformat(), "hours": 1.5, "user": {"id": 7, "name": "A"},
            "task": {"id": 3, "name": "Report"}, "project": {"id": 2, "name": "P"}, "client": {"id": 1, "name": "C"},
            "created_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"), "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "is_running": False, "notes": None}


class FakeHarvest:
    """Just enough of Harvest's time entries endpoint: updated_since, per_page, total_entries, one page."""

    def __init__(self):
        self.entries: list[dict] = []
        self.total_bias = 0  # a vendor whose total disagrees with what it lists
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                since = query.get("updated_since")
                found = [e for e in fake.entries if since is None or e["updated_at"] >= since]
                shown = found[: int(query.get("per_page", 2000))]
                body = json.dumps({"time_entries": shown, "per_page": len(shown), "total_pages": 1,
                                   "total_entries": len(found) + fake.total_bias, "links": {"next": None}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def harvest():
    fake = FakeHarvest()
    fake.thread.start()
    yield fake
    fake.server.shutdown()


def _setup(tmp_path, harvest):
    settings = replace(Settings.from_env(), data_dir=tmp_path, landing_root=str(tmp_path / "landing"),
                       state_root=str(tmp_path / "state"), runs_dir=tmp_path / "runs")
    conn = ConnectionConfig("outcomes_harvest", harvest.url, "ops@acme.example", "token",
                            {"account_id": 1, "lookback_minutes": 10, "start_days_ago": 30})
    return settings, conn


def _landed_ids(settings) -> list[int]:
    zone = LandingZone(settings.landing_root)
    return [r["id"] for m in zone.manifests("harvest", "time_entries") for r in zone.read_batch(m)]


def test_a_back_dated_record_is_missed_by_the_increment_and_landed_by_the_reconciliation(tmp_path, harvest):
    settings, conn = _setup(tmp_path, harvest)
    harvest.entries = [entry(1, NOW - timedelta(days=2)), entry(2, NOW - timedelta(minutes=5))]
    ingest("harvest", conn, settings, streams=["time_entries"], validate=False)
    cursor = StateStore(settings.state_root).get("harvest", "time_entries")
    # edited three hours "ago" by the vendor's clock, but visible only now: older than cursor - lookback
    harvest.entries.append(entry(3, NOW - timedelta(hours=3)))
    ingest("harvest", conn, settings, streams=["time_entries"], validate=False)
    assert 3 not in _landed_ids(settings)  # the increment cannot see it

    [result] = reconcile("harvest", conn, replace(settings, resync_days=1), streams=["time_entries"], validate=False)
    assert 3 in _landed_ids(settings)
    assert result["mode"] == "last 1 days" and result["records"] == 2  # entries 2 and 3; entry 1 is older
    assert result["warnings"] == []
    assert StateStore(settings.state_root).get("harvest", "time_entries") == cursor  # the cursor did not move
    assert read_step(settings, "reconcile_harvest.time_entries")["streams"][0]["batch_id"] == result["batch_id"]

    [full] = reconcile("harvest", conn, settings, streams=["time_entries"], full=True, validate=False)
    assert full["mode"] == "full reload" and full["records"] == 3


def test_a_vendor_total_that_differs_from_what_landed_is_a_warning(tmp_path, harvest):
    settings, conn = _setup(tmp_path, harvest)
    harvest.entries = [entry(1, NOW - timedelta(hours=1))]
    harvest.total_bias = 2
    [result] = reconcile("harvest", conn, settings, streams=["time_entries"], full=True, validate=False)
    assert len(result["warnings"]) == 1
    assert "the vendor counts 3 records" in result["warnings"][0] and "landed 1" in result["warnings"][0]


@pytest.mark.parametrize(("cursor", "expected"), [
    ("2026-05-10T12:00:00Z", "2026-05-03T12:00:00Z"),
    ("2026-05-10", "2026-05-03"),
    (1_778_400_000_000, 1_778_400_000_000 - 7 * 86_400_000),
    ("1778400000000", str(1_778_400_000_000 - 7 * 86_400_000)),
    ("eyJvcGFxdWUiOiJ6ZW5kZXNrIn0", None),  # an opaque vendor cursor: a full reload
    # Typeform: the newest submitted_at per form, each rewound
    ({"AuD1tWk1": "2026-05-10T12:00:00Z", "B2": "2026-05-01T08:30:00Z"},
     {"AuD1tWk1": "2026-05-03T12:00:00Z", "B2": "2026-04-24T08:30:00Z"}),
    # the interview drop remembers files by content hash: nothing to rewind, every file is read again
    ({"files": {"week47.csv": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}, None),
    (None, None),
])
def test_cursors_rewind_in_their_own_form(cursor, expected):
    assert rewind_cursor(cursor, timedelta(days=7)) == expected
