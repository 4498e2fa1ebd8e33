"""`make up`: the continuous mode. Airflow standalone (isolated AIRFLOW_HOME under data/, SQLite, LocalExecutor),
the sandbox vendors and the webhook receiver, until Ctrl-C (or `make down`).

`make up-prod` (`--executor celery`): the production shape on this machine. Airflow's metadata database on
PostgreSQL (its own database, created if missing), CeleryExecutor with Redis as broker and PostgreSQL as
result backend, and one process per component: api-server, scheduler, dag-processor, triggerer, a worker
for the `default` queue and a worker with one slot for the `duckdb_writer` queue (the tasks that write
DuckDB), so the single-writer rule holds however many workers run.

Ingest DAGs poll hourly; a webhook lands within a second and its asset event starts the transform, whose
Asset starts the gate and publish. Ports: OUTCOMES_AIRFLOW_PORT (8080), OUTCOMES_WEBHOOK_PORT (8090).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from connectors.webhooks.vendors import VENDORS
from outcomes.settings import PROJECT_ROOT, Settings


def _wait_for(url: str, what: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{what} did not answer on {url} within {timeout:.0f} s; see {log}")


def _stop_all(procs: list[subprocess.Popen], timeout: float = 30) -> None:
    """Terminate the services and everything they started (standalone runs the api-server, scheduler, ...)."""
    import psutil

    family = []
    for p in procs:
        try:
            parent = psutil.Process(p.pid)
            family += [*parent.children(recursive=True), parent]
        except psutil.NoSuchProcess:
            continue
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout)
    for member in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=5)


def private_file(path: Path) -> Path:
    """Create the file readable by its owner only (0600), or make an existing one so. The Airflow password
    file and the standalone log, which prints the password, must not be world-readable."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)
    return path


def pid_file(settings: Settings) -> Path:
    return settings.data_dir / "up.pids"


@dataclass(frozen=True)
class CeleryServices:
    """Where the Celery deployment keeps its state: the metadata database (also the Celery result backend)
    and the Redis broker. OUTCOMES_AIRFLOW_DB_URL and OUTCOMES_CELERY_BROKER_URL override the local ones."""

    metadata_url: str = "postgresql://postgres@127.0.0.1:5432/outcomes_airflow"
    broker_url: str = "redis://127.0.0.1:6379/0"

    @classmethod
    def from_env(cls) -> CeleryServices:
        return cls(os.environ.get("OUTCOMES_AIRFLOW_DB_URL", cls.metadata_url),
                   os.environ.get("OUTCOMES_CELERY_BROKER_URL", cls.broker_url))

    @property
    def database(self) -> str:
        return urlsplit(self.metadata_url).path.lstrip("/")

    def airflow_env(self) -> dict[str, str]:
        rest = self.metadata_url.split("://", 1)[1]
        return {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{rest}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{rest}",
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
        }

    def check_and_create_database(self) -> bool:
        """Fail with the address when PostgreSQL or Redis does not answer; create the metadata database if
        missing. True when it was created."""
        import psycopg
        import redis
        from psycopg import sql

        try:
            redis.Redis.from_url(self.broker_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            raise RuntimeError(f"Redis (the Celery broker) does not answer at {self.broker_url}: {exc}; start it "
                               "or set OUTCOMES_CELERY_BROKER_URL") from None
        server = urlunsplit(urlsplit(self.metadata_url)._replace(path="/postgres"))
        try:
            with psycopg.connect(server, autocommit=True, connect_timeout=5) as con:
                if con.execute("select 1 from pg_database where datname = %s", [self.database]).fetchone():
                    return False
                con.execute(sql.SQL("create database {}").format(sql.Identifier(self.database)))
                return True
        except psycopg.OperationalError as exc:
            raise RuntimeError(f"PostgreSQL does not answer at {server}: {exc}; start it or set "
                               "OUTCOMES_AIRFLOW_DB_URL") from None


def deployment_secrets(home: Path) -> dict[str, str]:
    """The secrets every component must share (a JWT signed by the api-server is checked by the workers and
    the scheduler; log fetching uses the secret key), generated once and kept owner-only in AIRFLOW_HOME."""
    path = private_file(home / "deployment_secrets.json")
    known = json.loads(path.read_text() or "{}")
    if not {"jwt_secret", "secret_key"} <= set(known):
        known = {"jwt_secret": secrets.token_urlsafe(48), "secret_key": secrets.token_urlsafe(32)}
        path.write_text(json.dumps(known))
    return {"AIRFLOW__API_AUTH__JWT_SECRET": known["jwt_secret"], "AIRFLOW__API__SECRET_KEY": known["secret_key"]}


MAX_WORKER_RESTARTS = 5


def celery_components(airflow: str, airflow_port: int) -> dict[str, list[str]]:
    """One process per Airflow component; the two workers each take their own queues. The DuckDB writer
    has one slot and skips the log server (both workers write task logs to the same local folder)."""
    from outcomes.dag_builders import DUCKDB_WRITER_QUEUE

    return {
        "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(airflow_port)],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer"],
        "worker-default": [airflow, "celery", "worker", "--queues", "default", "--concurrency", "2",
                           "--celery-hostname", "default@%h"],
        "worker-duckdb-writer": [airflow, "celery", "worker", "--queues", DUCKDB_WRITER_QUEUE, "--concurrency", "1",
                                 "--celery-hostname", f"{DUCKDB_WRITER_QUEUE}@%h", "--skip-serve-logs"],
    }


