"""The warehouse writer lock: one build (or gate, or publish) touches the warehouse at a time.

A `flock` on `data/dbt/warehouse.lock`, taken before a transform does anything else. The kernel drops the
lock when its holder dies, however it dies, so a killed build never leaves the warehouse locked. The file
names the holder (pid, build id, started_at) so the loser can say who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse."""


def _describe_holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "a process that has not yet written its name"
    return (f"{holder.get('step', 'a build')} with pid {holder.get('pid')}, build {holder.get('build_id')}, "
            f"started_at {holder.get('started_at')}")


@contextmanager
def warehouse_lock(lock_path: Path, holder: dict) -> Iterator[None]:
    """Hold the warehouse for the block, or raise WarehouseBusy at once naming the holder."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"another build holds the warehouse: {_describe_holder(lock_path)}; "
                f"nothing was started. Wait for it to finish and run again (lock: {lock_path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({**holder, "pid": os.getpid()}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
