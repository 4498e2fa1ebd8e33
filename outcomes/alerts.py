"""Operators are told: a failed task posts a JSON message to the webhook URL of the Airflow connection
`outcomes_alerts` (Slack-compatible `text`, plus the ids a runbook needs); the published warehouse's age is
checked against OUTCOMES_MAX_PUBLISHED_AGE_HOURS.

The connection is a URL, e.g. AIRFLOW_CONN_OUTCOMES_ALERTS='https://hooks.example.com/services/T0/B0/x'
(or, in the UI, type HTTP with the whole URL as host). Without it a failure is only logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger("outcomes.alerts")

ALERTS_CONN_ID = "outcomes_alerts"


class PublishedTooOld(RuntimeError):
    pass


def webhook_url(conn: Any) -> str:
    """The URL a connection names: the host when it is a whole URL, else scheme://host[:port]/path
    (an `http://host:port/path` connection URI parses into conn_type, host, port and schema)."""
    host = (conn.host or "").strip()
    if "://" in host:
        return host
    if not host:
        raise ValueError(f"connection {conn.conn_id!r} has no host: give the webhook URL as the connection URI")
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else (conn.extra_dejson or {}).get("scheme", "https")
    port = f":{conn.port}" if conn.port else ""
    path = f"/{conn.schema.lstrip('/')}" if conn.schema else ""
    return f"{scheme}://{host}{port}{path}"


def failure_message(context: dict[str, Any]) -> dict[str, Any]:
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None)
    task_id = getattr(ti, "task_id", None)
    run_id = getattr(ti, "run_id", None) or getattr(context.get("dag_run"), "run_id", None)
    error = context.get("exception")
    try_number = getattr(ti, "try_number", None)
    text = f"AI Outcomes: {dag_id}.{task_id} failed (run {run_id}, try {try_number})"
    if error is not None:
        text += f": {type(error).__name__}: {str(error)[:500]}"
    return {"text": text, "dag_id": dag_id, "task_id": task_id, "run_id": run_id, "try_number": try_number,
            "error": None if error is None else f"{type(error).__name__}: {error}",
            "log_url": getattr(ti, "log_url", None)}


class WebhookNotifier(BaseNotifier):
    """Posts failure_message(context) as JSON to the connection's URL; a notifier never fails the task."""

    template_fields = ()

    def __init__(self, conn_id: str = ALERTS_CONN_ID, timeout: float = 10.0):
        super().__init__()
        self.conn_id = conn_id
        self.timeout = timeout

    def notify(self, context: dict[str, Any]) -> None:
        import requests
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        message = failure_message(context)
        try:
            url = webhook_url(BaseHook.get_connection(self.conn_id))
        except AirflowNotFoundException:
            log.warning("no connection %s: not sent: %s", self.conn_id, message["text"])
            return
        try:
            requests.post(url, json=message, timeout=self.timeout).raise_for_status()
        except requests.RequestException as exc:
            log.error("failure notification to connection %s failed (%s): %s", self.conn_id, exc, message["text"])


def published_at(published_path: Path) -> datetime | None:
    """When the published file was written, from its own `_publication` table (None: nothing published)."""
    import duckdb

    if not published_path.exists():
        return None
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        value = con.execute("select published_at from _publication").fetchone()[0]
    finally:
        con.close()
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def check_published_age(published_path: Path, max_age_hours: float, now: datetime | None = None) -> dict[str, Any]:
    """Raise PublishedTooOld when nothing is published or the publication is older than max_age_hours."""
    now = now or datetime.now(UTC)
    stamp = published_at(published_path)
    if stamp is None:
        raise PublishedTooOld(f"nothing published at {published_path}")
    age_hours = (now - stamp).total_seconds() / 3600
    if age_hours > max_age_hours:
        raise PublishedTooOld(f"the published warehouse {published_path} is {age_hours:.1f} h old (published "
                              f"{stamp.isoformat()}), more than OUTCOMES_MAX_PUBLISHED_AGE_HOURS={max_age_hours:g}")
    return {"published_at": stamp.isoformat(), "age_hours": round(age_hours, 2), "max_age_hours": max_age_hours}


def max_published_age_hours() -> float:
    import os

    raw = os.environ.get("OUTCOMES_MAX_PUBLISHED_AGE_HOURS", "26")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ValueError(f"OUTCOMES_MAX_PUBLISHED_AGE_HOURS must be a positive number of hours, got {raw!r}")
    return value


