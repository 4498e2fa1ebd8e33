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


def _compile_identity_map(tmp_path: Path, overrides: str, extra: str | None = None) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (project / "seeds" / "identity_overrides.csv").write_text(HEADER + overrides)
    env = {**os.environ, "OUTCOMES_WAREHOUSE_PATH": str(tmp_path / "wh.duckdb"),
           "OUTCOMES_LANDING_ROOT": str(tmp_path / "landing"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    variables = dbt_model_vars(project)
    if extra is not None:
        (tmp_path / "extra_overrides.csv").write_text(HEADER + extra)
        variables["extra_identity_overrides"] = str(tmp_path / "extra_overrides.csv")
    common = ["--project-dir", str(project), "--profiles-dir", str(project), "--target-path",
              str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--vars", json.dumps(variables)]
    seed = subprocess.run([str(DBT), "seed", *common, "--select", "identity_overrides"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert seed.returncode == 0, seed.stdout[-2000:]
    # the check reads stg_identity_overrides: the seed and any extra overrides file
    staged = subprocess.run([str(DBT), "run", *common, "--select", "stg_identity_overrides"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    assert staged.returncode == 0, staged.stdout[-2000:]
    # compile runs the model's introspective queries, where the check lives, without building upstream
    return subprocess.run([str(DBT), "compile", *common, "--select", "int_identity_map"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_one_account_mapped_to_two_people_fails_naming_the_account_and_both(tmp_path):
    result = _compile_identity_map(tmp_path, "github,jdoe-dev_acme,jane.doe@acme.example\n"
                                             "jira,557058:abc,sam.lee@acme.example\n"
                                             "github_copilot,JDoe-dev_acme,john.doe@acme.example\n")
    assert result.returncode != 0
    assert "conflicting" in result.stdout
    assert "github account 'jdoe-dev_acme' is mapped to 2 people: jane.doe@acme.example and john.doe@acme.example" \
        in result.stdout
    assert "557058:abc" not in result.stdout


@pytest.mark.parametrize("duplicate", ["github,jdoe-dev_acme,jane.doe@acme.example\n",
                                       "github , JDoe-dev_acme , Jane.Doe@acme.example\n"])
def test_an_exact_duplicate_row_is_harmless(tmp_path, duplicate):
    result = _compile_identity_map(tmp_path, "github,jdoe-dev_acme,jane.doe@acme.example\n" + duplicate)
    assert result.returncode == 0, result.stdout[-2000:]


def test_a_conflict_between_the_seed_and_the_extra_overrides_file_fails_too(tmp_path):
    result = _compile_identity_map(tmp_path, "jira,557058:abc,sam.lee@acme.example\n",
                                   extra="jira,557058:ABC,kim.park@acme.example\n")
    assert result.returncode != 0
    assert "jira account '557058:abc' is mapped to 2 people: kim.park@acme.example and sam.lee@acme.example" \
        in " ".join(result.stdout.split())
