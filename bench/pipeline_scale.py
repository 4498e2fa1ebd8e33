"""The whole pipeline at several company sizes: generate → transform → gate → publish, one more day, and
one raw scan of the same landing files (not a test; prints a table).

    python -m bench.pipeline_scale [--sizes 600x365,5000x365] [--work data/scale] [--workers 2] [--reuse]

Per size, under `<work>/<people>x<days>/`:
  1. generate: `python -m devenv generate` writes every source's landing batches directly (no HTTP; the
     connectors' own throughput is `bench.ingest_throughput`); `--reuse` keeps a landing zone already there;
  2. transform, gate, publish: the `outcomes` commands, each a process of its own on an empty data directory,
     as an operator runs them;
  3. raw scan: `select count(*) from read_json_objects('<landing>/**/*.jsonl.gz')` with the build's DuckDB
     limits, the floor of reading every landed record once (faster of two runs);
  4. increment: one more day lands (bench.dbt_build.land_one_more_day) and transform runs again.
Each stage gives wall seconds, CPU seconds (user + system of the process tree) and the tree's peak RSS,
sampled every 50 ms. Ratios are taken within the run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from bench.dbt_build import land_one_more_day, run_measured
from outcomes.settings import Settings


def raw_scan(landing: Path, settings: Settings) -> tuple[float, float]:
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'; set threads = {settings.duckdb_threads}")
    best = best_cpu = math.inf
    for _ in range(2):
        started, cpu_started = time.monotonic(), time.process_time()
        con.execute(f"select count(*) from read_json_objects('{landing}/**/*.jsonl.gz', format='newline_delimited')")
        best, best_cpu = min(best, time.monotonic() - started), min(best_cpu, time.process_time() - cpu_started)
    con.close()
    return best, best_cpu


def run_size(people: int, days: int, work: Path, workers: int, reuse: bool) -> dict:
    base = work / f"{people}x{days}"
    landing, data = base / "landing", base / "data"
    python = sys.executable
    stages: dict[str, tuple[float, float, int]] = {}

    def stage(name: str, cmd: list[str], env: dict[str, str]) -> dict:
        wall, cpu, peak, result = run_measured(cmd, env, Path.cwd())
        if result.returncode != 0:
            print(result.stdout[-4000:], file=sys.stderr)
            raise SystemExit(f"{people}x{days}: {name} failed with exit {result.returncode}; see the log above")
        stages[name] = (wall, cpu, peak)
        print(f"  {people}x{days} {name}: {wall:,.1f} s wall, {cpu:,.1f} s CPU, peak {peak / 1e9:.2f} GB", flush=True)
        return json.loads(result.stdout[result.stdout.index("{"):]) if "{" in result.stdout else {}

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not (reuse and landing.exists()):
        shutil.rmtree(base, ignore_errors=True)
        stage("generate", [python, "-m", "devenv", "generate", "--people", str(people), "--days", str(days),
                           "--out", str(landing), "--workers", str(workers)], env)
    shutil.rmtree(data, ignore_errors=True)
    env.update(OUTCOMES_DATA_DIR=str(data), OUTCOMES_LANDING_ROOT=str(landing),
               OUTCOMES_WORKFLOWS=str(base / "generated_workflows.yml"),
               OUTCOMES_EXTRA_IDENTITY_OVERRIDES=str(base / "generated_identity_overrides.csv"))
    stage("transform", [python, "-m", "outcomes.cli", "transform"], env)
    stage("gate", [python, "-m", "outcomes.cli", "gate"], env)
    stage("publish", [python, "-m", "outcomes.cli", "publish"], env)

    manifests = [json.loads(p.read_text()) for p in landing.glob("**/*.manifest.json")]
    records = sum(m["record_count"] for m in manifests)
    landing_mb = sum(p.stat().st_size for p in landing.glob("**/*.jsonl.gz")) / 1e6
    scan, scan_cpu = raw_scan(landing, Settings.from_env())
    print(f"  {people}x{days} raw scan: {scan:,.1f} s wall, {scan_cpu:,.1f} s CPU", flush=True)
    # the increment lands in the copy's own batches; the generated zone stays as generated for a rerun
    increment = land_one_more_day(landing, days)
    stage("increment", [python, "-m", "outcomes.cli", "transform"], env)
    for p in landing.glob("**/*.manifest.json"):  # retire the increment's batches again
        m = json.loads(p.read_text())
        if m["batch_id"] not in {x["batch_id"] for x in manifests}:
            (landing / m["data_file"]).unlink()
            p.unlink()
    generated = stages.get("generate", (math.nan, math.nan, 0))
    return {"people": people, "days": days, "records": records, "landing_mb": landing_mb,
            "generate": generated, "transform": stages["transform"], "gate": stages["gate"],
            "publish": stages["publish"], "increment": stages["increment"], "increment_records": increment,
            "raw_scan": (scan, scan_cpu),
            "peak_gb": max(s[2] for s in stages.values()) / 1e9}


HEADER = ("people", "days", "records", "landing MB", "generate s", "build s (CPU)", "gate s", "publish s",
          "peak RSS GB (stage)", "raw scan s (CPU)", "build ÷ raw scan (CPU)", "increment records",
          "increment s (CPU)", "increment ÷ full (CPU)")


def format_row(r: dict) -> str:
    build, inc, scan = r["transform"], r["increment"], r["raw_scan"]
    peak_stage = max(("generate", "transform", "gate", "publish", "increment"), key=lambda s: r[s][2])
    cells = (f"{r['people']:,}", r["days"], f"{r['records']:,}", f"{r['landing_mb']:,.0f}", f"{r['generate'][0]:,.0f}",
             f"{build[0]:,.0f} ({build[1]:,.0f})", f"{r['gate'][0]:,.1f}", f"{r['publish'][0]:,.1f}",
             f"{r['peak_gb']:.2f} ({peak_stage})", f"{scan[0]:,.1f} ({scan[1]:,.1f})",
             f"{build[0] / scan[0]:,.1f} ({build[1] / scan[1]:,.1f})", f"{r['increment_records']:,}",
             f"{inc[0]:,.0f} ({inc[1]:,.0f})", f"{inc[0] / build[0]:.2f} ({inc[1] / build[1]:.2f})")
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="600x365,5000x365", help="people x days, comma separated")
    parser.add_argument("--work", type=Path, default=Path("data/scale"))
    parser.add_argument("--workers", type=int, default=2, help="generator processes")
    parser.add_argument("--reuse", action="store_true", help="keep a landing zone already generated")
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        people, days = (int(x) for x in size.lower().split("x"))
        rows.append(run_size(people, days, args.work.resolve(), args.workers, args.reuse))
        print(format_row(rows[-1]), flush=True)
    print("\n| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows:
        print(format_row(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
