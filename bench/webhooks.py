"""Webhook freshness benchmark (not a test): run it against `make up`.

    python -m bench.webhooks [--events 20] [--interval 3] [--burst 1000]

1. Latency: sends signed sandbox events one at a time and times each from the receiver's acknowledgement to
   the moment the published warehouse (analytics.duckdb) is built from the landing batch that holds it (its
   `_publication.landed_through` reaches that batch); prints p50/p95.
2. Burst: sends N signed events as fast as the client can, prints the events/second accepted, checks that
   every one landed exactly once, and times until the published warehouse includes all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from outcomes.settings import Settings

VENDORS = ("github", "zendesk", "jira")


def published_through(path) -> dict[str, str]:
    """The newest landing batch per stream ("<source>/<stream>") the published warehouse was built from."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.IOException, duckdb.CatalogException):
        return {}
    try:
        row = con.execute("select landed_through from _publication").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):
        return {}
    finally:
        con.close()
    return json.loads(row[0]) if row and row[0] else {}


class LandedBatches:
    """Which landing batch holds each delivery of one webhook stream; each new batch is read once."""

    def __init__(self, settings: Settings, vendor: str):
        from connectors.landing import LandingZone
        from connectors.webhooks.vendors import VENDORS as CONTRACTS

        self.zone = LandingZone(settings.landing_root)
        self.contract = CONTRACTS[vendor]
        self.read = {m.batch_id for m in self._manifests()}  # batches from before the run hold none of ours
        self.batch_of: dict[str, str] = {}
        self.copies: Counter = Counter()

    def _manifests(self):
        return self.zone.manifests(self.contract.source, self.contract.stream)

    def refresh(self) -> None:
        for manifest in self._manifests():
            if manifest.batch_id in self.read:
                continue
            self.read.add(manifest.batch_id)
            for record in self.zone.read_batch(manifest):
                self.batch_of.setdefault(record["delivery_id"], manifest.batch_id)
                self.copies[record["delivery_id"]] += 1


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def _event(vendor: str, n: int, run: str):
    from sandbox.webhooks import activity_event, signed_request

    payload = activity_event(vendor, n)
    delivery = f"bench-{run}-{n}"
    body, headers = signed_request(vendor, payload, delivery_id=delivery)
    return body, headers, payload["id"] if vendor == "zendesk" else delivery


def latency(url: str, settings: Settings, events: int, interval: float, timeout: float, run: str,
            vendor: str) -> list[float]:
    landed = LandedBatches(settings, vendor)
    acked: list[tuple[float, str]] = []
    visible: list[float] = []
    session = requests.Session()
    next_send = time.monotonic()
    deadline = None
    while len(visible) < events:
        now = time.monotonic()
        if len(acked) < events and now >= next_send:
            body, headers, delivery = _event(vendor, len(acked) + 1 + int(time.time()) % 10_000_000 * 100, run)
            resp = session.post(f"{url}/webhooks/{vendor}", data=body, headers=headers, timeout=30)
            if resp.status_code != 202:
                raise RuntimeError(f"receiver answered {resp.status_code}: {resp.text}")
            acked.append((time.monotonic(), delivery))
            next_send += interval
            if len(acked) == events:
                deadline = time.monotonic() + timeout
        landed.refresh()
        through = published_through(settings.published_path).get(landed.contract.key, "")
        while len(visible) < len(acked):
            sent, delivery = acked[len(visible)]
            batch = landed.batch_of.get(delivery)
            if batch is None or batch > through:
                break
            visible.append(time.monotonic())
            print(f"  event {len(visible):>3}: published after {visible[-1] - sent:6.1f} s", flush=True)
        if deadline and time.monotonic() > deadline:
            raise RuntimeError(f"only {len(visible)} of {events} events were published within {timeout:.0f} s")
        time.sleep(0.25)
    return [v - a for v, (a, _) in zip(visible, acked, strict=True)]


