"""Session fixtures: every contract fixture landed once through its connector, then one dbt build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from connectors.landing import LandingZone
from connectors.state import StateStore
from outcomes.dbt_models import dbt_model_vars
from tests.contracts.landing import LANDERS, Landed
from tests.contracts.server import PayloadServer

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
SOURCES = ("msgraph", "github_copilot", "m365_copilot", "openai", "anthropic", "zendesk", "jira", "github", "harvest",
           "typeform", "interviews")
MODELS = [*(f"path:models/staging/{source}" for source in SOURCES), "int_ai_credits_daily__github_copilot",
          "int_seats_purchased"]
# the Graph example tenant has no Copilot SKU: its two SKUs stand in for Copilot ones
COPILOT_SKUS = ["ENTERPRISEPREMIUM", "CRMSTANDARD"]


@pytest.fixture(scope="session")
def payload_server():
    with PayloadServer() as server:
        yield server


@pytest.fixture(scope="session")
def landing_validator():
    from expectations.runner import landing_batch_validator

    return landing_batch_validator()


@pytest.fixture(scope="session")
def contract_landing(tmp_path_factory, payload_server, landing_validator):
    root = tmp_path_factory.mktemp("contracts")
    zone, state = LandingZone(str(root / "landing")), StateStore(str(root / "state"))
    landed = Landed()
    for lander in LANDERS.values():
        lander(payload_server, zone, state, landing_validator, landed)
    return root, zone, landed


@pytest.fixture(scope="session")
def contract_warehouse(contract_landing):
    root, zone, _ = contract_landing
    db = root / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir()
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": zone.root_url, "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         # tests of models outside the selection (relationships into staging) stay out
         "--indirect-selection", "cautious", "--select", *MODELS,
         "--vars", json.dumps(dbt_model_vars(PROJECT, m365_copilot_sku_part_numbers=COPILOT_SKUS))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, params).fetchall()
