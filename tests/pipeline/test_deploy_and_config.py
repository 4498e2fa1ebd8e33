"""docker-compose parses and mounts only what exists; the workflow catalog says exactly what is wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date

import pytest
import yaml
from tests_support import ROOT

from outcomes.catalog import CatalogError, load_catalog
from sandbox.identity import identity_overrides


def test_compose_parses_and_every_mounted_path_exists():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker"} <= set(services)
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert services["airflow-worker"]["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    mounts = []
    for name, svc in services.items():
        if "build" in svc:
            assert (ROOT / svc["build"] / "Dockerfile").exists(), name
        for volume in svc.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith((".", "/")):
                mounts.append(host)
    assert mounts
    for host in set(mounts):
        if host.startswith(("./data", "./logs")):
            continue  # created by the pipeline (and airflow-init) on first run
        assert (ROOT / host).exists(), f"docker-compose mounts {host}, which does not exist"


def _compose_command() -> list[str] | None:
    """A compose implementation that can validate the file here: Debian's docker-compose, or the docker
    CLI's compose plugin. Neither needs a running engine for `config`."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


COMPOSE_ENV = {"AIRFLOW_UID": "1234", "_AIRFLOW_WWW_USER_PASSWORD": "s3cret-for-test",
               "AIRFLOW__API_AUTH__JWT_SECRET": "jwt-for-test"}


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    command = _compose_command()
    if command is None:
        pytest.skip("no compose implementation (apt-get install docker-compose, or the docker compose plugin): "
                    "the compose file cannot be validated here")
    clean = {k: v for k, v in os.environ.items() if k not in COMPOSE_ENV}
    return subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), "--project-directory", str(ROOT),
                           "config"], capture_output=True, text=True, env={**clean, **env}, timeout=120)


def test_compose_file_validates_and_follows_the_official_airflow_layout():
    out = _compose_config(COMPOSE_ENV)
    assert out.returncode == 0, out.stderr
    services = yaml.safe_load(out.stdout)["services"]
    airflow = [name for name, svc in services.items() if svc.get("image") == "ai-outcomes-airflow:latest"
               and name != "airflow-init" and "profiles" not in svc]
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
            "airflow-worker", "airflow-worker-duckdb-writer", "webhooks"} <= set(airflow)
    for name in airflow:
        assert services[name]["user"] == "1234:0", name
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager"), name
        assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true", name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "jwt-for-test", name
        # long syntax (compose v2) or host:container[:mode] (docker-compose 1.x)
        targets = [v["target"] if isinstance(v, dict) else v.split(":")[1] for v in services[name]["volumes"]]
        assert "/opt/airflow/logs" in targets, name
    # every long-running service restarts and is health-checked
    for name, svc in services.items():
        if "profiles" in svc or name == "airflow-init":
            continue
        assert svc["restart"] == "always", name
        assert svc["healthcheck"]["test"], name
    init = services["airflow-init"]
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    assert init["environment"]["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert init["environment"]["_AIRFLOW_WWW_USER_PASSWORD"] == "s3cret-for-test"
    for name in set(airflow) - {"webhooks"}:  # the receiver waits for a healthy api-server instead
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
    def command(name):  # a string (docker-compose 1.x) or a list (compose v2)
        value = services[name]["command"]
        return value if isinstance(value, str) else " ".join(value)

    assert "--queues default" in command("airflow-worker")
    writer = command("airflow-worker-duckdb-writer")
    assert "--queues duckdb_writer" in writer and "--concurrency 1" in writer


def test_compose_refuses_to_start_without_an_admin_password():
    out = _compose_config({k: v for k, v in COMPOSE_ENV.items() if k != "_AIRFLOW_WWW_USER_PASSWORD"})
    assert out.returncode != 0
    assert "set _AIRFLOW_WWW_USER_PASSWORD in .env" in out.stderr


def _write(tmp_path, body: str):
    path = tmp_path / "workflows.yml"
    path.write_text(body)
    return path


GOOD = """
workflows:
  - {workflow: w1, name: W, team: Support, tools: [github_copilot], kpi: zendesk_resolution_hours,
     direction: lower, redesigned_on: "2026-05-01"}
"""


def test_catalog_defaults_are_filled(tmp_path):
    [entry] = load_catalog(_write(tmp_path, GOOD), today=date(2026, 11, 1))
    assert entry["baseline_days"] == 84 and entry["cohort_days"] == 28 and entry["tools"] == ["github_copilot"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("zendesk_resolution_hours", "lines_of_code"), "unknown kpi 'lines_of_code'"),
        (("2026-05-01", "2027-01-01"), "is in the future"),
        (("2026-05-01", "May 1st"), "is not YYYY-MM-DD"),
        (("direction: lower", "direction: down"), "direction must be"),
        (("[github_copilot]", "[clippy]"), "unknown tools ['clippy']"),
        (("team: Support, ", ""), "lacks ['team']"),
        (("kpi: zendesk_resolution_hours", "kpi: harvest_task_hours"), "needs `task`"),
        (("direction: lower", "direction: lower, owner: ann"), "unknown keys ['owner']"),
        (('"2026-05-01"}', '"2026-05-01", min_items: 0}'), "min_items must be a positive integer"),
        (('"2026-05-01"}', '"2026-05-01", target_pct: "-15%"}'), "target_pct must be a number"),
        (('"2026-05-01"}', '"2026-05-01", baseline_days: "84"}'), "baseline_days must be a positive integer, got '84'"),
        (('"2026-05-01"}', '"2026-05-01", post_days: true}'), "post_days must be a positive integer, got True"),
        (("tools: [github_copilot], ", "tools: [], "), "lacks ['tools']"),
        (("name: W, team: Support", "name: W, team: "), "lacks ['team']"),
        (("name: W, team: Support, ", ""), "lacks ['name', 'team']"),
        (("kpi: zendesk_resolution_hours", "kpi: cycle_time"), "known: ['github_pr_merge_hours'"),
    ],
)
def test_catalog_errors_name_the_problem(tmp_path, change, message):
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, GOOD.replace(*change)), today=date(2026, 11, 1))
    assert message in str(err.value) and "w1" in str(err.value)


