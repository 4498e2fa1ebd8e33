"""Connector throughput against the rate the sandbox serves alone (not a test; prints a table).

    python -m bench.ingest_throughput [--scenario default] [--days 180] [--people-factor 1.0]

For each stream below, two fresh processes read the same pages from one sandbox with no rate limit in
the way: a plain loop (GET, parse the JSON with the connector's parser, follow the next link, count; the
least any client does) and
the connector (`land_stream` with the landing suites, streaming to a landing zone in a temp directory).
Each side runs --repeat times, alternating, and its fastest run counts. Prints: stream | people | days |
records | landing MB | plain s | ingest s | connector ÷ plain rate | CPU s of each side's process (plain,
ingest: on a loaded machine the steadier figure; the sandbox's own CPU is in neither) | peak RSS (connector
process) | the load average when the stream's runs ended.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import msgspec
import requests

STREAMS = ("zendesk/tickets", "harvest/time_entries")


def _plain_zendesk(conn: dict) -> int:
    session = requests.Session()
    session.auth = (f"{conn['login']}/token", conn["password"])
    url = f"{conn['host'].rstrip('/')}/api/v2/incremental/tickets/cursor.json"
    params: dict | None = {"start_time": int(time.time()) - int(conn["extra"]["start_days_ago"]) * 86400,
                           "include": "metric_sets", "support_type_scope": "all", "per_page": 1000}
    records = 0
    while True:
        body = msgspec.json.decode(session.get(url, params=params, timeout=120).content)
        records += len(body["tickets"])
        if body["end_of_stream"]:
            return records
        url, params = body["after_url"], None


def _plain_harvest(conn: dict) -> int:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {conn['password']}",
                            "Harvest-Account-Id": str(conn["extra"]["account_id"]),
                            "User-Agent": "bench (bench@example.com)"})
    url: str | None = f"{conn['host'].rstrip('/')}/v2/time_entries"
    params: dict | None = {"per_page": 2000}
    records = 0
    while url:
        body = msgspec.json.decode(session.get(url, params=params, timeout=120).content)
        records += len(body["time_entries"])
        url, params = body["links"]["next"], None
    return records


PLAIN = {"zendesk/tickets": _plain_zendesk, "harvest/time_entries": _plain_harvest}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(kind: str, key: str, conn: dict, landing: str, out) -> None:
    started, cpu = time.perf_counter(), _cpu()
    if kind == "plain":
        records = PLAIN[key](conn)
    else:
        from connectors import sources
        from connectors.config import ConnectionConfig
        from connectors.landing import LandingZone
        from connectors.runner import land_stream
        from connectors.state import StateStore
        from expectations.runner import landing_batch_validator

        validator = landing_batch_validator()  # imports GX once, outside the timed part
        started, cpu = time.perf_counter(), _cpu()
        source, name = key.split("/")
        module = sources()[source]
        client = module.make_client(ConnectionConfig(**conn))
        stream = next(s for s in module.STREAMS if s.name == name)
        result = land_stream(stream, client, LandingZone(landing), StateStore(f"{landing}/../state"),
                             validate=validator)
        records = result.records + result.rejected
    seconds = time.perf_counter() - started
    out.put({"records": records, "seconds": seconds, "cpu": _cpu() - cpu,
             "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _run(kind: str, key: str, conn: dict, landing: str) -> dict:
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: its peak RSS is the child's own
    queue = spawn.Queue()
    proc = spawn.Process(target=_child, args=(kind, key, conn, landing, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--days", type=int, default=None, help="window length (default: the scenario's)")
    parser.add_argument("--people-factor", type=float, default=1.0, help="scale every department's headcount")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each loop (the fastest counts)")
    args = parser.parse_args()

    from devenv.sandbox_env import sandbox_connections
    from sandbox.company import generate_company
    from sandbox.scenario import load_scenario
    from sandbox.server import SandboxServer

    scenario = load_scenario(args.scenario)
    vendors = dataclasses.replace(scenario.vendors, zendesk_incremental_requests_per_minute=1_000_000)
    departments = tuple(dataclasses.replace(d, headcount=max(d.teams, round(d.headcount * args.people_factor)))
                        for d in scenario.departments)
    days = args.days or scenario.days
    # no simulated rate limit: measure what the sandbox can serve, not what a vendor allows
    harvest = {**scenario.sources.get("harvest", {}), "requests_per_15s": 100_000}
    scenario = dataclasses.replace(scenario, vendors=vendors, departments=departments, days=days,
                                   rollout_day=min(days - 1, scenario.rollout_day),
                                   sources={**scenario.sources, "harvest": harvest})
    company = generate_company(scenario)
    rows = []
    with SandboxServer(company) as server:
        connections = sandbox_connections(server, company)
        for key in STREAMS:
            source = key.split("/")[0]
            conn = dataclasses.asdict(connections[source])
            conn["extra"] = {**conn["extra"], "requests_per_window": 0, "incremental_requests_per_window": 0}
            plain_runs, ingest_runs = [], []
            for _ in range(args.repeat):  # alternate, keep each side's fastest: the machine's load varies
                tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
                try:
                    plain_runs.append(_run("plain", key, conn, str(tmp / "landing")))
                    ingest_runs.append(_run("connector", key, conn, str(tmp / "landing")))
                    size = sum(p.stat().st_size for p in (tmp / "landing").rglob("*.jsonl.gz"))
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            plain = min(plain_runs, key=lambda r: r["seconds"])
            ingest = min(ingest_runs, key=lambda r: r["seconds"])
            ratio = (ingest["records"] / ingest["seconds"]) / (plain["records"] / plain["seconds"])
            rows.append((key, len(company.people), days, ingest["records"], size / 1e6, plain["seconds"],
                         ingest["seconds"], ratio, plain["cpu"], ingest["cpu"], ingest["rss_mb"], plain["records"],
                         os.getloadavg()[0]))
    print(json.dumps({"scenario": args.scenario}))
    print("| stream | people | days | records | landing MB | plain s | ingest s | connector ÷ plain | "
          "CPU s plain / ingest | peak RSS MB | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, people, d, records, mb, plain_s, ingest_s, ratio, plain_cpu, ingest_cpu, rss, plain_records, load in rows:
        assert plain_records == records, f"{key}: plain loop saw {plain_records} records, the connector {records}"
        print(f"| {key} | {people:,} | {d} | {records:,} | {mb:.1f} | {plain_s:.1f} | {ingest_s:.1f} | "
              f"{ratio:.0%} | {plain_cpu:.2f} / {ingest_cpu:.2f} | {rss:,.0f} | {load:.1f} |")


if __name__ == "__main__":
    main()
