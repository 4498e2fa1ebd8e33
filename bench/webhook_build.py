"""The cost of a webhook-only build on a warehouse a full build left whole (not a test; prints one row).

    python -m bench.webhook_build --work data/scale/50000x365 [--events 20]

`--work` is a size's directory of `bench.pipeline_scale` (its `landing/` and `data/`, after the full build).
One batch of merged-pull-request events lands on the GitHub webhook stream, as the receiver lands it, and
`outcomes transform` runs with the selection the transform DAG gives a build that only webhook batches
triggered (`webhook_only_selection`: the webhook stream's staging model and what depends on it). Prints the
wall and CPU seconds and the peak RSS of that transform, and the models and tests it ran. The batch stays
landed (the warehouse has built it; removing it behind the build's back would leave the two apart).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.dbt_build import run_measured
from connectors.landing import LandingZone
from outcomes.pipeline import webhook_only_selection
from outcomes.settings import Settings
from sandbox.webhooks import github_pull_request_merged

STREAM = ("github", "pull_request_events")


def land_events(landing: Path, events: int) -> None:
    """One batch of `events` merged-pull-request deliveries, in the record shape the receiver writes."""
    zone, now = LandingZone(str(landing)), datetime.now(UTC)
    records = []
    for n in range(events):
        payload = github_pull_request_merged(9_000_000_000 + n, 900_000 + n, "octocat", now - timedelta(hours=30),
                                             now - timedelta(minutes=n))
        delivery = str(uuid.uuid4())
        records.append({"delivery_id": delivery, "event": "pull_request.closed",
                        "received_at": now.isoformat().replace("+00:00", "Z"),
                        "headers": {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery},
                        "payload": payload})
    batch = zone.open_batch(*STREAM, now)
    batch.write_many(records)
    batch.commit(window_start=now.isoformat(), window_end=now.isoformat(), cursor_after=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    base = args.work.resolve()
    landing, data = base / "landing", base / "data"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OUTCOMES_DATA_DIR": str(data),
           "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WORKFLOWS": str(base / "generated_workflows.yml"),
           "OUTCOMES_EXTRA_IDENTITY_OVERRIDES": str(base / "generated_identity_overrides.csv")}
    os.environ.update(env)
    settings = Settings.from_env()
    selection = webhook_only_selection(settings, [f"x-landing://{STREAM[0]}/{STREAM[1]}"])
    if selection is None:
        raise SystemExit(f"{data}: no full build has succeeded there; run bench.pipeline_scale first")
    land_events(landing, args.events)
    code = ("import json, sys; from outcomes.pipeline import transform; from outcomes.settings import Settings; "
            "s = transform(Settings.from_env(), select=sys.argv[1]); "
            "print(json.dumps({'models': s['models'], 'tests': s['tests_passed'], 'seconds': s['seconds']}))")
    wall, cpu, peak, result = run_measured([sys.executable, "-c", code, selection], env, Path.cwd())
    if result.returncode != 0:
        print(result.stdout[-4000:], file=sys.stderr)
        raise SystemExit(f"the webhook-only transform failed with exit {result.returncode}")
    built = json.loads(result.stdout[result.stdout.rindex("{"):])
    print("| selection | events | models | data tests | dbt s | transform s (CPU s) | peak RSS GB |")
    print("|---|---|---|---|---|---|---|")
    print(f"| `{selection}` | {args.events} | {built['models']} | {built['tests']} | {built['seconds']} | "
          f"{wall:.1f} ({cpu:.1f}) | {peak / 1e9:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
