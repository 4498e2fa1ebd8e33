"""`outcomes run`'s progress: one line per task as it ends, from an Airflow listener.

dag.test() runs each task in the calling process, and the Task SDK calls its listeners there, so this
listener sees every task of the run as it finishes. Imported only after airflow_env.configure (it imports
Airflow, which reads its configuration at import time).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from airflow.listeners import hookimpl
from airflow.sdk.listener import get_listener_manager


class TaskProgress:
    def __init__(self, out: TextIO):
        self.out, self.started = out, {}

    def _line(self, task_instance, state: str, error=None) -> None:
        key = f"{task_instance.dag_id}.{task_instance.task_id}"
        seconds = time.monotonic() - self.started.pop(key, time.monotonic())
        detail = f"  {str(error).splitlines()[0][:120]}" if error else ""
        print(f"    {key:<44} {state:<8} {seconds:6.1f}s{detail}", file=self.out, flush=True)

    @hookimpl
    def on_task_instance_running(self, previous_state, task_instance):
        self.started[f"{task_instance.dag_id}.{task_instance.task_id}"] = time.monotonic()

    @hookimpl
    def on_task_instance_success(self, previous_state, task_instance):
        self._line(task_instance, "success")

    @hookimpl
    def on_task_instance_failed(self, previous_state, task_instance, error):
        retrying = str(getattr(task_instance, "state", "")).endswith("up_for_retry")
        self._line(task_instance, "retry" if retrying else "failed", error)

    @hookimpl
    def on_task_instance_skipped(self, previous_state, task_instance):
        self._line(task_instance, "skipped")


@contextmanager
def task_progress(out: TextIO) -> Iterator[TaskProgress]:
    """TaskProgress registered with the Task SDK's listeners for the duration of the block."""
    manager = get_listener_manager()
    listener = TaskProgress(out)
    manager.add_listener(listener)
    try:
        yield listener
    finally:
        manager.pm.unregister(listener)
