"""Re-reading an incremental stream's recent past, for records a vendor shows late.

An incremental stream reads from its cursor minus a short lookback. A record that appears with an
`updated_at` older than that (eventual consistency, an edit to an old entry, a back-dated time entry) is
never read. A reconciliation re-extracts the last N days (or everything, on a full reload) into a new
batch; staging keeps the latest extraction of each key, so what was already landed is not duplicated.
It never moves the stream's cursor: the incremental runs go on from where they were.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.state import StateStore

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def rewind_cursor(cursor: Any, window: timedelta) -> Any:
    """The cursor `window` earlier, in the cursor's own form (epoch ms, ISO date, ISO date-time; a mapping of
    such cursors, e.g. one per Typeform form, each rewound), or None (read from the stream's first-sync start)
    for a cursor that cannot be moved (an opaque vendor token, the interview drop's file hashes)."""
    if cursor is None:
        return None
    if isinstance(cursor, dict):
        rewound = {key: rewind_cursor(value, window) for key, value in cursor.items()}
        return rewound if rewound and all(v is not None for v in rewound.values()) else None
    if isinstance(cursor, int) or (isinstance(cursor, str) and cursor.isdigit()):
        value = int(cursor)
        shifted = value - int(window.total_seconds() * (1000 if value > 10**11 else 1))
        return shifted if isinstance(cursor, int) else str(shifted)
    if isinstance(cursor, str) and _DATE.match(cursor):
        return (date.fromisoformat(cursor) - timedelta(days=max(1, window.days))).isoformat()
    if isinstance(cursor, str):
        try:
            moment = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
        except ValueError:
            return None
        shifted = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - window
        text = shifted.astimezone(UTC).isoformat()
        return text.replace("+00:00", "Z") if cursor.endswith("Z") else text
    return None


class RewoundState:
    """A StateStore stand-in for one reconciliation run: reads the rewound cursor, keeps the real one."""

    def __init__(self, state: StateStore, cursor: Any):
        self.state, self.cursor = state, cursor

    def get(self, source: str, stream: str) -> Any:
        return self.cursor

    def set(self, source: str, stream: str, value: Any) -> None:
        pass  # the incremental cursor stays where the incremental runs left it
