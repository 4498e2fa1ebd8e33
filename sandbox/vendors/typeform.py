"""Typeform Responses API: `GET /forms/{form_id}/responses`.

Bearer personal access token (401 `AUTHENTICATION_FAILED` otherwise), unknown form 404 `FORM_NOT_FOUND`,
`page_size` 1..1000 (400 `VALIDATION_ERROR` otherwise; default 25), `since`/`until` as ISO 8601 to the
second or a Unix timestamp (inclusive, on submitted_at), `before`/`after` a response token (exclusive;
400 with `sort`), newest submitted first. `total_items`/`page_count` describe the filtered set, not
what is left after a token. 2 requests per second per account: 429 with Retry-After above it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records import typeform as typeform_records
from sandbox.records.typeform import FORM_ID, survey_data
from sandbox.vendors.common import SandboxState, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault


def _error(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "description": description}, status_code=status, headers=headers)


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers: dict[str, str] = {}
    if fault.retry_after is not None or status == 429:
        headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 1)
    default: Any = {"code": "RATE_LIMITED" if status == 429 else "INTERNAL_ERROR",
                    "description": "Too many requests" if status == 429 else f"Sandbox fault: HTTP {status}."}
    return respond_body(error_body(fault, default), status, headers)


def _instant(raw: str) -> float:
    """Typeform's `since`/`until`: a Unix timestamp, or ISO 8601 UTC to the second (a zone is optional)."""
    if raw.isdigit():
        return float(raw)
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    knobs, _, _ = typeform_records.settings(company)  # a bad `sources.typeform` fails at startup
    window: deque[float] = deque()
    lock = threading.Lock()

    def throttled() -> Response | None:
        with lock:
            now = time.monotonic()
            while window and now - window[0] >= 1:
                window.popleft()
            if len(window) >= knobs.requests_per_second:
                return _error(429, "RATE_LIMITED", "Too many requests; slow down to 2 requests per second.",
                              headers={"Retry-After": "1"})
            window.append(now)
        return None

    async def responses(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != credentials.TYPEFORM_TOKEN:
            return _error(401, "AUTHENTICATION_FAILED", "Authentication credentials not found on the Request "
                                                        "Headers or the token is invalid.")
        if (limited := throttled()) is not None:
            return limited
        # after the limit: a request answered 429 never uses up an armed fault
        fault = state.faults.take("typeform", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault)
        form_id = request.path_params["form_id"]
        if form_id != FORM_ID:
            return _error(404, "FORM_NOT_FOUND", f"Non existing form with uid {form_id}")
        q = request.query_params
        try:
            page_size = int(q.get("page_size", "25"))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= knobs.page_size_max:
            return _error(400, "VALIDATION_ERROR", f"page_size must be between 1 and {knobs.page_size_max}")
        if q.get("sort") and (q.get("before") or q.get("after")):
            return _error(400, "VALIDATION_ERROR", "before and after cannot be used together with sort")
        try:
            since = _instant(q["since"]) if q.get("since") else None
            until = _instant(q["until"]) if q.get("until") else None
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "since and until take a Unix timestamp or ISO 8601 to the second")
        now = state.now_ts()
        found = [r for r in survey_data(company).responses
                 if _ts(r["submitted_at"]) <= now
                 and (since is None or _ts(r["submitted_at"]) >= since)
                 and (until is None or _ts(r["submitted_at"]) <= until)]
        start, stop = 0, len(found)
        tokens = {r["token"]: i for i, r in enumerate(found)}
        for param in ("before", "after"):
            if q.get(param) and q[param] not in tokens:
                return _error(400, "VALIDATION_ERROR", f"{param} must be the token of a response of this query")
        if q.get("before"):  # older than the token: further down the newest-first list
            start = tokens[q["before"]] + 1
        if q.get("after"):
            stop = tokens[q["after"]]
            start = max(start, stop - page_size)
        items = found[start:start + page_size] if not q.get("after") else found[start:stop]
        body = {"total_items": len(found), "page_count": max(1, -(-len(found) // page_size)), "items": items}
        if fault and fault.kind == "empty_page":
            body["items"] = []
        response = JSONResponse(body)
        return truncate(response) if fault and fault.kind == "malformed" else response

    return [Route("/typeform/forms/{form_id}/responses", responses, methods=["GET"])]
