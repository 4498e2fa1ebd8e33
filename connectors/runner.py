"""Extract one stream into one landing batch: extract → validate → commit → advance the cursor."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.errors import DataQualityError
from connectors.http import VendorHttpClient
from connectors.landing import LandingZone, Manifest
from connectors.state import StateStore
from connectors.streams import ExtractContext, Stream

log = logging.getLogger("connectors.runner")


@dataclass
class ValidationOutcome:
    success: bool
    failed_checks: list[str]
    summary: dict[str, Any]


BatchValidator = Callable[[Stream, list[dict]], ValidationOutcome]


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "records": self.records,
            "pages": self.pages,
            "requests": self.requests,
            "retries": self.retries,
            "seconds": round(self.seconds, 2),
            "batch_id": self.batch_id,
        }


def land_stream(
    stream: Stream,
    client: VendorHttpClient,
    zone: LandingZone,
    state: StateStore,
    *,
    validate: BatchValidator | None = None,
    now: datetime | None = None,
    after_commit: Callable[[Manifest], None] | None = None,
) -> StreamResult:
    started = time.monotonic()
    requests_before, retries_before = client.stats.requests, client.stats.retries
    cursor_before = state.get(stream.source, stream.name)
    ctx = ExtractContext(cursor_before=cursor_before)
    batch = zone.open_batch(stream.source, stream.name, now)
    cursor_after, pages = cursor_before, 0
    for page in stream.extract(client, ctx):
        pages += 1
        batch.write_many(page.records)
        if page.cursor is not None:
            cursor_after = page.cursor

    if validate is not None:
        outcome = validate(stream, batch.records())
        if not outcome.success:
            where = batch.quarantine({"failed_checks": outcome.failed_checks, "summary": outcome.summary})
            raise DataQualityError(
                f"{stream.key}: batch {batch.batch_id} ({batch.record_count} records) broke critical checks "
                f"{outcome.failed_checks}; quarantined at {where}, not committed, cursor unchanged."
            )

    manifest = batch.commit(
        window_start=ctx.window_start,
        window_end=ctx.window_end,
        cursor_before=cursor_before,
        cursor_after=cursor_after,
    )
    if after_commit is not None:  # test hook: the gap between a durable batch and the saved cursor
        after_commit(manifest)
    state.set(stream.source, stream.name, cursor_after)

    result = StreamResult(
        stream=stream.key,
        records=batch.record_count,
        pages=pages,
        requests=client.stats.requests - requests_before,
        retries=client.stats.retries - retries_before,
        seconds=time.monotonic() - started,
        batch_id=batch.batch_id,
        cursor_before=cursor_before,
        cursor_after=cursor_after,
        manifest=manifest,
    )
    log.info("landed %s", result.as_dict())
    return result
