"""`make faults`: the fault campaign. Each scenario injects one real fault (a vendor error, a killed process,
a tampered file, a concurrent run, a forged webhook...) into the pipeline running on the sandbox, in its own
data directory, and checks what happened against what should have.

Columns: expected records (what a clean run lands), landed (distinct keys landed after the fault and a
plain rerun), lost, duplicated (rows of one batch sharing a key), published file intact (sha256 of
analytics.duckdb unchanged where the fault must not publish), clear error (the refusal names what failed),
pass/fail. `--quick` runs the subset that needs no dbt build.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors import landing_streams
from connectors.landing import LandingZone, record_key
from connectors.state import StateStore
from connectors.webhooks import webhook_streams
from outcomes.pipeline import (
    StepFailed,
    conn_id_for,
    dbt_vars,
    freeze_landing,
    gate,
    ingest,
    publish,
    read_step,
    reconcile,
    transform,
)
from outcomes.settings import PROJECT_ROOT, Settings


@dataclass
class Outcome:
    scenario: str
    expected: int | None = None
    landed: int | None = None
    lost: int | None = None
    duplicated: int | None = None
    intact: bool | None = None
    clear_error: bool | None = None
    passed: bool = False
    note: str = ""


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


class Campaign:
    def __init__(self, data_dir: Path, scenario: str = "default"):
        from devenv.sandbox_env import sandbox_catalog, sandbox_connections
        from outcomes.catalog import write_catalog
        from sandbox.company import generate_company
        from sandbox.scenario import load_scenario
        from sandbox.server import SandboxServer

        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        self.root = data_dir
        self.company = generate_company(load_scenario(scenario))
        self.server = SandboxServer(self.company)
        self.server.start()
        self.connections = sandbox_connections(self.server, self.company)
        for source, conn in self.connections.items():
            os.environ[f"AIRFLOW_CONN_{conn_id_for(source).upper()}"] = conn.to_env_value()
        self.catalog = data_dir / "workflows.yml"
        write_catalog(self.catalog, sandbox_catalog(self.company))
        self.expected_cache: dict[tuple[str, str], int] = {}
        self.base: Settings | None = None

    def close(self) -> None:
        self.server.stop()

    def settings(self, name: str) -> Settings:
        data = self.root / name
        return replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                       state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                       published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                       runs_dir=data / "runs", workflows_path=self.catalog, publish_with_stale_sources=True)

    # -- landing counts
    def keys(self, settings: Settings, source: str, stream: str) -> tuple[set, int]:
        """(distinct keys landed, rows of one batch sharing a key)."""
        zone = LandingZone(settings.landing_root)
        primary_key = landing_streams()[f"{source}/{stream}"]["primary_key"]
        keys, duplicated = set(), 0
        for manifest in zone.manifests(source, stream):
            batch = [record_key(r, primary_key) for r in zone.read_batch(manifest)]
            duplicated += len(batch) - len(set(batch))
            keys |= set(batch)
        return keys, duplicated

    def expected(self, source: str, stream: str) -> set:
        settings = self.settings(f"reference-{source}-{stream}")
        if (source, stream) not in self.expected_cache:
            self.server.clear_faults()
            ingest(source, self.connections[source], settings, streams=[stream], validate=False)
            self.expected_cache[(source, stream)] = 1
        return self.keys(settings, source, stream)[0]

    # -- a published baseline for the transform/gate/publish scenarios
    def baseline(self) -> Settings:
        if self.base is None:
            self.server.clear_faults()
            base = self.settings("baseline")
            for source, conn in self.connections.items():
                ingest(source, conn, base, validate=False)
            transform(base)
            gate(base)
            publish(base)
            self.base = base
        return self.base

    def copy_of_baseline(self, name: str) -> Settings:
        base = self.baseline()
        settings = self.settings(name)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        shutil.copytree(base.data_dir, settings.data_dir, ignore=shutil.ignore_patterns("warehouse.lock", "gx"))
        return settings


# -- vendor faults: one stream, a fault armed, then a plain rerun --------------------------------------------


def vendor_fault(source: str, stream: str, vendor: str, kind: str, must_fail: bool, expect: str = "",
                 **fault) -> Callable:
    """Arm one sandbox fault, ingest the stream (with the landing checks), disarm, rerun if it failed.
    A refusal must name the stream and contain `expect`."""
    def run(c: Campaign, name: str) -> Outcome:
        expected = c.expected(source, stream)
        settings = c.settings(name)
        c.server.clear_faults()
        c.server.add_fault(vendor, kind, **fault)
        error = None
        started = time.monotonic()
        try:
            ingest(source, c.connections[source], settings, streams=[stream], validate=kind != "no_data")
        except StepFailed as exc:
            error = f"{str(exc)[:400]} [{time.monotonic() - started:.0f}s]"
        c.server.clear_faults()
        if error:
            ingest(source, c.connections[source], settings, streams=[stream], validate=False)  # the rerun
        landed, duplicated = c.keys(settings, source, stream)
        clear = None if not must_fail else bool(error) and f"{source}/{stream}" in error and expect in error
        lost = len(expected - landed)
        return Outcome(name, len(expected), len(landed), lost, duplicated, None, clear,
                       lost == 0 and duplicated == 0 and (clear is not False) and (bool(error) == must_fail),
                       _gist(error or "", expect))
    return run


def _gist(message: str, expect: str = "") -> str:
    """The note shown in the table: the message's start, and the part with the expected text if it is later."""
    at = message.find(expect) if expect else -1
    if at > 60:
        return f"{message[:40]} ... {message[max(0, at - 20):at + 60]}"
    return message[:100]


