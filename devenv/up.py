"""`make up`: the continuous mode. Airflow standalone (isolated AIRFLOW_HOME under data/, SQLite, LocalExecutor),
the sandbox vendors and the webhook receiver, until Ctrl-C (or `make down`).

Ingest DAGs poll hourly; a webhook lands within a second and its asset event starts the transform, whose
Asset starts the gate and publish. Ports: OUTCOMES_AIRFLOW_PORT (8080), OUTCOMES_WEBHOOK_PORT (8090).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

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


def up(scenario: str | None, airflow_port: int, webhook_port: int, ready_timeout: float = 300) -> int:
    from outcomes import airflow_env

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
        home = airflow_env.configure(settings)
        print("preparing Airflow (isolated home, SQLite metadata DB)...", flush=True)
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
        airflow_log, receiver_log = private_file(logs / "airflow-standalone.log"), private_file(logs / "webhooks.log")
        procs.append(subprocess.Popen([str(bin_dir / "airflow"), "standalone"], env=env, cwd=PROJECT_ROOT,
                                      stdout=open(airflow_log, "ab"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
        procs.append(subprocess.Popen([sys.executable, "-m", "outcomes.webhooks", "--port", str(webhook_port)],
                                      env=env, cwd=PROJECT_ROOT, stdout=open(receiver_log, "ab"),
                                      stderr=subprocess.STDOUT, start_new_session=True))
        pid_file(settings).write_text(json.dumps({"pid": os.getpid(), "children": [p.pid for p in procs]}))

        def stop(*_):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            _wait_for(f"{webhook_url}/healthz", "the webhook receiver", procs[1], receiver_log, 60)
            print(f"waiting for Airflow on {airflow_url} (about a minute on 2 cores)...", flush=True)
            _wait_for(f"{airflow_url}/api/v2/version", "airflow standalone", procs[0], airflow_log, ready_timeout)
            password = json.loads(passwords.read_text()).get("admin") if passwords.exists() else "(see log)"
            print(f"\nAirflow UI      {airflow_url}   user admin, password {password} ({passwords})")
            for i, vendor in enumerate(VENDORS.values()):
                label = "Webhooks" if i == 0 else ""
                print(f"{label:<16}{webhook_url}/webhooks/{vendor.name:<8} {vendor.description}")
            print(f"Receiver health {webhook_url}/healthz")
            print(f"Published       {settings.published_path}")
            if scenario is not None:
                print(f"Send sandbox events: {sys.executable} -m sandbox.webhooks --url {webhook_url} --vendor zendesk")
            print(f"Logs            {logs}\nCtrl-C (or make down) stops everything.", flush=True)
            while all(p.poll() is None for p in procs):
                time.sleep(2)
            failed = next(p for p in procs if p.poll() is not None)
            print(f"a service exited ({failed.args[-1]}, code {failed.returncode}); stopping", file=sys.stderr)
            return 1
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
