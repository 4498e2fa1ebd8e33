"""Jira ingest benchmark (not a test): a first sync of every Jira stream against the sandbox, for a scaled company.

    python -m bench.jira_ingest --scale 2.5      # the default scenario with every headcount x 2.5

Prints the company size, the records and requests of each stream and the seconds each took.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from connectors import jira
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from devenv.sandbox_env import sandbox_connections
from sandbox.company import generate_company
from sandbox.records.jira import jira_data
from sandbox.scenario import load_scenario
from sandbox.server import SandboxServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--scale", type=float, default=2.5, help="multiply every department's headcount")
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    departments = tuple(dataclasses.replace(d, headcount=max(d.teams, round(d.headcount * args.scale)))
                        for d in scenario.departments)
    scenario = scenario.replace(departments=departments)
    started = time.perf_counter()
    company = generate_company(scenario)
    issues = len(jira_data(company).issues)
    print(f"company: {len(company.people)} people, {issues} Jira issues, generated in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    with SandboxServer(company) as server, tempfile.TemporaryDirectory() as tmp:
        client = jira.make_client(sandbox_connections(server, company)["jira"])
        zone, state = LandingZone(str(Path(tmp) / "landing")), StateStore(str(Path(tmp) / "state"))
        total = 0.0
        for stream in jira.STREAMS:
            server.clear_requests()
            started = time.perf_counter()
            result = land_stream(stream, client, zone, state)
            seconds = time.perf_counter() - started
            total += seconds
            print(f"  {stream.name:<9} {result.records:>7} records {len(server.requests):>5} requests "
                  f"{seconds:8.1f} s", flush=True)
        print(f"jira ingest: {total:.1f} s", flush=True)


if __name__ == "__main__":
    main()
