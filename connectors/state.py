"""Cursor state per stream. It moves only after the batch it describes is committed."""

from __future__ import annotations

import json
from typing import Any

from connectors.landing import LandingZone


class StateStore:
    def __init__(self, root: str):
        # Reuse the landing zone's atomic, fsspec-aware writer for state files.
        self.zone = LandingZone(root)

    def _path(self, source: str, stream: str) -> str:
        return f"{self.zone.root}/{source}/{stream}.json"

    def get(self, source: str, stream: str) -> Any:
        path = self._path(source, stream)
        if not self.zone.fs.exists(path):
            return None
        with self.zone.fs.open(path, "r") as fh:
            return json.load(fh).get("cursor")

    def set(self, source: str, stream: str, cursor: Any) -> None:
        body = json.dumps({"source": source, "stream": stream, "cursor": cursor}, indent=2, default=str)
        self.zone.write_atomic(self._path(source, stream), body.encode())
