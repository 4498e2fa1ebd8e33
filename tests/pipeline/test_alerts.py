"""Operators are told: a failed task posts to the webhook of connection `outcomes_alerts`, every DAG carries
the notifier, transform and publish have timeouts and retries, and a too-old publication is an alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from tests_support import ROOT, WebhookReceiver

from outcomes.alerts import PublishedTooOld, WebhookNotifier, check_published_age, webhook_url


@pytest.fixture(scope="module")
def airflow_db():
    """The session's SQLite metadata DB, migrated (dag.test() records runs in it)."""
    from outcomes import airflow_env

    airflow_env.ensure_db()


@pytest.fixture
def receiver(monkeypatch, airflow_db):
    r = WebhookReceiver()
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_ALERTS", r.url)
    yield r
    r.close()


def test_the_connection_uri_is_the_url_posted_to():
    from airflow.models.connection import Connection

    assert webhook_url(Connection(conn_id="a", uri="http://127.0.0.1:9000/hooks/outcomes")) == \
        "http://127.0.0.1:9000/hooks/outcomes"
    assert webhook_url(Connection(conn_id="a", uri="https://hooks.example.com/services/T0/B0/x")) == \
        "https://hooks.example.com/services/T0/B0/x"
    # the UI form: type HTTP, the whole URL as host
    assert webhook_url(Connection(conn_id="a", conn_type="http", host="https://hooks.example.com/s/1")) == \
        "https://hooks.example.com/s/1"
    with pytest.raises(ValueError, match="no host"):
        webhook_url(Connection(conn_id="a", conn_type="http"))


def test_a_notifier_without_its_connection_or_with_a_dead_receiver_does_not_raise(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_OUTCOMES_ALERTS", raising=False)
    WebhookNotifier().notify({"exception": RuntimeError("x")})
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_ALERTS", "http://127.0.0.1:9/nothing-listens")
    WebhookNotifier(timeout=2).notify({"exception": RuntimeError("x")})
    assert "failure notification to connection outcomes_alerts failed" in caplog.text


def test_every_task_notifies_and_transform_and_publish_have_timeouts_retries_and_the_writer_queue():
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        for t in dag.tasks:
            callbacks = t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback]
            assert any(isinstance(c, WebhookNotifier) for c in callbacks), f"{dag.dag_id}.{t.task_id}"
    writers = [bag.dags["transform"].get_task("dbt_build"), *bag.dags["publish"].tasks]
    assert [t.task_id for t in writers] == ["dbt_build", "quality_gate", "publish_marts"]
    for t in writers:
        assert t.retries >= 1 and t.execution_timeout is not None, t.task_id
        assert t.queue == "duckdb_writer" and t.pool == "duckdb_writer", t.task_id
    assert bag.dags["transform"].get_task("dbt_build").execution_timeout > timedelta(hours=1)
    # ingest tasks run anywhere
    assert {t.queue for t in bag.dags["ingest_openai"].tasks} == {"default"}


def _published(path, at: datetime):
    con = duckdb.connect(str(path))
    con.execute("create table _publication as select ? as published_at", [at.isoformat()])
    con.close()
    return path


def test_a_publication_older_than_the_configured_age_is_an_alert(tmp_path):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    path = _published(tmp_path / "analytics.duckdb", now - timedelta(hours=27, minutes=30))
    with pytest.raises(PublishedTooOld, match=r"is 27\.5 h old .*OUTCOMES_MAX_PUBLISHED_AGE_HOURS=26"):
        check_published_age(path, 26, now=now)
    assert check_published_age(path, 28, now=now)["age_hours"] == 27.5
    with pytest.raises(PublishedTooOld, match="nothing published"):
        check_published_age(tmp_path / "missing.duckdb", 26, now=now)


def test_a_failing_task_posts_to_the_webhook_and_a_stale_publication_fails_the_freshness_dag(
        receiver, tmp_path, monkeypatch):
    from outcomes.dag_builders import build_freshness_dag

    _published(tmp_path / "analytics.duckdb", datetime.now(UTC) - timedelta(hours=3))
    monkeypatch.setenv("OUTCOMES_PUBLISHED_PATH", str(tmp_path / "analytics.duckdb"))
    monkeypatch.setenv("OUTCOMES_MAX_PUBLISHED_AGE_HOURS", "2")
    run = build_freshness_dag().test()
    assert str(run.state).split(".")[-1].lower() == "failed"
    [message] = receiver.received
    assert message["path"] == "/hooks/outcomes"
    body = message["body"]
    assert (body["dag_id"], body["task_id"]) == ("published_freshness", "check_published_age")
    assert body["error"].startswith("PublishedTooOld: the published warehouse") and "3.0 h old" in body["error"]
    assert body["text"].startswith("AI Outcomes: published_freshness.check_published_age failed")
    monkeypatch.setenv("OUTCOMES_MAX_PUBLISHED_AGE_HOURS", "4")
    assert str(build_freshness_dag().test().state).split(".")[-1].lower() == "success"
    assert len(receiver.received) == 1
