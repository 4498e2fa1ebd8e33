"""Dashboards as code: Apache Superset on the published warehouse, with the five dashboards of `bi/dashboards.py`.

Superset lives in its own environment (`bi/.venv`, from `bi/requirements.lock`), apart from Airflow's: its pins
(SQLAlchemy 1.4, Flask-AppBuilder) clash. Its metadata (a SQLite file, the secret key, the admin's password)
stays under `<data>/bi/superset`. `start` installs what is missing, prepares the metadata database (a copy of
an initialised one kept in the user's cache, so only the first start on a machine pays for the migrations),
loads the dashboards on the publication (`analytics.duckdb`, or the PostgreSQL schema `analytics` when
`OUTCOMES_PUBLISH_URL` is set) and starts Superset's web server (gunicorn) on 127.0.0.1. Dashboards are
readable without a login; editing needs the admin login printed at start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from outcomes.publish_postgres import SCHEMA
from outcomes.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

BI_DIR = PROJECT_ROOT / "bi"
PAGES = {"outcomes": "1 · Workflow outcomes", "adoption": "2 · Adoption reality", "spend": "3 · Spend",
         "managers": "4 · Managers", "health": "5 · Data health"}


class BIError(RuntimeError):
    """Superset could not be installed, prepared or started: what failed and where its output is."""


def dashboard_path(slug: str) -> str:
    return f"/superset/dashboard/{slug}/?standalone=1"


@dataclass(frozen=True)
class Publication:
    """Which publication the dashboards read."""

    duckdb_path: Path
    postgres_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Publication:
        return cls(settings.published_path, settings.publish_url)

    @property
    def description(self) -> str:
        if self.postgres_url:
            from outcomes.publish_postgres import postgres_target

            return f"PostgreSQL {postgres_target(self.postgres_url).display_url}, schema {SCHEMA}"
        return str(self.duckdb_path)

    @property
    def sqlalchemy_uri(self) -> str:
        if self.postgres_url:
            scheme, rest = self.postgres_url.split("://", 1)
            return f"postgresql+psycopg2://{rest}" if scheme in ("postgresql", "postgres") else self.postgres_url
        return f"duckdb:///{self.duckdb_path.resolve()}"

    @property
    def schema(self) -> str | None:
        return SCHEMA if self.postgres_url else None

    def ready(self) -> bool:
        return bool(self.postgres_url) or self.duckdb_path.exists()


@dataclass(frozen=True)
class Environment:
    """Superset's virtualenv and the metadata home for one data directory."""

    home: Path
    venv: Path = BI_DIR / ".venv"

    @classmethod
    def for_settings(cls, settings: Settings) -> Environment:
        return cls(settings.data_dir / "bi" / "superset")

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def template(self) -> Path:
        """An initialised, empty metadata database (Superset's migrations and roles), copied into new homes.
        Kept in the user's cache, named by the lock file's hash, so a fresh clone (CI) on the same machine
        skips the migrations too."""
        import hashlib

        digest = hashlib.sha256((BI_DIR / "requirements.lock").read_bytes()).hexdigest()[:16]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ai-outcomes"
        return cache / f"superset-metadata-{digest}.db"

    def env(self) -> dict[str, str]:
        key_file = self.home / "secret_key"
        if not key_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            _private_write(key_file, secrets.token_urlsafe(42))
        return {**os.environ, "SUPERSET_HOME": str(self.home),
                "SUPERSET_CONFIG_PATH": str(BI_DIR / "superset_config.py"),
                "SUPERSET_SECRET_KEY": key_file.read_text().strip(), "FLASK_APP": "superset",
                "PYTHONPATH": str(BI_DIR), "SUPERSET_LOAD_EXAMPLES": "no"}

    def admin_password_file(self) -> Path:
        """The admin's password (OUTCOMES_BI_ADMIN_PASSWORD, else a random one), readable by its owner only."""
        path = self.home / "admin_password"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            _private_write(path, os.environ.get("OUTCOMES_BI_ADMIN_PASSWORD") or secrets.token_urlsafe(12))
        return path


def _private_write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _run(argv: list[str], env: dict[str, str], what: str, log_path: Path, timeout: float) -> str:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            done = subprocess.run(argv, env=env, cwd=BI_DIR, stdout=subprocess.PIPE, stderr=out, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BIError(f"{what} took longer than {timeout:.0f} s; see {log_path}") from None
        out.write(done.stdout)
    if done.returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-12:]
        raise BIError(f"{what} failed (exit {done.returncode}); see {log_path}:\n" + "\n".join(tail))
    return done.stdout.decode(errors="replace")


def install(venv: Path = BI_DIR / ".venv", log_path: Path | None = None,
            lock: Path = BI_DIR / "requirements.lock") -> bool:
    """Superset's environment from bi/requirements.lock, when missing or older than the lock; True if it
    installed. uv (from the project's venv) makes a warm install take seconds."""
    stamp = venv / ".installed"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return False
    log_path = log_path or venv / "install.log"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise BIError("uv is missing from the project's environment: run `make venv` first")
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    if not (venv / "bin" / "python").exists():
        # --allow-existing: the install log is already inside the directory (and an interrupted install may
        # have left a half-made environment there)
        _run([uv, "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(venv)], env,
             "creating bi/.venv", log_path, 300)
    _run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(lock)], env,
         "installing Superset (bi/requirements.lock)", log_path, 1800)
    stamp.touch()
    return True


