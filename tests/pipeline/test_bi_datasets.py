"""Every dashboard chart reads columns its dataset has, on the default scenario's publication: each dataset's
SQL runs on analytics.duckdb (no Superset needed), and the columns a chart shows, groups by or orders by
are among the query's. The Superset pages themselves are opened by test_bi_dashboards.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb

DASHBOARDS = Path(__file__).resolve().parents[2] / "bi" / "dashboards.py"


def _dashboards_module():
    # bi/ runs in Superset's own environment; dashboards.py itself needs only the standard library
    spec = importlib.util.spec_from_file_location("bi_dashboards", DASHBOARDS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns_used(params: dict) -> set[str]:
    used = set(params.get("all_columns") or []) | set(params.get("groupby") or [])
    if params.get("x_axis"):
        used.add(params["x_axis"])
    used |= {json.loads(order)[0] for order in params.get("order_by_cols") or []}
    return used


def test_every_dashboard_chart_reads_columns_its_dataset_has(default_pipeline):
    _, settings = default_pipeline
    bi = _dashboards_module()
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        columns = {}
        for name, sql in bi.DATASETS.items():
            query = sql["duckdb"] if isinstance(sql, dict) else sql
            columns[name] = {c[0] for c in con.execute(f"select * from ({query}) as q limit 0").description}
        workflows = con.execute("select workflow, workflow_name from mart_workflow_outcomes").fetchall()
        tools = [r[0] for r in con.execute("select distinct tool from mart_adoption_weekly").fetchall()]
        rows_of = {name: con.execute(f"select count(*) from ({sql['duckdb'] if isinstance(sql, dict) else sql}) as q")
                   .fetchone()[0] for name, sql in bi.DATASETS.items()}
    finally:
        con.close()
    charts = [(d["slug"], chart) for d in bi.dashboards(workflows, tools) for row in d["rows"] for chart in row
              if chart.get("dataset")]
    missing = [(slug, chart["name"], sorted(_columns_used(chart["params"]) - columns[chart["dataset"]]))
               for slug, chart in charts if _columns_used(chart["params"]) - columns[chart["dataset"]]]
    assert missing == []
    # the rollout steps' datasets have rows on the default scenario (its hidden win, its teams, its managers)
    assert rows_of["win_candidates"] > 0 and rows_of["program"] > 0 and rows_of["manager_adoption"] > 0
