"""State shared by the vendor simulators: the company, faults, issued tokens, clock and request log."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.company import Company
from sandbox.vendors.faults import RESPONSE_KINDS, Fault, FaultRegistry

# Query parameters whose values must never reach the request log.
SECRET_PARAMS = {"sig", "client_secret", "access_token", "token", "api_token"}


class SandboxState:
    def __init__(self, company: Company) -> None:
        self.company = company
        self.faults = FaultRegistry()
        self.signing_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self.graph_tokens: dict[str, float] = {}  # token -> expiry epoch
        self.now_override: datetime | None = None
        self.zendesk_window: deque[float] = deque()
        self.github_used = 0
        self.github_reset = int(time.time()) + 3600
        self.github_graphql_used = 0  # GraphQL points: a budget apart from the REST requests
        self.github_graphql_reset = int(time.time()) + 3600

    # Clock: lets tests replay "earlier runs" by hiding data that would not exist yet.
    def now(self) -> datetime:
        return self.now_override or datetime.now(UTC)

    def now_ts(self) -> float:
        return self.now().timestamp()

    def log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def zendesk_rate_check(self, limit: int) -> tuple[bool, int, int]:
        """Sliding one-minute window. Returns (allowed, remaining, retry_after_seconds)."""
        now = time.monotonic()
        with self._lock:
            while self.zendesk_window and now - self.zendesk_window[0] >= 60:
                self.zendesk_window.popleft()
            if len(self.zendesk_window) >= limit:
                retry = max(1, int(60 - (now - self.zendesk_window[0])) + 1)
                return False, 0, retry
            self.zendesk_window.append(now)
            return True, limit - len(self.zendesk_window), 0


def vendor_of(path: str) -> str:
    for prefix, vendor in (("/login/", "login"), ("/graph/", "msgraph"), ("/github/", "github"),
                           ("/copilot-reports/", "copilot_reports"), ("/zendesk/", "zendesk"),
                           ("/openai/", "openai"), ("/anthropic/", "anthropic"), ("/jira/", "jira"),
                           ("/harvest/", "harvest"), ("/typeform/", "typeform"), ("/_sandbox", "sandbox")):
        if path.startswith(prefix):
            return vendor
    return "unknown"


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="$[]=(),*:")


class RequestLogMiddleware:
    """Records method, path, redacted query, whether Authorization was sent, and the status."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            headers = {k.lower() for k, _ in scope.get("headers", [])}
            self.state.log({
                "at": datetime.now(UTC).isoformat(),
                "vendor": vendor_of(scope["path"]),
                "method": scope["method"],
                "path": scope["path"],
                "query": redact_query(scope.get("query_string", b"").decode("latin-1")),
                "authorization": b"authorization" in headers,
                "status": status["code"],
            })


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def target(request: Request) -> str:
    q = request.url.query
    return f"{request.url.path}?{q}" if q else request.url.path


def truncate(response: Response) -> Response:
    """The 'malformed' fault: same status and type, body cut in half mid-JSON."""
    body = bytes(response.body)
    cut = body[: max(1, len(body) // 2)]
    headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
    return Response(cut, status_code=200, headers=headers, media_type=response.media_type)


def error_body(fault: Fault, default: Any) -> Any:
    return default if fault.body is None else fault.body


def respond_body(body: Any, status: int, headers: dict[str, str], media_type: str | None = None) -> Response:
    if isinstance(body, str | bytes):
        return Response(body, status_code=status, headers=headers, media_type=media_type or "text/plain")
    return JSONResponse(body, status_code=status, headers=headers)


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


HTML_PAGE = ("<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
             "</h1></center><hr><center>nginx</center></body></html>\n")
_REASONS = {200: "OK", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


def _walk(value: Any, visit) -> Any:
    if isinstance(value, dict):
        return visit({k: _walk(v, visit) for k, v in value.items()})
    if isinstance(value, list):
        return [_walk(v, visit) for v in value]
    return value


def _top_lists(body: Any, change) -> Any:
    """Apply `change` to the body's records: the lists at its top level (a bare array, or an object's lists)."""
    if isinstance(body, list):
        return change(body)
    if isinstance(body, dict):
        return {k: change(v) if isinstance(v, list) else v for k, v in body.items()}
    return body


def apply_response_fault(fault: Fault, body: Any) -> Any:
    """The body after a field-level fault (drop_field, rename_field, add_field, withhold)."""
    name = fault.field
    if fault.kind == "drop_field":
        return _walk(body, lambda d: {k: v for k, v in d.items() if k != name})
    if fault.kind == "rename_field":
        return _walk(body, lambda d: {(fault.rename_to if k == name else k): v for k, v in d.items()})
    if fault.kind == "add_field":
        return _top_lists(body, lambda rows: [{**r, name: fault.value} if isinstance(r, dict) else r for r in rows])
    if fault.kind == "withhold":
        return _top_lists(body, lambda rows: [r for r in rows if not (isinstance(r, dict)
                                                                       and str(r.get(name)) == str(fault.value))])
    return body


class ResponseFaultMiddleware:
    """Applies the response-level faults (faults.RESPONSE_KINDS) to any vendor's answer: an HTML page from a
    proxy, a repeated page, a field dropped, renamed or added, a record withheld. The handlers stay as
    they are; the fault is armed like any other (`/_sandbox/faults`, SandboxServer.add_fault)."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state
        self._last: dict[str, tuple[int, list, bytes]] = {}  # path -> the last response served on it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        vendor = vendor_of(scope.get("path", "")) if scope["type"] == "http" else "sandbox"
        if vendor in ("sandbox", "unknown"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        where = f"{scope['path']}?{query}" if query else scope["path"]
        # a repeated page needs a page to repeat: the fault waits for the path's first answer
        fault = self.state.faults.take(vendor, where, kinds=RESPONSE_KINDS,
                                       ready=lambda f: f.kind != "repeat_page" or scope["path"] in self._last)
        if fault is not None and fault.kind == "html":
            status = int(fault.status or 200)
            page = HTML_PAGE.format(status=status, reason=_REASONS.get(status, "Error")).encode()
            await _send_whole(send, status, [(b"content-type", b"text/html; charset=utf-8")], page)
            return
        if fault is not None and fault.kind == "repeat_page":
            await _send_whole(send, *self._last[scope["path"]])
            return
        keep = fault is not None or self.state.faults.armed(vendor, "repeat_page")
        if not keep:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status, body = start["status"], b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if fault is not None and fault.kind != "repeat_page" and status == 200:
            try:
                body = json_bytes(apply_response_fault(fault, json.loads(body)))
            except ValueError:
                pass  # not JSON: served as it is
        if status == 200:
            self._last[scope["path"]] = (status, headers, body)
        await _send_whole(send, status, headers, body)


async def _send_whole(send: Send, status: int, headers: list, body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
