"""`outcomes`: the pipeline's steps as subcommands, for use with or without Airflow."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from connectors import sources
from outcomes.settings import Settings


def setup_logging(verbose: bool) -> None:
    from connectors.redaction import RedactingFilter

    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def cmd_ingest(args: argparse.Namespace) -> int:
    from connectors.config import ConnectionConfig
    from outcomes.pipeline import conn_id_for, ingest

    settings = Settings.from_env()
    conn = ConnectionConfig.from_env(conn_id_for(args.source))
    print(json.dumps(ingest(args.source, conn, settings, streams=args.stream or None), indent=2))
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    from outcomes.pipeline import transform

    print(json.dumps(transform(Settings.from_env(), full_refresh=args.full_refresh), indent=2))
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
    from outcomes.html_report import write_html_report
    from outcomes.report import print_report

    settings = Settings.from_env()
    print_report(settings)
    if settings.published_path.exists():
        print(f"HTML report: {write_html_report(settings.published_path, settings.report_path)}")
    return 0


def cmd_wins(args: argparse.Namespace) -> int:
    """The win finder's top candidates as catalog entries (YAML to paste into workflows.yml)."""
    from outcomes.wins import format_proposals, read_candidates

    print(format_proposals(read_candidates(Settings.from_env().published_path), top=args.top), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The whole pipeline once, through Airflow's dag.test(), with the connections as set."""
    from outcomes.run import run_pipeline

    result = run_pipeline(Settings.from_env())
    if not result.success:
        print(f"\n{result.failed_dag} did not succeed; see the task log above and data/runs/.", file=sys.stderr)
        return 1
    return 0


def cmd_bi(args: argparse.Namespace) -> int:
    """The dashboards (Superset, bi/) on the publication, served until Ctrl-C."""
    from outcomes.bi import serve

    serve(Settings.from_env(), args.host, args.port, watch=args.watch)
    return 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    from outcomes.webhooks import serve

    serve(Settings.from_env(), args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outcomes", description="AI Outcomes: did the AI rollout change the work? Pipeline steps."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the whole pipeline once through Airflow (dag.test), then summarise; "
                       "connections from AIRFLOW_CONN_OUTCOMES_<SOURCE>")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ingest", help="land one source's streams (credentials from AIRFLOW_CONN_OUTCOMES_<SOURCE>)")
    p.add_argument("source", choices=list(sources()))
    p.add_argument("--stream", action="append", help="only this stream (repeatable)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("transform", help="one dbt build over the landing zone (DuckDB warehouse)")
    p.add_argument("--full-refresh", action="store_true",
                   help="rebuild every model from all landed batches instead of only the new ones")
    p.set_defaults(func=cmd_transform)

    sub.add_parser("gate", help="Great Expectations checks over the warehouse; Data Docs").set_defaults(func=cmd_gate)
    sub.add_parser("publish", help="publish the marts to analytics.duckdb (after a passing gate)").set_defaults(
        func=cmd_publish
    )
    sub.add_parser("report", help="print the published outcomes, write the HTML report").set_defaults(func=cmd_report)

    p = sub.add_parser("wins", help="print the top candidate wins (mart_win_candidates) as workflows.yml entries")
    p.add_argument("--top", type=int, default=3, help="how many places to propose (default 3)")
    p.set_defaults(func=cmd_wins)

    p = sub.add_parser("bi", help="serve the dashboards (Superset, bi/) on the publication (the Postgres one "
                       "when OUTCOMES_PUBLISH_URL is set)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("OUTCOMES_BI_PORT", "3000")))
    p.add_argument("--watch", action="store_true", help="reload the dashboards when a new publication lands")
    p.set_defaults(func=cmd_bi)

    p = sub.add_parser("webhooks", help="serve the webhook receiver (lands signed vendor events)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.set_defaults(func=cmd_webhooks)
    return parser


def run_cli(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse, set up logging, run the chosen command; an error becomes one clear line (traceback with -v)."""
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for the operator; the traceback is in -v mode
        from connectors.redaction import redact

        if args.verbose:
            raise
        print(f"{parser.prog} {args.command}: {redact(exc)}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
