"""A stream is a small declaration; the shared runner does the rest (land, validate, commit, cursor)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from connectors.http import VendorHttpClient


@dataclass
class Page:
    records: list[dict]
    # State after this page; None keeps the previous value.
    cursor: Any = None


@dataclass
class ExtractContext:
    cursor_before: Any
    window_start: str | None = None
    window_end: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    source: str
    name: str
    primary_key: tuple[str, ...]
    # "merge": incremental, staging keeps the latest version of each key across batches.
    # "snapshot": every batch is the full list as of extraction; staging reads the latest batch.
    disposition: Literal["merge", "snapshot"]
    extract: Callable[[VendorHttpClient, ExtractContext], Iterator[Page]]
    description: str = ""

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"
