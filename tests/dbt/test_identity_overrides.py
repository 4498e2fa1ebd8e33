"""Identity overrides: two rows giving one account to two people stop the build; duplicates are harmless."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from outcomes.dbt_models import dbt_model_vars

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
HEADER = "source,source_user_id,email\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """One copy of the project for the module: its tests share dbt's parse (partial parsing), each with a
    fresh warehouse, so a test pays for its two dbt runs and not for parsing the project again."""
    root = tmp_path_factory.mktemp("identity")
    shutil.copytree(PROJECT, root / "project", ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return root / "project"


def _compile_identity_map(project: Path, overrides: str, extra: str | None = None) -> subprocess.CompletedProcess:
    root = project.parent
    (project / "seeds" / "identity_overrides.csv").write_text(HEADER + overrides)
    (root / "wh.duckdb").unlink(missing_ok=True)
    env = {**os.environ, "OUTCOMES_WAREHOUSE_PATH": str(root / "wh.duckdb"),
           "OUTCOMES_LANDING_ROOT": str(root / "landing"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    variables = dbt_model_vars(project)
    if extra is not None:
        (root / "extra_overrides.csv").write_text(HEADER + extra)
        variables["extra_identity_overrides"] = str(root / "extra_overrides.csv")
    common = ["--project-dir", str(project), "--profiles-dir", str(project), "--target-path",
              str(root / "target"), "--log-path", str(root / "logs"), "--vars", json.dumps(variables)]
    # the check reads stg_identity_overrides: the seed and any extra overrides file (no tests: a duplicate
    # row must reach the check, which is what is under test)
    staged = subprocess.run([str(DBT), "build", *common, "--select", "identity_overrides stg_identity_overrides",
                             "--resource-type", "seed", "--resource-type", "model"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    assert staged.returncode == 0, staged.stdout[-2000:]
    # compile runs the model's introspective queries, where the check lives, without building upstream
    return subprocess.run([str(DBT), "compile", *common, "--select", "int_identity_map"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_one_account_mapped_to_two_people_fails_naming_the_account_and_both(project):
    result = _compile_identity_map(project, "github,jdoe-dev_acme,jane.doe@acme.example\n"
                                             "jira,557058:abc,sam.lee@acme.example\n"
                                             "github_copilot,JDoe-dev_acme,john.doe@acme.example\n")
    assert result.returncode != 0
    assert "conflicting" in result.stdout
    assert "github account 'jdoe-dev_acme' is mapped to 2 people: jane.doe@acme.example and john.doe@acme.example" \
        in result.stdout
    assert "557058:abc" not in result.stdout


@pytest.mark.parametrize("duplicate", ["github,jdoe-dev_acme,jane.doe@acme.example\n",
                                       "github , JDoe-dev_acme , Jane.Doe@acme.example\n"])
def test_an_exact_duplicate_row_is_harmless(project, duplicate):
    result = _compile_identity_map(project, "github,jdoe-dev_acme,jane.doe@acme.example\n" + duplicate)
    assert result.returncode == 0, result.stdout[-2000:]


def test_a_conflict_between_the_seed_and_the_extra_overrides_file_fails_too(project):
    result = _compile_identity_map(project, "jira,557058:abc,sam.lee@acme.example\n",
                                   extra="jira,557058:ABC,kim.park@acme.example\n")
    assert result.returncode != 0
    assert "jira account '557058:abc' is mapped to 2 people: kim.park@acme.example and sam.lee@acme.example" \
        in " ".join(result.stdout.split())
