"""`dbt source freshness` runs in the transform: each landing stream's age against the thresholds its source
declares, in the run log, in the published mart_source_freshness, and in the gate (a stream past error_after
or never landed stops publication; one past warn_after is a warning). Real dbt on the small landing fixture,
with a fresh, a late and a never-landed stream planted beside the fixture's months-old batches."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from outcomes.pipeline import StepFailed, gate, read_step, transform
from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "dbt"))
import make_landing_fixture as fixture  # noqa: E402


def _settings(data: Path, **overrides) -> Settings:
    workflows = data / "workflows.yml"
    data.mkdir(parents=True, exist_ok=True)
    workflows.write_text(yaml.safe_dump({"workflows": fixture.WORKFLOWS}))
    return replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                   state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                   published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                   runs_dir=data / "runs", workflows_path=workflows, **overrides)


def test_a_stale_source_warns_or_stops_the_gate_by_its_threshold_and_the_mart_says_so(tmp_path):
    settings = _settings(tmp_path)
    landing = fixture.write_fixture(tmp_path / "landing")  # every batch extracted 2026-03-24/25
    now = datetime.now(UTC)
    # msgraph declares warn 36 h / error 96 h, zendesk 24 h / 72 h (dbt_project/models/staging/*/__sources.yml)
    fixture.write_batch(landing, "msgraph", "users", fixture.graph_users(), now - timedelta(hours=1), "fresh001")
    fixture.write_batch(landing, "zendesk", "users", fixture.zendesk_users(), now - timedelta(hours=30), "late0001")

    summary = transform(settings)
    rows = {f"{r['source']}/{r['stream']}": r for r in summary["source_freshness"]}
    assert rows["msgraph/users"]["status"] == "pass" and 1.0 <= rows["msgraph/users"]["age_hours"] < 1.5
    assert rows["zendesk/users"]["status"] == "warn" and 30.0 <= rows["zendesk/users"]["age_hours"] < 30.5
    assert (rows["zendesk/users"]["warn_after_hours"], rows["zendesk/users"]["error_after_hours"]) == (24, 72)
    # the fixture's tickets landed 2026-03-25 02:00 (the later file has no manifest and does not count)
    tickets = rows["zendesk/tickets"]
    assert tickets["status"] == "error" and tickets["max_loaded_at"].startswith("2026-03-25T02:00:00")
    assert rows["jira/issues"] == {**rows["jira/issues"], "status": "runtime error", "message": "no committed batch"}
    assert "github/pull_request_events" not in rows  # webhook streams declare no threshold
    assert read_step(settings, "transform")["source_freshness"] == summary["source_freshness"]

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        mart = dict(con.execute("select source || '/' || stream, status from marts.mart_source_freshness").fetchall())
        newest = con.execute("select newest_batch_at from marts.mart_source_freshness "
                             "where source = 'zendesk' and stream = 'tickets'").fetchone()[0]
    finally:
        con.close()
    assert mart == {key: row["status"] for key, row in rows.items()}
    assert newest == datetime(2026, 3, 25, 2, 0, 0, 123456)

    with pytest.raises(StepFailed) as stopped:
        gate(settings)
    record = read_step(settings, "gate")
    freshness = [f for f in record["failures"] if f.startswith("landing.source_freshness:")]
    assert any(f.startswith("landing.source_freshness: zendesk/tickets: newest batch") and "error_after (72 h)" in f
               for f in freshness), freshness
    assert "landing.source_freshness: jira/issues: freshness not measured: no committed batch" in freshness
    assert not any("msgraph/users" in f or "zendesk/users" in f for f in freshness)
    assert any(w.startswith("landing.source_freshness: zendesk/users: newest batch") and "warn_after (24 h)" in w
               for w in record["warnings"])
    assert "zendesk/tickets" in str(stopped.value)

    # an operator who accepts stale sources: past error_after becomes a warning; never landed still stops
    relaxed = replace(settings, publish_with_stale_sources=True)
    with pytest.raises(StepFailed):
        gate(relaxed)
    record = read_step(relaxed, "gate")
    assert not any("zendesk/tickets" in f for f in record["failures"])
    assert any("jira/issues" in f for f in record["failures"])
    assert any(w.startswith("landing.source_freshness: zendesk/tickets") for w in record["warnings"])


def test_the_run_summary_names_each_stream_outside_its_thresholds(tmp_path, capsys):
    from outcomes.pipeline import record_step
    from outcomes.report import print_run_summary

    settings = _settings(tmp_path)
    rows = [  # as source_freshness() records them; typeform declares warn_after only (14 days)
        {"source": "zendesk", "stream": "tickets", "status": "pass", "age_hours": 1.0, "warn_after_hours": 24,
         "error_after_hours": 72, "message": None},
        {"source": "typeform", "stream": "responses", "status": "warn", "age_hours": 384.0, "warn_after_hours": 336,
         "error_after_hours": None, "message": None},
        {"source": "jira", "stream": "issues", "status": "runtime error", "age_hours": None, "warn_after_hours": 24,
         "error_after_hours": 72, "message": "no committed batch"},
    ]
    record_step(settings, "transform", {"models": 1, "tests_passed": 1, "tests_failed": 0, "seconds": 1.0,
                                        "source_freshness": rows})
    print_run_summary(settings, 2.0)
    out = capsys.readouterr().out
    assert "dbt source freshness: 1 of 3 streams within their thresholds" in out
    assert "    warn          typeform/responses: newest batch 384.0 h old (warn after 336 h)\n" in out
    assert "    runtime error jira/issues: no committed batch\n" in out
    assert "zendesk/tickets" not in out