def burst(url: str, settings: Settings, n: int, timeout: float, run: str) -> None:
    landed = {v: LandedBatches(settings, v) for v in VENDORS}
    prepared = [(VENDORS[i % 3], *_event(VENDORS[i % 3], 5_000_000 + i, run)) for i in range(n)]
    sent_ids = {v: {d for vv, _, _, d in prepared if vv == v} for v in VENDORS}
    local = __import__("threading").local()

    def post(item):
        vendor, body, headers, _ = item
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.post(f"{url}/webhooks/{vendor}", data=body, headers=headers, timeout=60).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        codes = Counter(pool.map(post, prepared))
    elapsed = time.monotonic() - started
    print(f"burst: {n} signed events in {elapsed:.2f} s = {n / elapsed:.0f} events/s accepted; answers {dict(codes)}")
    if codes != Counter({202: n}):
        raise RuntimeError(f"not every event was acknowledged: {dict(codes)}")
    health = requests.get(f"{url}/healthz", timeout=10).json()
    print(f"receiver still answering: accepted={health['accepted']} fsyncs={health['fsyncs']}")

    deadline = time.monotonic() + timeout
    while True:
        through = published_through(settings.published_path)
        published = {}
        for v in VENDORS:
            landed[v].refresh()
            batches = [landed[v].batch_of.get(d) for d in sent_ids[v]]
            published[v] = sum(1 for b in batches if b is not None and b <= through.get(landed[v].contract.key, ""))
        if all(published[v] == len(sent_ids[v]) for v in VENDORS) or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"published after {time.monotonic() - started:.1f} s: {published} (sent "
          f"{ {v: len(ids) for v, ids in sent_ids.items()} })")

    problems = []
    for v in VENDORS:
        copies = landed[v].copies
        lost = len(sent_ids[v] - set(copies))
        duplicated = sum(c - 1 for d, c in copies.items() if d in sent_ids[v])
        print(f"  {landed[v].contract.key}: landed {len(sent_ids[v]) - lost}, lost {lost}, duplicated {duplicated}; "
              f"published {published[v]} of {len(sent_ids[v])}")
        if lost or duplicated or published[v] != len(sent_ids[v]):
            problems.append(v)
    if problems:
        raise RuntimeError(f"burst check failed for {problems}")
    print("burst: none lost, none duplicated (landing zone), all in the published warehouse")


def transform_runs_since(since: datetime) -> int | None:
    from connectors.webhooks.notify import AirflowNotifier

    notifier = AirflowNotifier.from_env()
    if notifier is None:
        return None
    try:
        resp = notifier._request("GET", "/api/v2/dags/transform/dagRuns",
                                 params={"run_after_gte": since.isoformat(), "limit": 100})
        return resp.json().get("total_entries") if resp.ok else None
    except (requests.RequestException, RuntimeError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('OUTCOMES_WEBHOOK_PORT', '8090')}")
    parser.add_argument("--vendor", choices=VENDORS, default="github")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between latency events")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    os.environ.setdefault("OUTCOMES_AIRFLOW_API_URL",
                          f"http://127.0.0.1:{os.environ.get('OUTCOMES_AIRFLOW_PORT', '8080')}")
    os.environ.setdefault("OUTCOMES_AIRFLOW_PASSWORDS_FILE",
                          str(settings.data_dir / "airflow" / "simple_auth_manager_passwords.json.generated"))
    try:
        requests.get(f"{args.url}/healthz", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        print(f"no webhook receiver at {args.url} ({exc}); start `make up` first", file=sys.stderr)
        return 1
    run = uuid.uuid4().hex[:8]
    print(f"latency: {args.events} {args.vendor} events, one every {args.interval:.1f} s -> {settings.published_path}")
    started = datetime.now(UTC)
    lat = latency(args.url, settings, args.events, args.interval, args.timeout, run, args.vendor)
    runs = transform_runs_since(started)
    print(f"latency webhook receipt -> published mart over {len(lat)} events: p50 {statistics.median(lat):.1f} s, "
          f"p95 {percentile(lat, 95):.1f} s, max {max(lat):.1f} s"
          + (f"; transform runs: {runs}" if runs is not None else ""))
    if args.burst:
        started = datetime.now(UTC)
        burst(args.url, settings, args.burst, args.timeout, run)
        runs = transform_runs_since(started)
        if runs is not None:
            print(f"transform runs caused by the burst (coalesced): {runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
