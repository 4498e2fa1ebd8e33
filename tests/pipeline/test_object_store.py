"""Landing zone and cursor state on an S3-compatible object store, shared by workers on different machines.

A local S3 server (moto's, on 127.0.0.1) stands in for the store. One "machine" ingests from the sandbox into
s3://; another, with nothing on its own disk but its data directory, builds staging from what the first
landed and resumes from the cursor the first one saved."""

from __future__ import annotations

import gzip
import json
import socket
from dataclasses import replace

import duckdb
import pytest
import requests

from connectors.config import ConnectionConfig
from connectors.landing import LandingZone
from connectors.state import StateStore
from outcomes.pipeline import ingest, transform
from outcomes.settings import Settings

moto_server = pytest.importorskip("moto.server", reason="moto (the local S3 server) is not installed")
s3fs = pytest.importorskip("s3fs", reason="s3fs is not installed")

BUCKET = "outcomes-shared"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def object_store(monkeypatch):
    """An empty bucket on a local S3 server; the AWS_* variables point every client (and dbt) at it."""
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # moto's backends live in this process, not in the server: a bucket an earlier test made is still there
    requests.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10).raise_for_status()
    for key, value in {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "local",
                       "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    # fsspec keeps one S3 client per set of arguments: one made for an earlier test's server (another port)
    # would be handed to this test's landing zone
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir(BUCKET)
    yield fs
    server.stop()
    s3fs.S3FileSystem.clear_instance_cache()


def _machine(data, workflows=None) -> Settings:
    """One worker's settings: its own local directories, the shared landing zone and state on S3."""
    settings = replace(Settings.from_env(), data_dir=data, landing_root=f"s3://{BUCKET}/landing",
                       state_root=f"s3://{BUCKET}/state", warehouse_path=data / "warehouse" / "outcomes.duckdb",
                       published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                       runs_dir=data / "runs")
    return replace(settings, workflows_path=workflows) if workflows else settings


@pytest.mark.slow
def test_a_worker_builds_from_what_another_worker_landed_on_s3_and_resumes_its_cursor(object_store, tmp_path):
    from devenv.sandbox_env import sandbox_session

    first = _machine(tmp_path / "machine-a")
    with sandbox_session("default", first) as on_sandbox:
        conn = ConnectionConfig.from_env("outcomes_zendesk")
        [landed] = ingest("zendesk", conn, on_sandbox, streams=["tickets"], validate=False)

        # everything went to the bucket (read here with s3fs alone), nothing to the first machine's disk
        files = object_store.glob(f"{BUCKET}/landing/source=zendesk/stream=tickets/**/*.jsonl.gz")
        ids = [json.loads(line)["id"] for f in files for line in gzip.decompress(object_store.cat(f)).splitlines()]
        assert len(ids) == len(set(ids)) == landed["records"] > 30_000  # the default company's tickets, once
        assert len(LandingZone(first.landing_root).manifests("zendesk", "tickets")) == len(files)
        assert object_store.ls(f"{BUCKET}/state/zendesk")
        assert not (first.data_dir / "landing").exists() and not (first.data_dir / "state").exists()

        # a second machine: its own disk, the shared store; the cursor the first one saved is where it resumes
        second = _machine(tmp_path / "machine-b", workflows=on_sandbox.workflows_path)
        assert StateStore(second.state_root).get("zendesk", "tickets") == \
            StateStore(first.state_root).get("zendesk", "tickets") is not None
        [again] = ingest("zendesk", conn, replace(on_sandbox, data_dir=second.data_dir, runs_dir=second.runs_dir),
                         streams=["tickets"], validate=False)
        assert again["records"] < landed["records"]  # an increment from the shared cursor, not a first sync

    assert second.dbt_target == "duckdb_s3"
    summary = transform(second, select="stg_zendesk__tickets")
    assert summary["success"], summary
    con = duckdb.connect(str(second.warehouse_path), read_only=True)
    try:
        staged = {row[0] for row in con.sql("select ticket_id from staging.stg_zendesk__tickets").fetchall()}
    finally:
        con.close()
    assert staged == set(ids)  # every ticket the first machine landed, from the second one's build


def test_a_landing_url_dbt_cannot_read_is_refused_by_name(tmp_path):
    settings = replace(Settings.from_env(), landing_root="gcs://bucket/landing")
    with pytest.raises(ValueError, match="gcs"):
        _ = settings.dbt_target
    assert replace(settings, landing_root=str(tmp_path / "landing")).dbt_target == "duckdb"


def _land(zone: LandingZone, records: list[dict], at) -> str:
    batch = zone.open_batch("harvest", "users", extracted_at=at)
    batch.write_many(records)
    batch.commit()
    return batch.batch_id


def test_a_reader_sees_a_batch_another_machine_committed_after_it_last_looked(object_store, tmp_path):
    """s3fs caches directory listings per process: a long-lived reader must still see a batch that another
    machine (another s3fs client) committed since its last listing, and one that a crash left without a
    manifest must stay unseen."""
    from datetime import UTC, datetime, timedelta

    reader = LandingZone(f"s3://{BUCKET}/landing")
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    first = _land(reader, [{"id": 1}], at)
    assert [m.batch_id for m in reader.manifests("harvest", "users")] == [first]  # the day's listing is cached

    # the other machine: its own client; the batch is made on its disk and uploaded file by file
    local = LandingZone(str(tmp_path / "landing"))
    second = _land(local, [{"id": 2}, {"id": 3}], at + timedelta(hours=1))
    day = f"source=harvest/stream=users/date={at:%Y-%m-%d}"
    made, shared = tmp_path / "landing" / day, f"{BUCKET}/landing/{day}"
    object_store.put(str(made / f"{second}.jsonl.gz"), f"{shared}/{second}.jsonl.gz")
    object_store.put(str(made / f"{second}.manifest.json"), f"{shared}/{second}.manifest.json")
    object_store.put(str(made / f"{second}.jsonl.gz"), f"{shared}/orphan.jsonl.gz")  # no manifest: a crash

    assert [m.batch_id for m in reader.manifests("harvest", "users")] == [first, second]
    assert {c["batch_id"] for c in reader.committed_batches()} == {first, second}
    manifests, unmanifested = reader.scan()
    assert [m.batch_id for _, m, _ in manifests] == [first, second]
    assert unmanifested == [f"{shared}/orphan.jsonl.gz"]
