"""The landing zone: immutable batches of vendor records, exactly as the vendor sent them.

Layout (the contract between connectors, the webhook receiver and dbt staging):
    <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz
    <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.manifest.json
    <root>/_rejects/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz  (if any)

A batch is streamed to a temporary name, fsynced and renamed; the manifest is written the same way,
last, and counts the batch's rejects (records that failed a record-level check, kept with their reasons).
Readers (dbt staging) only read data files that have a manifest, so a crash at any point leaves
either a whole batch or nothing. `date` is the UTC day of extraction; batch ids sort by extraction time.
`root` may be any fsspec URL; on object stores a PUT is already atomic, so the rename step is skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import fsspec
import msgspec
from isal import igzip

from connectors.redaction import redact

CONNECTOR_VERSION = "0.1.0"


def _as_builtin(value: Any) -> Any:
    """Numbers of other libraries (a numpy float from a generator) written as the plain number they hold."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} into a landing record")


_ENCODER = msgspec.json.Encoder(enc_hook=_as_builtin)


@dataclass(frozen=True)
class Manifest:
    source: str
    stream: str
    batch_id: str
    record_count: int
    window_start: str | None
    window_end: str | None
    cursor_before: Any
    cursor_after: Any
    sha256: str
    extracted_at: str
    connector_version: str
    data_file: str
    # field path -> JSON types seen in this batch ("a.b", "list[].key"); compared across batches for drift
    schema: dict[str, list[str]] = field(default_factory=dict)
    # records that failed a record-level check and went to the rejects file instead
    rejected_count: int = 0
    rejects_file: str | None = None
    # a compacted batch: the batches it replaced ({batch_id, record_count, sha256, rejected_count,
    # rejects_file}); readers skip any of them still present (a compaction interrupted before retiring them)
    compacted_from: list[dict[str, Any]] = field(default_factory=list)


# Deep or wide vendor objects are described up to these limits; the manifest stays small.
SCHEMA_MAX_DEPTH = 6
SCHEMA_MAX_PATHS = 2000


_JSON_TYPES = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
               list: "array", dict: "object"}
# "a.b" for each (parent path, key), built once: the schema walk runs for every field of every record
_CHILD_PATHS: dict[tuple[str, str], str] = {}


def json_type(value: Any) -> str:
    found = _JSON_TYPES.get(type(value))
    if found is not None:
        return found
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _child_path(path: str, key: Any) -> str:
    child = _CHILD_PATHS.get((path, key))
    if child is None:
        if len(_CHILD_PATHS) > 100_000:  # keys that are ids, not field names: do not keep them all
            _CHILD_PATHS.clear()
        child = _CHILD_PATHS[(path, key)] = f"{path}.{key}" if path else str(key)
    return child


def record_schema(value: Any, into: dict[str, set[str]], path: str = "", depth: int = 0,
                  seen: dict | None = None) -> None:
    """Add every field path of one record and its JSON type to `into` (array items as `path[]`).

    `seen` (one per `into`) maps each dict shape already added (path, keys, value types) to the fields to
    descend into, so a batch of like records costs a walk per container, not per field; same result.
    """
    if isinstance(value, dict):
        shape = None
        if seen is not None:
            shape = (path, depth, tuple(value), tuple(map(type, value.values())))
            nested = seen.get(shape)
            if nested is not None:
                for key, child in nested:
                    record_schema(value[key], into, child, depth + 1, seen)
                return
        descend = []
        for key, item in value.items():
            child = _child_path(path, key)
            types = into.get(child)
            if types is None:
                if len(into) >= SCHEMA_MAX_PATHS:
                    continue
                types = into[child] = set()
            types.add(_JSON_TYPES.get(type(item)) or json_type(item))
            if depth < SCHEMA_MAX_DEPTH and isinstance(item, dict | list):
                descend.append((key, child))
                record_schema(item, into, child, depth + 1, seen)
        if shape is not None and len(seen) < 100_000:
            seen[shape] = tuple(descend)
    elif isinstance(value, list) and path:
        for item in value:
            if isinstance(item, dict | list):
                record_schema(item, into, f"{path}[]", depth + 1, seen)


def record_key(record: dict, primary_key: list[str]) -> tuple:
    """A record's declared primary key (Stream.primary_key: dotted JSON paths), as a tuple of values. A part
    may name alternatives, `a|b`: the first the record carries (not null), for a stream landed in two shapes."""
    values = []
    for alternatives in primary_key:
        value = None
        for path in alternatives.split("|"):
            value = record
            for part in path.split("."):
                value = (value or {}).get(part)
            if value is not None:
                break
        values.append(value)
    return tuple(values)


