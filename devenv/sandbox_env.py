"""Point the pipeline at the sandbox: start the simulators, set the connections and the workflow catalog."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from connectors.config import ConnectionConfig
from outcomes.catalog import write_catalog
from outcomes.pipeline import conn_id_for
from outcomes.settings import Settings


def sandbox_connections(server, company) -> dict[str, ConnectionConfig]:
    from sandbox import credentials as cred

    sc = company.scenario.company
    start: date = company.truth["start_date"]
    return {
        "msgraph": ConnectionConfig(
            conn_id_for("msgraph"), server.graph_url, cred.MS_CLIENT_ID, cred.MS_CLIENT_SECRET,
            {"tenant_id": sc.tenant_id, "login_url": server.login_url},
        ),
        "github_copilot": ConnectionConfig(
            conn_id_for("github_copilot"), server.github_url, None, cred.GITHUB_TOKEN,
            {"org": sc.github_org, "start_date": start.isoformat()},
        ),
        "zendesk": ConnectionConfig(
            conn_id_for("zendesk"), server.zendesk_url, cred.ZENDESK_EMAIL, cred.ZENDESK_API_TOKEN,
            # the sandbox's own incremental-export limit (a real plan's is 10 or 30 a minute)
            {"start_days_ago": (date.today() - start).days + 2,
             "incremental_requests_per_window": company.scenario.vendors.zendesk_incremental_requests_per_minute,
             "incremental_window_seconds": 60},
        ),
        "m365_copilot": ConnectionConfig(
            conn_id_for("m365_copilot"), server.graph_url, cred.MS_CLIENT_ID, cred.MS_CLIENT_SECRET,
            # daily snapshots for the whole window on the first run (real tenants start at 0)
            {"tenant_id": sc.tenant_id, "login_url": server.login_url, "graph_root": server.graph_root_url,
             "backfill_days": company.days},
        ),
        "openai": ConnectionConfig(
            conn_id_for("openai"), server.openai_url, None, cred.OPENAI_ADMIN_KEY, {"start_date": start.isoformat()},
        ),
        "anthropic": ConnectionConfig(
            conn_id_for("anthropic"), server.anthropic_url, None, cred.ANTHROPIC_ADMIN_KEY,
            {"start_date": start.isoformat()},
        ),
        "jira": ConnectionConfig(
            conn_id_for("jira"), server.jira_url, cred.JIRA_EMAIL, cred.JIRA_API_TOKEN,
            {"start_days_ago": (date.today() - start).days + 62},  # issues created up to 60 days early
        ),
        "github": ConnectionConfig(
            conn_id_for("github"), server.github_url, None, cred.GITHUB_TOKEN,
            # reviews cost one call per pull request: the first sync reads the last 30 days only
            {"org": sc.github_org, "start_days_ago": (date.today() - start).days + 2, "reviews_start_days_ago": 30},
        ),
        "harvest": ConnectionConfig(
            conn_id_for("harvest"), server.harvest_url, cred.HARVEST_EMAIL, cred.HARVEST_TOKEN,
            {"account_id": cred.HARVEST_ACCOUNT_ID, "start_days_ago": (date.today() - start).days + 2},
        ),
    }


def sandbox_catalog(company) -> list[dict]:
    """The scenario's planted workflows, dated from its rollout (the sandbox window moves with the clock)."""
    truth = company.truth
    common = {"direction": "lower", "baseline_days": 84, "cohort_days": 28, "post_days": 84}
    catalog = [
        {
            "workflow": "support_ticket_resolution",
            "name": "Support ticket resolution",
            "team": truth["support_department"],
            "tools": ["github_copilot"],
            "kpi": "zendesk_resolution_hours",
            **common,
            "redesigned_on": truth["rollout_date"].isoformat(),
            "min_items": 5,
            "target_pct": -15,
        }
    ]
    kpi_of_source = {"github": "github_pr_merge_hours", "jira": "jira_cycle_time_hours",
                     "harvest": "harvest_task_hours"}
    for key, effect in truth["kpi_effects"].items():
        catalog.append({
            "workflow": key,
            "name": key.replace("_", " ").capitalize(),
            "team": effect["department"] or effect["team"],
            "tools": effect["tools"],
            "kpi": kpi_of_source[effect["source"]],
            "task": effect["task"],
            **common,
            "redesigned_on": effect["redesigned_on"].isoformat(),
            # weekly time entries give fewer items per person than tickets or pull requests
            "min_items": 3 if effect["source"] == "harvest" else 5,
            "target_pct": -15,
        })
    return catalog


@contextmanager
def sandbox_session(scenario_name: str, settings: Settings, port: int = 0) -> Iterator[Settings]:
    """Run the sandbox for the duration of the block; connections go in AIRFLOW_CONN_* variables.

    `port` 0 takes any free port (one-shot runs); a fixed port gives connections that stay valid across restarts.
    """
    from sandbox.company import generate_company
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
        print(f"sandbox '{scenario_name}' serving {len(company.people)} people at {server.base_url}", flush=True)
        yield replace(settings, workflows_path=catalog_path)
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
