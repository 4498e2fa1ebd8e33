"""Anthropic Admin API: Claude Code usage report and cost report.

    GET /anthropic/v1/organizations/usage_report/claude_code?starting_at=YYYY-MM-DD   one UTC day per call
    GET /anthropic/v1/organizations/cost_report?starting_at=<RFC 3339>&bucket_width=1d&group_by[]=...

Headers `x-api-key` (an Admin key, sk-ant-admin…) and `anthropic-version` are required. Both routes page
with `limit`, `has_more` and an opaque `next_page` sent back as `page`. Errors have the Anthropic shape
`{"type": "error", "error": {"type": ..., "message": ...}}`; a 429 carries `retry-after`.
Faults use vendor name `anthropic`.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records import anthropic as records
from sandbox.vendors.common import SandboxState, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

VENDOR = "anthropic"
CLAUDE_CODE_LIMITS = (20, 1000)  # (default, max) records per page
COST_LIMITS = (7, 31)            # buckets per page


class _BadRequest(Exception):
    pass


def _error(status: int, type_: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"type": "error", "error": {"type": type_, "message": message}}, status_code=status,
                        headers={"request-id": f"req_{uuid.uuid4().hex[:24]}", **(headers or {})})


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
    type_ = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
             404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
    message = "Number of requests has exceeded your rate limit." if status == 429 else f"Sandbox fault: HTTP {status}."
    default = {"type": "error", "error": {"type": type_, "message": message}}
    return respond_body(error_body(fault, default), status, headers)


def _token(payload: dict[str, Any]) -> str:
    return "page_" + base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _untoken(token: str) -> dict[str, Any]:
    try:
        if not token.startswith("page_"):
            raise ValueError
        payload = json.loads(base64.urlsafe_b64decode(token[5:]))
        if not isinstance(payload, dict):
            raise ValueError
        return payload
    except ValueError:
        raise _BadRequest("page: invalid pagination token; pass the next_page value of the previous "
                          "response unchanged.") from None


def _limit(request: Request, limits: tuple[int, int]) -> int:
    raw = request.query_params.get("limit")
    try:
        limit = limits[0] if raw is None else int(raw)
    except ValueError:
        raise _BadRequest(f"limit: Input should be a valid integer, got {raw!r}") from None
    if not 1 <= limit <= limits[1]:
        raise _BadRequest(f"limit: Input should be between 1 and {limits[1]}")
    return limit


def _rfc3339(raw: str | None, name: str) -> datetime:
    if not raw:
        raise _BadRequest(f"{name}: Field required")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _BadRequest(f"{name}: Input should be a valid RFC 3339 datetime, got {raw!r}") from None
    if parsed.tzinfo is None:
        raise _BadRequest(f"{name}: the datetime needs a timezone (for example 2025-08-01T00:00:00Z)")
    return parsed.astimezone(UTC)


def routes(state: SandboxState) -> list[Route]:
    company = state.company

    def gate(request: Request) -> tuple[Response | None, Fault | None]:
        fault = state.faults.take(VENDOR, target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault), None
        key = request.headers.get("x-api-key", "")
        if not key:
            return _error(401, "authentication_error", "x-api-key header is required"), None
        if key.startswith("sk-ant-api"):
            return _error(403, "permission_error", "This endpoint requires an Admin API key (sk-ant-admin...); "
                                                   "standard API keys cannot read organization reports."), None
        if key != credentials.ANTHROPIC_ADMIN_KEY:
            return _error(401, "authentication_error", "invalid x-api-key"), None
        if not request.headers.get("anthropic-version"):
            return _error(400, "invalid_request_error", "anthropic-version: header is required"), None
        return None, fault

    def last_complete_day() -> date:
        # A day is reported once it is over (UTC); the simulated clock can hide later days.
        return min(company.end_date, state.now().date() - timedelta(days=1))

    async def claude_code(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        try:
            raw = request.query_params.get("starting_at")
            if not raw:
                raise _BadRequest("starting_at: Field required")
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise _BadRequest(f"starting_at: Input should be a UTC date in YYYY-MM-DD format, got {raw!r}") \
                    from None
            limit = _limit(request, CLAUDE_CODE_LIMITS)
            offset = 0
            if token := request.query_params.get("page"):
                payload = _untoken(token)
                if payload.get("d") != day.isoformat():
                    raise _BadRequest("page: the pagination token belongs to another starting_at")
                offset = int(payload.get("o", 0))
        except _BadRequest as exc:
            return _error(400, "invalid_request_error", str(exc))
        rows = records.claude_code_records(company, day) if day <= last_complete_day() else []
        chunk = rows[offset: offset + limit]
        more = offset + limit < len(rows)
        response = JSONResponse({"data": chunk, "has_more": more,
                                 "next_page": _token({"d": day.isoformat(), "o": offset + limit}) if more else None})
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def cost_report(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        q = request.query_params
        try:
            start = _rfc3339(q.get("starting_at"), "starting_at")
            end = _rfc3339(q.get("ending_at"), "ending_at") if q.get("ending_at") else None
            if q.get("bucket_width", "1d") != "1d":
                raise _BadRequest(f"bucket_width: Input should be '1d', got {q.get('bucket_width')!r}")
            limit = _limit(request, COST_LIMITS)
            group_by = tuple(dict.fromkeys(q.getlist("group_by[]") + q.getlist("group_by")))
            for g in group_by:
                if g not in records.COST_GROUP_BY:
                    raise _BadRequest(f"group_by: Input should be 'workspace_id' or 'description', got {g!r}")
            first = start.date()  # buckets snap to UTC days
            if token := q.get("page"):
                first = date.fromisoformat(str(_untoken(token).get("d")))
        except (_BadRequest, ValueError) as exc:
            return _error(400, "invalid_request_error", str(exc))
        # ending_at is exclusive; a bucket that has started (today) is listed, empty until the day is over
        stop = state.now().date() + timedelta(days=1)
        if end is not None:
            stop = min(stop, end.date() + timedelta(days=0 if end.time() == datetime.min.time() else 1))
        data = []
        day = first
        while day < stop and len(data) < limit:
            results = [dict(r) for r in records.cost_results(company, day, group_by)] \
                if day <= last_complete_day() else []
            data.append({"starting_at": f"{day.isoformat()}T00:00:00Z",
                         "ending_at": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z", "results": results})
            day += timedelta(days=1)
        more = day < stop
        response = JSONResponse({"data": data, "has_more": more,
                                 "next_page": _token({"d": day.isoformat()}) if more else None})
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def not_found(request: Request) -> Response:
        early, _ = gate(request)
        if early is not None:
            return early
        return _error(404, "not_found_error", f"Not found: {request.url.path.removeprefix('/anthropic')}")

    return [
        Route("/anthropic/v1/organizations/usage_report/claude_code", claude_code, methods=["GET"]),
        Route("/anthropic/v1/organizations/cost_report", cost_report, methods=["GET"]),
        Route("/anthropic/v1/{rest:path}", not_found, methods=["GET"]),
    ]