def killed_ingest(c: Campaign, name: str) -> Outcome:
    """`outcomes ingest` killed with SIGKILL mid-stream, then rerun: a whole batch or nothing, no key twice."""
    source, stream = "zendesk", "tickets"
    expected = c.expected(source, stream)
    settings = c.settings(name)
    c.server.clear_faults()
    cmd = [sys.executable, "-m", "outcomes.cli", "ingest", source, "--stream", stream]
    proc = subprocess.Popen(cmd, env=_cli_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(LandingZone(settings.landing_root).manifests(source, stream))
    ingest(source, c.connections[source], settings, streams=[stream], validate=False)
    landed, duplicated = c.keys(settings, source, stream)
    lost = len(expected - landed)
    return Outcome(name, len(expected), len(landed), lost, duplicated, None, None, lost == 0 and duplicated == 0,
                   f"{partial} batch(es) committed before the kill")


def hanging_vendor(c: Campaign, name: str) -> Outcome:
    """Harvest accepts connections and never answers: the stream fails at its deadline naming the endpoint."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(server.accept()[0])

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    settings = replace(c.settings(name), stream_deadline_seconds=3)
    conn = replace(c.connections["harvest"], host=f"http://127.0.0.1:{server.getsockname()[1]}")
    started, error = time.monotonic(), ""
    try:
        ingest("harvest", conn, settings, streams=["time_entries"], validate=False)
    except StepFailed as exc:
        error = str(exc)
    seconds = time.monotonic() - started
    stop.set()
    acceptor.join()  # before the close: accept() on a closed socket raises in the thread
    for s in held:
        s.close()
    server.close()
    landed = len(LandingZone(settings.landing_root).manifests("harvest", "time_entries"))
    clear = "deadline" in error and "/v2/time_entries" in error
    return Outcome(name, 0, landed, 0, 0, None, clear, clear and landed == 0 and seconds < 30,
                   f"failed after {seconds:.0f}s")


# -- transform, gate, publish -------------------------------------------------------------------------------


def _refused(settings: Settings, before: str | None, *steps) -> tuple[bool, bool, str]:
    """Run gate/publish; (every step refused, published file unchanged, the messages)."""
    messages = []
    for step in steps:
        try:
            step(settings)
            messages.append(f"{step.__name__} went through")
        except StepFailed as exc:
            messages.append(str(exc))
    refused = not any(m.endswith("went through") for m in messages)
    return refused, _sha(settings.published_path) == before, " | ".join(messages)


def _dbt_children(pid: int, timeout: float = 300):
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "dbt" in " ".join(child.cmdline()):
                    return child
        time.sleep(0.2)
    return None


def _cli_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "OUTCOMES_DATA_DIR": str(settings.data_dir), "OUTCOMES_LANDING_ROOT": settings.landing_root,
            "OUTCOMES_STATE_ROOT": settings.state_root, "OUTCOMES_WAREHOUSE_PATH": str(settings.warehouse_path),
            "OUTCOMES_PUBLISHED_PATH": str(settings.published_path), "OUTCOMES_WORKFLOWS": str(settings.workflows_path),
            "OUTCOMES_GX_ROOT": str(settings.gx_root)}


def killed_transform(c: Campaign, name: str) -> Outcome:
    import psutil

    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    proc = subprocess.Popen([sys.executable, "-m", "outcomes.cli", "transform"], env=_cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = _dbt_children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    survived = False
    if child is not None:
        try:
            child.wait(timeout=10)
        except psutil.TimeoutExpired:
            survived = True
            child.kill()
    refused, intact, message = _refused(settings, before, gate, publish)
    return Outcome(name, None, None, None, None, intact, refused and "did not succeed" in message,
                   child is not None and not survived and refused and intact,
                   "dbt outlived its parent" if survived else message[:90])


def refused_transform(c: Campaign, name: str, *, tamper: Callable[[Settings], Settings | None], expect: str,
                      settings_change: dict | None = None) -> Outcome:
    settings = replace(c.copy_of_baseline(name), **(settings_change or {}))
    before = _sha(settings.published_path)
    settings = tamper(settings) or settings
    messages = []
    try:
        transform(settings)
    except Exception as exc:  # noqa: BLE001 - every refusal is reported in the table
        messages.append(str(exc).splitlines()[0])
    refused, intact, message = _refused(settings, before, gate, publish)
    message = " | ".join(messages + [message])
    return Outcome(name, None, None, None, None, intact, expect in message, refused and intact and expect in message,
                   message[:90])


def _bad_catalog(settings: Settings) -> Settings:
    path = settings.data_dir / "bad_workflows.yml"
    path.write_text("workflows:\n  - {workflow: x, name: X, team: Nobody Here, tools: [github_copilot],"
                    " kpi: zendesk_resolution_hours, direction: lower, redesigned_on: '2026-01-05'}\n")
    return replace(settings, workflows_path=path)


def _tamper_records(settings: Settings) -> None:
    zone = LandingZone(settings.landing_root)
    manifest = max(zone.manifests("zendesk", "tickets"), key=lambda m: m.record_count)
    path = Path(settings.landing_root) / manifest.data_file
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[: len(lines) // 2]), mtime=0))


def _truncate_file(settings: Settings) -> None:
    zone = LandingZone(settings.landing_root)
    manifest = zone.manifests("zendesk", "users")[-1]
    path = Path(settings.landing_root) / manifest.data_file
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _conflicting_override(company) -> Callable[[Settings], Settings]:
    """The seed (shipped empty) gets one of the sandbox's real overrides and a second row mapping the same
    account to someone else."""
    from sandbox.identity import identity_overrides

    def tamper(settings: Settings) -> Settings:
        project = settings.data_dir / "dbt_project"
        shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
        seed = project / "seeds" / "identity_overrides.csv"
        first = identity_overrides(company)[0]
        text = seed.read_text()
        seed.write_text(text + ("" if text.endswith("\n") else "\n")
                        + f"{first['source']},{first['source_user_id']},{first['email']}\n"
                        + f"{first['source']},{first['source_user_id']},someone.else@acme.example\n")
        return replace(settings, dbt_project_dir=project)
    return tamper


def stray_file(c: Campaign, name: str) -> Outcome:
    settings = c.copy_of_baseline(name)
    directory = next(Path(settings.landing_root).glob("source=zendesk/stream=tickets/date=*"))
    (directory / "stray-copy.jsonl.gz").write_bytes(b"not gzip, and no manifest names it\n")
    summary = transform(settings)
    ignored = any(f.endswith("stray-copy.jsonl.gz") for f in summary["ignored_files"])
    return Outcome(name, None, None, None, None, None, ignored, ignored and summary["success"],
                   f"ignored_files={len(summary['ignored_files'])}, build succeeded")


def concurrent_transforms(c: Campaign, name: str) -> Outcome:
    settings = c.copy_of_baseline(name)
    proc = subprocess.Popen([sys.executable, "-m", "outcomes.cli", "transform"], env=_cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _dbt_children(proc.pid)
    running = read_step(settings, "transform") or {}
    snapshots = {p: p.read_bytes() for p in (settings.data_dir / "dbt" / "snapshots").glob("*.jsonl")}
    first_line = ""
    try:
        transform(settings)
    except Exception as exc:  # noqa: BLE001
        first_line = str(exc).splitlines()[0]
    _, err = proc.communicate(timeout=1800)
    untouched = all(p.read_bytes() == b for p, b in snapshots.items())
    clear = first_line.startswith("another build holds the warehouse") and running.get("build_id", "?") in first_line
    return Outcome(name, None, None, None, None, None, clear, clear and untouched and proc.returncode == 0,
                   first_line[:90])


def orphan_build(c: Campaign, name: str) -> Outcome:
    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    recorded = read_step(settings, "transform")["build_id"]
    project = settings.dbt_project_dir
    subprocess.run([str(Path(sys.executable).with_name("dbt")), "run", "--project-dir", str(project),
                    "--profiles-dir", str(project), "--target-path", str(settings.data_dir / "orphan-target"),
                    "--log-path", str(settings.data_dir / "orphan-logs"), "--select", "mart_identity_coverage",
                    "--vars", json.dumps(dbt_vars(settings))],
                   cwd=project, env=_cli_env(settings), capture_output=True, check=True)
    refused, intact, message = _refused(settings, before, publish)
    clear = recorded in message and "unrecorded-" in message
    return Outcome(name, None, None, None, None, intact, clear, refused and intact and clear, message[:90])


def gate_failure(c: Campaign, name: str) -> Outcome:
    settings = replace(c.copy_of_baseline(name), min_identity_coverage=1.01)
    before = _sha(settings.published_path)
    refused, intact, message = _refused(settings, before, gate, publish)
    clear = "coverage" in message
    return Outcome(name, None, None, None, None, intact, clear, refused and intact and clear, message[:90])


def stale_publish_temp(c: Campaign, name: str) -> Outcome:
    settings = c.copy_of_baseline(name)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [settings.published_path.with_name(f".analytics.duckdb.tmp-{dead.pid}{s}") for s in ("", ".wal")]
    for path in stale:
        path.write_bytes(b"half a copy")
    publish(settings)
    gone = not any(p.exists() for p in stale)
    return Outcome(name, None, None, None, None, None, None, gone, "removed" if gone else "left behind")


def killed_publish(c: Campaign, name: str) -> Outcome:
    """`outcomes publish` killed with SIGKILL while it copies: the published file stays whole and the next
    publish removes the dead copy."""
    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    proc = subprocess.Popen([sys.executable, "-m", "outcomes.cli", "publish"], env=_cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    temp = settings.published_path.with_name(f".analytics.duckdb.tmp-{proc.pid}")
    deadline = time.monotonic() + 120
    while not temp.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    caught = temp.exists()
    intact = _sha(settings.published_path) == before
    publish(settings)
    cleaned = not temp.exists() and not temp.with_name(temp.name + ".wal").exists()
    return Outcome(name, None, None, None, None, intact, None, intact and cleaned,
                   f"killed {'mid-copy' if caught else 'after the copy'}; temp files removed by the next publish: "
                   f"{cleaned}")


def reader_during_publish(c: Campaign, name: str) -> Outcome:
    import duckdb

    settings = c.copy_of_baseline(name)
    reader = duckdb.connect(str(settings.published_path), read_only=True)
    before = reader.execute("select count(*) from mart_workflow_outcomes").fetchone()[0]
    publish(settings)
    after = reader.execute("select count(*) from mart_workflow_outcomes").fetchone()[0]
    reader.close()
    return Outcome(name, None, None, None, None, None, None, before == after > 0,
                   "reader kept its file; publish swapped atomically")


# -- webhooks -----------------------------------------------------------------------------------------------


def webhook(kind: str) -> Callable:
    def run(c: Campaign, name: str) -> Outcome:
        import httpx

        from connectors.webhooks.app import ReceiverConfig, build_app
        from sandbox.webhooks import WEBHOOK_SECRETS, activity_event, signed_request

        settings = c.settings(name)
        cfg = ReceiverConfig(journal_dir=str(settings.data_dir / "journal"), landing_root=settings.landing_root,
                             secrets={k: v.encode() for k, v in WEBHOOK_SECRETS.items()}, flush_seconds=3600)
        app = build_app(cfg)
        vendor = "zendesk" if kind == "stale" else "github"
        payload = activity_event(vendor, 1)
        body, headers = signed_request(vendor, payload)
        expect_status, deliveries = 202, 1
        if kind == "unsigned":
            headers = {k: v for k, v in headers.items() if "Signature" not in k}
            expect_status, deliveries = 401, 0
        elif kind == "forged":
            body, headers = signed_request(vendor, payload, secret="not-the-secret")
            expect_status, deliveries = 401, 0
        elif kind == "stale":
            body, headers = signed_request(vendor, payload, now=datetime.now(UTC) - timedelta(hours=2))
            expect_status, deliveries = 401, 0
        elif kind == "malformed":
            body, headers = signed_request(vendor, payload)
            body = body[: len(body) // 2]
            from sandbox.webhooks import sign_github

            headers.update(sign_github(WEBHOOK_SECRETS["github"].encode(), body))
            expect_status, deliveries = 400, 0
        elif kind == "oversized":
            body = b"{" + b" " * (26 * 1024 * 1024) + b"}"
            expect_status, deliveries = 413, 0
        elif kind == "traversal":
            expect_status, deliveries = 404, 0

        async def send():
            await app.state.receiver.start()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rx") as client:
                path = "/webhooks/../../etc/passwd" if kind == "traversal" else f"/webhooks/{vendor}"
                codes = [(await client.post(path, content=body, headers=headers)).status_code]
                if kind in ("replayed",):
                    codes.append((await client.post(path, content=body, headers=headers)).status_code)
            await app.state.receiver.stop()
            return codes

        codes = asyncio.run(send())
        zone = LandingZone(settings.landing_root)
        landed = sum(m.record_count for source, stream in webhook_streams() for m in zone.manifests(source, stream))
        ok = codes[0] == expect_status and landed == deliveries
        if kind == "replayed":
            ok = ok and codes[1] in (200, 202)
        return Outcome(name, deliveries, landed, max(0, deliveries - landed), max(0, landed - deliveries), None,
                       codes[0] == expect_status, ok, f"HTTP {codes}")
    return run


def secrets_grep(c: Campaign, name: str) -> Outcome:
    from sandbox import credentials as cred
    from sandbox.webhooks import WEBHOOK_SECRETS

    secrets = [v for k, v in vars(cred).items() if k.isupper() and isinstance(v, str) and len(v) >= 12
               and any(w in k for w in ("TOKEN", "SECRET", "KEY", "PASSWORD"))] + list(WEBHOOK_SECRETS.values())
    hits, files = [], 0
    for path in c.root.rglob("*"):
        if not path.is_file() or "reference-" in str(path) and path.suffix == ".yml":
            continue
        files += 1
        data = path.read_bytes()
        if path.suffix == ".gz":
            with contextlib.suppress(OSError, EOFError):
                data = gzip.decompress(data)
        hits += [f"{path.relative_to(c.root)}" for s in secrets if s.encode() in data]
    return Outcome(name, None, None, None, None, None, None, not hits and files > 0,
                   f"{files} files, {len(secrets)} secrets, hits: {hits[:3]}")


# -- kills at exact points: the CLI in a child process that SIGKILLs itself where a patch says ---------------

_DIE = "import os, signal\n\ndef _die(*args, **kwargs):\n    os.kill(os.getpid(), signal.SIGKILL)\n"


def _cli_killed(settings: Settings, patch: str, args: list[str], timeout: float = 1800,
                **env: str) -> subprocess.CompletedProcess:
    """`outcomes <args>` in a child whose code is first patched (`patch`, with `_die` to SIGKILL itself)."""
    code = f"{_DIE}\n{patch}\nimport sys\nfrom outcomes.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return subprocess.run([sys.executable, "-c", code, *args], env={**_cli_env(settings), **env},
                          capture_output=True, text=True, timeout=timeout)


def ingest_killed_at(point: str, patch: str, source: str = "zendesk", stream: str = "tickets", **env: str) -> Callable:
    """`outcomes ingest` SIGKILLed at `point`, then a plain rerun: every expected key lands, none twice in a
    batch, and the build's freeze reads only whole batches (no quarantine, the orphan data file ignored)."""
    def run(c: Campaign, name: str) -> Outcome:
        expected = c.expected(source, stream)
        settings = c.settings(name)
        c.server.clear_faults()
        killed = _cli_killed(settings, patch, ["ingest", source, "--stream", stream], **env)
        committed = len(LandingZone(settings.landing_root).manifests(source, stream))
        cursor = StateStore(settings.state_root).get(source, stream)
        ingest(source, c.connections[source], settings, streams=[stream], validate=False)
        landed, duplicated = c.keys(settings, source, stream)
        frozen = freeze_landing(settings, f"faults-{uuid.uuid4().hex[:8]}")
        lost = len(expected - landed)
        ok = (killed.returncode == -signal.SIGKILL and lost == 0 and duplicated == 0 and not frozen["quarantined"]
              and cursor is None)
        return Outcome(name, len(expected), len(landed), lost, duplicated, None, None, ok,
                       f"killed (rc {killed.returncode}) {point}: {committed} batch(es) committed, cursor not saved: "
                       f"{cursor is None}; {len(frozen['ignored_files'])} orphan file(s) ignored")
    return run


KILL_BEFORE_MANIFEST = "import connectors.landing as landing\nlanding.LandingZone.write_manifest = _die"
KILL_AFTER_COMMIT = "import connectors.state as state\nstate.StateStore.set = _die"
KILL_AT_REQUEST_13 = """import connectors.http as http
_request, _count = http.VendorHttpClient.request, [0]

def _counting(self, *args, **kwargs):
    _count[0] += 1
    if _count[0] == 13:  # twelve pages of 1,000 fetched, two batches of 5,000 committed
        _die()
    return _request(self, *args, **kwargs)

http.VendorHttpClient.request = _counting"""


def double_commit(c: Campaign, name: str) -> Outcome:
    """The same batch committed twice: the second commit is refused by name, one manifest, no key twice."""
    settings = c.settings(name)
    records = [{"id": 900_000 + i, "name": f"user {i}"} for i in range(50)]
    zone = LandingZone(settings.landing_root)
    writer = zone.open_batch("zendesk", "users")
    writer.write_many(records)
    first = writer.commit()
    data = (Path(settings.landing_root) / first.data_file).read_bytes()
    message = ""
    try:
        writer.commit()
    except ValueError as exc:
        message = str(exc)
    landed, duplicated = c.keys(settings, "zendesk", "users")
    whole = (Path(settings.landing_root) / first.data_file).read_bytes() == data and zone.verify_batch(first) is None
    clear = "already committed" in message and first.batch_id in message
    one = len(zone.manifests("zendesk", "users")) == 1
    return Outcome(name, len(records), len(landed), len(records) - len(landed), duplicated, None, clear,
                   clear and one and whole and len(landed) == len(records) and duplicated == 0, message[:100])


def concurrent_ingests(c: Campaign, name: str) -> Outcome:
    """Two `outcomes ingest` of one stream at once: both land whole batches (staging keeps the latest of each
    key) or one refuses by name; nothing is lost, no batch holds a key twice, the cursor file stays readable."""
    source, stream = "zendesk", "tickets"
    expected = c.expected(source, stream)
    settings = c.settings(name)
    c.server.clear_faults()
    cmd = [sys.executable, "-m", "outcomes.cli", "ingest", source, "--stream", stream]
    procs = [subprocess.Popen(cmd, env=_cli_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    errors = [p.communicate(timeout=1800)[1] for p in procs]
    codes = [p.returncode for p in procs]
    landed, duplicated = c.keys(settings, source, stream)
    cursor = StateStore(settings.state_root).get(source, stream)
    frozen = freeze_landing(settings, f"faults-{uuid.uuid4().hex[:8]}")
    lost = len(expected - landed)
    refused = [e.strip().splitlines()[-1] for code, e in zip(codes, errors, strict=True) if code != 0 and e.strip()]
    clear = None if codes == [0, 0] else bool(refused) and all(f"{source}/{stream}" in r for r in refused)
    ok = (lost == 0 and duplicated == 0 and cursor is not None and not frozen["quarantined"] and 0 in codes
          and clear is not False)
    return Outcome(name, len(expected), len(landed), lost, duplicated, None, clear, ok,
                   f"exit codes {codes}, {len(LandingZone(settings.landing_root).manifests(source, stream))} batches"
                   + (f"; {refused[0][:60]}" if refused else ""))


def late_record(c: Campaign, name: str) -> Outcome:
    """A Harvest time entry that shows up late, with an updated_at hours older than the cursor minus the
    10-minute lookback: the incremental run misses it (proved), the reconciliation re-sync lands it."""
    source, stream = "harvest", "time_entries"
    expected = c.expected(source, stream)
    reference = c.settings(f"reference-{source}-{stream}")
    zone = LandingZone(reference.landing_root)
    entries = [r for m in zone.manifests(source, stream) for r in zone.iter_batch(m)]
    newest = max(datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00")) for r in entries)
    late = max((r for r in entries
                if newest - timedelta(days=5) < datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00"))
                < newest - timedelta(hours=2)), key=lambda r: r["updated_at"])
    settings = c.settings(name)
    c.server.clear_faults()
    c.server.add_fault("harvest", "withhold", path_contains="time_entries", times=10**6, field="id", value=late["id"])
    ingest(source, c.connections[source], settings, streams=[stream])
    c.server.clear_faults()  # the entry is visible from now on, with its old updated_at
    ingest(source, c.connections[source], settings, streams=[stream])
    missed = (late["id"],) not in c.keys(settings, source, stream)[0]
    results = reconcile(source, c.connections[source], settings, streams=[stream])
    landed, duplicated = c.keys(settings, source, stream)
    lost = len(expected - landed)
    return Outcome(name, len(expected), len(landed), lost, duplicated, None, None,
                   missed and lost == 0 and duplicated == 0,
                   f"entry {late['id']} (updated {late['updated_at']}) missed by the incremental run: {missed}; "
                   f"re-sync {results[0]['mode']} landed it")


def new_field_reported(c: Campaign, name: str) -> Outcome:
    """Zendesk adds a field to every user: the batch lands (an unknown field is not an error) and the build
    reports it as schema drift."""
    settings = c.copy_of_baseline(name)
    expected = c.expected("zendesk", "users")
    c.server.clear_faults()
    c.server.add_fault("zendesk", "add_field", path_contains="/api/v2/users", times=10**6, field="shoe_size", value=42)
    try:
        ingest("zendesk", c.connections["zendesk"], settings, streams=["users"])
    finally:
        c.server.clear_faults()
    latest = max(LandingZone(settings.landing_root).manifests("zendesk", "users"), key=lambda m: m.batch_id)
    landed = {record_key(r, ["id"]) for r in LandingZone(settings.landing_root).iter_batch(latest)}
    summary = transform(settings)
    drift = json.dumps(summary.get("schema_drift") or {})
    reported = "shoe_size" in drift
    lost = len(expected - landed)
    return Outcome(name, len(expected), len(landed), lost, 0, None, reported,
                   reported and lost == 0 and "shoe_size" in latest.schema,
                   f"schema drift: {drift[:90]}")


def killed_gate(c: Campaign, name: str) -> Outcome:
    """`outcomes gate` SIGKILLed while it checks a new build: the build has no passed gate, so publish
    refuses and the published file stays as it was."""
    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    build = transform(settings)["build_id"]
    patch = ("import threading\nimport expectations.runner as runner\n_run = runner.run_gate\n\n"
             "def _killed(*args, **kwargs):\n    threading.Timer(2.0, _die).start()  # mid-check\n"
             "    _run(*args, **kwargs)\n    _die()  # or right after, before any verdict is recorded\n\n"
             "runner.run_gate = _killed")
    killed = _cli_killed(settings, patch, ["gate"])
    refused, intact, message = _refused(settings, before, publish)
    clear = build in message and "has not passed the quality gate" in message
    return Outcome(name, None, None, None, None, intact, clear,
                   killed.returncode == -signal.SIGKILL and refused and intact and clear, message[:100])


def publish_killed_before_swap(c: Campaign, name: str) -> Outcome:
    """`outcomes publish` SIGKILLed after its copy is complete, just before the rename over analytics.duckdb:
    the published file is the old one, whole; the next publish removes the dead copy and swaps."""
    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    patch = ("import os as _os\n_replace = _os.replace\n\n"
             "def _swap(src, dst, *args, **kwargs):\n"
             "    if str(dst).endswith('analytics.duckdb'):\n        _die()\n"
             "    return _replace(src, dst, *args, **kwargs)\n\n_os.replace = _swap")
    killed = _cli_killed(settings, patch, ["publish"])
    left = list(settings.published_path.parent.glob(".analytics.duckdb.tmp-*"))
    intact = _sha(settings.published_path) == before
    publish(settings)
    cleaned = not any(p.exists() for p in left)
    import duckdb

    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rows = con.execute("select count(*) from mart_workflow_outcomes").fetchone()[0]
    finally:
        con.close()
    return Outcome(name, None, None, None, None, intact, None,
                   killed.returncode == -signal.SIGKILL and bool(left) and intact and cleaned and rows > 0,
                   f"killed with a whole copy at {left[0].name if left else '?'}; removed and swapped by the next "
                   f"publish: {cleaned}")


def invalid_min_group_size(c: Campaign, name: str) -> Outcome:
    """OUTCOMES_MIN_GROUP_SIZE=0 would let a published row describe one person: every step refuses it by name
    before doing anything, and the published file stays."""
    settings = c.copy_of_baseline(name)
    before = _sha(settings.published_path)
    recorded = read_step(settings, "transform")
    env = {**_cli_env(settings), "OUTCOMES_MIN_GROUP_SIZE": "0"}
    runs = [subprocess.run([sys.executable, "-m", "outcomes.cli", step], env=env, capture_output=True, text=True,
                           timeout=600) for step in ("transform", "gate", "publish")]
    intact = _sha(settings.published_path) == before and read_step(settings, "transform") == recorded
    clear = all(r.returncode != 0 and "OUTCOMES_MIN_GROUP_SIZE" in r.stderr for r in runs)
    message = runs[0].stderr.strip().splitlines()[-1] if runs[0].stderr.strip() else ""
    return Outcome(name, None, None, None, None, intact, clear, intact and clear, message[:100])


def _bad_overrides(settings: Settings) -> Settings:
    path = settings.data_dir / "extra_overrides.csv"
    path.write_text("email,source,source_user_id\nada@acme.example,jira,5b10a2844c20165700ede001\n")
    return replace(settings, extra_identity_overrides=path)


def _unknown_tool(settings: Settings) -> Settings:
    path = settings.data_dir / "bad_workflows.yml"
    path.write_text("workflows:\n  - {workflow: x, name: X, team: Engineering, tools: [servicenow_copilot],"
                    " kpi: zendesk_resolution_hours, direction: lower, redesigned_on: '2026-01-05'}\n")
    return replace(settings, workflows_path=path)


# -- webhook floods -----------------------------------------------------------------------------------------


class _Receiver:
    """`python -m outcomes.webhooks` on a free port, as it runs in production."""

    def __init__(self, settings: Settings):
        from sandbox.webhooks import secrets_env

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**_cli_env(settings), **secrets_env(), "OUTCOMES_WEBHOOK_JOURNAL": str(settings.data_dir / "journal"),
               "OUTCOMES_WEBHOOK_FLUSH_SECONDS": "1"}
        env.pop("OUTCOMES_AIRFLOW_API_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "outcomes.webhooks", "--port", str(self.port)],
                                     cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        import requests

        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=120)


def _flood(url: str, events: list[tuple[str, int, dict]], acknowledged: dict[str, int], stop: threading.Event,
           workers: int = 8) -> int:
    """Send signed events from `workers` threads; record each acknowledged delivery id. Returns failures."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from sandbox.webhooks import signed_request

    local = threading.local()
    lock = threading.Lock()
    failures = [0]

    def send(event: tuple[str, int, dict]) -> None:
        if stop.is_set():
            return
        vendor, n, payload = event
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body, headers = signed_request(vendor, payload, delivery_id=f"flood-{n}")
        try:
            response = session.post(f"{url}/webhooks/{vendor}", data=body, headers=headers, timeout=30)
        except requests.RequestException:
            with lock:
                failures[0] += 1
            return
        if response.status_code in (200, 202):
            with lock:
                acknowledged[response.json()["delivery_id"]] = n
        else:
            with lock:
                failures[0] += 1

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, events))
    return failures[0]


def _landed_deliveries(settings: Settings) -> list[str]:
    zone = LandingZone(settings.landing_root)
    return [r["delivery_id"] for source, stream in webhook_streams() for m in zone.manifests(source, stream)
            for r in zone.iter_batch(m)]


def webhook_flood(kill: bool) -> Callable:
    """5,000 signed events from 8 senders at once. With `kill`, the receiver is SIGKILLed mid-flood,
    restarted, and the senders retry what was not acknowledged (same delivery ids, as vendors do). Every
    acknowledged event must land exactly once: checked against the senders' acknowledged list."""
    def run(c: Campaign, name: str) -> Outcome:
        settings = c.settings(name)
        from sandbox.webhooks import activity_event

        events = []
        for i in range(5000):
            vendor, n = ("github", "zendesk", "jira")[i % 3], 7_000_000 + i
            payload = activity_event(vendor, n)
            if vendor == "zendesk":
                payload["id"] = f"flood-{n}"  # Zendesk's delivery id is the event id; a retry resends it
            events.append((vendor, n, payload))
        acknowledged: dict[str, int] = {}
        receiver = _Receiver(settings)
        started = time.monotonic()
        stop = threading.Event()
        note = ""
        try:
            if kill:
                def killer():
                    while len(acknowledged) < 2000:
                        time.sleep(0.01)
                    receiver.stop(signal.SIGKILL)
                    stop.set()

                threading.Thread(target=killer, daemon=True).start()
                _flood(receiver.url, events, acknowledged, stop)
                receiver.proc.wait(timeout=120)
                at_kill = len(acknowledged)
                receiver = _Receiver(settings)  # lands what the dead one journaled
                sent = set(acknowledged.values())
                retry = [e for e in events if e[1] not in sent] + events[:200]  # and a few redeliveries
                failures = _flood(receiver.url, retry, acknowledged, threading.Event())
                note = f"killed after {at_kill} acks; restarted; {len(retry)} resent, {failures} failed"
            else:
                failures = _flood(receiver.url, events, acknowledged, stop)
                note = f"{len(acknowledged)} acknowledged in {time.monotonic() - started:.0f}s, {failures} failed"
        finally:
            receiver.stop()
        landed = _landed_deliveries(settings)
        distinct = set(landed)
        lost = len(set(acknowledged) - distinct)
        duplicated = len(landed) - len(distinct)
        ok = lost == 0 and duplicated == 0 and len(acknowledged) == len(events)
        return Outcome(name, len(acknowledged), len(distinct & set(acknowledged)), lost, duplicated, None, None,
                       ok, note)
    return run


# -- the matrix ---------------------------------------------------------------------------------------------

QUICK = [
    ("vendor 429 with Retry-After", vendor_fault("zendesk", "users", "zendesk", "status", False,
                                                 path_contains="/api/v2/users", status=429, retry_after=1, times=2)),
    ("vendor 503 burst", vendor_fault("github_copilot", "seats", "github", "status", False,
                                      path_contains="copilot/billing/seats", status=503, times=3)),
    ("vendor 500 beyond the retry budget", vendor_fault("zendesk", "users", "zendesk", "status", True,
                                                        path_contains="/api/v2/users", status=500, times=6)),
    ("vendor truncated JSON page", vendor_fault("zendesk", "tickets", "zendesk", "malformed", True,
                                                path_contains="incremental")),
    ("vendor empty page mid-stream", vendor_fault("zendesk", "users", "zendesk", "empty_page", False,
                                                  path_contains="/api/v2/users")),
    ("vendor 401 (token revoked)", vendor_fault("zendesk", "users", "zendesk", "status", True,
                                                path_contains="/api/v2/users", status=401)),
    ("vendor hangs (stream deadline)", hanging_vendor),
    ("vendor 502 HTML page from a proxy", vendor_fault("zendesk", "users", "zendesk", "html", False,
                                                        path_contains="/api/v2/users", status=502, times=2)),
    ("vendor 503 HTML pages beyond the budget", vendor_fault("msgraph", "users", "msgraph", "html", True,
                                                             expect="kept failing", path_contains="/v1.0/users",
                                                             status=503, times=6)),
    ("vendor 200 with an HTML body", vendor_fault("harvest", "users", "harvest", "html", True,
                                                  expect="not valid JSON", path_contains="/v2/users")),
    ("vendor repeats a page", vendor_fault("zendesk", "tickets", "zendesk", "repeat_page", True,
                                           expect="repeating pages", path_contains="incremental/tickets")),
    ("vendor 401 after 5 pages", vendor_fault("zendesk", "tickets", "zendesk", "status", True, expect="answered 401",
                                              path_contains="incremental/tickets", status=401, after=5)),
    ("jira nextPageToken that never ends", vendor_fault("jira", "issues", "jira", "repeat_page", True,
                                                        expect="repeating pages", path_contains="search/jql",
                                                        times=10**6)),
    ("openai has_more without next_page", vendor_fault("openai", "usage_completions", "openai", "drop_field", True,
                                                       expect="next_page is empty",
                                                       path_contains="usage/completions", field="next_page")),
    ("github 429 storm, rate-limit headers", vendor_fault("github_copilot", "seats", "github", "status", False,
                                                          path_contains="copilot/billing/seats", status=429,
                                                          retry_after=1, times=5)),
    ("harvest 429 storm with Retry-After", vendor_fault("harvest", "time_entries", "harvest", "status", False,
                                                        path_contains="time_entries", status=429, retry_after=1,
                                                        times=4)),
    ("anthropic 500 burst", vendor_fault("anthropic", "claude_code", "anthropic", "status", False,
                                         path_contains="claude_code", status=500, times=2)),
    ("field missing from every record", vendor_fault("harvest", "time_entries", "harvest", "drop_field", True,
                                                     expect="column 'hours' is missing from every one",
                                                     path_contains="time_entries", field="hours", times=10**6)),
    ("field renamed (tickets' metric set)", vendor_fault("zendesk", "tickets", "zendesk", "rename_field", True,
                                                         expect="'metric_set.full_resolution_time_in_minutes.calendar'"
                                                                " is missing", path_contains="incremental/tickets",
                                                         field="metric_set", rename_to="metrics", times=10**6)),
    ("late record, caught by the re-sync", late_record),
    ("ingest killed -9 mid-stream", killed_ingest),
    ("ingest killed -9 between pages", ingest_killed_at("at the 13th request", KILL_AT_REQUEST_13,
                                                        OUTCOMES_MAX_BATCH_RECORDS="5000")),
    ("ingest killed -9 before the manifest", ingest_killed_at("between data file and manifest",
                                                              KILL_BEFORE_MANIFEST, "zendesk", "users")),
    ("ingest killed -9 right after a commit", ingest_killed_at("after the commit, before the cursor",
                                                               KILL_AFTER_COMMIT, "zendesk", "users")),
    ("one batch committed twice", double_commit),
    ("concurrent ingests of one stream", concurrent_ingests),
    ("webhook unsigned", webhook("unsigned")),
    ("webhook forged signature", webhook("forged")),
    ("webhook replayed delivery", webhook("replayed")),
    ("webhook stale timestamp", webhook("stale")),
    ("webhook oversized body", webhook("oversized")),
    ("webhook malformed body", webhook("malformed")),
    ("webhook path traversal", webhook("traversal")),
    ("webhook flood of 5,000 events", webhook_flood(kill=False)),
    ("webhook receiver killed -9 mid-flood", webhook_flood(kill=True)),
]
FULL = [
    ("transform killed -9 mid-dbt", killed_transform),
    ("transform refused: bad catalog", lambda c, n: refused_transform(c, n, tamper=_bad_catalog, expect="Nobody Here")),
    ("landing batch: records removed", lambda c, n: refused_transform(c, n, tamper=_tamper_records,
                                                                       expect="did not match their manifest")),
    ("landing batch: truncated file", lambda c, n: refused_transform(c, n, tamper=_truncate_file,
                                                                      expect="did not match their manifest")),
    ("stray non-gzip file, no manifest", stray_file),
    ("identity override conflict", lambda c, n: refused_transform(c, n, tamper=_conflicting_override(c.company),
                                                                   expect="mapped to 2 people")),
    ("build timeout", lambda c, n: refused_transform(c, n, tamper=lambda s: None, expect="ran longer than",
                                                     settings_change={"build_timeout_seconds": 5})),
    ("concurrent transforms", concurrent_transforms),
    ("unrecorded dbt build over the warehouse", orphan_build),
    ("gate failure keeps the last publish", gate_failure),
    ("stale publish temp of a dead pid", stale_publish_temp),
    ("publish killed -9 mid-copy", killed_publish),
    ("reader open during publish", reader_during_publish),
    ("gate killed -9 mid-check", killed_gate),
    ("publish killed -9 before the swap", publish_killed_before_swap),
    ("new field lands, reported as drift", new_field_reported),
    ("invalid min_group_size", invalid_min_group_size),
    ("identity overrides of the wrong shape", lambda c, n: refused_transform(c, n, tamper=_bad_overrides,
                                                                              expect="expected exactly")),
    ("catalog names an unknown tool", lambda c, n: refused_transform(c, n, tamper=_unknown_tool,
                                                                      expect="unknown tools")),
]
LAST = [("secrets grep over every written file", secrets_grep)]


def run_matrix(data_dir: Path, quick: bool = False, only: str | list[str] | None = None) -> list[Outcome]:
    """Run the scenarios (the quick ones only with `quick`; those whose name contains `only`, or one of
    `only`'s strings) and return their outcomes, printing each row as it finishes."""
    wanted = [only] if isinstance(only, str) else only
    campaign = Campaign(data_dir)
    outcomes = []
    try:
        for name, scenario in QUICK + ([] if quick else FULL) + LAST:
            if wanted and not any(w in name for w in wanted):
                continue
            started = time.monotonic()
            try:
                outcome = scenario(campaign, name)
            except Exception as exc:  # noqa: BLE001 - a scenario that breaks is a failed row, not a crash
                outcome = Outcome(name, note=f"scenario broke: {type(exc).__name__}: {str(exc)[:80]}")
            outcome.note = f"{outcome.note} ({time.monotonic() - started:.0f}s)"
            outcomes.append(outcome)
            print(format_row(outcome), flush=True)
    finally:
        campaign.close()
    return outcomes


def _cell(value) -> str:
    return "-" if value is None else ("yes" if value is True else "NO" if value is False else str(value))


HEADER = (f"{'scenario':<40} | {'expected':>8} | {'landed':>6} | {'lost':>4} | {'dup':>3} | {'published intact':<16} | "
          f"{'clear error':<11} | result")


def format_row(o: Outcome) -> str:
    return (f"{o.scenario:<40} | {_cell(o.expected):>8} | {_cell(o.landed):>6} | {_cell(o.lost):>4} | "
            f"{_cell(o.duplicated):>3} | {_cell(o.intact):<16} | {_cell(o.clear_error):<11} | "
            f"{'pass' if o.passed else 'FAIL'}  {o.note}")


def print_table(outcomes: list[Outcome]) -> None:
    print(HEADER)
    print("-" * len(HEADER))
    for o in outcomes:
        print(format_row(o))
    lost = sum(o.lost or 0 for o in outcomes)
    dup = sum(o.duplicated or 0 for o in outcomes)
    passed = sum(o.passed for o in outcomes)
    print(f"TOTAL: {len(outcomes)} scenarios, {passed} passed, {len(outcomes) - passed} failed; "
          f"{lost} records lost, {dup} duplicated")