def up(scenario: str | None, airflow_port: int, webhook_port: int, ready_timeout: float = 300,
       executor: str = "standalone", dags_paused: bool = False, bi: bool = True) -> int:
    from outcomes import airflow_env

    if executor not in ("standalone", "celery"):
        raise ValueError(f"executor must be standalone or celery, got {executor!r}")
    settings = Settings.from_env()
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    with ExitStack() as stack:
        extra_env: dict[str, str] = {}
        if scenario is not None:
            from devenv.sandbox_env import sandbox_session
            from sandbox.webhooks import secrets_env

            settings = stack.enter_context(sandbox_session(scenario, settings))
            extra_env.update(secrets_env())
        settings.export()
        celery = CeleryServices.from_env() if executor == "celery" else None
        if celery is not None:
            # its own home: the standalone's SQLite settings never mix with these
            os.environ.setdefault("AIRFLOW_HOME", str(settings.data_dir / "airflow-celery"))
            os.environ.update(celery.airflow_env())
            created = celery.check_and_create_database()
            print(f"metadata database {celery.database} on {urlsplit(celery.metadata_url).netloc}"
                  f"{' (created)' if created else ''}, broker {celery.broker_url}", flush=True)
        # task logs at INFO, so they carry dbt's output line by line (`outcomes run` keeps WARNING: it prints
        # a line per task instead)
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
        # DAGs run once unpaused (development); --dags-paused leaves them for an operator to switch on
        os.environ["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = str(dags_paused)
        home = airflow_env.configure(settings)
        print(f"preparing Airflow ({home}, {'PostgreSQL' if celery else 'SQLite'} metadata DB)...", flush=True)
        airflow_env.ensure_db()
        passwords = private_file(home / "simple_auth_manager_passwords.json.generated")  # Airflow appends to it
        airflow_url = f"http://127.0.0.1:{airflow_port}"
        webhook_url = f"http://127.0.0.1:{webhook_port}"
        bin_dir = Path(sys.executable).parent
        env = {
            **os.environ,
            **extra_env,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",  # standalone runs `airflow <component>`
            "AIRFLOW__API__PORT": str(airflow_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{airflow_port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            # New DAG files show up within 30 s instead of 300 s.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "OUTCOMES_AIRFLOW_API_URL": airflow_url,
            "OUTCOMES_AIRFLOW_USER": "admin",
            "OUTCOMES_AIRFLOW_PASSWORDS_FILE": str(passwords),
        }
        airflow = str(bin_dir / "airflow")
        if celery is not None:
            env.update(deployment_secrets(home))
            components = celery_components(airflow, airflow_port)
        else:
            components = {"standalone": [airflow, "standalone"]}
        components["webhooks"] = [sys.executable, "-m", "outcomes.webhooks", "--port", str(webhook_port)]
        # the dashboards (Superset, bi/), reloaded on each new publication; not needed for the pipeline to run
        bi_port = int(os.environ.get("OUTCOMES_BI_PORT", "3000"))
        if bi:
            components["bi"] = [sys.executable, "-m", "outcomes.cli", "bi", "--port", str(bi_port), "--watch"]
        started: dict[str, subprocess.Popen] = {}
        component_logs: dict[str, Path] = {}

        def start(name: str) -> None:
            started[name] = subprocess.Popen(components[name], env=env, cwd=PROJECT_ROOT,
                                             stdout=open(component_logs[name], "ab"), stderr=subprocess.STDOUT,
                                             start_new_session=True)
            procs.append(started[name])
            pid_file(settings).write_text(json.dumps({"pid": os.getpid(), "executor": executor,
                                                      "children": {n: p.pid for n, p in started.items()}}))

        for name in components:
            log_name = f"{name}.log" if name in ("webhooks", "bi") else f"airflow-{name}.log"
            component_logs[name] = private_file(logs / log_name)
            start(name)
        api_name = "api-server" if celery is not None else "standalone"
        restarts = dict.fromkeys(components, 0)

        def stop(*_):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            _wait_for(f"{webhook_url}/healthz", "the webhook receiver", started["webhooks"],
                      component_logs["webhooks"], 60)
            print(f"waiting for Airflow on {airflow_url} (about a minute on 2 cores)...", flush=True)
            _wait_for(f"{airflow_url}/api/v2/version", f"airflow {api_name}", started[api_name],
                      component_logs[api_name], ready_timeout)
            password = json.loads(passwords.read_text()).get("admin") if passwords.exists() else "(see log)"
            print(f"\nAirflow UI      {airflow_url}   user admin, password {password} ({passwords})")
            for i, vendor in enumerate(VENDORS.values()):
                label = "Webhooks" if i == 0 else ""
                print(f"{label:<16}{webhook_url}/webhooks/{vendor.name:<8} {vendor.description}")
            print(f"Receiver health {webhook_url}/healthz")
            print(f"Published       {settings.published_path}")
            if bi:
                print(f"Dashboards      http://127.0.0.1:{bi_port}/superset/dashboard/outcomes/   (Superset, "
                      f"starting: about two minutes the first time; {component_logs['bi']})")
            if scenario is not None:
                print(f"Send sandbox events: {sys.executable} -m sandbox.webhooks --url {webhook_url} --vendor zendesk")
            if celery is not None:
                for name, proc in started.items():
                    print(f"{name:<22}pid {proc.pid:<8} {component_logs[name]}")
            print(f"Logs            {logs}\nCtrl-C (or make down) stops everything.", flush=True)
            # the pipeline's services must stay up; the dashboards may stop (their log says why) without them
            while True:
                time.sleep(2)
                failed = next((n for n, p in started.items() if n != "bi" and p.poll() is not None), None)
                if failed is None:
                    continue
                code = started[failed].returncode
                if not failed.startswith("worker-") or restarts[failed] >= MAX_WORKER_RESTARTS:
                    print(f"a service exited ({failed}, code {code}, see {component_logs[failed]}); stopping",
                          file=sys.stderr)
                    return 1
                # A worker that dies (killed, out of memory, its machine lost) is started again, as compose's
                # `restart: always` does: what it was running is failed by the scheduler once its heartbeat
                # stops ([scheduler] task_instance_heartbeat_timeout) and retried on a live worker.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started[failed].pid, signal.SIGKILL)  # what the dead worker left running
                restarts[failed] += 1
                print(f"{failed} exited (code {code}); starting it again ({restarts[failed]} of "
                      f"{MAX_WORKER_RESTARTS})", flush=True)
                start(failed)
        except KeyboardInterrupt:
            return 0
        finally:
            _stop_all(procs)
            pid_file(settings).unlink(missing_ok=True)


def down() -> int:
    """Stop a `make up` started from this data directory (by the pid it recorded)."""
    path = pid_file(Settings.from_env())
    if not path.exists():
        print("nothing to stop (no up.pids)")
        return 0
    pid = json.loads(path.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return 0
    for _ in range(60):
        if not path.exists():
            return 0
        time.sleep(1)
    return 1
