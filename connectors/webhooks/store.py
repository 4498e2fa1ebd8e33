"""Durable acceptance of webhook deliveries, then landing them under the landing contract.

A delivery is acknowledged only after it is in the journal and fsynced. Concurrent deliveries share
one write and one fsync (group commit), so a burst of a thousand costs a handful of fsyncs. Every
flush interval the active journal segment is sealed and landed: one landing batch per stream,
committed like any connector batch (temp name, fsync, rename, manifest last). The batch's manifest
names the segment it came from, so a crash between landing and deleting the segment never lands
it twice; a crash before landing leaves the segment, which the next start lands.

Journal layout: <journal_dir>/<segment>.jsonl (active) and <segment>.sealed (waiting to land);
one JSON line per delivery: {"source", "stream", "key", "record"}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from connectors.landing import LandingZone, Manifest

log = logging.getLogger("connectors.webhooks")


def delivery_key(source: str, stream: str, delivery_id: str) -> str:
    return f"{source}/{stream}/{delivery_id}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DeliveryStore:
    def __init__(self, journal_dir: str | os.PathLike, landing_root: str, streams: Iterable[tuple[str, str]],
                 after_commit: Callable[[Manifest], None] | None = None):
        self.dir = Path(journal_dir)
        self.zone = LandingZone(landing_root)
        self.streams = sorted(set(streams))
        self.after_commit = after_commit  # test hook: the gap between a landed batch and the deleted segment
        self._seen: set[str] = set()
        self._landed_segments: set[tuple[str, str, str]] = set()
        self._inflight: dict[str, asyncio.Future] = {}
        self._pending: list[tuple[str, bytes, asyncio.Future]] = []
        self._committer: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        # Landing runs in worker threads: a stop's flush can start while the periodic lander's thread is still
        # landing (cancelling its task does not stop the thread). One lander at a time, or both land a segment.
        self._landing = threading.Lock()
        self._fh = None
        self._segment: Path | None = None
        self._segment_lines = 0
        self._good_offset = 0
        self.accepted = self.duplicates = self.fsyncs = 0

    # -- start-up ----------------------------------------------------------------------------------

    def open(self) -> list[Manifest]:
        """Rebuild the dedupe index from the landing zone, land what a previous process left, start a segment."""
        self.dir.mkdir(parents=True, exist_ok=True)
        for source, stream in self.streams:
            for manifest in self.zone.manifests(source, stream):
                segment = (manifest.cursor_after or {}).get("journal_segment") if isinstance(
                    manifest.cursor_after, dict) else None
                if segment:
                    self._landed_segments.add((segment, source, stream))
                for record in self.zone.read_batch(manifest):
                    self._seen.add(delivery_key(source, stream, str(record.get("delivery_id"))))
        for leftover in sorted(self.dir.glob("*.jsonl")):
            leftover.rename(leftover.with_suffix(".sealed"))
        landed = self.land_sealed()
        self._open_segment()
        return landed

    def _open_segment(self) -> None:
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self._segment = self.dir / f"{name}.jsonl"
        self._fh = open(self._segment, "ab")
        _fsync_dir(self.dir)  # the new file's name is durable before anything in it is acknowledged
        self._segment_lines = 0
        self._good_offset = 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- accepting ---------------------------------------------------------------------------------

    async def accept(self, source: str, stream: str, delivery_id: str, record: dict[str, Any]) -> str:
        """Returns "accepted" or "duplicate" once the delivery is durable; raises if it could not be made durable."""
        key = delivery_key(source, stream, delivery_id)
        if key in self._seen:
            self.duplicates += 1
            return "duplicate"
        if key in self._inflight:  # the same delivery is being written right now: answer once it is durable
            await asyncio.shield(self._inflight[key])
            self.duplicates += 1
            return "duplicate"
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        line = json.dumps({"source": source, "stream": stream, "key": key, "record": record},
                          separators=(",", ":"), ensure_ascii=False) + "\n"
        self._pending.append((key, line.encode(), future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_loop())
        await asyncio.shield(future)
        return "accepted"

    async def _commit_loop(self) -> None:
        while self._pending:
            async with self._lock:
                group, self._pending = self._pending, []
                try:
                    await asyncio.to_thread(self._append, b"".join(line for _, line, _ in group))
                except Exception as exc:  # nothing in this group is acknowledged; the vendor retries
                    log.error("journal write failed for %d deliveries: %s", len(group), exc)
                    for key, _, future in group:
                        self._inflight.pop(key, None)
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self._segment_lines += len(group)
            for key, _, future in group:
                self._seen.add(key)
                self._inflight.pop(key, None)
                self.accepted += 1
                if not future.done():
                    future.set_result(None)

    def _append(self, data: bytes) -> None:
        try:
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except BaseException:
            # Cut a torn write off so the next group starts on a clean line.
            self._fh.truncate(self._good_offset)
            self._fh.seek(self._good_offset)
            raise
        self._good_offset += len(data)
        self.fsyncs += 1

    # -- landing -----------------------------------------------------------------------------------

    async def flush(self) -> list[Manifest]:
        """Seal the active segment (if it holds anything) and land every sealed segment."""
        async with self._lock:
            if self._segment_lines:
                self._fh.close()
                self._segment.rename(self._segment.with_suffix(".sealed"))
                self._open_segment()
        return await asyncio.to_thread(self.land_sealed)

    def land_sealed(self) -> list[Manifest]:
        landed: list[Manifest] = []
        with self._landing:
            for segment in sorted(self.dir.glob("*.sealed")):
                landed += self._land_segment(segment)
                segment.unlink()
                _fsync_dir(self.dir)
        return landed

    def _land_segment(self, segment: Path) -> list[Manifest]:
        by_stream: dict[tuple[str, str], list[dict]] = defaultdict(list)
        keys: set[str] = set()
        for raw in segment.read_bytes().splitlines():
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                # Only a write torn by a crash can end up here, and it was never acknowledged.
                log.warning("%s: skipping a torn, unacknowledged line", segment.name)
                continue
            if entry["key"] in keys:
                continue
            keys.add(entry["key"])
            by_stream[(entry["source"], entry["stream"])].append(entry["record"])
        manifests = []
        for (source, stream), records in sorted(by_stream.items()):
            if (segment.stem, source, stream) in self._landed_segments:
                continue  # landed before a crash that kept the segment
            batch = self.zone.open_batch(source, stream)
            batch.write_many(records)
            received = sorted(r["received_at"] for r in records)
            manifest = batch.commit(window_start=received[0], window_end=received[-1],
                                    cursor_after={"journal_segment": segment.stem, "deliveries": len(records)})
            self._landed_segments.add((segment.stem, source, stream))
            self._seen.update(delivery_key(source, stream, str(r["delivery_id"])) for r in records)
            manifests.append(manifest)
            log.info("landed %d %s/%s deliveries as batch %s", len(records), source, stream, manifest.batch_id)
            if self.after_commit is not None:
                self.after_commit(manifest)
        return manifests
