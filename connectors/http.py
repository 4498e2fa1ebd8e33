"""One HTTP client for every vendor: timeouts, retries that honour Retry-After, clear errors, no secrets.

Retries use tenacity. A retry is taken for 429, 5xx, connection errors and timeouts, and for GitHub's
rate-limit 403 (`x-ratelimit-remaining: 0` or a "rate limit" message). 400/401/403/404/422 fail at once
with a message that names the vendor, the endpoint and the likely fix.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec
import requests
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from connectors.budget import RequestBudget
from connectors.errors import (
    MalformedResponseError,
    StreamDeadlineExceeded,
    VendorAuthError,
    VendorRequestError,
    VendorUnavailableError,
)
from connectors.redaction import redact, register_secret

log = logging.getLogger("connectors.http")

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_JSON = msgspec.json.Decoder()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    # A longer Retry-After is cut to this, and the request is retried like any other (within max_attempts).
    max_retry_after: float = 900.0
    # GitHub's advice when a secondary limit gives neither retry-after nor reset.
    default_rate_limit_wait: float = 60.0


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    # waits taken before sending, to stay inside the vendor's documented rate limit
    budget_waits: int = 0


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _is_github_rate_limit(response: requests.Response) -> bool:
    if response.status_code not in (403, 429):
        return False
    if response.headers.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in response.text[:500].lower()


@dataclass
class VendorHttpClient:
    """A requests.Session bound to one vendor account.

    `hints` maps status codes to the likely fix, used in error messages ("the token lacks read:org").
    `sleep` is injectable so tests can observe waits without waiting.
    """

    vendor: str
    base_url: str
    auth: requests.auth.AuthBase | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: tuple[float, float] = (10.0, 120.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    hints: Mapping[int, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    # Vendor-specific settings the streams read (org, start date, lookback...), from the connection extra.
    settings: Mapping[str, Any] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    stats: RequestStats = field(default_factory=RequestStats)
    # Taken before every request they cover (retries included); none: only react to the vendor's 429s.
    budgets: tuple[RequestBudget, ...] = ()

    def __post_init__(self) -> None:
        for secret in self.secrets:
            register_secret(secret)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "ai-outcomes-connector/0.1", **self.headers})
        self._deadline: tuple[float, float, str] | None = None  # (monotonic end, budget seconds, what)
        self._endpoint_now = ""

    @contextmanager
    def deadline(self, seconds: float | None, what: str) -> Iterator[None]:
        """Bound everything the block asks of the vendor (requests, retries, waits) to `seconds` overall.
        A hanging vendor then fails the stream after `seconds`, naming the endpoint, not after
        max_attempts x read timeout."""
        previous = self._deadline
        self._deadline = None if seconds is None else (time.monotonic() + seconds, seconds, what)
        try:
            yield
        finally:
            self._deadline = previous

    def _remaining(self) -> float | None:
        if self._deadline is None:
            return None
        remaining = self._deadline[0] - time.monotonic()
        if remaining <= 0:
            self._raise_deadline()
        return remaining

    def _raise_deadline(self, detail: str = "") -> None:
        _, budget, what = self._deadline
        raise StreamDeadlineExceeded(
            f"{what}: {self.vendor} did not finish within the stream's deadline of {budget:g}s; the endpoint that "
            f"hung: {self._endpoint_now}{detail}. Nothing was landed for this batch and the cursor did not move; "
            "rerun later, or raise the deadline (OUTCOMES_STREAM_DEADLINE_SECONDS or the connection's "
            "stream_deadline_seconds) if the vendor is just slow."
        )

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.base_url.rstrip("/") + "/" + path_or_url.lstrip("/")

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        response = self.request("GET", path_or_url, params=params, **kw)
        return self.parse_json(response)

    def parse_json(self, response: requests.Response) -> Any:
        try:
            # msgspec: the same values as the json module, parsed about ten times faster (a page of 1,000
            # tickets is megabytes; parsing was a third of a stream's time)
            return _JSON.decode(response.content)
        except (ValueError, msgspec.DecodeError) as exc:
            raise MalformedResponseError(
                f"{self.vendor} answered {response.status_code} with a body that is not valid JSON "
                f"at {self._endpoint(response.url)} ({len(response.content)} bytes): {exc}. Nothing from this "
                "response was landed; rerun the extraction, and report it to the vendor if it persists."
            ) from exc

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = None,
        authenticated: bool = True,
        expected: tuple[int, ...] = (200,),
        refused: Callable[[requests.Response], bool] | None = None,
    ) -> requests.Response:
        """`refused` tells an expected answer that is really a rate-limit refusal (GitHub's GraphQL API answers
        200 with an `errors` array when its primary limit is spent); it is waited out and retried like a 429."""
        url = self.url(path_or_url)
        self._endpoint_now = self._endpoint(url)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            retry=retry_if_exception_type(_Transient),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=False,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send(method, url, params, data, json, authenticated, expected, refused)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise VendorUnavailableError(
                f"{self.vendor} kept failing at {self._endpoint(url)} after {self.retry.max_attempts} "
                f"attempts (last: {redact(last)}). Nothing was landed for this batch and the cursor did not "
                "move; rerun later or raise the retry budget."
            ) from None
        raise AssertionError("unreachable")

    # -- internals -------------------------------------------------------------------------------

    def _send(self, method, url, params, data, json, authenticated, expected, refused) -> requests.Response:
        for budget in self.budgets:
            if not budget.covers(url):
                continue
            if budget.take(self.sleep):  # seconds waited, 0 when the bucket had room
                self.stats.budget_waits += 1
        self.stats.requests += 1
        remaining = self._remaining()
        timeout = self.timeout if remaining is None else tuple(min(t, remaining) for t in self.timeout)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                json=json,
                auth=self.auth if authenticated else None,
                timeout=timeout,
                # Signed download links authorise themselves: never send the vendor token there.
                headers=None if authenticated else {"Authorization": None},
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Transient(f"{type(exc).__name__}: {redact(exc)}") from None
        status = response.status_code
        if status in expected:
            if refused is not None and refused(response):
                wait = self._rate_limit_wait(response)
                raise _Transient(f"HTTP {status} with a rate-limit error",
                                 self.retry.default_rate_limit_wait if wait is None else wait)
            return response
        if status in RETRYABLE_STATUS or (status == 403 and _is_github_rate_limit(response)):
            raise _Transient(f"HTTP {status}", self._rate_limit_wait(response))
        self._raise_final(response)
        raise AssertionError("unreachable")

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None:
            return wait
        if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset"):
            try:
                return max(0.0, float(response.headers["x-ratelimit-reset"]) - time.time())
            except ValueError:
                return None
        if response.status_code in (403, 429) and _is_github_rate_limit(response):
            return self.retry.default_rate_limit_wait
        return None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.retry.max_retry_after:
                return self.retry.max_retry_after
            return retry_after
        ceiling = min(self.retry.backoff_max, self.retry.backoff_initial * 2 ** (state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter spreads out parallel retries

    def _sleep(self, seconds: float) -> None:
        remaining = self._remaining()
        if remaining is not None and seconds >= remaining:
            self._raise_deadline(f" (the next retry was due in {seconds:.0f}s)")
        self.stats.retries += 1
        self.sleep(seconds)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s: %s, retry %d/%d in %.1fs",
            self.vendor,
            redact(exc),
            state.attempt_number,
            self.retry.max_attempts - 1,
            state.next_action.sleep if state.next_action else 0.0,
        )

    def _endpoint(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path or "/"

    def _raise_final(self, response: requests.Response) -> None:
        status = response.status_code
        endpoint = self._endpoint(response.url)
        detail = redact(response.text[:300].strip()) or "(empty body)"
        hint = self.hints.get(status)
        if status in (401, 403):
            default = (
                "the credentials were rejected" if status == 401 else "the credentials lack the permission"
            )
            raise VendorAuthError(
                f"{self.vendor} answered {status} for {endpoint}: {hint or default}. Vendor said: {detail}. "
                "Not retried; fix the Airflow connection and rerun."
            )
        raise VendorRequestError(
            f"{self.vendor} answered {status} for {endpoint}"
            + (f": {hint}" if hint else "")
            + f". Vendor said: {detail}. Not retried."
        )


def bearer_auth(token: str) -> requests.auth.AuthBase:
    register_secret(token)

    class _Bearer(requests.auth.AuthBase):
        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["Authorization"] = f"Bearer {token}"
            return r

        def __repr__(self) -> str:  # never show the token
            return "BearerAuth(***)"

    return _Bearer()
