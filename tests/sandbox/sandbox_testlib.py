"""Helpers shared by the sandbox tests (imported as a plain module; conftest holds the fixtures)."""

from __future__ import annotations

import base64
from typing import Any

import requests
import yaml

from sandbox import credentials
from sandbox.scenario import SCENARIO_DIR, Scenario, parse_scenario
from sandbox.server import SandboxServer


def default_yaml() -> dict[str, Any]:
    return yaml.safe_load((SCENARIO_DIR / "default.yml").read_text())


def small_scenario(**vendor_overrides: Any) -> Scenario:
    """A 40-person Support-only company: fast to build, for tests that need their own server."""
    data = default_yaml()
    data["days"] = 30
    data["rollout_day"] = 10
    data["end_date"] = "2026-03-31"
    data["departments"] = [dict(data["departments"][0], headcount=40)]
    data.pop("tools", None)          # the default's tools and KPI effects name departments dropped here
    data.pop("kpi_effects", None)
    for plant in ("over_reporting", "interviews"):  # the usage audit's plants name teams dropped here too
        data.get("sources", {}).get("typeform", {}).pop(plant, None)
    for vendor, settings in vendor_overrides.items():
        data["vendors"].setdefault(vendor, {}).update(settings)
    return parse_scenario(data, name="small")


def graph_token(srv: SandboxServer) -> str:
    r = requests.post(f"{srv.login_url}/{credentials.MS_TENANT_ID}/oauth2/v2.0/token", data={
        "client_id": credentials.MS_CLIENT_ID, "client_secret": credentials.MS_CLIENT_SECRET,
        "scope": "https://graph.microsoft.com/.default", "grant_type": "client_credentials"})
    r.raise_for_status()
    return r.json()["access_token"]


GITHUB_AUTH = {"Authorization": f"Bearer {credentials.GITHUB_TOKEN}",
               "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2026-03-10"}
ZENDESK_AUTH = {"Authorization": "Basic " + base64.b64encode(
    f"{credentials.ZENDESK_EMAIL}/token:{credentials.ZENDESK_API_TOKEN}".encode()).decode()}
