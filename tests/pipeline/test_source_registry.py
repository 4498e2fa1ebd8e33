"""One registry (connectors.sources()) drives the pipeline: every registered source has each piece that
docs/adding_a_source.md lists, and nothing keeps a list of sources of its own."""

from __future__ import annotations

import pytest
from tests_support import ROOT

from connectors import sources

SOURCES = sorted(sources())


@pytest.mark.parametrize("source", SOURCES)
def test_every_stream_has_a_landing_suite_and_a_staging_model(source):
    from expectations.suites import LANDING_SUITES

    for stream in sources()[source].STREAMS:
        assert stream.key in LANDING_SUITES, f"no landing suite for {stream.key} (expectations/suites_*.py)"
        model = ROOT / "dbt_project" / "models" / "staging" / source / f"stg_{source}__{stream.name}.sql"
        assert model.exists(), f"no staging model {model.relative_to(ROOT)}"
        assert f"landing_records('{source}', '{stream.name}'" in model.read_text().replace('"', "'")


def test_the_sandbox_wiring_has_a_connection_for_every_source_and_no_other():
    from devenv.sandbox_env import SANDBOX_CONNECTIONS

    assert sorted(SANDBOX_CONNECTIONS) == SOURCES


def test_a_source_without_a_sandbox_connection_is_named(monkeypatch, sandbox, company):
    from devenv import sandbox_env

    monkeypatch.delitem(sandbox_env.SANDBOX_CONNECTIONS, "harvest")
    with pytest.raises(RuntimeError, match=r"no sandbox connection for source\(s\) \['harvest'\]"):
        sandbox_env.sandbox_connections(sandbox, company)


def test_the_sandbox_catalog_names_a_kpi_for_every_planted_effect(company):
    from devenv.sandbox_env import sandbox_catalog
    from outcomes.catalog import KPIS

    catalog = sandbox_catalog(company)
    planted = company.truth["kpi_effects"]
    # a win planted outside the catalog (in_catalog: false) is for the win finder to find, not the catalog
    hidden = {k.key for k in company.scenario.kpi_effects if not k.in_catalog}
    assert hidden, "the default scenario plants a win outside the catalog"
    assert {w["workflow"] for w in catalog} == {"support_ticket_resolution", *planted} - hidden
    for w in catalog:
        if w["workflow"] in planted:
            assert KPIS[w["kpi"]]["source"] == planted[w["workflow"]]["source"]


def test_one_ingest_dag_per_registered_source():
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert {d for d in bag.dag_ids if d.startswith("ingest_")} == {f"ingest_{s}" for s in SOURCES}