def new_batch_id(extracted_at: datetime) -> str:
    return extracted_at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


class LandingZone:
    def __init__(self, root: str):
        self.root_url = str(root)
        self.fs, self.root = fsspec.core.url_to_fs(self.root_url)
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def stream_dir(self, source: str, stream: str) -> str:
        return f"{self.root}/source={source}/stream={stream}"

    def open_batch(self, source: str, stream: str, extracted_at: datetime | None = None,
                   batch_id: str | None = None) -> BatchWriter:
        return BatchWriter(self, source, stream, extracted_at or datetime.now(UTC), batch_id)

    def _glob(self, pattern: str) -> list[str]:
        """Paths matching `pattern` as the store holds them now. Object-store filesystems (s3fs, gcsfs) cache
        directory listings per process; a batch another machine committed since would stay unseen."""
        self.fs.invalidate_cache()
        return sorted(self.fs.glob(pattern))

    def manifests(self, source: str, stream: str) -> list[Manifest]:
        pattern = f"{self.stream_dir(source, stream)}/date=*/*.manifest.json"
        found = []
        for path in self._glob(pattern):
            with self.fs.open(path, "r") as fh:
                found.append(Manifest(**json.load(fh)))
        return found

    def committed_batches(self) -> list[dict[str, str]]:
        """Every committed batch of every stream ({source, stream, batch_id, data_file}), from the manifests'
        paths (data_file relative to the root, as in the manifest)."""
        found = []
        for path in self._glob(f"{self.root}/source=*/stream=*/date=*/*.manifest.json"):
            parts = path.rstrip("/").split("/")
            found.append({"source": parts[-4].removeprefix("source="), "stream": parts[-3].removeprefix("stream="),
                          "batch_id": parts[-1].removesuffix(".manifest.json"),
                          "data_file": path[len(self.root) + 1:].removesuffix(".manifest.json") + ".jsonl.gz"})
        return found

    def verify_batch(self, manifest: Manifest) -> str | None:
        """Why the batch's data file does not match its manifest (sha256 of the records, record count), or
        None when it does. Streams the file: a batch costs a read, not its size in memory."""
        path = f"{self.root}/{manifest.data_file}"
        digest, lines, tail = hashlib.sha256(), 0, b"\n"
        try:
            with self.fs.open(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    lines += chunk.count(b"\n")
                    tail = chunk[-1:]
        except FileNotFoundError:
            return f"data file {manifest.data_file} is missing"
        except (OSError, EOFError, zlib.error) as exc:
            return f"data file {manifest.data_file} is not a whole gzip file ({exc})"
        records = lines + (tail != b"\n")
        if digest.hexdigest() != manifest.sha256:
            return (f"sha256 of {manifest.data_file} is {digest.hexdigest()[:12]}..., the manifest says "
                    f"{manifest.sha256[:12]}... ({records} records, the manifest says {manifest.record_count})")
        if records != manifest.record_count:
            return f"{manifest.data_file} holds {records} records, the manifest says {manifest.record_count}"
        return None

    def scan(self) -> tuple[list[tuple[str, Manifest | None, str | None]], list[str]]:
        """Every manifest of every stream and every data file that no manifest names.

        Returns ([(manifest path, manifest or None, why it is unreadable)], [unmanifested data files]).
        """
        manifests, named = [], set()
        for path in self._glob(f"{self.root}/source=*/stream=*/date=*/*.manifest.json"):
            try:
                with self.fs.open(path, "r") as fh:
                    manifest = Manifest(**json.load(fh))
            except (OSError, ValueError, TypeError) as exc:
                manifests.append((path, None, f"manifest {path} is not readable ({exc})"))
                continue
            parts = path.split("/")
            where = (parts[-4].removeprefix("source="), parts[-3].removeprefix("stream="),
                     parts[-1].removesuffix(".manifest.json"))
            if (manifest.source, manifest.stream, manifest.batch_id) != where:
                manifests.append((path, None, f"manifest {path} describes {manifest.source}/{manifest.stream} "
                                              f"batch {manifest.batch_id}, not the batch at its path"))
                continue
            named.add(f"{self.root}/{manifest.data_file}")
            manifests.append((path, manifest, None))
        # batches a compacted batch replaced are not read again, even if a crash left them in place
        replaced = {(m.source, m.stream, c["batch_id"]) for _, m, _ in manifests if m for c in m.compacted_from}
        if replaced:
            manifests = [(p, m, why) for p, m, why in manifests
                         if m is None or (m.source, m.stream, m.batch_id) not in replaced]
        data = self.fs.glob(f"{self.root}/source=*/stream=*/date=*/*.jsonl.gz")
        return manifests, sorted(p for p in data if p not in named)

    def rejects_dir(self, source: str, stream: str) -> str:
        return f"{self.root}/_rejects/source={source}/stream={stream}"

    def relative(self, path: str) -> str:
        return path[len(self.root) + 1 :]

    def read_batch(self, manifest: Manifest) -> list[dict]:
        return list(self.iter_batch(manifest))

    def iter_batch(self, manifest: Manifest) -> Iterator[dict]:
        """The batch's records one at a time (a batch may be larger than memory)."""
        with self.fs.open(f"{self.root}/{manifest.data_file}", "rb") as raw, gzip.open(raw, "rt") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)

    def read_rejects(self, manifest: Manifest) -> list[dict]:
        """The batch's rejected records, each `{"reasons": [...], "record": {...}}`."""
        if not manifest.rejects_file:
            return []
        with self.fs.open(f"{self.root}/{manifest.rejects_file}", "rb") as raw, gzip.open(raw, "rt") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def write_manifest(self, manifest: Manifest) -> None:
        """The manifest goes last: a batch counts only once it exists."""
        directory = os.path.dirname(f"{self.root}/{manifest.data_file}")
        body = json.dumps(asdict(manifest), indent=2, default=str)
        self.write_atomic(f"{directory}/{manifest.batch_id}.manifest.json", redact(body).encode())

    def write_atomic(self, path: str, payload: bytes) -> None:
        if not self.local:
            with self.fs.open(path, "wb") as fh:
                fh.write(payload)
            return
        self.fs.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(os.path.dirname(path))


