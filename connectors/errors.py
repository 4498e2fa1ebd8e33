"""Errors a connector raises. Each message names the vendor, the endpoint and what to do."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class for every connector failure."""


class VendorAuthError(ConnectorError):
    """401/403 that is about credentials or permissions: never retried."""


class VendorRequestError(ConnectorError):
    """A 4xx answer that retrying cannot fix (bad parameter, unknown org, disabled policy)."""


class VendorUnavailableError(ConnectorError):
    """429/5xx/timeouts that outlasted the retry budget."""


class MalformedResponseError(ConnectorError):
    """The vendor answered 2xx with a body that does not match its contract."""


class DataQualityError(ConnectorError):
    """A landing batch broke a critical expectation and was quarantined instead of committed."""


class StreamDeadlineExceeded(VendorUnavailableError):
    """A stream ran out of its overall time budget (a vendor that hangs, or retries that never end)."""
