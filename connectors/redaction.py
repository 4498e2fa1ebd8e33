"""Keep credentials out of logs, exceptions and landing files.

Every client registers the secrets it holds; a logging filter on the root logger masks them and the
common token-bearing patterns (Authorization headers, signed-URL signatures, OAuth bodies).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
_PATTERNS = [
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic|token)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)([?&](?:sig|signature|token|access_token|client_secret|api_token|code)=)[^&\s'\"]+"),
    re.compile(r"(?i)(\"(?:access_token|client_secret|refresh_token|api_token)\"\s*:\s*\")[^\"]+"),
]


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked wherever it would be printed. Short values are ignored."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: object) -> str:
    out = str(text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        out = out.replace(secret, MASK)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + MASK, out)
    return out


class RedactingFilter(logging.Filter):
    """Masks secrets in the final message of every record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install_log_redaction() -> None:
    """Attach the filter to every handler of the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
