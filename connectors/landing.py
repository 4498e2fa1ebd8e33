"""The landing zone: immutable batches of vendor records, exactly as the vendor sent them.

Layout (the contract between connectors, the webhook receiver and dbt staging):
    <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz
    <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.manifest.json

A batch is written under a temporary name, fsynced and renamed; the manifest is written the same way,
last. Readers (dbt staging) only read data files that have a manifest, so a crash at any point leaves
either a whole batch or nothing. `date` is the UTC day of extraction; batch ids sort by extraction time.
`root` may be any fsspec URL; on object stores a PUT is already atomic, so the rename step is skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import fsspec

from connectors.redaction import redact

CONNECTOR_VERSION = "0.1.0"


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


# Deep or wide vendor objects are described up to these limits; the manifest stays small.
SCHEMA_MAX_DEPTH = 6
SCHEMA_MAX_PATHS = 2000


def json_type(value: Any) -> str:
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


def record_schema(value: Any, into: dict[str, set[str]], path: str = "", depth: int = 0) -> None:
    """Add every field path of one record and its JSON type to `into` (array items as `path[]`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if child not in into and len(into) >= SCHEMA_MAX_PATHS:
                continue
            into.setdefault(child, set()).add(json_type(item))
            if depth < SCHEMA_MAX_DEPTH:
                record_schema(item, into, child, depth + 1)
    elif isinstance(value, list) and path:
        for item in value:
            if isinstance(item, dict | list):
                record_schema(item, into, f"{path}[]", depth + 1)


def new_batch_id(extracted_at: datetime) -> str:
    return extracted_at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


class LandingZone:
    def __init__(self, root: str):
        self.root_url = str(root)
        self.fs, self.root = fsspec.core.url_to_fs(self.root_url)
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def stream_dir(self, source: str, stream: str) -> str:
        return f"{self.root}/source={source}/stream={stream}"

    def open_batch(self, source: str, stream: str, extracted_at: datetime | None = None) -> BatchWriter:
        return BatchWriter(self, source, stream, extracted_at or datetime.now(UTC))

    def manifests(self, source: str, stream: str) -> list[Manifest]:
        pattern = f"{self.stream_dir(source, stream)}/date=*/*.manifest.json"
        found = []
        for path in sorted(self.fs.glob(pattern)):
            with self.fs.open(path, "r") as fh:
                found.append(Manifest(**json.load(fh)))
        return found

    def committed_batches(self) -> list[dict[str, str]]:
        """Every committed batch of every stream ({source, stream, batch_id, data_file}), from the manifests'
        paths (data_file relative to the root, as in the manifest)."""
        found = []
        for path in sorted(self.fs.glob(f"{self.root}/source=*/stream=*/date=*/*.manifest.json")):
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
        for path in sorted(self.fs.glob(f"{self.root}/source=*/stream=*/date=*/*.manifest.json")):
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
        data = self.fs.glob(f"{self.root}/source=*/stream=*/date=*/*.jsonl.gz")
        return manifests, sorted(p for p in data if p not in named)

    def read_batch(self, manifest: Manifest) -> list[dict]:
        with self.fs.open(f"{self.root}/{manifest.data_file}", "rb") as fh:
            return [json.loads(line) for line in gzip.decompress(fh.read()).splitlines() if line.strip()]

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
        dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself durable
        finally:
            os.close(dir_fd)


class BatchWriter:
    """Collects one batch in memory-compressed form, then commits it whole.

    Records are gzip-compressed as they arrive, so a batch costs its compressed size in memory.
    """

    def __init__(self, zone: LandingZone, source: str, stream: str, extracted_at: datetime):
        self.zone, self.source, self.stream = zone, source, stream
        self.extracted_at = extracted_at.astimezone(UTC)
        self.batch_id = new_batch_id(self.extracted_at)
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(fileobj=self._buffer, mode="wb", mtime=0)
        self._sha = hashlib.sha256()
        self._schema: dict[str, set[str]] = {}
        self.record_count = 0
        self.committed: Manifest | None = None

    @property
    def directory(self) -> str:
        day = self.extracted_at.strftime("%Y-%m-%d")
        return f"{self.zone.stream_dir(self.source, self.stream)}/date={day}"

    def write(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
        data = (line + "\n").encode()
        self._gzip.write(data)
        self._sha.update(data)
        record_schema(record, self._schema)
        self.record_count += 1

    def write_many(self, records: list[dict]) -> None:
        for record in records:
            self.write(record)

    def payload(self) -> bytes:
        if not self._gzip.closed:
            self._gzip.close()
        return self._buffer.getvalue()

    def records(self) -> list[dict]:
        """The batch's records, read back from the compressed buffer (for validation before commit)."""
        return [json.loads(line) for line in gzip.decompress(self.payload()).splitlines() if line.strip()]

    def commit(
        self,
        *,
        window_start: str | None = None,
        window_end: str | None = None,
        cursor_before: Any = None,
        cursor_after: Any = None,
    ) -> Manifest:
        data_file = f"{self.directory}/{self.batch_id}.jsonl.gz"
        relative_data_file = data_file[len(self.zone.root) + 1 :]
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
            data_file=relative_data_file,
            schema={path: sorted(types) for path, types in sorted(self._schema.items())},
        )
        self.zone.write_atomic(data_file, self.payload())
        body = json.dumps(asdict(manifest), indent=2, default=str)
        self.zone.write_atomic(f"{self.directory}/{self.batch_id}.manifest.json", redact(body).encode())
        self.committed = manifest
        return manifest

    def quarantine(self, reason: dict) -> str:
        """Keep a rejected batch for inspection, outside the paths staging reads."""
        base = f"{self.zone.root}/_quarantine/source={self.source}/stream={self.stream}/{self.batch_id}"
        self.zone.write_atomic(f"{base}.jsonl.gz", self.payload())
        self.zone.write_atomic(f"{base}.reason.json", json.dumps(reason, indent=2, default=str).encode())
        return base
