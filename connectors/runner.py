"""Extract one stream into landing batches: extract → validate record by record → commit → advance the cursor.

Records stream straight to disk, so memory does not grow with the batch. Each record passes the
stream's record-level checks or goes to the batch's rejects file with its reasons; the batch-level checks
run when the batch closes. A batch is refused whole (quarantined) only when a batch-level check fails or
its rejected share passes `max_rejected_share`. An incremental ("merge") stream is cut into batches of at
most `max_batch_records`; a snapshot stays one batch, since staging reads a snapshot as its latest batch.
The cursor moves once, after the last batch of the run is durable: a crash in between re-extracts the
window and staging keeps the latest extraction of each key. The next page is fetched while the current
one is checked and written, so the vendor's time and ours overlap.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connectors.errors import DataQualityError
from connectors.http import VendorHttpClient
from connectors.landing import RECORDS_PER_WRITE, BatchWriter, LandingZone, Manifest
from connectors.state import StateStore
from connectors.streams import ExtractContext, Stream

log = logging.getLogger("connectors.runner")

DEFAULT_MAX_BATCH_RECORDS = 100_000
DEFAULT_MAX_REJECTED_SHARE = 0.05


@dataclass
class ValidationOutcome:
    success: bool
    failed_checks: list[str]
    summary: dict[str, Any]


class BatchCheck(Protocol):
    """One batch's validation, fed one record at a time."""

    def check(self, record: dict) -> list[str]:
        """The record-level checks this record fails (empty: it may land)."""

    def finish(self) -> ValidationOutcome:
        """The batch-level checks over the records that passed."""


class LandingValidator(Protocol):
    def start(self, stream: Stream) -> BatchCheck: ...


@dataclass
class StreamResult:
    stream: str
    records: int
    pages: int
    requests: int
    retries: int
    seconds: float
    batch_id: str
    cursor_before: Any
    cursor_after: Any
    manifest: Manifest
    rejected: int = 0
    manifests: list[Manifest] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "records": self.records,
            "rejected": self.rejected,
            "batches": len(self.manifests),
            "pages": self.pages,
            "requests": self.requests,
            "retries": self.retries,
            "seconds": round(self.seconds, 2),
            "batch_id": self.batch_id,
        }


class _OpenBatch:
    """A batch being written together with its validation."""

    def __init__(self, stream: Stream, zone: LandingZone, extracted_at: datetime, validate: LandingValidator | None):
        self.stream = stream
        self.writer: BatchWriter = zone.open_batch(stream.source, stream.name, extracted_at)
        self.check = validate.start(stream) if validate is not None else None

    @property
    def size(self) -> int:
        return self.writer.record_count + self.writer.rejected_count

    def add(self, records: list[dict]) -> None:
        """Check each record, reject the failures with their reasons, write the rest in one call."""
        if self.check is None:
            self.writer.write_many(records)
            return
        accepted = []
        for record in records:
            reasons = self.check.check(record)
            if reasons:
                self.writer.reject(record, reasons)
            else:
                accepted.append(record)
        self.writer.write_many(accepted)

    def close(self, ctx: ExtractContext, cursor_before: Any, cursor_after: Any, max_rejected_share: float) -> Manifest:
        writer = self.writer
        if self.check is not None:
            outcome = self.check.finish()
            failed = list(outcome.failed_checks)
            share = writer.rejected_count / self.size if self.size else 0.0
            if share > max_rejected_share:
                failed.append(f"{writer.rejected_count} of {self.size} records ({share:.1%}) failed record-level "
                              f"checks, above the allowed share of {max_rejected_share:.1%}")
            if failed:
                where = writer.quarantine({"failed_checks": failed, "summary": outcome.summary})
                raise DataQualityError(
                    f"{self.stream.key}: batch {writer.batch_id} ({self.size} records, {writer.rejected_count} "
                    f"rejected) broke critical checks {failed}; quarantined at {where}, not committed, cursor "
                    f"unchanged. Fix the data at the vendor or the check in expectations/, then rerun."
                )
            if outcome.summary.get("warnings"):
                log.warning("%s warnings: %s", self.stream.key, outcome.summary["warnings"])
        if writer.rejected_count:
            log.warning("%s: batch %s rejected %d record(s), see %s", self.stream.key, writer.batch_id,
                        writer.rejected_count, writer.rejects_path)
        return writer.commit(window_start=ctx.window_start, window_end=ctx.window_end,
                             cursor_before=cursor_before, cursor_after=cursor_after)


_frozen_lock = threading.Lock()
_frozen_streams = 0


