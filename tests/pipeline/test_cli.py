"""The `outcomes` command offers every registered source and nothing that cannot run; `python -m devenv sandbox`
serves where it is told."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from tests_support import ROOT, SOURCE_STREAMS

from connectors.landing import LandingZone
from outcomes.cli import build_parser, main


def _subcommands() -> dict[str, object]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    return sub.choices


def test_ingest_offers_every_documented_source():
    [source] = [a for a in _subcommands()["ingest"]._actions if a.dest == "source"]
    assert sorted(source.choices) == sorted(SOURCE_STREAMS)


def test_help_offers_only_commands_that_run():
    assert set(_subcommands()) == {"run", "ingest", "transform", "gate", "publish", "report", "wins", "webhooks",
                                   "bi"}
    # staging reads landing files with DuckDB's file functions: no other target can build it
    with pytest.raises(SystemExit):
        build_parser().parse_args(["transform", "--target", "postgres"])


@pytest.mark.parametrize("source", sorted(SOURCE_STREAMS))
def test_outcomes_ingest_lands_every_stream_of_the_source(source, sandbox, company, tmp_path, monkeypatch, capsys):
    from devenv.sandbox_env import sandbox_connections

    # the last week only: the first sync of every stream, in seconds
    conn = sandbox_connections(sandbox, company, start=date.today() - timedelta(days=7))[source]
    monkeypatch.setenv(f"AIRFLOW_CONN_OUTCOMES_{source.upper()}", conn.to_env_value())
    monkeypatch.setenv("OUTCOMES_DATA_DIR", str(tmp_path))
    for var in ("OUTCOMES_LANDING_ROOT", "OUTCOMES_STATE_ROOT"):
        monkeypatch.delenv(var, raising=False)
    capsys.readouterr()
    assert main(["ingest", source]) == 0, capsys.readouterr().err
    reported = {r["stream"].removeprefix(f"{source}/"): r["records"] for r in json.loads(capsys.readouterr().out)}
    assert sorted(reported) == sorted(SOURCE_STREAMS[source])
    zone = LandingZone(str(tmp_path / "landing"))
    for stream, records in reported.items():
        [manifest] = zone.manifests(source, stream)
        assert records > 0, f"{source}/{stream} landed nothing"
        assert manifest.record_count == records == len(list(zone.read_batch(manifest)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_devenv_sandbox_serves_on_the_port_it_is_given(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devenv", "sandbox", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "OUTCOMES_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 180
        # it answers first, then prints the connections once the company is generated; the last line says so
        while not any("Ctrl-C to stop" in line for line in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, f"no connections printed for port {port}: {''.join(lines)}"
            time.sleep(0.5)
        assert requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=5).ok
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert f"http://127.0.0.1:{port}/graph/v1.0" in "".join(lines)  # the printed connections point at that port


class _TimedOutput:
    """Stands in for stdout and remembers when each line was written."""

    def __init__(self):
        self.lines: list[tuple[float, str]] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        self.lines.extend((time.time(), line) for line in done)
        return len(text)

    def flush(self):
        pass


def test_outcomes_run_prints_each_task_as_it_ends_not_after_its_dag(sandbox, company, tmp_path, monkeypatch):
    """Two DAGs of `outcomes run`: a source's ingest (two tasks) and the freshness alert, failing (nothing is
    published). Each task's line is written before Airflow starts the next task."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from tests_support import isolated_settings

    from devenv.sandbox_env import sandbox_connections
    from outcomes.run import run_pipeline

    conn = sandbox_connections(sandbox, company, start=date.today() - timedelta(days=7))["harvest"]
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_HARVEST", conn.to_env_value())
    out = _TimedOutput()
    monkeypatch.setattr(sys, "stdout", out)
    started = datetime.now(UTC)
    environ = dict(os.environ)
    try:
        result = run_pipeline(isolated_settings(tmp_path), dags=("ingest_harvest", "published_freshness"))
    finally:  # run_pipeline exports its settings for the tasks
        os.environ.clear()
        os.environ.update(environ)
    assert not result.success and result.failed_dag == "published_freshness"

    text = [line for _, line in out.lines]
    task_lines = {m[1]: (at, m[2]) for at, line in out.lines
                  if (m := re.match(r"    (\w+\.\w+) +(success|failed|retry|skipped) +[\d.]+s", line))}
    assert {k: state for k, (_, state) in task_lines.items()} == {
        "ingest_harvest.land_time_entries": "success", "ingest_harvest.land_users": "success",
        "published_freshness.check_published_age": "failed"}
    assert "nothing published" in next(line for line in text if line.startswith("    published_freshness.check_"))
    # each DAG's task lines come before the DAG's own line
    dag_line = text.index(next(line for line in text if line.startswith("  ingest_harvest ") and "success" in line))
    assert all(text.index(line) < dag_line for line in text if line.startswith("    ingest_harvest."))
    with create_session() as session:
        tis = sorted((ti for ti in session.query(TaskInstance).filter(TaskInstance.start_date >= started)
                      if ti.dag_id in ("ingest_harvest", "published_freshness")), key=lambda ti: ti.start_date)
    assert len(tis) == 3
    for ti, following in zip(tis, tis[1:], strict=False):
        written_at, _ = task_lines[f"{ti.dag_id}.{ti.task_id}"]
        assert written_at <= following.start_date.timestamp(), \
            f"{ti.dag_id}.{ti.task_id}'s line was written after {following.task_id} started"
