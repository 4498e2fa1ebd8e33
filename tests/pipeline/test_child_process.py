"""A bound child's output reaches the log while it runs, and its time limit still ends it and its group."""

from __future__ import annotations

import logging
import os
import sys
import time

import psutil
import pytest

from outcomes.child_process import ChildTimedOut, run_bound_child

# Prints a line, then waits for the parent to acknowledge it (a file the log handler creates on reading
# that line) before printing the rest: with output read only at the end, the child gives up and exits 3.
ACK_CHILD = """
import os, sys, time
print("first line", flush=True)
deadline = time.monotonic() + 10
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.05)
print("error line", file=sys.stderr, flush=True)
time.sleep(0.3)
print("last line", flush=True)
sys.exit(0 if os.path.exists(sys.argv[1]) else 3)
"""


class Acknowledging(logging.Handler):
    def __init__(self, ack_path):
        super().__init__()
        self.ack_path, self.records = ack_path, []

    def emit(self, record):
        self.records.append((time.monotonic(), record.levelno, record.getMessage()))
        if "first line" in record.getMessage():
            self.ack_path.touch()


def test_each_line_is_logged_while_the_child_runs_and_the_text_is_kept(tmp_path):
    ack = tmp_path / "ack"
    logger = logging.getLogger("outcomes.test_child")
    handler = Acknowledging(ack)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        result = run_bound_child([sys.executable, "-c", ACK_CHILD, str(ack)], cwd=str(tmp_path), env=dict(os.environ),
                                 timeout=30, logger=logger)
        ended = time.monotonic()
    finally:
        logger.removeHandler(handler)
    assert result.returncode == 0, "the child saw no acknowledgement: its first line was not logged while it ran"
    messages = [(level, message) for _, level, message in handler.records]
    name = os.path.basename(sys.executable)
    assert (logging.INFO, f"{name}: first line") in messages
    assert (logging.WARNING, f"{name}: error line") in messages
    assert messages.index((logging.INFO, f"{name}: first line")) < messages.index((logging.INFO, f"{name}: last line"))
    first_at = handler.records[0][0]
    assert ended - first_at >= 0.3  # the child slept 0.3 s after its first line before its last one
    assert result.stdout == "first line\nlast line\n" and result.stderr == "error line\n"


def test_the_time_limit_ends_the_child_and_what_it_started_and_keeps_the_lines_so_far(tmp_path, caplog):
    # the child starts a grandchild in its own group, prints, and never ends
    script = ("import subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
              "print(p.pid, flush=True)\n"
              "time.sleep(600)\n")
    caplog.set_level(logging.INFO, logger="outcomes.child")
    started = time.monotonic()
    with pytest.raises(ChildTimedOut, match="ran longer than 2s"):
        run_bound_child([sys.executable, "-c", script], cwd=str(tmp_path), env=dict(os.environ), timeout=2)
    assert time.monotonic() - started < 2 + 10  # ended by SIGTERM, well within the grace period
    [line] = [r.getMessage() for r in caplog.records if r.name == "outcomes.child"]
    grandchild = int(line.split(": ")[1])
    deadline = time.monotonic() + 5
    while psutil.pid_exists(grandchild) and psutil.Process(grandchild).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, f"grandchild {grandchild} outlived the child's time limit"
        time.sleep(0.1)
