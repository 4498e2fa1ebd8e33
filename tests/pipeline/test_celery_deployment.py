"""The production shape run for real: `python -m devenv up --executor celery` (make up-prod) against the
machine's PostgreSQL and Redis, in a database and a Redis db of its own, stopped (and checked stopped) after.

- In `make test`: a task of the `duckdb_writer` queue is picked up by the one-slot worker, fails, is retried,
  and its failure reaches a local webhook; the runs, task instances and Celery results are rows in PostgreSQL.
- In `make test-prod` (-m celery_pipeline, ~10 min): one source is ingested by the deployment on top of the
  others landed directly, and the default worker is killed (SIGKILL, its whole process group) while it
  lands a stream: the deployment starts it again, the scheduler fails the orphaned try once its heartbeat
  stops and Airflow's retry lands the stream. Every record the sandbox serves is landed (counted against a
  clean ingest), the Assets start transform and publish, and the published marts equal those of the same
  transform, gate and publish run directly over a landing zone that never saw a killed worker.

Skipped, saying so, when PostgreSQL (OUTCOMES_PG_HOST/_PORT, default 127.0.0.1:5432, user postgres) or Redis
(127.0.0.1:6379) does not answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
import pytest
import requests
from tests_support import ROOT, WebhookReceiver, isolated_settings

PG_HOST = os.environ.get("OUTCOMES_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("OUTCOMES_PG_PORT", "5432"))
PG_USER = os.environ.get("OUTCOMES_PG_USER", "postgres")
DATABASE = "outcomes_celery_test"
METADATA_URL = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{DATABASE}"
BROKER_URL = os.environ.get("OUTCOMES_TEST_BROKER_URL", "redis://127.0.0.1:6379/12")

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _answers(host: str, port: int) -> str | None:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module", autouse=True)
def services_answer():
    from urllib.parse import urlsplit

    if problem := _answers(PG_HOST, PG_PORT):
        pytest.skip(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({problem}): the Celery deployment "
                    "keeps its metadata there")
    broker = urlsplit(BROKER_URL)
    if problem := _answers(broker.hostname, broker.port or 6379):
        pytest.skip(f"Redis is not reachable at {broker.netloc} ({problem}): the Celery deployment's broker")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_services() -> None:
    """An empty metadata database and an empty Redis db: nothing of a previous run is scheduled again."""
    import psycopg
    import redis
    from psycopg import sql

    with psycopg.connect(f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DATABASE)))
    redis.Redis.from_url(BROKER_URL).flushdb()


@dataclass
class Deployment:
    url: str
    data: Path
    token: str
    log: Path

    def api(self, method: str, path: str, **kwargs) -> dict:
        resp = requests.request(method, f"{self.url}/api/v2{path}", headers={"Authorization": f"Bearer {self.token}"},
                                timeout=30, **kwargs)
        assert resp.ok, f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()

    def unpause(self, *dag_ids: str, timeout: float = 300) -> None:
        """Unpause each DAG once the dag-processor has parsed it (on a loaded machine, after the api-server
        answers)."""
        deadline = time.monotonic() + timeout
        for dag_id in dag_ids:
            while requests.get(f"{self.url}/api/v2/dags/{dag_id}", timeout=30,
                               headers={"Authorization": f"Bearer {self.token}"}).status_code == 404:
                assert time.monotonic() < deadline, f"{dag_id} was not parsed within {timeout:.0f} s"
                time.sleep(3)
            self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def wait_for_run(self, dag_id: str, timeout: float, states=("success", "failed")) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.api("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
            done = [r for r in runs if r["state"] in states]
            if done:
                return done[0]
            time.sleep(3)
        raise AssertionError(f"no finished {dag_id} run within {timeout:.0f} s; see {self.data / 'logs'}")

    def settle(self, dag_ids: tuple[str, ...], timeout: float, quiet: float = 20) -> list[list[dict]]:
        """The runs of these DAGs once every one is finished, at least one each, and none has appeared for
        `quiet` seconds (the scheduler has no asset event left to turn into a run)."""
        deadline, last_change, seen = time.monotonic() + timeout, time.monotonic(), None
        while time.monotonic() < deadline:
            runs = [sorted(self.api("GET", f"/dags/{d}/dagRuns")["dag_runs"], key=lambda r: r["queued_at"])
                    for d in dag_ids]
            shape = [[(r["dag_run_id"], r["state"]) for r in rs] for rs in runs]
            if shape != seen:
                seen, last_change = shape, time.monotonic()
            finished = all(rs and all(r["state"] in ("success", "failed") for r in rs) for rs in runs)
            if finished and time.monotonic() - last_change >= quiet:
                return runs
            time.sleep(3)
        raise AssertionError(f"{dag_ids} did not settle within {timeout:.0f} s: {seen}")

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        tis = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti for ti in tis}


def _clean_env(data: Path, extra: dict[str, str]) -> dict[str, str]:
    # the session's Airflow (SQLite, unit-test mode) and any OUTCOMES_* another test exported stay out
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OUTCOMES_"))}
    return {**env, "OUTCOMES_DATA_DIR": str(data), "AIRFLOW_HOME": str(data / "airflow-celery"),
            "OUTCOMES_AIRFLOW_DB_URL": METADATA_URL, "OUTCOMES_CELERY_BROKER_URL": BROKER_URL,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            "OUTCOMES_RETRY_DELAY_SECONDS": "2", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}


def _stop(proc: subprocess.Popen, pids_file: Path, recorded: dict[str, int]) -> list[str]:
    """SIGTERM the `up` process (as `make down` does); what is still alive after is killed and returned."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=120)
    leaked = []
    for name, pid in recorded.items():
        with contextlib.suppress(psutil.NoSuchProcess):
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                leaked.append(f"{name} (pid {pid})")
            for member in [*p.children(recursive=True), p]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    member.kill()
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)
    return leaked


