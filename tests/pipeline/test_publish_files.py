"""A publish killed mid-copy leaves a temp file and its .wal; the next publish removes those of dead pids."""

from __future__ import annotations

import os
import subprocess
import sys

from outcomes.pipeline import remove_stale_publish_files


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_of_dead_publishers_are_removed_and_a_live_ones_kept(tmp_path):
    target = tmp_path / "analytics.duckdb"
    target.write_bytes(b"published")
    dead = _dead_pid()
    stale = [tmp_path / f".analytics.duckdb.tmp-{dead}", tmp_path / f".analytics.duckdb.tmp-{dead}.wal"]
    live = tmp_path / f".analytics.duckdb.tmp-{os.getpid()}"
    other = tmp_path / ".other.duckdb.tmp-1"
    for path in (*stale, live, other):
        path.write_bytes(b"partial copy")
    assert sorted(remove_stale_publish_files(target)) == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert live.exists() and other.exists() and target.read_bytes() == b"published"
