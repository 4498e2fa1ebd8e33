"""`python -m devenv <command>`: the pipeline on the sandbox, for development and demos (see the Makefile)."""

from __future__ import annotations

import argparse
import os
import sys

from outcomes.cli import run_cli
from outcomes.settings import Settings


def cmd_run(args: argparse.Namespace) -> int:
    """Every DAG once through Airflow's dag.test(), against a sandbox started for the run, then the summary."""
    from devenv.sandbox_env import sandbox_session
    from outcomes.run import run_pipeline

    with sandbox_session(args.scenario, Settings.from_env()) as settings:
        result = run_pipeline(settings)
    if not result.success:
        print(f"\n{result.failed_dag} did not succeed; see the task log above and data/runs/.", file=sys.stderr)
        return 1
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from devenv.sandbox_env import serve_forever

    serve_forever(args.scenario, args.port)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from devenv.generate import catalog_path, generate, overrides_path

    out = args.out or Settings.from_env().landing_root
    result = generate(args.people, args.days, out, scenario=args.scenario, max_batch_records=args.max_batch_records,
                      workers=args.workers, progress=lambda line: print(line, flush=True))
    print(f"landed {result.records:,} records of {result.people:,} people x {result.days} days "
          f"({result.shards} shards, {result.landing_bytes / 1e6:,.0f} MB) under {out} in {result.seconds:,.0f} s")
    print(f"build it with OUTCOMES_LANDING_ROOT={out} OUTCOMES_WORKFLOWS={catalog_path(out)} "
          f"OUTCOMES_EXTRA_IDENTITY_OVERRIDES={overrides_path(out)}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from devenv.up import up

    return up(None if args.no_sandbox else args.scenario, args.airflow_port, args.webhook_port,
              executor=args.executor, dags_paused=args.dags_paused, bi=not args.no_bi)


def cmd_down(args: argparse.Namespace) -> int:
    from devenv.up import down

    return down()


def cmd_faults(args: argparse.Namespace) -> int:
    """The fault campaign on its own data directory; the table on stdout; exit 1 if any scenario fails."""
    from pathlib import Path

    from devenv.faults import print_table, run_matrix

    outcomes = run_matrix(Path(args.data_dir).resolve(), quick=args.quick, only=args.only)
    print()
    print_table(outcomes)
    return 0 if outcomes and all(o.passed for o in outcomes) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devenv", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    scenario_help = "sandbox scenario: a name in sandbox/scenarios/ or a path to a .yml file"

    p = sub.add_parser("run", help="run the whole pipeline once on the sandbox through Airflow (dag.test)")
    p.add_argument("--scenario", default="default", help=scenario_help)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sandbox", help="serve the simulated vendors in the foreground; print their connections")
    p.add_argument("--scenario", default="default", help=scenario_help)
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("generate", help="write a large scenario's landing batches directly (no HTTP), every source")
    p.add_argument("--people", type=int, required=True, help="people in the company (shards of the scenario's size)")
    p.add_argument("--days", type=int, required=True, help="days of history (at least 14)")
    p.add_argument("--out", default=None, help="landing root (default: the settings' landing root, data/landing)")
    p.add_argument("--scenario", default="default", help=scenario_help)
    p.add_argument("--max-batch-records", type=int, default=100_000, help="records per batch of incremental streams")
    p.add_argument("--workers", type=int, default=1, help="processes generating shards (each holds one shard)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("up", help="Airflow (standalone, or Celery on PostgreSQL and Redis) + sandbox vendors + "
                                  "webhook receiver until Ctrl-C")
    p.add_argument("--scenario", default="default", help=scenario_help)
    p.add_argument("--no-sandbox", action="store_true", help="use the AIRFLOW_CONN_OUTCOMES_* connections as set")
    p.add_argument("--airflow-port", type=int, default=int(os.environ.get("OUTCOMES_AIRFLOW_PORT", "8080")))
    p.add_argument("--webhook-port", type=int, default=int(os.environ.get("OUTCOMES_WEBHOOK_PORT", "8090")))
    p.add_argument("--executor", choices=["standalone", "celery"], default="standalone",
                   help="standalone: one process, SQLite; celery: one process per component, metadata on "
                   "PostgreSQL (OUTCOMES_AIRFLOW_DB_URL), Redis broker (OUTCOMES_CELERY_BROKER_URL)")
    p.add_argument("--dags-paused", action="store_true", help="new DAGs start paused (switch them on in the UI)")
    p.add_argument("--no-bi", action="store_true", help="do not start the dashboards (Superset, bi/)")
    p.set_defaults(func=cmd_up)

    sub.add_parser("down", help="stop a running `up` (by the pid it recorded)").set_defaults(func=cmd_down)

    p = sub.add_parser("faults", help="run the fault campaign (kills, vendor faults, tampering, races, webhooks)")
    p.add_argument("--data-dir", default=str(Settings.from_env().data_dir / "faults"),
                   help="the campaign's own data directory (emptied first)")
    p.add_argument("--quick", action="store_true", help="only the scenarios that need no dbt build")
    p.add_argument("--only", action="append", help="only scenarios whose name contains this (repeatable)")
    p.set_defaults(func=cmd_faults)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
