"""`outcomes`: the pipeline's steps as subcommands, for use with or without Airflow."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from outcomes.settings import Settings


def _setup_logging(verbose: bool) -> None:
    from connectors.redaction import RedactingFilter

    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from outcomes.sandbox_env import serve_forever

    serve_forever(args.scenario, args.port)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from connectors.config import ConnectionConfig
    from outcomes.pipeline import conn_id_for, ingest

    settings = Settings.from_env()
    conn = ConnectionConfig.from_env(conn_id_for(args.source))
    print(json.dumps(ingest(args.source, conn, settings, streams=args.stream or None), indent=2))
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    from outcomes.pipeline import transform

    print(json.dumps(transform(Settings.from_env(), target=args.target), indent=2))
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from outcomes.pipeline import gate

    print(json.dumps(gate(Settings.from_env()), indent=2))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from outcomes.pipeline import publish

    print(json.dumps(publish(Settings.from_env()), indent=2))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from outcomes.report import print_report

    print_report(Settings.from_env())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The whole pipeline once, through Airflow's dag.test(), against the sandbox unless told otherwise."""
    from outcomes.run import run_pipeline

    result = run_pipeline(Settings.from_env(), scenario=None if args.no_sandbox else args.scenario)
    if not result.success:
        print(f"\n{result.failed_dag} did not succeed; see the task log above and data/runs/.", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outcomes", description="AI Outcomes: did the AI rollout change the work? Pipeline steps."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sandbox", help="serve the simulated vendor APIs (synthetic company) in the foreground")
    p.add_argument("--scenario", default="default")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("run", help="run the whole pipeline once through Airflow (dag.test), then summarise")
    p.add_argument("--scenario", default="default", help="sandbox scenario (sandbox/scenarios/<name>.yml)")
    p.add_argument("--no-sandbox", action="store_true", help="use the AIRFLOW_CONN_OUTCOMES_* connections as set")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ingest", help="land one source's streams (credentials from AIRFLOW_CONN_OUTCOMES_<SOURCE>)")
    p.add_argument("source", choices=["msgraph", "github_copilot", "zendesk"])
    p.add_argument("--stream", action="append", help="only this stream (repeatable)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("transform", help="one dbt build over the landing zone")
    p.add_argument("--target", default="duckdb", choices=["duckdb", "postgres"])
    p.set_defaults(func=cmd_transform)

    sub.add_parser("gate", help="Great Expectations checks over the warehouse; Data Docs").set_defaults(func=cmd_gate)
    sub.add_parser("publish", help="publish the marts to analytics.duckdb (after a passing gate)").set_defaults(
        func=cmd_publish
    )
    sub.add_parser("report", help="print the published outcomes").set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for the operator; the traceback is in -v mode
        from connectors.redaction import redact

        if args.verbose:
            raise
        print(f"outcomes {args.command}: {redact(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
