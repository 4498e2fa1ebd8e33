"""What dbt gets from the pipeline through --vars: the project's model names and the workflow catalog.

A new contract model joins the unions by its name alone: no list in any model names the sources. A copy of
the project gets throwaway contract models (`int_accounts__throwaway`, `int_ai_user_days__throwaway`,
`int_kpi_items__throwaway`, `int_ai_spend_daily__throwaway`); nothing else in the copy changes. The build of
the identity models on an empty landing zone must then hold exactly the throwaway rows, and dbt's lineage
must put each throwaway model upstream of every model that unions its kind.

The workflow catalog has one source, workflows.yml validated by outcomes.catalog: dbt_project.yml keeps
none, and dbt refuses to build without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors import landing_streams
from outcomes.catalog import load_catalog
from outcomes.dbt_models import dbt_model_vars, model_names

REPO = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"

THROWAWAY_MODELS = {
    "int_accounts__throwaway": """
        select 'throwaway' as source, 'tw-1' as source_user_id, 'tw.one' as source_login,
               'TW.One@Example.org' as email
    """,
    "int_ai_user_days__throwaway": """
        select 'throwaway' as source, 'throwaway_tool' as tool, 'tw-1' as source_user_id,
               date '2026-06-01' as activity_date, 3 as actions, 0 as passive_suggestions, true as is_active,
               'chat' as features_used
    """,
    "int_kpi_items__throwaway": """
        select 'throwaway_hours' as kpi, 'throwaway' as source, 'tw-1' as source_user_id, 'tw-item-1' as item_id,
               date '2026-06-01' as item_date, 2.5 as kpi_value, cast(null as varchar) as task
        union all
        select 'throwaway_hours', 'throwaway', 'tw-2', 'tw-item-2', date '2026-06-02', 1.0, null
        union all
        select 'throwaway_hours', 'throwaway', 'tw-1', 'tw-item-3', date '2026-06-03', 0.5, null
    """,
    "int_ai_spend_daily__throwaway": """
        select 'throwaway' as source, 'throwaway_tool' as tool, date '2026-06-01' as spend_date, 'USD' as currency,
               cast(12.5 as numeric(38, 10)) as amount, cast(null as varchar) as source_user_id,
               'metered' as cost_kind
    """,
}
# each throwaway model, and the models that union its kind
UNIONS = {
    "int_accounts__throwaway": {"int_source_accounts"},
    "int_ai_user_days__throwaway": {"int_source_activity", "fct_ai_activity_daily"},
    "int_kpi_items__throwaway": {"int_source_activity", "int_kpi_items"},
    "int_ai_spend_daily__throwaway": {"mart_ai_cost"},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("contract_unions")
    copy = root / "dbt_project"
    shutil.copytree(REPO / "dbt_project", copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for name, sql in THROWAWAY_MODELS.items():
        (copy / "models" / "intermediate" / f"{name}.sql").write_text(sql.strip() + "\n")
    (root / "landing").mkdir()
    return copy


def dbt(project: Path, *args: str, variables: dict | None = None,
        warehouse: str = "outcomes.duckdb") -> subprocess.CompletedProcess:
    root = project.parent
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(root / "landing"),
           "OUTCOMES_WAREHOUSE_PATH": str(root / warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(DBT), *args, "--project-dir", str(project), "--profiles-dir", str(project),
           "--target-path", str(root / "target"), "--log-path", str(root / "logs")]
    if variables is not None:
        cmd += ["--vars", json.dumps(variables)]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def warehouse(project: Path):
    workflows = load_catalog(REPO / "workflows.yml")
    result = dbt(project, "build", "--select", "+int_source_activity", "stg_catalog__workflows", "--resource-type",
                 "model", "--resource-type", "seed", variables=dbt_model_vars(project, workflows=workflows))
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(project.parent / "outcomes.duckdb"), read_only=True)
    yield con
    con.close()


def test_model_names_are_read_from_the_model_files(project):
    names = model_names(project)
    assert set(THROWAWAY_MODELS) <= set(names)
    assert {"int_source_accounts", "stg_zendesk__tickets", "mart_ai_cost"} <= set(names)
    assert "tool_seat_prices" not in names  # a seed, not a model


def test_a_new_accounts_model_reaches_identity_resolution(warehouse):
    rows = warehouse.execute(
        "select identity_key, source, identity_namespace, source_user_id, source_login, email "
        "from intermediate.int_source_accounts"
    ).fetchall()
    # the landing zone is empty: the throwaway account is the only one, its email lower-cased on the way
    assert rows == [("throwaway:tw-1", "throwaway", "throwaway", "tw-1", "tw.one", "tw.one@example.org")]


def test_new_user_days_and_kpi_items_count_as_activity(warehouse):
    rows = warehouse.execute(
        "select source, activity_unit, source_user_id, units_n, person_key from intermediate.int_source_activity "
        "order by activity_unit, source_user_id"
    ).fetchall()
    assert rows == [
        ("throwaway", "user_day", "tw-1", 1, None),  # no directory: nobody to resolve to
        ("throwaway", "work_item", "tw-1", 2, None),  # counted per account: two items, one row
        ("throwaway", "work_item", "tw-2", 1, None),
    ]


def test_lineage_puts_each_new_contract_model_upstream_of_its_unions(project, warehouse):
    # the manifest of the build above: dbt's own record of each model's parents
    nodes = json.loads((project.parent / "target" / "manifest.json").read_text())["nodes"].values()
    parents = {node["name"]: {uid.split(".")[-1] for uid in node["depends_on"]["nodes"]}
               for node in nodes if node["resource_type"] == "model"}
    for name, consumers in UNIONS.items():
        for union in consumers:
            assert name in parents[union], (name, union)


def test_a_build_without_the_vars_is_refused_with_the_fix(project):
    # only what staging needs to parse: no model names, no catalog
    result = dbt(project, "run", "--select", "int_source_accounts", "stg_catalog__workflows",
                 variables={"landing_streams": landing_streams()}, warehouse="refused.duckdb")
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "int_source_accounts unions every int_accounts__* model" in out
    assert "int_accounts__throwaway" in out and "model_names" in out
    assert "var 'workflows' is not set" in out and "workflows.yml" in out


def test_dbt_project_keeps_no_catalog_of_its_own():
    project_vars = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())["vars"]
    assert "workflows" not in project_vars


def test_the_shipped_catalog_reaches_dbt_with_every_option_filled(warehouse):
    rows = warehouse.execute(
        "select workflow, team, kpi, task, redesigned_on, baseline_days, cohort_days, post_days, min_items, "
        "target_pct from staging.stg_catalog__workflows order by workflow"
    ).fetchall()
    # workflows.yml as written, its unset options at the catalog's defaults (84/28/84 days, 5 items)
    assert [(r[0], r[1], r[2], r[3], str(r[4]), *r[5:9], float(r[9])) for r in rows] == [
        ("first_draft_report", "Finance", "harvest_task_hours", "First-draft report", "2026-06-01",
         84, 28, 84, 3, -50.0),
        ("pr_time_to_merge", "Engineering", "github_pr_merge_hours", None, "2026-06-01", 84, 28, 84, 5, -15.0),
        ("support_ticket_resolution", "Support", "zendesk_resolution_hours", None, "2026-06-01",
         84, 28, 84, 5, -15.0),
    ]
