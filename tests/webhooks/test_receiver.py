"""The webhook receiver: signatures, malformed bodies, durability before acknowledgement, dedupe, coalescing.

Signatures are computed here from the vendors' documented schemes (hmac + hashlib), independently of
connectors.webhooks.vendors; payloads come from sandbox.webhooks.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import requests

from connectors.landing import LandingZone
from connectors.webhooks.app import Receiver, ReceiverConfig, build_app
from connectors.webhooks.store import DeliveryStore
from sandbox.webhooks import WEBHOOK_SECRETS, activity_event, secrets_env

ROOT = Path(__file__).resolve().parents[2]
STREAMS = {"github": ("github", "pull_request_events"), "zendesk": ("zendesk", "ticket_events"),
           "jira": ("jira", "issue_events")}


def github_headers(body: bytes, secret: str, delivery: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": f"sha256={digest}"}


def zendesk_headers(body: bytes, secret: str, timestamp: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


def jira_headers(body: bytes, secret: str, delivery: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Atlassian-Webhook-Identifier": delivery, "X-Hub-Signature": f"sha256={digest}"}


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def signed(vendor: str, payload: dict, secret: str | None = None, delivery: str | None = None,
           timestamp: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    secret = secret or WEBHOOK_SECRETS[vendor]
    delivery = delivery or str(uuid.uuid4())
    if vendor == "github":
        return body, github_headers(body, secret, delivery)
    if vendor == "zendesk":
        return body, zendesk_headers(body, secret, timestamp or now_iso())
    return body, jira_headers(body, secret, delivery)


def landed(landing_root: Path, vendor: str) -> list[dict]:
    source, stream = STREAMS[vendor]
    zone = LandingZone(str(landing_root))
    return [r for m in zone.manifests(source, stream) for r in zone.read_batch(m)]


def config(tmp_path: Path, flush_seconds: float = 3600.0, notifier=None) -> ReceiverConfig:
    return ReceiverConfig(journal_dir=str(tmp_path / "journal"), landing_root=str(tmp_path / "landing"),
                          secrets={k: v.encode() for k, v in WEBHOOK_SECRETS.items()},
                          flush_seconds=flush_seconds, notifier=notifier)


class Running:
    """A receiver on an in-process ASGI transport; flush() lands what was accepted."""

    def __init__(self, cfg: ReceiverConfig, clock=time.time):
        self.app = build_app(cfg, clock)
        self.receiver: Receiver = self.app.state.receiver

    async def __aenter__(self):
        await self.receiver.start()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://receiver")
        return self

    async def __aexit__(self, *exc):
        await self.client.aclose()
        await self.receiver.stop()

    async def post(self, vendor: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(f"/webhooks/{vendor}", content=body,
                                      headers={"Content-Type": "application/json", **headers})


def run(coro):
    return asyncio.run(coro)


def journal_lines(tmp_path: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in (tmp_path / "journal").glob("*"))


# -- signatures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["github", "zendesk", "jira"])
def test_a_validly_signed_event_is_acknowledged_and_landed_unchanged(tmp_path, vendor):
    payload = activity_event(vendor, 1)

    async def scenario():
        async with Running(config(tmp_path)) as r:
            body, headers = signed(vendor, payload, delivery="d-1")
            resp = await r.post(vendor, body, headers)
            assert resp.status_code == 202, resp.text
            assert journal_lines(tmp_path) == 1  # durable before the answer
            await r.receiver.flush()

    run(scenario())
    [record] = landed(tmp_path / "landing", vendor)
    assert record["payload"] == payload
    expected_id = payload["id"] if vendor == "zendesk" else "d-1"
    assert record["delivery_id"] == expected_id
    assert not any("signature" in h.lower() and "timestamp" not in h.lower() for h in record["headers"])


@pytest.mark.parametrize("vendor", ["github", "zendesk", "jira"])
@pytest.mark.parametrize("tamper", ["wrong_secret", "missing", "body_changed"])
def test_unsigned_or_wrongly_signed_gets_401_and_lands_nothing(tmp_path, vendor, tamper):
    payload = activity_event(vendor, 2)

    async def scenario():
        async with Running(config(tmp_path)) as r:
            body, headers = signed(vendor, payload, secret="not-the-secret" if tamper == "wrong_secret" else None)
            if tamper == "missing":
                headers = {k: v for k, v in headers.items() if "Signature" not in k}
            if tamper == "body_changed":
                body = body.replace(b'"', b' "', 1)
            resp = await r.post(vendor, body, headers)
            assert resp.status_code == 401, resp.text
            await r.receiver.flush()

    run(scenario())
    assert landed(tmp_path / "landing", vendor) == []
    assert journal_lines(tmp_path) == 0


def test_zendesk_replay_outside_the_timestamp_window_is_refused(tmp_path):
    payload = activity_event("zendesk", 3)
    old = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    async def scenario():
        async with Running(config(tmp_path)) as r:
            body, headers = signed("zendesk", payload, timestamp=old)  # correctly signed, but captured long ago
            assert (await r.post("zendesk", body, headers)).status_code == 401
            body, headers = signed("zendesk", payload)
            assert (await r.post("zendesk", body, headers)).status_code == 202
            # The same event replayed inside the window: acknowledged, not landed again.
            assert (await r.post("zendesk", body, headers)).status_code == 200
            await r.receiver.flush()

    run(scenario())
    assert len(landed(tmp_path / "landing", "zendesk")) == 1


@pytest.mark.parametrize("vendor", ["github", "jira"])
def test_a_redelivery_with_the_same_delivery_id_lands_once(tmp_path, vendor):
    payload = activity_event(vendor, 4)

    async def scenario():
        async with Running(config(tmp_path)) as r:
            body, headers = signed(vendor, payload, delivery="same")
            assert (await r.post(vendor, body, headers)).status_code == 202
            await r.receiver.flush()
        async with Running(config(tmp_path)) as r:  # a restart keeps the dedupe index (read from landing)
            resp = await r.post(vendor, body, headers)
            assert resp.status_code == 200 and resp.json()["status"] == "duplicate"
            await r.receiver.flush()

    run(scenario())
    assert len(landed(tmp_path / "landing", vendor)) == 1


@pytest.mark.parametrize(
    ("vendor", "body"),
    [
        ("github", b"{not json"),
        ("github", json.dumps({"action": "closed"}).encode()),
        ("zendesk", json.dumps({"type": "zen:event-type:ticket.status_changed"}).encode()),
        ("jira", json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 1}).encode()),
        ("jira", json.dumps([1, 2, 3]).encode()),
    ],
)
def test_a_signed_but_malformed_body_gets_400_and_lands_nothing(tmp_path, vendor, body):
    async def scenario():
        async with Running(config(tmp_path)) as r:
            headers = {"github": lambda: github_headers(body, WEBHOOK_SECRETS["github"], "m-1"),
                       "zendesk": lambda: zendesk_headers(body, WEBHOOK_SECRETS["zendesk"], now_iso()),
                       "jira": lambda: jira_headers(body, WEBHOOK_SECRETS["jira"], "m-1")}[vendor]()
            resp = await r.post(vendor, body, headers)
            assert resp.status_code == 400, resp.text
            await r.receiver.flush()

    run(scenario())
    assert landed(tmp_path / "landing", vendor) == []
    assert journal_lines(tmp_path) == 0


def test_a_github_ping_is_acknowledged_and_not_landed(tmp_path):
    body = json.dumps({"zen": "Design for failure.", "hook_id": 1}).encode()
    headers = github_headers(body, WEBHOOK_SECRETS["github"], "p-1") | {"X-GitHub-Event": "ping"}

    async def scenario():
        async with Running(config(tmp_path)) as r:
            assert (await r.post("github", body, headers)).status_code == 200
            await r.receiver.flush()

    run(scenario())
    assert landed(tmp_path / "landing", "github") == []


# -- durability --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_crash_between_acknowledging_and_landing_loses_no_acknowledged_event(tmp_path):
    port = _free_port()
    env = {**os.environ, **secrets_env(), "OUTCOMES_DATA_DIR": str(tmp_path),
           "OUTCOMES_LANDING_ROOT": str(tmp_path / "landing"), "OUTCOMES_WEBHOOK_JOURNAL": str(tmp_path / "journal"),
           "OUTCOMES_WEBHOOK_FLUSH_SECONDS": "3600"}
    env.pop("OUTCOMES_AIRFLOW_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "outcomes.webhooks", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        acknowledged = []
        with requests.Session() as session:
            for i in range(40):
                vendor = ("github", "zendesk", "jira")[i % 3]
                body, headers = signed(vendor, activity_event(vendor, 100 + i), delivery=f"crash-{i}")
                resp = session.post(f"{url}/webhooks/{vendor}", data=body, headers=headers, timeout=10)
                assert resp.status_code == 202
                acknowledged.append((vendor, json.loads(body)))
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown hook runs: nothing was landed
        proc.wait(timeout=30)
    assert all(landed(tmp_path / "landing", v) == [] for v in STREAMS)

    store = DeliveryStore(tmp_path / "journal", str(tmp_path / "landing"), STREAMS.values())
    store.open()  # what the next start does
    store.close()
    for vendor in STREAMS:
        want = [p for v, p in acknowledged if v == vendor]
        got = [r["payload"] for r in landed(tmp_path / "landing", vendor)]
        assert sorted(json.dumps(p, sort_keys=True) for p in got) == sorted(json.dumps(p, sort_keys=True) for p in want)
    assert [p.stat().st_size for p in (tmp_path / "journal").iterdir()] == [0]  # only the new, empty segment


def test_a_crash_after_landing_but_before_the_journal_is_cleared_lands_nothing_twice(tmp_path):
    class Crash(Exception):
        pass

    def crash_after_first_batch(manifest):
        raise Crash(manifest.batch_id)

    async def accept_and_crash():
        store = DeliveryStore(tmp_path / "journal", str(tmp_path / "landing"), STREAMS.values(),
                              after_commit=crash_after_first_batch)
        await asyncio.to_thread(store.open)
        for i, vendor in enumerate(["github", "zendesk", "jira"] * 5):
            record = {"delivery_id": f"x-{i}", "received_at": now_iso(), "payload": {"n": i}}
            assert await store.accept(*STREAMS[vendor], f"x-{i}", record) == "accepted"
        with pytest.raises(Crash):
            await store.flush()

    run(accept_and_crash())
    assert sum(len(landed(tmp_path / "landing", v)) for v in STREAMS) == 5  # one stream's batch got out

    store = DeliveryStore(tmp_path / "journal", str(tmp_path / "landing"), STREAMS.values())
    store.open()
    store.close()
    for vendor in STREAMS:
        ids = Counter(r["delivery_id"] for r in landed(tmp_path / "landing", vendor))
        assert len(ids) == 5 and set(ids.values()) == {1}


# -- bursts ------------------------------------------------------------------------------------------


class RecordingNotifier:
    def __init__(self):
        self.calls: list[dict] = []

    def notify(self, events):
        self.calls.append(events)
        return set()


def test_a_burst_of_1000_is_group_committed_landed_once_each_and_notified_once_per_stream(tmp_path):
    notifier = RecordingNotifier()
    requests_ = []
    for i in range(1000):
        vendor = ("github", "zendesk", "jira")[i % 3]
        requests_.append((vendor, *signed(vendor, activity_event(vendor, 1000 + i), delivery=f"b-{i}")))
    requests_ += requests_[:50]  # vendors retry: fifty redeliveries inside the burst

    async def scenario():
        async with Running(config(tmp_path, notifier=notifier)) as r:
            responses = await asyncio.gather(*(r.post(v, b, h) for v, b, h in requests_))
            codes = Counter(resp.status_code for resp in responses)
            assert codes[202] == 1000 and codes[200] == 50, codes
            assert r.receiver.store.fsyncs < 200  # deliveries share fsyncs
            await r.receiver.flush()
            await r.receiver.flush()  # nothing new: no second batch, no second notification

    run(scenario())
    total = 0
    for vendor, (source, stream) in STREAMS.items():
        records = landed(tmp_path / "landing", vendor)
        ids = Counter(r["delivery_id"] if vendor != "zendesk" else r["payload"]["id"] for r in records)
        assert set(ids.values()) == {1}
        total += len(ids)
        assert len(LandingZone(str(tmp_path / "landing")).manifests(source, stream)) == 1
    assert total == 1000
    assert len(notifier.calls) == 1
    assert {name: extra["deliveries"] for name, extra in notifier.calls[0].items()} == {
        "landing.github.pull_request_events": 334, "landing.zendesk.ticket_events": 333,
        "landing.jira.issue_events": 333}


def test_landed_batches_follow_the_landing_contract(tmp_path):
    async def scenario():
        async with Running(config(tmp_path)) as r:
            body, headers = signed("github", activity_event("github", 7), delivery="c-1")
            await r.post("github", body, headers)
            await r.receiver.flush()

    run(scenario())
    [manifest] = LandingZone(str(tmp_path / "landing")).manifests("github", "pull_request_events")
    data = tmp_path / "landing" / manifest.data_file
    lines = gzip.decompress(data.read_bytes()).splitlines()
    assert manifest.record_count == len(lines) == 1
    assert manifest.sha256 == hashlib.sha256(lines[0] + b"\n").hexdigest()
    assert data.parent.name == f"date={manifest.extracted_at[:10]}"


def test_an_oversized_streamed_body_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    import connectors.webhooks.app as receiver_app

    monkeypatch.setattr(receiver_app, "MAX_BODY_BYTES", 64 * 1024)
    sent = []

    async def endless_body():
        for _ in range(1000):  # 16 MB offered in 16 KB chunks, no Content-Length
            sent.append(1)
            yield b"x" * 16 * 1024

    async def scenario():
        async with Running(config(tmp_path)) as rx:
            response = await rx.client.post("/webhooks/github", content=endless_body(),
                                            headers={"Content-Type": "application/json"})
            return response

    response = run(scenario())
    assert len(sent) <= 6  # stopped just past the limit, not after 16 MB
    assert response.status_code == 413 and "65536" in response.json()["error"]
    assert landed(tmp_path / "landing", "github") == []


def test_two_landings_at_once_land_each_delivery_once(tmp_path):
    # A graceful stop flushes while the periodic lander may still be landing in its worker thread (cancelling
    # the task does not stop the thread): both read the same sealed segment. Each delivery must land once.
    import threading

    store = DeliveryStore(tmp_path / "journal", str(tmp_path / "landing"), STREAMS.values())
    store.open()

    async def accept_all():
        for i in range(30):
            vendor = ("github", "zendesk")[i % 2]
            await store.accept(*STREAMS[vendor], f"d-{i}", {"delivery_id": f"d-{i}", "received_at":
                                                            "2026-11-30T12:00:00Z", "payload": {"n": i}})

    asyncio.run(accept_all())
    store.close()
    for segment in (tmp_path / "journal").glob("*.jsonl"):
        segment.rename(segment.with_suffix(".sealed"))
    open_batch = store.zone.open_batch

    def slow_open_batch(*args, **kwargs):  # widens the gap between "not landed yet?" and the commit
        time.sleep(0.3)
        return open_batch(*args, **kwargs)

    store.zone.open_batch = slow_open_batch
    errors = []

    def land():
        try:
            store.land_sealed()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=land) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    got = Counter(r["delivery_id"] for vendor in ("github", "zendesk") for r in landed(tmp_path / "landing", vendor))
    assert got == Counter(f"d-{i}" for i in range(30))
