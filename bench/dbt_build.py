"""dbt build cost against reading the landing zone once, and the cost of one more day.

    python -m bench.dbt_build --landing data/landing [--workflows data/sandbox/default_workflows.yml]
                             [--project-dir dbt_project] [--work /tmp/bench-dbt] [--label after]

Works on a copy (hard links) of an existing landing zone, e.g. the one `make run` or the sandbox generator
leaves behind, and prints one table row:
  1. raw scan: `select count(*) from read_json_objects('<landing>/**/*.jsonl.gz')`, the floor of reading
     every landed record once, with the same DuckDB limits as the build;
  2. full build: `dbt build` (models and data tests, as the transform step runs it) on an empty warehouse over
     every committed batch;
  3. increment: one more day lands (per merge stream a batch re-extracting 1/days of its records, per
     snapshot stream the whole latest list again, as a daily ingest does) and `dbt build` runs again.
Times are wall seconds and, in brackets, CPU seconds (user + system), which a busy machine disturbs far less;
ratios are given for both. Peak RSS is that of the dbt process and its children (DuckDB runs inside dbt),
sampled every 50 ms. A second part prints where each build's time went (model layers and tests, from dbt's
run_results.json).
--project-dir lets the same script measure another checkout of the dbt project (before/after a change).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from connectors import landing_streams
from connectors.landing import LandingZone
from outcomes.catalog import load_catalog
from outcomes.dbt_models import dbt_model_vars
from outcomes.settings import PROJECT_ROOT, Settings


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int,
                                                                          subprocess.CompletedProcess]:
    """Wall seconds, CPU seconds and peak RSS (bytes, process tree) of one command."""
    cpu_before = children_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    wall, cpu = time.monotonic() - started, children_cpu() - cpu_before
    return wall, cpu, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def link_tree(src: Path, dst: Path) -> None:
    """A copy of the landing zone that shares the files (the increment is added to the copy only)."""
    shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns("_quarantine", "*.tmp-*"))


def land_one_more_day(landing: Path, days: int) -> int:
    """Per merge stream, a batch re-extracting 1/days of the latest batch's records; per snapshot stream the
    latest list again. Returns the records landed."""
    zone = LandingZone(str(landing))
    declared, landed = landing_streams(), 0
    extracted_at = datetime.now(UTC)
    for key, declaration in declared.items():
        source, stream = key.split("/")
        manifests = zone.manifests(source, stream)
        if not manifests:
            continue
        latest = max(manifests, key=lambda m: m.batch_id)
        records = zone.read_batch(latest)
        if declaration["disposition"] == "merge":
            records = records[-math.ceil(len(records) / max(days, 1)):] if records else []
        batch = zone.open_batch(source, stream, extracted_at)
        batch.write_many(records)
        batch.commit()
        landed += len(records)
    return landed


def node_seconds(run_results: Path) -> dict[str, float]:
    """Seconds spent per layer and in tests (summed over dbt's threads), and dbt's own elapsed time; the rest
    of a build's wall time is starting dbt and parsing the project."""
    results = json.loads(run_results.read_text())
    spent = {"staging": 0.0, "intermediate": 0.0, "marts": 0.0, "tests": 0.0}
    for node in results["results"]:
        kind, name = node["unique_id"].split(".")[0], node["unique_id"].split(".")[-1]
        if kind == "model":
            layer = "staging" if name.startswith("stg_") else "intermediate" if name.startswith("int_") else "marts"
            spent[layer] += node["execution_time"]
        elif kind in ("test", "unit_test"):
            spent["tests"] += node["execution_time"]
    return {**spent, "dbt elapsed": results["elapsed_time"]}


def write_snapshot(landing: Path, path: Path) -> Path:
    """The batch list the build reads, as the transform freezes it: every batch checked against its manifest
    (a benchmark over a tampered landing zone would measure a build nobody would publish)."""
    zone = LandingZone(str(landing))
    manifests, _ = zone.scan()
    batches = []
    for manifest_path, manifest, unreadable in manifests:
        problem = unreadable or zone.verify_batch(manifest)
        if problem:
            raise SystemExit(f"{manifest_path}: {problem}; restore or remove the batch before benchmarking")
        batches.append({"source": manifest.source, "stream": manifest.stream, "batch_id": manifest.batch_id,
                        "data_file": manifest.data_file})
    path.write_text("".join(json.dumps(b) + "\n" for b in batches))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--workflows", type=Path, default=PROJECT_ROOT / "workflows.yml")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT / "dbt_project")
    parser.add_argument("--work", type=Path, default=Path("/tmp/outcomes-bench-dbt"))
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    settings = Settings.from_env()
    shutil.rmtree(args.work, ignore_errors=True)
    landing, warehouse = args.work / "landing", args.work / "warehouse.duckdb"
    link_tree(args.landing.resolve(), landing)
    files = list(landing.glob("**/*.jsonl.gz"))
    landing_mb = sum(f.stat().st_size for f in files) / 1e6
    records = sum(m["record_count"] for m in (json.loads(p.read_text()) for p in landing.glob("**/*.manifest.json")))

    con = duckdb.connect()
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'; set threads = {settings.duckdb_threads}")
    raw_scan = raw_scan_cpu = math.inf
    for _ in range(2):  # the faster of two: the build that follows also reads from a warm page cache
        started, cpu_started = time.monotonic(), time.process_time()
        con.execute(f"select count(*) from read_json_objects('{landing}/**/*.jsonl.gz', format='newline_delimited')")
        raw_scan = min(raw_scan, time.monotonic() - started)
        raw_scan_cpu = min(raw_scan_cpu, time.process_time() - cpu_started)
    con.close()

    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "OUTCOMES_WAREHOUSE_PATH": str(warehouse),
           "OUTCOMES_LANDING_ROOT": str(landing), **settings.duckdb_env,
           "OUTCOMES_DUCKDB_TEMP_DIR": str(args.work / "duckdb_tmp")}
    variables = dbt_model_vars(args.project_dir, landing_root=str(landing), workflows=load_catalog(args.workflows))

    breakdown: dict[str, dict[str, float]] = {}

    def build(name: str) -> tuple[float, float, int]:
        # one snapshot path for every build, as the transform step writes it: unchanged --vars keep dbt's
        # partial parsing
        variables["landing_snapshot"] = str(write_snapshot(landing, args.work / "landing_snapshot.jsonl"))
        cmd = [dbt, "build", "--project-dir", str(args.project_dir), "--profiles-dir", str(args.project_dir),
               "--target-path", str(args.work / "target"), "--log-path", str(args.work / "logs"),
               "--vars", json.dumps(variables),
               # as the transform step builds: unit tests run in development and CI, not on the data
               "--exclude-resource-type", "unit_test"]
        seconds, cpu, peak, result = run_measured(cmd, env, args.project_dir)
        if result.returncode != 0:
            print(result.stdout[-3000:], file=sys.stderr)
            raise SystemExit(f"dbt build ({name}) failed with exit {result.returncode}; see the log above")
        breakdown[name] = node_seconds(args.work / "target" / "run_results.json")
        return seconds, cpu, peak

    full_s, full_cpu, full_peak = build("full")
    con = duckdb.connect(str(warehouse), read_only=True)
    people = con.execute("select count(*) from staging.stg_msgraph__users").fetchone()[0]
    days = con.execute(
        "select count(distinct activity_date) from staging.stg_github_copilot__users_daily").fetchone()[0]
    con.close()
    increment_records = land_one_more_day(landing, days)
    inc_s, inc_cpu, inc_peak = build("increment")

    header = ["label", "people", "days", "records", "landing MB", "full build s (CPU s)", "peak RSS GB",
              "raw scan s (CPU s)", "build ÷ raw scan (CPU)", "increment records", "increment s (CPU s)",
              "increment peak GB", "increment ÷ full (CPU)"]
    row = [args.label, people, days, records, f"{landing_mb:.1f}", f"{full_s:.1f} ({full_cpu:.1f})",
           f"{full_peak / 1e9:.2f}", f"{raw_scan:.2f} ({raw_scan_cpu:.2f})",
           f"{full_s / raw_scan:.1f} ({full_cpu / raw_scan_cpu:.1f})", increment_records,
           f"{inc_s:.1f} ({inc_cpu:.1f})", f"{inc_peak / 1e9:.2f}", f"{inc_s / full_s:.2f} ({inc_cpu / full_cpu:.2f})"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    print("| " + " | ".join(str(v) for v in row) + " |")
    for name, seconds in breakdown.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
