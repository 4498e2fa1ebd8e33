"""The `outcomes` command offers every registered source and nothing that cannot run; `python -m devenv sandbox`
serves where it is told."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

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
    assert set(_subcommands()) == {"run", "ingest", "transform", "gate", "publish", "report", "webhooks"}
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
