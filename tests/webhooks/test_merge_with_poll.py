"""Webhook events merge with the polled data without double counting; the poll repairs a missed event.

The hand-made landing zone of tests/dbt (polled Zendesk tickets) plus Zendesk ticket events landed by the
real receiver, then one `dbt build`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from connectors import landing_streams
from connectors.webhooks.app import ReceiverConfig, build_app
from outcomes.dbt_models import dbt_model_vars
from sandbox.webhooks import WEBHOOK_SECRETS, signed_request, zendesk_ticket_solved

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
import make_landing_fixture as fixture  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

POLLED_TICKET = 80001  # polled, solved, 8 resolution hours (tests/dbt/make_landing_fixture.py)
MISSED_TICKET = 90000  # polled, and no event ever arrived for it
NEW_TICKET = 900_000_123  # only pushed so far


def land_events(landing: Path, journal: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    events = [
        # An event that contradicts the poll (the poll says solved after 8 h): the poll wins.
        zendesk_ticket_solved(POLLED_TICKET, 4001, 9001, now - timedelta(hours=100), now, event_id="ev-polled"),
        # A ticket the poll has not seen: solved 26 h after creation.
        zendesk_ticket_solved(NEW_TICKET, 4001, 9001, now - timedelta(hours=26), now, event_id="ev-new"),
    ]
    config = ReceiverConfig(str(journal), str(landing), {k: v.encode() for k, v in WEBHOOK_SECRETS.items()}, 3600)
    app = build_app(config)

    async def send():
        await app.state.receiver.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client:
            for payload in [*events, events[1]]:  # the last one is a redelivery
                body, headers = signed_request("zendesk", payload)
                assert (await client.post("/webhooks/zendesk", content=body, headers=headers)).is_success
        await app.state.receiver.stop()

    asyncio.run(send())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("merge")
    landing = fixture.write_fixture(tmp / "landing")
    land_events(landing, tmp / "journal")
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir()
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--vars",
         json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams()))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def rows(con, sql: str, *params):
    return con.execute(sql, params).fetchall()


def test_a_ticket_the_poll_has_seen_counts_once_with_the_polled_values(warehouse):
    assert rows(warehouse, "select status, resolution_hours from marts.fct_support_tickets where ticket_id = ?",
                POLLED_TICKET) == [("solved", 8.0)]


def test_the_poll_repairs_a_missed_event(warehouse):
    assert rows(warehouse, "select count(*) from marts.fct_support_tickets where ticket_id = ?",
                MISSED_TICKET) == [(1,)]


def test_an_event_fills_in_a_ticket_the_poll_has_not_seen(warehouse):
    assert rows(warehouse, """
        select status, is_solved, resolution_hours, record_source
        from intermediate.int_support_tickets where ticket_id = ?""", NEW_TICKET) == [("solved", True, 26.0, "webhook")]
    assert rows(warehouse, "select count(*) from marts.fct_support_tickets where ticket_id = ?", NEW_TICKET) == [(1,)]


def test_each_delivery_counts_once_in_the_events_mart(warehouse):
    assert rows(warehouse, """
        select sum(deliveries), sum(items) from marts.mart_webhook_events_daily where source = 'zendesk'""") == [
        (2, 2)]
