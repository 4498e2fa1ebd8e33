"""Schema drift on a real Copilot report: GitHub renamed `used_copilot_coding_agent` to
`used_copilot_cloud_agent` and added `ai_credits_used`. Three batches of the same real records are
served over HTTP and landed by the connector: as before the change, as after it, and with a column that
staging relies on renamed. The manifests record each batch's schema; mart_schema_drift reports the
rename and the new field; the landing suite refuses the third batch naming the column.
"""

from __future__ import annotations

import json
import os
import subprocess

import duckdb
import pytest

from connectors import github_copilot
from connectors.errors import DataQualityError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from outcomes.dbt_models import dbt_model_vars
from tests.contracts.conftest import DBT, PROJECT
from tests.contracts.landing import COPILOT_FILES, copilot_client, payload, serve_copilot_days


def records_as(change) -> bytes:
    """The 12 real day_totals records, changed as a vendor release would change them, as NDJSON lines."""
    lines = []
    for record in json.loads(payload("github_copilot", COPILOT_FILES["org_1_day"]))["day_totals"]:
        lines.append(json.dumps(change(dict(record))))
    return ("\n".join(lines) + "\n").encode()


def before_rename(record: dict) -> dict:
    record.pop("used_copilot_cloud_agent")
    return record


def after_rename(record: dict) -> dict:
    record["used_copilot_cloud_agent"] = record.pop("used_copilot_coding_agent")
    record["ai_credits_used"] = 1.5
    return record


def counter_renamed(record: dict) -> dict:
    record = after_rename(record)
    record["lines_added_sum"] = record.pop("loc_added_sum")
    return record


@pytest.fixture(scope="module")
def drift(tmp_path_factory, payload_server, landing_validator):
    root = tmp_path_factory.mktemp("drift")
    zone, state = LandingZone(str(root / "landing")), StateStore(str(root / "state"))
    outcomes = []
    for change in (before_rename, after_rename, counter_renamed):
        payload_server.reset()
        serve_copilot_days(payload_server, {"2026-04-25": records_as(change)})
        client = copilot_client(payload_server, start_date="2026-04-25", lookback_days=1)
        try:
            outcomes.append(land_stream(github_copilot.USERS_DAILY, client, zone, state, validate=landing_validator))
        except DataQualityError as exc:
            outcomes.append(exc)
        state.set("github_copilot", "users_daily", None)
    payload_server.reset()
    db = root / "outcomes.duckdb"
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": zone.root_url, "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         "--select", "stg_landing__batch_schemas", "mart_schema_drift", "--vars", json.dumps(dbt_model_vars(PROJECT))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield zone, outcomes, con
    con.close()


def test_each_manifest_records_its_batch_schema(drift):
    zone, outcomes, _ = drift
    first, second = zone.manifests("github_copilot", "users_daily")
    assert first.schema["used_copilot_coding_agent"] == ["boolean"]
    assert "used_copilot_cloud_agent" not in first.schema
    assert second.schema["ai_credits_used"] == ["number"]
    assert first.schema["totals_by_feature[].feature"] == ["string"]
    # the enterprise counters are integers; totals_by_cli is an object in every record of this file
    assert first.schema["user_id"] == ["integer"] and first.schema["totals_by_cli"] == ["object"]


def test_renamed_and_new_fields_are_reported(drift):
    _, outcomes, con = drift
    first, second, _ = outcomes
    got = con.execute("""
        select batch_id, previous_batch_id, change, field_path, previous_types, types
        from marts.mart_schema_drift order by change, field_path""").fetchall()
    assert got == [
        (second.batch_id, first.batch_id, "added", "ai_credits_used", None, "number"),
        (second.batch_id, first.batch_id, "added", "used_copilot_cloud_agent", None, "boolean"),
        (second.batch_id, first.batch_id, "removed", "used_copilot_coding_agent", "boolean", None),
    ]


def test_a_renamed_column_that_staging_relies_on_is_refused_by_name(drift):
    zone, outcomes, _ = drift
    refused = outcomes[2]
    assert isinstance(refused, DataQualityError)
    assert "column 'loc_added_sum' is missing from every one of the 12 records" in str(refused)
    assert len(zone.manifests("github_copilot", "users_daily")) == 2  # nothing landed from the third


def test_the_run_summary_lists_the_newest_batch_changes(drift):
    from outcomes.pipeline import latest_schema_drift

    _, _, con = drift
    database = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    got = latest_schema_drift(database[0])
    assert got == {"changes": 3, "shown": [
        {"stream": "github_copilot/users_daily", "change": "added", "field": "ai_credits_used", "from": None,
         "to": "number"},
        {"stream": "github_copilot/users_daily", "change": "added", "field": "used_copilot_cloud_agent",
         "from": None, "to": "boolean"},
        {"stream": "github_copilot/users_daily", "change": "removed", "field": "used_copilot_coding_agent",
         "from": "boolean", "to": None},
    ]}
