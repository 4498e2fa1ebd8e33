"""Landing compaction: the batches of one stream and day become one batch, so the file count stays bounded.

A webhook stream lands a batch every second or so while events flow (tens of thousands of small files a
day); every build lists and every full build opens each of them. Compaction copies the committed batches of
a past day, in batch order and byte for byte, into one new batch whose manifest lists the batches it
replaced (`compacted_from`: their ids, counts, hashes and rejects files), then retires them. Of a key that
several of them hold (a delivery the vendor retried), only the newest batch's lines are kept: in one batch
the copies would tie, and staging's "newest batch wins" must pick what it picked before.

Guarantees:
- nothing is lost or read twice: the new batch commits (its manifest written last, atomically) before any
  original is removed, and readers (`LandingZone.scan`, hence every build's frozen batch list) skip a batch
  that a compacted manifest replaced, so a crash between the two steps leaves a consistent landing zone; the
  next compaction of that day finishes the retirement;
- a batch that does not match its manifest (hash, count) is never absorbed: it stays as it is, and the
  build quarantines it as it would any other;
- the new batch id is the newest original's id plus `c`, so it sorts after every batch it replaced and
  before any batch of a later day: staging's "latest extraction per key" picks the same records as before.
Only days before yesterday (UTC) are compacted, so a receiver still landing late batches of a day never
races it; the transform runs it under the warehouse writer lock, so no build is reading the originals.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import msgspec

from connectors import landing_streams
from connectors.landing import LandingZone, Manifest, record_key

log = logging.getLogger(__name__)
COMPACTED_SUFFIX = "c"


@dataclass(frozen=True)
class Compaction:
    source: str
    stream: str
    day: str
    batch_id: str
    replaced: int
    records: int
    left_unverified: tuple[str, ...] = ()


def _day_manifests(zone: LandingZone, source: str, stream: str, day: str) -> list[Manifest]:
    found = []
    for path in sorted(zone.fs.glob(f"{zone.stream_dir(source, stream)}/date={day}/*.manifest.json")):
        with zone.fs.open(path, "r") as fh:
            found.append(Manifest(**json.load(fh)))
    return sorted(found, key=lambda m: m.batch_id)


def _retire(zone: LandingZone, manifest: Manifest) -> None:
    """Remove a replaced batch: the manifest first (a batch counts only while its manifest exists)."""
    data = f"{zone.root}/{manifest.data_file}"
    # the manifest sits beside its data file (LandingZone.write_manifest)
    for path in (f"{os.path.dirname(data)}/{manifest.batch_id}.manifest.json", data):
        if zone.fs.exists(path):
            zone.fs.rm(path)


def _lines(zone: LandingZone, manifest: Manifest):
    with zone.fs.open(f"{zone.root}/{manifest.data_file}", "rb") as raw, gzip.GzipFile(fileobj=raw) as fh:
        for line in fh:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


def compact_day(zone: LandingZone, source: str, stream: str, day: str, min_batches: int = 2) -> Compaction | None:
    """Compact one stream's batches of one day (YYYY-MM-DD) if it has at least `min_batches`."""
    manifests = _day_manifests(zone, source, stream, day)
    replaced = {c["batch_id"] for m in manifests for c in m.compacted_from}
    for manifest in manifests:  # finish a compaction that stopped before retiring what it replaced
        if manifest.batch_id in replaced:
            log.warning("retiring %s/%s batch %s, replaced by a compacted batch", source, stream, manifest.batch_id)
            _retire(zone, manifest)
    manifests = [m for m in manifests if m.batch_id not in replaced]
    verified, unverified = [], []
    for manifest in manifests:
        problem = zone.verify_batch(manifest)
        if problem:
            log.error("not compacting %s/%s batch %s: %s", source, stream, manifest.batch_id, problem)
            unverified.append(manifest.batch_id)
        else:
            verified.append(manifest)
    if len(verified) < max(min_batches, 2):
        return None
    newest = verified[-1]
    batch = zone.open_batch(source, stream, datetime.fromisoformat(newest.extracted_at.replace("Z", "+00:00")),
                            batch_id=newest.batch_id + COMPACTED_SUFFIX)
    primary_key = landing_streams()[f"{source}/{stream}"]["primary_key"]
    decode = msgspec.json.Decoder().decode
    newest_with = {}  # key -> index of the newest batch holding it (two passes: memory is the keys only)
    for index, manifest in enumerate(verified):
        for line in _lines(zone, manifest):
            newest_with[record_key(decode(line), primary_key)] = index
    for index, manifest in enumerate(verified):
        for line in _lines(zone, manifest):
            record = decode(line)
            if newest_with[record_key(record, primary_key)] == index:
                batch.write_line(line, record)
    batch.rejected_count = sum(m.rejected_count for m in verified)  # their files are named in compacted_from
    starts = [m.window_start for m in verified if m.window_start]
    ends = [m.window_end for m in verified if m.window_end]
    committed = batch.commit(
        window_start=min(starts, default=None), window_end=max(ends, default=None),
        cursor_before=verified[0].cursor_before, cursor_after=newest.cursor_after,
        compacted_from=[{"batch_id": m.batch_id, "record_count": m.record_count, "sha256": m.sha256,
                         "rejected_count": m.rejected_count, "rejects_file": m.rejects_file} for m in verified])
    for manifest in verified:
        _retire(zone, manifest)
    log.info("compacted %d batches of %s/%s on %s into %s (%d records)", len(verified), source, stream, day,
             committed.batch_id, committed.record_count)
    return Compaction(source, stream, day, committed.batch_id, len(verified), committed.record_count,
                      tuple(unverified))


def compact_streams(zone: LandingZone, streams: list[tuple[str, str]], *, min_batches: int = 2,
                    today: date | None = None) -> list[Compaction]:
    """Compact every day before yesterday of each stream that has at least `min_batches` batches."""
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=1)
    done = []
    for source, stream in streams:
        for path in sorted(zone.fs.glob(f"{zone.stream_dir(source, stream)}/date=*")):
            day = path.rstrip("/").rsplit("date=", 1)[-1]
            try:
                if date.fromisoformat(day) >= cutoff:
                    continue
            except ValueError:
                continue  # not a day partition
            result = compact_day(zone, source, stream, day, min_batches)
            if result:
                done.append(result)
    return done
