"""OpenAI Administration API: completions usage, costs and organization users.

    GET /openai/v1/organization/usage/completions   daily buckets, has_more + next_page -> page
    GET /openai/v1/organization/costs               daily buckets in dollars, currency "usd"
    GET /openai/v1/organization/users               list with limit/after, has_more, last_id

Admin key as `Authorization: Bearer`; a project key gets 403. `group_by` arrays are accepted as repeated
keys (`group_by=model`) or with brackets (`group_by[]=model`). Buckets are UTC days; a bucket without
usage has `results: []`. Faults use vendor name `openai`.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.company import midnight
from sandbox.records import openai as records
from sandbox.vendors.common import SandboxState, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

VENDOR = "openai"
DAY = 86_400
USAGE_LIMITS = (7, 31)   # (default, max) buckets per page for bucket_width=1d
COST_LIMITS = (7, 180)
USER_LIMITS = (20, 100)


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def _error(status: int, message: str, type_: str = "invalid_request_error", param: str | None = None,
           code: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "param": param, "code": code}},
                        status_code=status, headers=headers)


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
    if status == 429:
        default: Any = {"error": {"message": "Rate limit reached for requests to the organization usage API. "
                                             "Please try again later.",
                                  "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    elif status >= 500:
        default = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                             "type": "server_error", "param": None, "code": None}}
    else:
        default = {"error": {"message": f"Sandbox fault: HTTP {status}.", "type": "invalid_request_error",
                             "param": None, "code": None}}
    return respond_body(error_body(fault, default), status, headers)


def _int_param(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise _BadRequest(f"Invalid value for '{name}': expected an integer, got {raw!r}.", name) from None


def _group_by(request: Request, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = request.query_params.getlist("group_by") + request.query_params.getlist("group_by[]")
    for v in values:
        if v not in allowed:
            raise _BadRequest(f"Invalid value for 'group_by': {v!r}. Supported values are {list(allowed)}.",
                              "group_by")
    return tuple(dict.fromkeys(values))


def _page_token(start: int) -> str:
    return "page_" + base64.urlsafe_b64encode(start.to_bytes(8, "big")).decode().rstrip("=")


def _page_start(token: str) -> int:
    if not token.startswith("page_"):
        raise _BadRequest("Invalid 'page' cursor; pass the next_page value of the previous response.", "page")
    try:
        return int.from_bytes(base64.urlsafe_b64decode(token[5:] + "==="), "big")
    except ValueError:
        raise _BadRequest("Invalid 'page' cursor; pass the next_page value of the previous response.",
                          "page") from None


def routes(state: SandboxState) -> list[Route]:
    company = state.company

    def gate(request: Request) -> tuple[Response | None, Fault | None]:
        fault = state.faults.take(VENDOR, target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault), None
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if not key or scheme.lower() != "bearer":
            return _error(401, "You didn't provide an API key. You need to provide your API key in an "
                               "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."), None
        if key.startswith("sk-proj-") or (key.startswith("sk-") and not key.startswith("sk-admin-")):
            return _error(403, "You have insufficient permissions for this operation. Missing scopes: "
                               "api.usage.read. Organization usage needs an Admin API key (sk-admin-...).",
                          code="insufficient_permissions"), None
        if key != credentials.OPENAI_ADMIN_KEY:
            return _error(401, f"Incorrect API key provided: {key[:9]}****{key[-4:]}. You can find your API key "
                               "at https://platform.openai.com/account/api-keys.", code="invalid_api_key"), None
        return None, fault

    def data_day(day: date) -> bool:
        # A day's usage exists once it has started (the current day is partial) and inside the company.
        return day <= company.end_date and midnight(day) < state.now_ts()

    def buckets(request: Request, limits: tuple[int, int], allowed: tuple[str, ...], results) -> dict[str, Any]:
        start_time = _int_param(request, "start_time")
        if start_time is None:
            raise _BadRequest("Missing required parameter: 'start_time'.", "start_time")
        end_time = _int_param(request, "end_time", None)
        width = request.query_params.get("bucket_width", "1d")
        if width != "1d":
            raise _BadRequest(f"Invalid value for 'bucket_width': {width!r}. The sandbox serves '1d' buckets.",
                              "bucket_width")
        limit = _int_param(request, "limit", limits[0])
        if not 1 <= limit <= limits[1]:
            raise _BadRequest(f"Invalid value for 'limit': must be between 1 and {limits[1]} for 1d buckets.",
                              "limit")
        group_by = _group_by(request, allowed)
        first = start_time - start_time % DAY  # buckets are UTC days
        if token := request.query_params.get("page"):
            first = _page_start(token)
        if end_time is not None and end_time <= start_time:
            raise _BadRequest("'end_time' must be after 'start_time'.", "end_time")
        stop = min(end_time if end_time is not None else int(state.now_ts()), int(state.now_ts()))
        data = []
        cursor = first
        while cursor < stop and len(data) < limit:
            day = datetime.fromtimestamp(cursor, UTC).date()
            rows = [dict(r) for r in results(company, day, group_by)] if data_day(day) else []
            data.append({"object": "bucket", "start_time": cursor, "end_time": cursor + DAY, "results": rows})
            cursor += DAY
        more = cursor < stop
        return {"object": "page", "data": data, "has_more": more, "next_page": _page_token(cursor) if more else None}

    def bucket_endpoint(limits, group_by, results):
        async def endpoint(request: Request) -> Response:
            early, fault = gate(request)
            if early is not None:
                return early
            try:
                body = buckets(request, limits, group_by, results)
            except _BadRequest as exc:
                return _error(400, str(exc), param=exc.param)
            response = JSONResponse(body)
            return truncate(response) if fault and fault.kind == "malformed" else response

        return endpoint

    usage_completions = bucket_endpoint(USAGE_LIMITS, records.USAGE_GROUP_BY, records.usage_results)
    costs = bucket_endpoint(COST_LIMITS, records.COST_GROUP_BY, records.cost_results)

    async def users(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        try:
            limit = _int_param(request, "limit", USER_LIMITS[0])
        except _BadRequest as exc:
            return _error(400, str(exc), param=exc.param)
        if not 1 <= limit <= USER_LIMITS[1]:
            return _error(400, f"Invalid value for 'limit': must be between 1 and {USER_LIMITS[1]}.", param="limit")
        everyone = [u for u in records.users(company) if u["added_at"] < state.now_ts()]
        offset = 0
        if after := request.query_params.get("after"):
            ids = [u["id"] for u in everyone]
            if after not in ids:
                return _error(400, f"Invalid value for 'after': no user with id {after!r}.", param="after")
            offset = ids.index(after) + 1
        chunk = [dict(u) for u in everyone[offset: offset + limit]]
        response = JSONResponse({
            "object": "list", "data": chunk,
            "first_id": chunk[0]["id"] if chunk else None, "last_id": chunk[-1]["id"] if chunk else None,
            "has_more": offset + limit < len(everyone),
        })
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def not_found(request: Request) -> Response:
        early, _ = gate(request)
        if early is not None:
            return early
        return _error(404, f"Invalid URL (GET {request.url.path.removeprefix('/openai')})")

    return [
        Route("/openai/v1/organization/usage/completions", usage_completions, methods=["GET"]),
        Route("/openai/v1/organization/costs", costs, methods=["GET"]),
        Route("/openai/v1/organization/users", users, methods=["GET"]),
        Route("/openai/v1/{rest:path}", not_found, methods=["GET"]),
    ]