@contextmanager
def celery_deployment(data: Path, extra_env: dict[str, str], sandbox: bool,
                      ready_timeout: float = 480) -> Iterator[Deployment]:
    _fresh_services()
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = data / "up.log"
    argv = [sys.executable, "-m", "devenv", "up", "--executor", "celery", "--dags-paused", "--no-bi",
            "--airflow-port", str(port), "--webhook-port", str(_free_port())]
    if not sandbox:
        argv.append("--no-sandbox")
    proc = subprocess.Popen(argv, cwd=ROOT, env=_clean_env(data, extra_env), stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    pids_file = data / "up.pids"
    recorded: dict[str, int] = {}
    try:
        deadline = time.monotonic() + ready_timeout
        while "stops everything" not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"make up-prod exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not ready in {ready_timeout:.0f} s:\n{log.read_text()[-3000:]}"
            time.sleep(2)
        recorded = json.loads(pids_file.read_text())["children"]
        passwords = data / "airflow-celery" / "simple_auth_manager_passwords.json.generated"
        url = f"http://127.0.0.1:{port}"
        resp = requests.post(f"{url}/auth/token", json={"username": "admin",
                                                        "password": json.loads(passwords.read_text())["admin"]},
                             timeout=30)
        resp.raise_for_status()
        yield Deployment(url, data, resp.json()["access_token"], log)
    finally:
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            recorded = {**recorded, **json.loads(pids_file.read_text())["children"]}  # restarted workers too
        leaked = _stop(proc, pids_file, recorded)
        assert not leaked, f"still running after the deployment was stopped: {leaked}"
        assert not pids_file.exists(), "up.pids was left behind"


def _metadata(query: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(METADATA_URL) as con:
        return con.execute(query, params).fetchall()


def test_the_duckdb_writer_worker_runs_retries_and_reports_a_failing_gate_with_metadata_on_postgres(tmp_path):
    """Nothing is built, so the gate (queue duckdb_writer) fails: tried twice by the one-slot worker, then
    the failure reaches the webhook of connection outcomes_alerts."""
    receiver = WebhookReceiver()
    try:
        with celery_deployment(tmp_path / "data", {"AIRFLOW_CONN_OUTCOMES_ALERTS": receiver.url},
                               sandbox=False) as deployment:
            deployment.unpause("publish")
            run_id = deployment.api("POST", "/dags/publish/dagRuns", json={"logical_date": None})["dag_run_id"]
            run = deployment.wait_for_run("publish", timeout=300)
            gate = deployment.task_instances("publish", run_id)["quality_gate"]
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(1)
    finally:
        receiver.close()
    assert run["state"] == "failed"
    assert (gate["state"], gate["queue"], gate["try_number"]) == ("failed", "duckdb_writer", 2)
    # the scheduler, the workers and the api-server agree through PostgreSQL; Celery keeps its results there
    assert _metadata("select state from dag_run where dag_id = 'publish'") == [("failed",)]
    assert _metadata("select queue, state, try_number from task_instance where task_id = 'quality_gate'") == \
        [("duckdb_writer", "failed", 2)]
    assert _metadata("select count(*) from celery_taskmeta")[0][0] >= 2  # both tries, as Celery results
    [message] = [m["body"] for m in receiver.received]
    assert (message["dag_id"], message["task_id"], message["try_number"]) == ("publish", "quality_gate", 2)
    assert message["error"].startswith("StepFailed: ")
    # the writer worker took it, the default worker did not
    assert "duckdb_writer" in (tmp_path / "data" / "logs" / "airflow-worker-duckdb-writer.log").read_text()


def _value(v):
    # DuckDB sums doubles in parallel, so the last bits depend on the order: 32813.079999999936 vs ...96
    return round(v, 6) if isinstance(v, float) else v


def _tables(path: Path) -> dict[str, list[tuple]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_name <> '_publication' order by 1").fetchall()]
        return {n: sorted((tuple(map(_value, row)) for row in con.execute(f'select * from "{n}"').fetchall()),
                          key=repr) for n in names}
    finally:
        con.close()


def _kill_default_worker_mid_task(deployment: Deployment, dag_id: str, timeout: float = 300) -> list[str]:
    """Once a task of `dag_id` has run for a few seconds, SIGKILL the default worker's whole process group
    (the worker, its pool, the task's supervisor and process: as if its machine were lost). Returns the ids
    of the tasks that were running."""
    deadline, running_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        runs = deployment.api("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        running = [ti["task_id"] for run in runs for ti in deployment.task_instances(dag_id, run["dag_run_id"]).values()
                   if ti["state"] == "running"]
        if running:
            running_since = running_since or time.monotonic()
            if time.monotonic() - running_since >= 5:
                worker = json.loads((deployment.data / "up.pids").read_text())["children"]["worker-default"]
                os.killpg(worker, signal.SIGKILL)
                return running
        time.sleep(1)
    raise AssertionError(f"no task of {dag_id} ran within {timeout:.0f} s")


def _landed_keys(settings, source: str, stream: str) -> set:
    """The distinct record keys of a stream's committed batches, each batch checked against its manifest."""
    from connectors import landing_streams
    from connectors.landing import LandingZone, record_key

    zone = LandingZone(settings.landing_root)
    primary_key = landing_streams()[f"{source}/{stream}"]["primary_key"]
    keys = set()
    for manifest in zone.manifests(source, stream):
        assert zone.verify_batch(manifest) is None, manifest.batch_id
        keys |= {record_key(r, primary_key) for r in zone.read_batch(manifest)}
    return keys


@pytest.mark.celery_pipeline
def test_celery_deployment_publishes_the_same_marts_as_the_steps_run_directly(tmp_path):
    from devenv.sandbox_env import sandbox_session
    from outcomes.pipeline import conn_id_for, gate, ingest, publish, transform

    celery_source = "openai"
    data = tmp_path / "data"
    settings = isolated_settings(data)
    # every other source landed directly: the gate needs all of them; the deployment adds one more
    with sandbox_session("default", settings) as on_sandbox:
        from connectors import sources
        from connectors.config import ConnectionConfig

        for source in sources():
            if source != celery_source:
                ingest(source, ConnectionConfig.from_env(conn_id_for(source)), on_sandbox)
    started = time.monotonic()
    # a try whose worker died is failed (and retried) a minute after its last heartbeat, not five
    with celery_deployment(data, {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60"},
                           sandbox=True) as deployment:
        deployment.unpause("transform", "publish", f"ingest_{celery_source}")
        killed = _kill_default_worker_mid_task(deployment, f"ingest_{celery_source}")
        killed_at = time.monotonic()
        ingest_run = deployment.wait_for_run(f"ingest_{celery_source}", timeout=900)
        assert ingest_run["state"] == "success"
        recovered = time.monotonic() - killed_at
        tis = deployment.task_instances(f"ingest_{celery_source}", ingest_run["dag_run_id"])
        for task_id in killed:  # the killed try failed by its lost heartbeat, the retry succeeded
            assert (tis[task_id]["state"], tis[task_id]["try_number"]) == ("success", 2), tis[task_id]
        assert "worker-default exited (code -9); starting it again" in deployment.log.read_text()
        transforms, publishes = deployment.settle(("transform", "publish"), timeout=1500)
        # The three streams' events may start a second transform (bursts coalesce into at most one more);
        # the publish of a build that a newer one replaced before its gate ran is refused, by design.
        assert 1 <= len(transforms) <= 2 and len(publishes) == len(transforms), (transforms, publishes)
        assert {r["run_type"] for r in transforms + publishes} == {"asset_triggered"}
        assert [r["state"] for r in transforms] == ["success"] * len(transforms), transforms
        assert publishes[-1]["state"] == "success", publishes
        for run in publishes:
            for ti in deployment.task_instances("publish", run["dag_run_id"]).values():
                assert ti["queue"] == "duckdb_writer"
        [build_ti] = deployment.task_instances("transform", transforms[-1]["dag_run_id"]).values()
        assert build_ti["queue"] == "duckdb_writer"
        # dbt's own lines are in the build's task log, as Airflow serves it
        task_log = deployment.api("GET", f"/dags/transform/dagRuns/{transforms[-1]['dag_run_id']}/taskInstances/"
                                         f"dbt_build/logs/{build_ti['try_number']}?full_content=true")
        dbt_lines = [entry.get("event", "") for entry in task_log["content"] if isinstance(entry, dict)
                     and str(entry.get("event", "")).startswith("dbt: ")]
        assert any("Completed successfully" in line for line in dbt_lines), dbt_lines[-5:]
    last_build = json.loads((data / "runs" / "transform.json").read_text())["build_id"]
    assert json.loads((data / "runs" / "publish.json").read_text())["build_id"] == last_build
    seconds = time.monotonic() - started
    # nothing lost: the deployment landed every record a clean ingest of the same sandbox lands
    reference = isolated_settings(tmp_path / "reference")
    with sandbox_session("default", reference) as on_sandbox:
        ingest(celery_source, ConnectionConfig.from_env(conn_id_for(celery_source)), on_sandbox)
    landed = {}
    for stream in sources()[celery_source].STREAMS:
        expected = _landed_keys(reference, celery_source, stream.name)
        assert _landed_keys(settings, celery_source, stream.name) == expected and expected, stream.name
        landed[stream.name] = len(expected)
    # nothing duplicated: the same steps, run directly over the same landing zone with the killed source
    # replaced by the clean ingest, publish the same marts
    direct_data = tmp_path / "direct"
    shutil.copytree(data / "landing", direct_data / "landing",
                    ignore=lambda folder, names: [n for n in names if n == f"source={celery_source}"])
    shutil.copytree(tmp_path / "reference" / "landing" / f"source={celery_source}",
                    direct_data / "landing" / f"source={celery_source}")
    direct = isolated_settings(direct_data)
    workflows = data / "sandbox" / "default_workflows.yml"
    overrides = data / "sandbox" / "default_identity_overrides.csv"
    direct = replace(direct, workflows_path=workflows, extra_identity_overrides=overrides)
    direct.export()
    build = transform(direct)
    gate(direct, build_id=build["build_id"])
    publish(direct, build_id=build["build_id"])
    celery_marts, direct_marts = _tables(settings.published_path), _tables(direct.published_path)
    assert set(celery_marts) == set(direct_marts) and len(celery_marts) > 5
    # each stream's freshness as measured when each build started: the checks ran minutes apart, and the
    # direct run's openai batches are the clean ingest's; the verdicts and thresholds must agree
    for marts in (celery_marts, direct_marts):
        marts["mart_source_freshness"] = sorted((r[0], r[1], r[2], r[6], r[7]) for r in marts["mart_source_freshness"])
    for name in direct_marts:
        assert celery_marts[name] == direct_marts[name], name
    rows = sum(len(t) for t in celery_marts.values())
    print(f"\ncelery deployment: {seconds:.0f} s from start to settled, {len(transforms)} transform run(s); "
          f"default worker killed during {killed}, run succeeded {recovered:.0f} s later; landed {landed} "
          f"records as a clean ingest; {len(celery_marts)} published tables ({rows} rows) equal to the direct run's")