@contextlib.contextmanager
def _collector_skips_loaded_objects() -> Iterator[None]:
    """Keep the objects that exist before a stream starts (the imported modules: hundreds of thousands
    once the suites are loaded) out of the cycle collector's full passes while the stream runs.

    Decoding a page allocates tens of thousands of dicts and lists that outlive the young generations (a
    page waits in the prefetch queue), so a full collection runs every few pages, and each walked every
    imported function and class: for 37,883 Zendesk tickets that was 12 passes and about 40 µs a record,
    more than the checks, the schema and the writing together. Frozen objects are only skipped, not
    freed or changed; they return to the collector when the last stream of the process ends."""
    global _frozen_streams
    with _frozen_lock:
        if _frozen_streams == 0:
            gc.freeze()
        _frozen_streams += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_streams -= 1
            if _frozen_streams == 0:
                gc.unfreeze()


class _Prefetch:
    """Runs a stream's extraction one page ahead in a thread (the client is used by that thread alone)."""

    _END = object()

    def __init__(self, pages: Iterator, depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pages,), name="page-prefetch", daemon=True)
        self._thread.start()

    def _offer(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, pages: Iterator) -> None:
        try:
            for page in pages:
                if not self._offer(page):
                    break
            else:
                self._offer(self._END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._offer(exc)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def land_stream(
    stream: Stream,
    client: VendorHttpClient,
    zone: LandingZone,
    state: StateStore,
    *,
    validate: LandingValidator | None = None,
    now: datetime | None = None,
    after_commit: Callable[[Manifest], None] | None = None,
    max_batch_records: int = DEFAULT_MAX_BATCH_RECORDS,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> StreamResult:
    if max_batch_records < 1:
        raise ValueError(f"max_batch_records must be at least 1, got {max_batch_records}")
    with _collector_skips_loaded_objects():
        return _land_stream(stream, client, zone, state, validate, now, after_commit, max_batch_records,
                            max_rejected_share)


def _land_stream(stream: Stream, client: VendorHttpClient, zone: LandingZone, state: StateStore,
                 validate: LandingValidator | None, now: datetime | None,
                 after_commit: Callable[[Manifest], None] | None, max_batch_records: int,
                 max_rejected_share: float) -> StreamResult:
    started = time.monotonic()
    requests_before, retries_before = client.stats.requests, client.stats.retries
    cursor_before = state.get(stream.source, stream.name)
    ctx = ExtractContext(cursor_before=cursor_before)
    splittable = stream.disposition == "merge"
    extracted_at = (now or datetime.now(UTC)).astimezone(UTC)

    def next_time() -> datetime:
        # batch ids sort by extraction time, so a later batch of the same run wins over an earlier one
        nonlocal extracted_at
        extracted_at = max(extracted_at + timedelta(microseconds=1), now or datetime.now(UTC))
        return extracted_at

    batch = _OpenBatch(stream, zone, extracted_at, validate)
    manifests: list[Manifest] = []
    cursor_after, pages = cursor_before, 0

    def close_batch() -> None:
        manifest = batch.close(ctx, cursor_before, cursor_after, max_rejected_share)
        manifests.append(manifest)
        if after_commit is not None:  # test hook: the gap between a durable batch and the saved cursor
            after_commit(manifest)

    prefetch = _Prefetch(stream.extract(client, ctx))
    try:
        for page in prefetch:
            pages += 1
            records = iter(page.records)
            while True:
                # a page goes to the writer in runs of at most RECORDS_PER_WRITE, cut where a batch fills
                room = max_batch_records - batch.size if splittable else RECORDS_PER_WRITE
                run = list(itertools.islice(records, max(1, min(room, RECORDS_PER_WRITE))))
                if not run:
                    break
                if room <= 0:  # the batch is full and another record came: the next batch takes it
                    close_batch()
                    batch = _OpenBatch(stream, zone, next_time(), validate)
                batch.add(run)
            if page.cursor is not None:
                cursor_after = page.cursor
        close_batch()
    except BaseException:
        batch.writer.discard()
        raise
    finally:
        prefetch.close()
    state.set(stream.source, stream.name, cursor_after)

    result = StreamResult(
        stream=stream.key,
        records=sum(m.record_count for m in manifests),
        rejected=sum(m.rejected_count for m in manifests),
        pages=pages,
        requests=client.stats.requests - requests_before,
        retries=client.stats.retries - retries_before,
        seconds=time.monotonic() - started,
        batch_id=manifests[-1].batch_id,
        cursor_before=cursor_before,
        cursor_after=cursor_after,
        manifest=manifests[-1],
        manifests=manifests,
    )
    log.info("landed %s", result.as_dict())
    return result