def prepare(environment: Environment, log_path: Path) -> None:
    """The metadata database: a copy of the template when the home has none; the template is made once."""
    database = environment.home / "superset.db"
    if database.exists():
        return
    environment.home.mkdir(parents=True, exist_ok=True)
    if not environment.template.exists():
        superset = str(environment.venv / "bin" / "superset")
        scratch = environment.home / ".template"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        env = {**environment.env(), "SUPERSET_HOME": str(scratch)}
        started = time.monotonic()
        _run([superset, "db", "upgrade"], env, "superset db upgrade", log_path, 1200)
        _run([superset, "init"], env, "superset init", log_path, 1200)
        log.info("Superset metadata initialised in %.0f s", time.monotonic() - started)
        environment.template.parent.mkdir(parents=True, exist_ok=True)
        staged = environment.template.with_name(f".{environment.template.name}.{os.getpid()}")
        shutil.copyfile(scratch / "superset.db", staged)
        staged.replace(environment.template)
        shutil.rmtree(scratch, ignore_errors=True)
    shutil.copyfile(environment.template, database)


def load_dashboards(environment: Environment, publication: Publication, log_path: Path) -> str:
    """(Re)load the five dashboards on the publication; returns the loader's one-line JSON summary."""
    argv = [str(environment.python), str(BI_DIR / "dashboards.py"), "--uri", publication.sqlalchemy_uri,
            "--admin-password-file", str(environment.admin_password_file())]
    if publication.schema:
        argv += ["--schema", publication.schema]
    out = _run(argv, environment.env(), "loading the dashboards (bi/dashboards.py)", log_path, 900)
    return out.strip().splitlines()[-1] if out.strip() else ""


@dataclass
class Running:
    """A started Superset: its address and process."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, 9)
                self.process.wait(timeout=5)


def start(settings: Settings, host: str = "127.0.0.1", port: int = 3000, ready_timeout: float = 180) -> Running:
    """Install, prepare, load the dashboards on the publication and start Superset; returns once it answers."""
    publication = Publication.from_settings(settings)
    environment = Environment.for_settings(settings)
    log_path = environment.home.parent / "superset.log"
    install(environment.venv, log_path)
    prepare(environment, log_path)
    if publication.ready():
        load_dashboards(environment, publication, log_path)
    process = subprocess.Popen(
        [str(environment.venv / "bin" / "gunicorn"), "--bind", f"{host}:{port}", "--workers", "1", "--threads", "8",
         "--timeout", "120", "--worker-class", "gthread", "superset.app:create_app()"],
        env=environment.env(), cwd=BI_DIR, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    running = Running(f"http://{host}:{port}", process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BIError(f"Superset exited with {process.returncode}; see {log_path}")
        try:
            if requests.get(f"{running.url}/health", timeout=2).ok:
                return running
        except requests.RequestException:
            pass
        time.sleep(1)
    running.stop()
    raise BIError(f"Superset did not answer on {running.url} within {ready_timeout:.0f} s; see {log_path}")


def _published_stamp(settings: Settings) -> float | None:
    # Postgres is published from the DuckDB file just swapped in, so its time stamps both publications
    path = settings.published_path
    return path.stat().st_mtime if path.exists() else None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 3000, watch: bool = False,
          poll_seconds: float = 30.0) -> None:
    """Start Superset on the publication, print the dashboards' addresses and run until Ctrl-C (or SIGTERM);
    with `watch`, reload the dashboards when a new publication lands (a new workflow gets its charts)."""
    import signal

    publication = Publication.from_settings(settings)
    environment = Environment.for_settings(settings)
    if not publication.ready() and not watch:
        raise BIError(f"nothing published yet at {publication.duckdb_path}: run the pipeline first (make run)")
    print(f"starting Superset on {publication.description} (bi/, first start about two minutes)...", flush=True)
    stamp = _published_stamp(settings)
    running = start(settings, host, port)

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        admin = (f"admin password in {environment.home / 'admin_password'}" if publication.ready()
                 else "the admin login is made with the first load")
        print(f"Dashboards      {running.url}/superset/dashboard/outcomes/   (Superset; readable without a login; "
              f"{admin})", flush=True)
        for slug, title in PAGES.items():
            print(f"  {title:<24}{running.url}{dashboard_path(slug)}", flush=True)
        if not publication.ready():
            print("  nothing published yet: the dashboards load after the first publication", flush=True)
        while running.process.poll() is None:
            time.sleep(poll_seconds if watch else 2)
            if watch and (now := _published_stamp(settings)) != stamp:
                stamp = now
                try:
                    load_dashboards(environment, publication, running.log_path)
                    print("dashboards reloaded on the new publication", flush=True)
                except BIError as exc:
                    print(f"dashboards not reloaded: {exc}", flush=True)
        raise BIError(f"Superset exited with {running.process.returncode}; see {running.log_path}")
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
