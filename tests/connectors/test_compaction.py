"""Landing compaction: a day's small batches of a stream become one batch, with nothing lost, read twice or
absorbed unverified, and a compaction stopped half-way is finished by the next."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.compaction import compact_day, compact_streams
from connectors.landing import LandingZone

STREAM = ("github", "pull_request_events")
DAY = datetime(2026, 11, 20, tzinfo=UTC)


def _event(n: int) -> dict:
    return {"delivery_id": f"d-{n}", "event": "pull_request", "payload": {"number": n, "title": f"PR é {n}"}}


def _land(zone: LandingZone, at: datetime, events: list[dict], rejects: int = 0) -> str:
    batch = zone.open_batch(*STREAM, at)
    batch.write_many(events)
    for i in range(rejects):
        batch.reject({"delivery_id": f"bad-{at.isoformat()}-{i}"}, ["delivery_id: not a known delivery"])
    return batch.commit(window_start=at.isoformat(), window_end=(at + timedelta(seconds=1)).isoformat(),
                        cursor_after=f"after-{at.second}").batch_id


def _raw_lines(zone: LandingZone) -> list[bytes]:
    """Every landed line of the stream, batch after batch in batch-id order (what staging reads)."""
    lines = []
    for _, manifest, _ in sorted(zone.scan()[0], key=lambda t: t[1].batch_id):
        lines += gzip.decompress(zone.fs.open(f"{zone.root}/{manifest.data_file}", "rb").read()).splitlines()
    return lines


@pytest.fixture
def zone(tmp_path):
    zone = LandingZone(str(tmp_path / "landing"))
    # 30 batches of one to three events on DAY (a receiver landing a batch a second), one with a reject
    n = 0
    for second in range(30):
        count = second % 3 + 1
        _land(zone, DAY + timedelta(seconds=second), [_event(n + i) for i in range(count)],
              rejects=1 if second == 7 else 0)
        n += count
    _land(zone, DAY + timedelta(days=1), [_event(1000)])  # the next day: not touched by DAY's compaction
    return zone


def test_a_day_of_small_batches_becomes_one_batch_with_the_same_records_in_the_same_order(zone):
    before = _raw_lines(zone)
    day_ids = sorted(m.batch_id for m in zone.manifests(*STREAM) if m.extracted_at.startswith("2026-11-20"))
    result = compact_day(zone, *STREAM, "2026-11-20")
    assert result.replaced == 30 and result.records == 60  # 1+2+3 ten times
    manifests = zone.manifests(*STREAM)
    assert len(manifests) == 2  # the compacted day and the untouched next day
    compacted = next(m for m in manifests if m.compacted_from)
    assert [c["batch_id"] for c in compacted.compacted_from] == day_ids
    assert compacted.batch_id > day_ids[-1] and compacted.batch_id < max(m.batch_id for m in manifests)
    raw = gzip.decompress(zone.fs.open(f"{zone.root}/{compacted.data_file}", "rb").read())
    assert hashlib.sha256(raw).hexdigest() == compacted.sha256 and raw.count(b"\n") == compacted.record_count == 60
    assert zone.verify_batch(compacted) is None
    assert _raw_lines(zone) == before  # byte for byte, in order
    assert compacted.rejected_count == 1
    kept = [c["rejects_file"] for c in compacted.compacted_from if c["rejects_file"]]
    assert len(kept) == 1 and zone.fs.exists(f"{zone.root}/{kept[0]}")  # the rejects stay, named
    assert compacted.window_start == DAY.isoformat() and compacted.cursor_after == "after-29"
    files = list(zone.fs.glob(f"{zone.stream_dir(*STREAM)}/date=2026-11-20/*"))
    assert len(files) == 2  # one data file and its manifest, where there were sixty


def test_only_days_before_yesterday_are_compacted(zone):
    assert compact_streams(zone, [STREAM], today=date(2026, 11, 21)) == []  # DAY is yesterday
    done = compact_streams(zone, [STREAM], today=date(2026, 11, 23))
    assert [(d.day, d.replaced) for d in done] == [("2026-11-20", 30)]  # 11-21 has a single batch
    assert compact_streams(zone, [STREAM], today=date(2026, 11, 23)) == []  # nothing left to do


def test_a_batch_that_does_not_match_its_manifest_is_left_for_the_build_to_quarantine(zone):
    victim = zone.manifests(*STREAM)[4]
    path = f"{zone.root}/{victim.data_file}"
    raw = gzip.decompress(zone.fs.open(path, "rb").read())
    with zone.fs.open(path, "wb") as fh:
        fh.write(gzip.compress(raw.replace(b"PR", b"XX")))
    result = compact_day(zone, *STREAM, "2026-11-20")
    assert result.replaced == 29 and result.left_unverified == (victim.batch_id,)
    assert zone.fs.exists(path)
    assert victim.batch_id in {m.batch_id for m in zone.manifests(*STREAM)}


def test_a_compaction_stopped_before_retiring_loses_nothing_and_reads_nothing_twice(zone, monkeypatch):
    import connectors.compaction as compaction

    before = _raw_lines(zone)

    def crash(*_):
        raise KeyboardInterrupt("killed after the compacted batch committed")

    monkeypatch.setattr(compaction, "_retire", crash)
    with pytest.raises(KeyboardInterrupt):
        compact_day(zone, *STREAM, "2026-11-20")
    monkeypatch.undo()
    assert len(zone.manifests(*STREAM)) == 32  # the originals and the compacted batch are all there...
    batches, stray = zone.scan()
    assert len(batches) == 2 and stray == []  # ...but readers see each record once, and no stray file
    assert _raw_lines(zone) == before
    assert compact_day(zone, *STREAM, "2026-11-20") is None  # the next run retires the originals
    assert len(zone.manifests(*STREAM)) == 2 and _raw_lines(zone) == before


def test_a_compacted_manifest_reads_back_as_a_manifest_with_its_history(zone):
    compact_day(zone, *STREAM, "2026-11-20")
    path = next(iter(zone.fs.glob(f"{zone.stream_dir(*STREAM)}/date=2026-11-20/*.manifest.json")))
    body = json.loads(zone.fs.open(path, "r").read())
    assert len(body["compacted_from"]) == 30 and body["record_count"] == 60
    assert sum(c["record_count"] for c in body["compacted_from"]) == 60


def test_a_retried_delivery_keeps_only_the_newest_batchs_copy(tmp_path):
    """In one compacted batch two copies of a key would tie; the newest batch's copy is what staging read."""
    zone = LandingZone(str(tmp_path / "landing"))
    first = {**_event(1), "received_at": "2026-11-20T00:00:00Z"}
    retried = {**_event(1), "received_at": "2026-11-20T00:00:05Z"}
    _land(zone, DAY, [first, _event(2)])
    _land(zone, DAY + timedelta(seconds=5), [retried])
    _land(zone, DAY + timedelta(seconds=9), [_event(3)])
    result = compact_day(zone, *STREAM, "2026-11-20")
    assert (result.replaced, result.records) == (3, 3)
    (manifest,) = zone.manifests(*STREAM)
    assert zone.read_batch(manifest) == [_event(2), retried, _event(3)]  # batch order, older copy dropped
    assert zone.verify_batch(manifest) is None
