"""Point the pipeline at the sandbox: start the simulators, set the connections and the workflow catalog."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

import yaml

from connectors import sources
from connectors.config import ConnectionConfig
from outcomes.catalog import KPIS, write_catalog
from outcomes.pipeline import conn_id_for
from outcomes.settings import Settings

# How each source reaches its simulator: (host, login, password, extra) from the running server, the company
# and `start`, the first day the first sync reads. One entry per source in connectors.sources().
SandboxConnection = Callable[[Any, Any, date], tuple[str, str | None, str | None, dict[str, Any]]]
SANDBOX_CONNECTIONS: dict[str, SandboxConnection] = {}


def _sandbox_connection(source: str) -> Callable[[SandboxConnection], SandboxConnection]:
    def register(make: SandboxConnection) -> SandboxConnection:
        SANDBOX_CONNECTIONS[source] = make
        return make

    return register


def _days_since(start: date) -> int:
    return (date.today() - start).days


@_sandbox_connection("msgraph")
def _msgraph(server, company, start):
    from sandbox import credentials as cred

    return (server.graph_url, cred.MS_CLIENT_ID, cred.MS_CLIENT_SECRET,
            {"tenant_id": company.scenario.company.tenant_id, "login_url": server.login_url})


@_sandbox_connection("github_copilot")
def _github_copilot(server, company, start):
    from sandbox import credentials as cred

    return (server.github_url, None, cred.GITHUB_TOKEN,
            {"org": company.scenario.company.github_org, "start_date": start.isoformat()})


@_sandbox_connection("zendesk")
def _zendesk(server, company, start):
    from sandbox import credentials as cred

    # the sandbox's own incremental-export limit (a real plan's is 10 or 30 a minute)
    return (server.zendesk_url, cred.ZENDESK_EMAIL, cred.ZENDESK_API_TOKEN,
            {"start_days_ago": _days_since(start) + 2,
             "incremental_requests_per_window": company.scenario.vendors.zendesk_incremental_requests_per_minute,
             "incremental_window_seconds": 60})


@_sandbox_connection("m365_copilot")
def _m365_copilot(server, company, start):
    from sandbox import credentials as cred

    # daily snapshots for the whole window on the first run (real tenants start at 0)
    backfill = company.days - (start - company.truth["start_date"]).days
    return (server.graph_url, cred.MS_CLIENT_ID, cred.MS_CLIENT_SECRET,
            {"tenant_id": company.scenario.company.tenant_id, "login_url": server.login_url,
             "graph_root": server.graph_root_url, "backfill_days": backfill})


@_sandbox_connection("openai")
def _openai(server, company, start):
    from sandbox import credentials as cred

    return server.openai_url, None, cred.OPENAI_ADMIN_KEY, {"start_date": start.isoformat()}


@_sandbox_connection("anthropic")
def _anthropic(server, company, start):
    from sandbox import credentials as cred

    return server.anthropic_url, None, cred.ANTHROPIC_ADMIN_KEY, {"start_date": start.isoformat()}


@_sandbox_connection("jira")
def _jira(server, company, start):
    from sandbox import credentials as cred

    # issues are created up to 60 days before the window
    return server.jira_url, cred.JIRA_EMAIL, cred.JIRA_API_TOKEN, {"start_days_ago": _days_since(start) + 62}


@_sandbox_connection("github")
def _github(server, company, start):
    from sandbox import credentials as cred

    # reviews: the first sync reads the last 30 days only (read by REST, that is one call per pull request)
    return (server.github_url, None, cred.GITHUB_TOKEN,
            {"org": company.scenario.company.github_org, "start_days_ago": _days_since(start) + 2,
             "reviews_start_days_ago": min(30, _days_since(start) + 2)})


@_sandbox_connection("harvest")
def _harvest(server, company, start):
    from sandbox import credentials as cred

    return (server.harvest_url, cred.HARVEST_EMAIL, cred.HARVEST_TOKEN,
            {"account_id": cred.HARVEST_ACCOUNT_ID, "start_days_ago": _days_since(start) + 2})


@_sandbox_connection("typeform")
def _typeform(server, company, start):
    from sandbox import credentials as cred
    from sandbox.records.typeform import FORM_ID

    return (server.typeform_url, None, cred.TYPEFORM_TOKEN,
            {"form_ids": [FORM_ID], "start_days_ago": _days_since(start) + 2})


@_sandbox_connection("interviews")
def _interviews(server, company, start):
    """A drop folder holding one file of the scenario's interviews, written as a rollout lead would."""
    import csv
    import tempfile
    from pathlib import Path

    from connectors.interviews import COLUMNS
    from sandbox.records.typeform import survey_data

    drop = Path(tempfile.gettempdir()) / f"outcomes-sandbox-{server.port}" / "interviews"
    drop.mkdir(parents=True, exist_ok=True)
    for stale in drop.glob("*.csv"):  # an earlier sandbox on the same port, maybe of another scenario
        stale.unlink()
    rows = survey_data(company).interviews
    if rows:  # a scenario without interviews leaves the folder empty (a header alone is refused)
        with open(drop / "interviews.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return str(drop), None, None, {}


def sandbox_connections(server, company, start: date | None = None) -> dict[str, ConnectionConfig]:
    """A connection to the running sandbox for every registered source. `start` (default: the scenario's
    first day) shortens the first sync's window, for quick checks."""
    start = start or company.truth["start_date"]
    missing = sorted(set(sources()) - set(SANDBOX_CONNECTIONS))
    if missing:
        raise RuntimeError(f"no sandbox connection for source(s) {missing}: add one to devenv/sandbox_env.py "
                           "(@_sandbox_connection), pointing at the source's simulator")
    connections = {}
    for source in sources():
        host, login, password, extra = SANDBOX_CONNECTIONS[source](server, company, start)
        connections[source] = ConnectionConfig(conn_id_for(source), host, login, password, extra)
    return connections


def sandbox_catalog(company) -> list[dict]:
    """The scenario's planted workflows, dated from its rollout (the sandbox window moves with the clock)."""
    from sandbox.records.kpi_common import BASELINE_DAYS, COHORT_DAYS, POST_DAYS

    truth = company.truth
    common = {"direction": "lower", "baseline_days": BASELINE_DAYS, "post_days": POST_DAYS}
    catalog = [
        {
            "workflow": "support_ticket_resolution",
            "name": "Support ticket resolution",
            "team": truth["support_department"],
            "tools": ["github_copilot"],
            "kpi": "zendesk_resolution_hours",
            **common,
            "cohort_days": COHORT_DAYS,
            "redesigned_on": truth["rollout_date"].isoformat(),
            "min_items": 5,
            "target_pct": -15,
        }
    ]
    kpi_of_source = {spec["source"]: kpi for kpi, spec in KPIS.items()}
    for key, effect in truth["kpi_effects"].items():
        if not effect["in_catalog"]:
            continue  # a win nobody wrote down: the win finder's to find
        catalog.append({
            "workflow": key,
            "name": key.replace("_", " ").capitalize(),
            "team": effect["department"] or effect["team"],
            "tools": effect["tools"],
            "kpi": kpi_of_source[effect["source"]],
            "task": effect["task"],
            **common,
            # the window the generator chose its adopters from: the mart's frozen cohort must use the same
            "cohort_days": effect["cohort_days"],
            "redesigned_on": effect["redesigned_on"].isoformat(),
            # weekly time entries give fewer items per person than tickets or pull requests
            "min_items": 3 if effect["source"] == "harvest" else 5,
            "target_pct": -15,
        })
    return catalog


def sandbox_program(company) -> dict:
    """The scenario's program file: each catalogued workflow's team chose that workflow's KPI (Engineering
    also its Jira cycle time); the teams of an uncatalogued win, and the rest, have chosen nothing yet."""
    teams: dict[str, list[dict]] = {}
    for w in sandbox_catalog(company):
        metric = {"kpi": w["kpi"], **({"task": w["task"]} if w.get("task") else {})}
        teams.setdefault(w["team"], []).append(metric)
    if "Engineering" in teams:
        teams["Engineering"].append({"kpi": "jira_cycle_time_hours"})
    return {"teams": [{"team": team, "outcome_metrics": metrics[:3]} for team, metrics in teams.items()]}


@contextmanager
def sandbox_session(scenario_name: str, settings: Settings, port: int = 0) -> Iterator[Settings]:
    """Run the sandbox for the duration of the block; connections go in AIRFLOW_CONN_* variables.

    `port` 0 takes any free port (one-shot runs); a fixed port gives connections that stay valid across restarts.
    """
    from sandbox.company import generate_company
    from sandbox.identity import write_identity_overrides
    from sandbox.scenario import load_scenario
    from sandbox.server import SandboxServer

    company = generate_company(load_scenario(scenario_name))
    server = SandboxServer(company, port=port)
    server.start()
    try:
        for source, conn in sandbox_connections(server, company).items():
            os.environ[f"AIRFLOW_CONN_{conn_id_for(source).upper()}"] = conn.to_env_value()
        catalog_path = settings.data_dir / "sandbox" / f"{scenario_name}_workflows.yml"
        write_catalog(catalog_path, sandbox_catalog(company))
        # the program file beside the catalog, where Settings.program_file looks for it
        catalog_path.with_name(f"{scenario_name}_program.yml").write_text(yaml.safe_dump(sandbox_program(company),
                                                                                         sort_keys=False))
        # the accounts of this scenario's company that neither email nor the EMU rule link (the seed ships empty)
        overrides_path = write_identity_overrides(
            company, settings.data_dir / "sandbox" / f"{scenario_name}_identity_overrides.csv")
        print(f"sandbox '{scenario_name}' serving {len(company.people)} people at {server.base_url}", flush=True)
        yield replace(settings, workflows_path=catalog_path, extra_identity_overrides=overrides_path)
    finally:
        server.stop()


def serve_forever(scenario_name: str, port: int) -> None:
    settings = Settings.from_env()
    with sandbox_session(scenario_name, settings, port=port) as s:
        print("connections (paste into Airflow or export):")
        for key, value in sorted(os.environ.items()):
            if key.startswith("AIRFLOW_CONN_OUTCOMES_"):
                print(f"  {key}='{value}'")
        print(f"workflow catalog: {s.workflows_path}\nCtrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
