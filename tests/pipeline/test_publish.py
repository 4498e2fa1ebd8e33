"""Publish copies the models flagged `meta: {published: true}` in the build's manifest, whatever their names,
and the gate checks the privacy of exactly those."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from outcomes.pipeline import StepFailed, dbt_manifest_path, gate, publish, record_step
from outcomes.published import ManifestError, published_models
from outcomes.settings import Settings

LANDED_THROUGH = {"github/pull_request_events": "20260601T100000000000Z-abcdef01"}


def _node(name: str, schema: str, meta: dict | None, alias: str | None = None) -> dict:
    return {"resource_type": "model", "name": name, "schema": schema, "alias": alias or name,
            "config": {"enabled": True, "meta": meta or {}}, "meta": meta or {}}


def _settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    return replace(Settings.from_env(), data_dir=data, runs_dir=data / "runs", landing_root=str(data / "landing"),
                   warehouse_path=data / "warehouse" / "outcomes.duckdb",
                   published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx")


def _warehouse(settings: Settings, tables: dict[str, str], build_id: str = "b1") -> None:
    """A warehouse as build `build_id` leaves it: its tables and the id the build signs it with."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"create table main.outcomes_build as select '{build_id}' as build_id")
        for relation, select in tables.items():
            schema = relation.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {relation} as {select}")


def _manifest(settings: Settings, nodes: list[dict]) -> None:
    path = dbt_manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nodes": {f"model.ai_outcomes.{n['name']}": n for n in nodes}}))


def _passed_gate(settings: Settings) -> None:
    record_step(settings, "transform", {"success": True, "build_id": "b1", "landed_through": LANDED_THROUGH})
    record_step(settings, "gate", {"success": True, "build_id": "b1", "checks_passed": 41, "checks_failed": 0,
                                   "warnings": ["marts: mart_ai_cost has no spend for 2026-05-31"]})


@pytest.fixture
def built(tmp_path):
    settings = _settings(tmp_path)
    _warehouse(settings, {
        "marts.mart_teams_weekly": "select 'Support' as team, 12 as people_n",
        "marts.mart_operations_daily": "select 'github' as source, 40 as deliveries",
        "marts.team_summary": "select 'Support' as team, 3.5 as kpi_mean",
        "marts.dim_people": "select 'p1' as person_key, 'ann@acme.example' as email",
    })
    _manifest(settings, [
        _node("mart_teams_weekly", "marts", {"published": True, "metric_version": 1}),
        _node("mart_operations_daily", "marts", {"published": False}),  # a mart_ name, not flagged
        _node("team_summary", "marts", {"published": True}),  # flagged, not a mart_ name
        _node("dim_people", "marts", None),
    ])
    _passed_gate(settings)
    return settings


def _published_tables(settings: Settings) -> dict[str, list]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        return {name: con.execute(f'select * from "{name}"').fetchall() for name in names}


def test_publish_copies_the_flagged_models_and_only_those(built):
    summary = publish(built)
    assert summary["tables"] == {"mart_teams_weekly": 1, "team_summary": 1}
    tables = _published_tables(built)
    assert set(tables) == {"mart_teams_weekly", "team_summary", "_publication"}
    assert tables["mart_teams_weekly"] == [("Support", 12)]
    [(_, counts, landed, build_id, gate_found)] = tables["_publication"]
    assert json.loads(counts) == {"mart_teams_weekly": 1, "team_summary": 1}
    assert json.loads(landed) == LANDED_THROUGH  # how fresh the published data is, per stream
    assert build_id == "b1"
    # what the gate found travels with the data, for the BI tools' data-health page
    assert json.loads(gate_found) == {"checks_passed": 41, "checks_failed": 0,
                                      "warnings": ["marts: mart_ai_cost has no spend for 2026-05-31"]}


def test_a_flagged_model_missing_from_the_warehouse_is_refused_and_the_last_file_stays(built):
    publish(built)
    before = _published_tables(built)
    _manifest(built, [_node("mart_teams_weekly", "marts", {"published": True}),
                      _node("mart_new", "marts", {"published": True})])
    with pytest.raises(StepFailed, match=r"missing from the warehouse: \['marts.mart_new'\]"):
        publish(built)
    assert _published_tables(built) == before
    assert not list(built.published_path.parent.glob(".*tmp*"))


def test_publish_without_a_manifest_says_to_run_the_transform(built):
    dbt_manifest_path(built).unlink()
    with pytest.raises(ManifestError, match="run the transform"):
        publish(built)


def test_the_alias_names_the_published_table(tmp_path):
    settings = _settings(tmp_path)
    _manifest(settings, [_node("mart_x", "marts", {"published": True}, alias="x_v2"),
                         _node("disabled", "marts", {"published": True}) | {"config": {"enabled": False,
                                                                                        "meta": {"published": True}}}])
    assert [(m.name, m.schema, m.relation) for m in published_models(dbt_manifest_path(settings))] == [
        ("mart_x", "marts", "x_v2")]


def test_the_gate_checks_the_privacy_of_every_published_model(tmp_path):
    settings = _settings(tmp_path)
    _warehouse(settings, {
        "marts.mart_small_teams": "select * from (values ('Legal', 3, false), ('HR', 2, true), ('Support', 9, false))"
                                  " as t(team, people_n, suppressed)",
        "marts.people_export": "select 'p1' as person_key, 4.0 as hours",
        "marts.mart_private_detail": "select 'p1' as person_key, 1 as people_n",  # not flagged: not checked
        "marts.mart_big_teams": "select 'Support' as team, 12 as people_n",
    })
    _manifest(settings, [_node("mart_small_teams", "marts", {"published": True}),
                         _node("people_export", "marts", {"published": True}),
                         _node("mart_private_detail", "marts", {"published": False}),
                         _node("mart_big_teams", "marts", {"published": True})])
    record_step(settings, "transform", {"success": True, "build_id": "b1"})
    with pytest.raises(StepFailed):
        gate(settings)  # the gate suites find none of their relations here either
    failures = json.loads((settings.runs_dir / "gate.json").read_text())["failures"]
    privacy = [f for f in failures if f.startswith("privacy.")]
    # Legal (3 people, visible) breaks the floor; HR (2) is suppressed, so a reader never sees it
    assert any(f.startswith("privacy.mart_small_teams:") and "people_n" in f and "observed: 1" in f for f in privacy)
    assert any(f.startswith("privacy.people_export:") and "person_key" in f for f in privacy)
    assert not any("mart_private_detail" in f or "mart_big_teams" in f for f in privacy)