def test_every_problem_of_an_entry_is_named_at_once(tmp_path):
    body = GOOD.replace("direction: lower", "direction: down").replace("[github_copilot]", "[clippy]")
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, body), today=date(2026, 11, 1))
    assert "workflows[0] (w1)" in str(err.value)
    assert "direction must be 'lower' or 'higher', got 'down'" in str(err.value)
    assert "unknown tools ['clippy']" in str(err.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD + GOOD.replace("workflows:", ""), "workflows[1]: workflow 'w1' is declared twice"),
        ("workflows:\n  - just a name\n", "workflows[0] (?): must be a mapping"),
        ("workflows: []\n", "expected a non-empty 'workflows:' list"),
        ("owner: ann\n", "expected a non-empty 'workflows:' list"),
        ("workflows: [\n", "not valid YAML"),
    ],
)
def test_catalog_shape_errors_name_the_file_and_entry(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(CatalogError) as err:
        load_catalog(path, today=date(2026, 11, 1))
    assert message in str(err.value) and str(path) in str(err.value)


def test_a_missing_catalog_file_is_named(tmp_path):
    with pytest.raises(CatalogError, match="workflows.yml does not exist"):
        load_catalog(tmp_path / "workflows.yml")


def test_catalog_dates_are_refused_only_after_today(tmp_path):
    body = GOOD.replace("2026-05-01", "2026-11-02")
    with pytest.raises(CatalogError, match=r"workflows\[0\] \(w1\): redesigned_on 2026-11-02 is in the future"):
        load_catalog(_write(tmp_path, body), today=date(2026, 11, 1))
    assert load_catalog(_write(tmp_path, body), today=date(2026, 11, 2))[0]["redesigned_on"] == "2026-11-02"


def test_shipped_catalog_is_valid():
    assert load_catalog(ROOT / "workflows.yml")[0]["workflow"] == "support_ticket_resolution"


def test_identity_overrides_seed_ships_empty():
    # the organisation's file: the sandbox company's links come from the sandbox, not from the product
    lines = (ROOT / "dbt_project" / "seeds" / "identity_overrides.csv").read_text().splitlines()
    assert lines == ["source,source_user_id,email"]


def test_sandbox_writes_the_overrides_of_its_own_company(company, tmp_path):
    import csv

    from sandbox.company import emu_login
    from sandbox.identity import write_identity_overrides

    path = write_identity_overrides(company, tmp_path / "overrides.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{k: str(v) for k, v in r.items()} for r in identity_overrides(company)]
    github = [r for r in rows if r["source"] == "github"]
    # exactly the logins that break the EMU rule, each pointing at its owner
    assert len(github) == company.truth["github_login_overrides"] > 0
    email_of_login = {p["github_login"]: p["email"] for p in company.people if p["github_login"]}
    assert all(email_of_login[r["source_user_id"]] == r["email"] for r in github)
    assert all(r["source_user_id"] != emu_login(r["email"], "acme") for r in github)


def test_catalog_team_must_have_people_in_the_directory(tmp_path):
    from outcomes.catalog import check_teams

    [entry] = load_catalog(_write(tmp_path, GOOD.replace("team: Support", "team: Suport")), today=date(2026, 11, 1))
    with pytest.raises(CatalogError) as err:
        check_teams([entry], ["Support", "Support A", None], "msgraph/users batch b1")
    assert "team 'Suport' has no people in the directory" in str(err.value) and "'Support A'" in str(err.value)
    check_teams([dict(entry, team="Support A")], ["Support", "Support A"], "msgraph/users batch b1")  # a team is fine


def test_transform_refuses_a_catalog_team_missing_from_the_landed_directory(tmp_path):
    from dataclasses import replace

    from connectors.landing import LandingZone
    from outcomes.pipeline import dbt_vars
    from outcomes.settings import Settings

    zone = LandingZone(str(tmp_path / "landing"))
    batch = zone.open_batch("msgraph", "users")
    batch.write({"id": "u1", "department": "Sales", "employeeOrgData": {"costCenter": "Sales B"}})
    batch.commit()
    settings = replace(Settings.from_env(), landing_root=str(tmp_path / "landing"),
                       workflows_path=_write(tmp_path, GOOD))
    with pytest.raises(CatalogError, match="team 'Support' has no people"):
        dbt_vars(settings)
    settings = replace(settings, workflows_path=_write(tmp_path, GOOD.replace("team: Support", "team: Sales B")))
    assert dbt_vars(settings)["workflows"][0]["team"] == "Sales B"


def test_airflow_password_file_and_standalone_log_stay_owner_only(tmp_path, monkeypatch):
    import stat

    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    from devenv.up import private_file

    passwords = tmp_path / "simple_auth_manager_passwords.json.generated"
    log = tmp_path / "airflow-standalone.log"
    log.write_text("old output\n")
    log.chmod(0o644)
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(private_file(passwords)))
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    SimpleAuthManager().init()  # Airflow generates and writes the admin password as `make up` makes it do
    assert "admin" in json.loads(passwords.read_text())
    for path in (passwords, private_file(log)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert log.read_text() == "old output\n"


@pytest.mark.parametrize("value", ["0", "1", "-5", "five", "2.5", ""])
def test_an_invalid_min_group_size_is_refused_by_name_instead_of_turning_the_privacy_rule_off(monkeypatch, value):
    # 0 or 1 lets a published row describe a single person; "five" used to fail as a bare int() error
    from outcomes.settings import Settings

    monkeypatch.setenv("OUTCOMES_MIN_GROUP_SIZE", value)
    with pytest.raises(ValueError, match=r"OUTCOMES_MIN_GROUP_SIZE.*whole number of at least 2.*" + repr(value)):
        Settings.from_env()


def test_min_group_size_is_checked_wherever_settings_are_made(monkeypatch):
    from dataclasses import replace

    from outcomes.settings import Settings

    monkeypatch.setenv("OUTCOMES_MIN_GROUP_SIZE", "3")
    settings = Settings.from_env()
    assert settings.min_group_size == 3
    with pytest.raises(ValueError, match="min_group_size"):
        replace(settings, min_group_size=1)


@pytest.mark.parametrize("body, message", [
    # read by position: a reordered header would link every account to the wrong column's value
    ("email,source,source_user_id\nada@acme.example,jira,5b10a2844c20165700ede001\n",
     r"header is 'email,source,source_user_id'; expected exactly 'source,source_user_id,email'"),
    ("source,account,person\njira,1,ada@acme.example\n", "header is 'source,account,person'"),
    ("source,source_user_id,email\njira,5b10a2844c20165700ede001\n", "line 2 has 2 field"),
    ("", r"header is '\(empty\)'"),
])
def test_an_identity_overrides_file_of_the_wrong_shape_is_refused_before_the_build(tmp_path, body, message):
    from dataclasses import replace

    from outcomes.pipeline import StepFailed, dbt_vars
    from outcomes.settings import Settings

    overrides = tmp_path / "overrides.csv"
    overrides.write_text(body)
    settings = replace(Settings.from_env(), landing_root=str(tmp_path / "landing"),
                       workflows_path=ROOT / "workflows.yml", extra_identity_overrides=overrides)
    with pytest.raises(StepFailed, match=f"identity overrides file {overrides}: .*{message}"):
        dbt_vars(settings)
    overrides.write_text("source,source_user_id,email\njira,5b10a2844c20165700ede001,ada@acme.example\n")
    assert dbt_vars(settings)["extra_identity_overrides"] == str(overrides)
