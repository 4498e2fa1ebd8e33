"""What validating a landing batch costs: GX on DataFrames (whole batch, or chunks) vs the streaming checks.

Prints one table: approach | records | seconds | µs per record. The records are Zendesk's documented
example ticket with varied ids and times, the stream whose validation dominated ingest time.

    python -m bench.validation_cost [--records 50000] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import copy
import time

import pandas as pd

from connectors import zendesk
from expectations.landing_checks import StreamingLandingValidator
from expectations.runner import DEFAULT_SETTINGS, Validator
from expectations.suites import LANDING_SUITES

TICKET = {
    "id": 35436, "url": "https://acme.zendesk.com/api/v2/tickets/35436.json",
    "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-02T10:30:00Z", "generated_timestamp": 1714645860,
    "status": "solved", "type": "incident", "priority": "normal", "requester_id": 20978392, "assignee_id": 235323,
    "group_id": 98738, "organization_id": 509974, "tags": ["billing"], "custom_fields": [{"id": 27642, "value": "745"}],
    "via": {"channel": "web"},
    "metric_set": {"id": 5527084754447, "ticket_id": 35436, "created_at": "2024-05-01T09:00:00Z",
                   "updated_at": "2024-05-02T10:30:00Z", "reopens": 0, "replies": 2,
                   "solved_at": "2024-05-02T10:30:00Z", "reply_time_in_minutes": {"calendar": 34, "business": 12},
                   "first_resolution_time_in_minutes": {"calendar": 1530, "business": 480},
                   "full_resolution_time_in_minutes": {"calendar": 1530, "business": 480}},
}


def tickets(n: int) -> list[dict]:
    out = []
    for i in range(n):
        t = copy.deepcopy(TICKET)
        t["id"] = t["metric_set"]["ticket_id"] = 1000 + i
        t["metric_set"]["full_resolution_time_in_minutes"]["calendar"] = 30 + i % 5000
        out.append(t)
    return out


def gx_frames(validator: Validator, records: list[dict], chunk: int) -> bool:
    spec = LANDING_SUITES[zendesk.TICKETS.key]
    ok = True
    for start in range(0, len(records), chunk):
        frame = pd.json_normalize(records[start:start + chunk], max_level=3)
        ok &= validator.validate(spec, frame, "zendesk__tickets").success
    return ok


def streaming(records: list[dict]) -> bool:
    batch = StreamingLandingValidator(LANDING_SUITES, DEFAULT_SETTINGS).start(zendesk.TICKETS)
    rejected = sum(bool(batch.check(r)) for r in records)
    return batch.finish().success and not rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    args = parser.parse_args()
    records = tickets(args.records)
    started = time.perf_counter()
    validator = Validator()
    setup = time.perf_counter() - started
    rows = []
    for name, run in (("GX, whole batch in one DataFrame", lambda: gx_frames(validator, records, len(records))),
                      (f"GX, DataFrames of {args.chunk:,}", lambda: gx_frames(validator, records, args.chunk)),
                      ("streaming checks (plain Python)", lambda: streaming(records))):
        started = time.perf_counter()
        assert run(), f"{name}: the clean batch failed validation"
        seconds = time.perf_counter() - started
        rows.append((name, len(records), seconds, seconds / len(records) * 1e6))
    print(f"GX context set-up (once per process): {setup:.2f} s")
    print(f"| {'approach':<34} | {'records':>8} | {'seconds':>8} | {'µs/record':>9} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 11}|")
    for name, n, seconds, per in rows:
        print(f"| {name:<34} | {n:>8,} | {seconds:>8.2f} | {per:>9.1f} |")


if __name__ == "__main__":
    main()
