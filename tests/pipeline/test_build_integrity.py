"""Nothing is published that a recorded build did not make: killed, timed-out and concurrent transforms,
orphan builds, tampered and stray landing files. Each transform here runs real dbt on a small landing zone."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
import yaml

from outcomes.dbt_models import dbt_model_vars
from outcomes.pipeline import StepFailed, gate, publish, read_step, record_step, transform
from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "dbt"))
import make_landing_fixture as fixture  # noqa: E402

ONE_MODEL = "stg_zendesk__tickets"


def _settings(data: Path) -> Settings:
    workflows = data / "workflows.yml"
    if not workflows.exists():
        data.mkdir(parents=True, exist_ok=True)
        workflows.write_text(yaml.safe_dump({"workflows": fixture.WORKFLOWS}))
        fixture.write_fixture(data / "landing")
    return replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                   state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                   published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                   runs_dir=data / "runs", workflows_path=workflows)


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "OUTCOMES_DATA_DIR": str(settings.data_dir), "OUTCOMES_LANDING_ROOT": settings.landing_root,
            "OUTCOMES_WAREHOUSE_PATH": str(settings.warehouse_path), "OUTCOMES_WORKFLOWS": str(settings.workflows_path),
            "OUTCOMES_PUBLISHED_PATH": str(settings.published_path), "OUTCOMES_GX_ROOT": str(settings.gx_root)}


def _start_cli_transform(settings: Settings) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "outcomes.cli", "transform"], env=_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_dbt_child(parent: subprocess.Popen, timeout: float = 90) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(parent.pid).children(recursive=True):
            try:
                if "dbt" in " ".join(child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        assert parent.poll() is None, parent.communicate()
        time.sleep(0.1)
    raise AssertionError("dbt never started")


def _dbt_processes_for(warehouse: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            if "dbt" in " ".join(proc.info["cmdline"] or []) and \
                    (proc.info["environ"] or {}).get("OUTCOMES_WAREHOUSE_PATH") == str(warehouse):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _bare_dbt_build(settings: Settings, select: str) -> None:
    """What an orphaned dbt child does: rewrite the warehouse with nobody recording it."""
    project = ROOT / "dbt_project"
    out = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--project-dir", str(project), "--profiles-dir",
         str(project), "--target-path", str(settings.data_dir / "orphan-target"), "--log-path",
         str(settings.data_dir / "orphan-logs"), "--select", select,
         "--vars", json.dumps(dbt_model_vars(project, workflows=fixture.WORKFLOWS))],
        cwd=project, env=_env(settings), capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:]


# -- a transform vouches only for itself ---------------------------------------------------------------


def test_a_transform_refused_before_dbt_no_longer_vouches_for_the_previous_build(tmp_path):
    settings = _settings(tmp_path)
    record_step(settings, "transform", {"success": True, "build_id": "previous-build", "full_build_done": True})
    settings.workflows_path.write_text("workflows: [{workflow: broken}]")
    with pytest.raises(Exception, match="workflows"):
        transform(settings)
    record = read_step(settings, "transform")
    assert record["build_id"] != "previous-build" and record["success"] is False
    with pytest.raises(StepFailed, match="did not succeed"):
        gate(settings)
    record_step(settings, "gate", {"success": True, "build_id": "previous-build"})
    with pytest.raises(StepFailed):
        publish(settings)
    assert not settings.published_path.exists()


def test_an_unrecorded_build_over_the_warehouse_blocks_gate_and_publish_naming_both_ids(tmp_path):
    settings = _settings(tmp_path)
    recorded = transform(settings)["build_id"]  # a full build: marts to publish
    record_step(settings, "gate", {"success": True, "build_id": recorded})  # as a passed gate leaves it
    _bare_dbt_build(settings, ONE_MODEL)
    with pytest.raises(StepFailed) as refused:
        publish(settings)
    assert recorded in str(refused.value) and "unrecorded-" in str(refused.value)
    assert not settings.published_path.exists()
    with pytest.raises(StepFailed, match=recorded):
        gate(settings)
    with pytest.raises(StepFailed, match="asked for build other-build"):
        publish(settings, build_id="other-build")


def test_a_killed_transform_takes_dbt_with_it_and_vouches_for_nothing(tmp_path):
    settings = _settings(tmp_path)
    record_step(settings, "transform", {"success": True, "build_id": "previous-build", "full_build_done": True})
    parent = _start_cli_transform(settings)
    child = _wait_for_dbt_child(parent)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    try:
        child.wait(timeout=10)
    except psutil.TimeoutExpired:
        child.kill()
        pytest.fail("dbt kept running after its transform was killed")
    assert not _dbt_processes_for(settings.warehouse_path)
    record = read_step(settings, "transform")
    assert record["status"] == "running" and record["build_id"] != "previous-build"
    with pytest.raises(StepFailed, match="did not succeed"):
        gate(settings)
    with pytest.raises(StepFailed):
        publish(settings)


def test_a_build_past_its_timeout_is_stopped_and_recorded_as_failed(tmp_path):
    settings = replace(_settings(tmp_path), build_timeout_seconds=2)
    started = time.monotonic()
    with pytest.raises(StepFailed, match="longer than 2s"):
        transform(settings)
    assert time.monotonic() - started < 30
    assert not _dbt_processes_for(settings.warehouse_path)
    assert read_step(settings, "transform")["status"] == "failed"


# -- one build at a time, one frozen snapshot per build ---------------------------------------------------


def test_a_second_transform_is_refused_and_leaves_the_running_builds_snapshot_alone(tmp_path):
    settings = _settings(tmp_path)
    first = _start_cli_transform(settings)
    _wait_for_dbt_child(first)
    running = read_step(settings, "transform")
    snapshots = {p: p.read_bytes() for p in (tmp_path / "dbt").rglob("*snapshot*.jsonl")}
    snapshots |= {p: p.read_bytes() for p in (tmp_path / "dbt").rglob("landing_*.jsonl")}
    assert snapshots
    # a batch committed while the first build runs
    late = [fixture.ticket(123456, 1, fixture.at(fixture.T0), 2)]
    fixture.write_batch(Path(settings.landing_root), "zendesk", "tickets", late,
                        fixture.datetime(2026, 3, 27, tzinfo=fixture.UTC), "late0001")
    with pytest.raises(Exception) as refused:
        transform(settings)
    first_line = str(refused.value).splitlines()[0]
    assert first_line.startswith("another build holds the warehouse")
    assert str(first.pid) in first_line and running["build_id"] in first_line and running["started_at"] in first_line
    assert {p: p.read_bytes() for p in snapshots} == snapshots
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-3000:]
    assert read_step(settings, "transform")["build_id"] == running["build_id"]
    frozen = [json.loads(line) for p in snapshots for line in p.read_text().splitlines()]
    assert not any(b["batch_id"].endswith("late0001") for b in frozen)


# -- every batch checked against its manifest; no file read without one --------------------------------


def _drop_first_record(data_file: Path) -> None:
    lines = gzip.decompress(data_file.read_bytes()).splitlines(keepends=True)
    data_file.write_bytes(gzip.compress(b"".join(lines[1:]), mtime=0))


def test_a_tampered_batch_is_quarantined_a_stray_file_ignored_and_publish_blocked(tmp_path):
    settings = _settings(tmp_path)
    landing = Path(settings.landing_root)
    tampered = next(landing.rglob("*dddd0001.jsonl.gz"))
    _drop_first_record(tampered)
    stray_dir = next(landing.rglob("stream=users/date=*"))
    (stray_dir / "copied-by-hand.jsonl.gz").write_bytes(b"this is not gzip at all\n")
    summary = transform(settings, select=ONE_MODEL)
    assert [q["manifest"].split("/")[-1] for q in summary["quarantined"]] == [
        tampered.name.replace(".jsonl.gz", ".manifest.json")]
    assert "the manifest says" in summary["quarantined"][0]["reason"]
    assert any(f.endswith("copied-by-hand.jsonl.gz") for f in summary["ignored_files"])
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        batches = {r[0][-8:] for r in con.execute("select distinct _batch_id from staging.stg_zendesk__tickets")
                   .fetchall()}
    finally:
        con.close()
    assert batches == {"dddd0002"}
    with pytest.raises(StepFailed, match=r"dddd0001.*did not match|did not match.*dddd0001"):
        gate(settings)
    assert "dddd0001" in " ".join(read_step(settings, "gate")["failures"])


def test_a_batch_is_checked_until_a_full_build_has_read_it(tmp_path, monkeypatch):
    """The last successful full build's snapshot names the batches it checked and built: a later build checks
    only the others; without such a build, or for a full refresh, every batch is checked."""
    from connectors.landing import LandingZone
    from outcomes.pipeline import _built_before, freeze_landing

    settings = _settings(tmp_path)
    checked: list[str] = []
    original = LandingZone.verify_batch
    monkeypatch.setattr(LandingZone, "verify_batch", lambda zone, m: checked.append(m.batch_id) or original(zone, m))
    first = freeze_landing(settings, "b1")
    every = {json.loads(line)["batch_id"] for line in first["snapshot"].read_text().splitlines()}
    assert set(checked) == every and len(every) > 5

    tampered = next(Path(settings.landing_root).rglob("*dddd0001.jsonl.gz"))
    _drop_first_record(tampered)  # after a build read it: not read again, so not checked again
    from datetime import UTC, datetime

    new = LandingZone(settings.landing_root).open_batch("zendesk", "tickets", datetime.now(UTC))
    new.write_many([{"id": 99, "status": "open"}])
    new_id = new.commit(window_start=None, window_end=None, cursor_after=None).batch_id

    checked.clear()
    full = {"success": True, "selected": None, "build_id": "b1"}
    second = freeze_landing(settings, "b2", frozenset(_built_before(settings, full)))
    assert checked == [new_id] and second["batches"] == len(every) + 1 and not second["quarantined"]

    for previous in ({**full, "success": False}, {**full, "selected": "stg_github__pull_request_events+"}, {}):
        assert _built_before(settings, previous) == set()
    # webhook-only builds after the full one: the full build's batches still need no second check
    webhook_only = {"success": True, "selected": "stg_github__pull_request_events+", "build_id": "b2",
                    "last_full_build_id": "b1"}
    assert _built_before(settings, webhook_only) == _built_before(settings, full) != set()
    checked.clear()
    refreshed = freeze_landing(settings, "b3")  # what a full refresh passes: nothing built before
    assert set(checked) == every | {new_id}
    assert [q["manifest"].split("/")[-1] for q in refreshed["quarantined"]] == [
        tampered.name.replace(".jsonl.gz", ".manifest.json")]


def test_past_webhook_days_are_compacted_and_each_build_signs_itself_keeping_dbt_partial_parsing(tmp_path):
    """A receiver lands a batch a second; the transform compacts past days into one batch each. The
    incremental staging that had built the originals then holds the same deliveries, each once.
    Each of the two builds writes its own id into the warehouse; the id and the snapshot change every
    build, and passed in --vars they would make dbt re-parse the whole project every time."""
    from datetime import UTC, datetime, timedelta

    import duckdb

    from outcomes.pipeline import warehouse_build_id
    from sandbox.webhooks import zendesk_ticket_solved

    settings = replace(_settings(tmp_path), compact_min_batches=0)
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=5)
    created = day - timedelta(days=2)
    for n in range(6):  # six one-second batches; the last one repeats the first delivery (a vendor retry)
        delivery = f"ev-{n % 5}"
        event = {"delivery_id": delivery, "event": "ticket.status_changed",
                 "received_at": (day + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"), "headers": {},
                 "payload": zendesk_ticket_solved(700_000 + n % 5, 1001, 1002, created, day, event_id=delivery)}
        fixture.write_batch(Path(settings.landing_root), "zendesk", "ticket_events", [event],
                            day + timedelta(seconds=n), f"wh{n:06d}")
    model = "stg_zendesk__ticket_events"

    def staged() -> list[tuple]:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            return con.execute(f"select * exclude (_batch_id, _extracted_at) from staging.{model} "
                               "where event_id like 'ev-%' order by event_id").fetchall()
        finally:
            con.close()

    first = transform(settings, select=model)
    assert first["compacted"] == [] and warehouse_build_id(settings) == first["build_id"]
    log = settings.data_dir / "dbt" / "logs" / "dbt.log"
    assert log.read_text().count("Unable to do partial parsing") == 1  # the first build: no saved manifest
    before = staged()
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    ids = [r[0] for r in con.execute(f"select event_id from staging.{model} where event_id like 'ev-%' "
                                     "order by 1").fetchall()]
    con.close()
    assert ids == [f"ev-{n}" for n in range(5)] and len(before) == 5  # the retried delivery once
    directory = Path(settings.landing_root) / "source=zendesk" / "stream=ticket_events" / f"date={day:%Y-%m-%d}"
    assert len(list(directory.glob("*.manifest.json"))) == 6

    summary = transform(replace(settings, compact_min_batches=2), select=model)
    assert [(c["stream"], c["day"], c["batches"], c["records"]) for c in summary["compacted"]] == \
        [("zendesk/ticket_events", f"{day:%Y-%m-%d}", 6, 5)]  # five deliveries, the retried one once
    assert len(list(directory.glob("*.manifest.json"))) == 1 and len(list(directory.glob("*.jsonl.gz"))) == 1
    assert staged() == before
    assert summary["build_id"] != first["build_id"] and warehouse_build_id(settings) == summary["build_id"]
    assert log.read_text().count("Unable to do partial parsing") == 1, "the second build parsed the whole project"
    frozen = settings.data_dir / "dbt" / "snapshots"
    assert (frozen / "current_landing.jsonl").resolve() == (frozen / f"landing_{summary['build_id']}.jsonl")
    assert (frozen / f"landing_{first['build_id']}.jsonl").is_file()  # the first build's snapshot stays