# lines held before they are hashed and compressed together (bounded: a quarter of a megabyte, or one run)
PENDING_BYTES = 1 << 18
# records encoded in one call by write_many (a vendor page or less: a few megabytes at most)
RECORDS_PER_WRITE = 1000


class BatchWriter:
    """Streams one batch to a gzip temp file on disk, then commits it whole.

    Memory stays flat whatever the batch size: records are compressed to disk as they arrive. Records that
    fail a record-level check go to a rejects file beside the batch (under `_rejects/`, same layout), each
    line `{"reasons": [...], "record": {...}}`; the manifest counts them. Nothing is visible to readers
    before `commit` (temp names end in `.tmp-<id>`, which no reader's glob matches).
    """

    def __init__(self, zone: LandingZone, source: str, stream: str, extracted_at: datetime,
                 batch_id: str | None = None):
        self.zone, self.source, self.stream = zone, source, stream
        self.extracted_at = extracted_at.astimezone(UTC)
        self.batch_id = batch_id or new_batch_id(self.extracted_at)
        self._data = _TempGzip(zone, self.data_path)
        self._sha = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._schema: dict[str, set[str]] = {}
        self._schema_shapes: dict = {}
        self._rejects: _TempGzip | None = None
        self.record_count = 0
        self.rejected_count = 0
        self.committed: Manifest | None = None

    @property
    def day(self) -> str:
        return self.extracted_at.strftime("%Y-%m-%d")

    @property
    def directory(self) -> str:
        return f"{self.zone.stream_dir(self.source, self.stream)}/date={self.day}"

    @property
    def data_path(self) -> str:
        return f"{self.directory}/{self.batch_id}.jsonl.gz"

    @property
    def rejects_path(self) -> str:
        return f"{self.zone.rejects_dir(self.source, self.stream)}/date={self.day}/{self.batch_id}.jsonl.gz"

    def write(self, record: dict) -> None:
        # msgspec writes the bytes `json.dumps(separators=(",", ":"), ensure_ascii=False)` would, 3x faster
        self.write_line(_ENCODER.encode(record) + b"\n", record)

    def write_line(self, line: bytes, record: dict) -> None:
        """Append one record as the bytes it was landed with (`line` ends with a newline)."""
        self._pending.append(line)
        self._pending_bytes += len(line)
        if self._pending_bytes >= PENDING_BYTES:
            self._flush()
        record_schema(record, self._schema, seen=self._schema_shapes)
        self.record_count += 1

    def _flush(self) -> None:
        """Hash and compress the pending lines as one buffer: a call per record costs more than the work, and
        zlib and sha256 release the GIL on a large buffer (the page fetch runs on meanwhile)."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_bytes = 0
            self._data.write(data)
            self._sha.update(data)

    def write_many(self, records: list[dict]) -> None:
        """Append records, RECORDS_PER_WRITE at a time: each run encoded in one msgspec call (the bytes
        `write` gives each record, line after line), so the encoded copy held stays small."""
        for start in range(0, len(records), RECORDS_PER_WRITE):
            run = records[start:start + RECORDS_PER_WRITE]
            data = _ENCODER.encode_lines(run)
            self._pending.append(data)
            self._pending_bytes += len(data)
            if self._pending_bytes >= PENDING_BYTES:
                self._flush()
            for record in run:
                record_schema(record, self._schema, seen=self._schema_shapes)
            self.record_count += len(run)

    def reject(self, record: dict, reasons: list[str]) -> None:
        if self._rejects is None:
            self._rejects = _TempGzip(self.zone, self.rejects_path)
        self._rejects.write(_ENCODER.encode({"reasons": reasons, "record": record}) + b"\n")
        self.rejected_count += 1

    def commit(
        self,
        *,
        window_start: str | None = None,
        window_end: str | None = None,
        cursor_before: Any = None,
        cursor_after: Any = None,
        compacted_from: list[dict[str, Any]] | None = None,
    ) -> Manifest:
        if self.committed is not None:
            raise ValueError(f"{self.source}/{self.stream} batch {self.batch_id} is already committed "
                             f"({self.committed.data_file}, {self.committed.record_count} records); a batch commits "
                             "once, and its data file and manifest stay as they are")
        self._flush()
        rejects_file = None
        if self._rejects is not None:
            self._rejects.publish(self.rejects_path)
            rejects_file = self.zone.relative(self.rejects_path)
        manifest = Manifest(
            source=self.source,
            stream=self.stream,
            batch_id=self.batch_id,
            record_count=self.record_count,
            window_start=window_start,
            window_end=window_end,
            cursor_before=cursor_before,
            cursor_after=cursor_after,
            sha256=self._sha.hexdigest(),
            extracted_at=self.extracted_at.isoformat().replace("+00:00", "Z"),
            connector_version=CONNECTOR_VERSION,
            data_file=self.zone.relative(self.data_path),
            schema={path: sorted(types) for path, types in sorted(self._schema.items())},
            rejected_count=self.rejected_count,
            rejects_file=rejects_file,
            compacted_from=compacted_from or [],
        )
        self._data.publish(self.data_path)
        self.zone.write_manifest(manifest)
        self.committed = manifest
        return manifest

    def quarantine(self, reason: dict) -> str:
        """Keep a refused batch (and its rejects) for inspection, outside the paths staging reads."""
        base = f"{self.zone.root}/_quarantine/source={self.source}/stream={self.stream}/{self.batch_id}"
        self._flush()
        self._data.publish(f"{base}.jsonl.gz")
        if self._rejects is not None:
            self._rejects.publish(f"{base}.rejects.jsonl.gz")
        body = {"record_count": self.record_count, "rejected_count": self.rejected_count, **reason}
        self.zone.write_atomic(f"{base}.reason.json", json.dumps(body, indent=2, default=str).encode())
        return base

    def discard(self) -> None:
        """Drop an unfinished batch (the extraction failed): nothing of it stays behind."""
        self._data.discard()
        if self._rejects is not None:
            self._rejects.discard()


class _TempGzip:
    """A gzip stream written to a temporary file: in the target's directory on a local disk (so the final
    rename is atomic), in the system temp directory for object stores (uploaded whole on publish)."""

    def __init__(self, zone: LandingZone, target: str):
        self.zone = zone
        if zone.local:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self.path = f"{target}.tmp-{uuid.uuid4().hex[:8]}"
        else:
            fd, self.path = tempfile.mkstemp(suffix=".jsonl.gz")
            os.close(fd)
        self._raw = open(self.path, "wb")  # noqa: SIM115 - closed in finish()/discard()
        # ISA-L (python-isal) writes the same gzip format as zlib: its level 2 compresses sandbox Zendesk
        # tickets about 4.5x faster than zlib at level 3 (which took a fifth of the connector's CPU) for
        # files 3% larger, and like zlib it releases the GIL while it compresses
        self._gzip = igzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=2, mtime=0)

    def write(self, data: bytes) -> None:
        self._gzip.write(data)

    def _finish(self) -> None:
        if not self._raw.closed:
            self._gzip.close()
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()

    def publish(self, target: str) -> None:
        self._finish()
        if self.zone.local:
            self.zone.fs.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(self.path, target)
            _fsync_dir(os.path.dirname(target))
        else:
            self.zone.fs.put_file(self.path, target)
            os.unlink(self.path)

    def discard(self) -> None:
        if not self._raw.closed:
            self._gzip.close()
            self._raw.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _fsync_dir(directory: str) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
