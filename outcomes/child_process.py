"""Run a child (dbt) that cannot outlive its parent or its time limit.

The child gets its own process group, so a timeout or an interrupt ends it and anything it started. On
Linux it also asks the kernel (prctl PR_SET_PDEATHSIG) for SIGKILL when the parent dies, so a parent killed
with SIGKILL cannot leave a build running that would rewrite the warehouse behind nobody's record.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
TERMINATE_GRACE_SECONDS = 10


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


def run_bound_child(cmd: list[str], *, cwd: str, env: dict[str, str], timeout: float | None) -> ChildResult:
    preexec = _die_with_parent(os.getpid()) if sys.platform.startswith("linux") else None
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=preexec)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(proc)
        proc.communicate()
        raise ChildTimedOut(f"{os.path.basename(cmd[0])} {cmd[1] if len(cmd) > 1 else ''} ran longer than "
                            f"{timeout:g}s and was stopped (pid {proc.pid})") from None
    except BaseException:  # an interrupt or the task being stopped: the child goes too
        _end_group(proc)
        raise
    return ChildResult(proc.returncode, stdout, stderr)
