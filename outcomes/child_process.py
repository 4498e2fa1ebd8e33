"""Run a child (dbt) that cannot outlive its parent or its time limit.

The child gets its own process group, so a timeout or an interrupt ends it and anything it started. On
Linux it also asks the kernel (prctl PR_SET_PDEATHSIG) for SIGKILL when the parent dies, so a parent killed
with SIGKILL cannot leave a build running that would rewrite the warehouse behind nobody's record.

Its output goes to the logger line by line as it comes (in Airflow, the task log), so a long build can be
followed while it runs, not only read after it ends; the whole text is also kept for the caller.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO

PR_SET_PDEATHSIG = 1
TERMINATE_GRACE_SECONDS = 10
# after the child ends, how long its output pipes may stay open (held by a grandchild it left behind)
DRAIN_SECONDS = 5

log = logging.getLogger("outcomes.child")


class ChildTimedOut(RuntimeError):
    pass


@dataclass
class ChildResult:
    returncode: int
    stdout: str
    stderr: str


def _die_with_parent(parent_pid: int):
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            os._exit(1)

    return preexec


def _end_group(proc: subprocess.Popen) -> None:
    """SIGTERM the child's group, SIGKILL what is left after a grace period."""
    for sig, wait in ((signal.SIGTERM, TERMINATE_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _pump(stream: IO[str], kept: list[str], logger: logging.Logger, level: int, prefix: str) -> None:
    """Log each line of the child's stream as it arrives and keep it."""
    for line in stream:
        kept.append(line)
        logger.log(level, "%s%s", prefix, line.rstrip("\n"))
    stream.close()


def run_bound_child(cmd: list[str], *, cwd: str, env: dict[str, str], timeout: float | None,
                    logger: logging.Logger | None = None) -> ChildResult:
    """Run `cmd` to its end or its timeout; stdout lines are logged at INFO, stderr lines at WARNING, as
    they come, each prefixed with the program's name."""
    logger = logger or log
    prefix = f"{os.path.basename(cmd[0])}: "
    preexec = _die_with_parent(os.getpid()) if sys.platform.startswith("linux") else None
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            bufsize=1, start_new_session=True, preexec_fn=preexec)
    out: list[str] = []
    err: list[str] = []
    pumps = [threading.Thread(target=_pump, args=(proc.stdout, out, logger, logging.INFO, prefix), daemon=True),
             threading.Thread(target=_pump, args=(proc.stderr, err, logger, logging.WARNING, prefix), daemon=True)]
    for pump in pumps:
        pump.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(proc)
        _join(pumps)
        raise ChildTimedOut(f"{os.path.basename(cmd[0])} {cmd[1] if len(cmd) > 1 else ''} ran longer than "
                            f"{timeout:g}s and was stopped (pid {proc.pid})") from None
    except BaseException:  # an interrupt or the task being stopped: the child goes too
        _end_group(proc)
        raise
    _join(pumps)
    return ChildResult(proc.returncode, "".join(out), "".join(err))


def _join(pumps: list[threading.Thread]) -> None:
    for pump in pumps:
        pump.join(timeout=DRAIN_SECONDS)
