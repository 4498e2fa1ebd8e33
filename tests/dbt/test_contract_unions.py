"""A new contract model joins the unions by its name alone: no list in any model names the sources.

A copy of the project gets throwaway contract models (`int_accounts__throwaway`, `int_ai_user_days__throwaway`,
`int_kpi_items__throwaway`, `int_ai_spend_daily__throwaway`); nothing else in the copy changes. The build of
the identity models on an empty landing zone must then hold exactly the throwaway rows, and dbt's lineage
must put each throwaway model upstream of every model that unions its kind.
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
    result = dbt(project, "build", "--select", "+int_source_activity", "--resource-type", "model", "--resource-type",
                 "seed", variables=dbt_model_vars(project))
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
        "select source, activity_unit, source_user_id, person_key from intermediate.int_source_activity "
        "order by activity_unit, source_user_id"
    ).fetchall()
    assert rows == [
        ("throwaway", "user_day", "tw-1", None),  # no directory: nobody to resolve to
        ("throwaway", "work_item", "tw-1", None),
        ("throwaway", "work_item", "tw-2", None),
    ]


def test_lineage_puts_each_new_contract_model_upstream_of_its_unions(project):
    unions = sorted(set().union(*UNIONS.values()))
    result = dbt(project, "ls", "--resource-type", "model", "--output", "json", "--output-keys", "name depends_on",
                 "--select", *unions, variables=dbt_model_vars(project))
    assert result.returncode == 0, result.stdout[-2000:]
    parents = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            node = json.loads(line)
            parents[node["name"]] = {uid.split(".")[-1] for uid in node["depends_on"]["nodes"]}
    assert set(parents) == set(unions)
    for name, consumers in UNIONS.items():
        for union in consumers:
            assert name in parents[union], (name, union)


def test_a_build_without_the_model_names_is_refused_with_the_fix(project):
    result = dbt(project, "run", "--select", "int_source_accounts", warehouse="refused.duckdb")
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "int_source_accounts unions every int_accounts__* model" in out
    assert "int_accounts__throwaway" in out and "model_names" in out
