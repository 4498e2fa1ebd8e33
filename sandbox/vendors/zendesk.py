"""Zendesk Support: cursor-based incremental ticket export and users."""

from __future__ import annotations

import base64
import bisect
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records.zendesk import zendesk_data
from sandbox.vendors.common import SandboxState, base_url, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

RATE_LIMIT_TEXT = "Number of allowed API requests per minute exceeded"
ACCOUNT_RATE_LIMIT = 700  # Enterprise plan; only reported in headers on non-incremental endpoints


def encode_cursor(ts: int, ticket_id: int) -> str:
    # Same layout as real cursors ("<ts>.0||<id>|", base64): opaque to clients, resumable for us.
    return base64.b64encode(f"{ts}.0||{ticket_id}|".encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    raw = base64.b64decode(cursor.encode(), validate=True).decode()
    ts_part, _, rest = raw.partition("||")
    return int(float(ts_part)), int(rest.rstrip("|"))


def _invalid(description: str) -> JSONResponse:
    return JSONResponse({"error": "InvalidValue", "description": description}, status_code=400)


def _unauthorized() -> JSONResponse:
    return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)


def _check_auth(request: Request) -> Response | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, secret = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return _unauthorized()
        if user == f"{credentials.ZENDESK_EMAIL}/token" and secret == credentials.ZENDESK_API_TOKEN:
            return None
    elif scheme.lower() == "bearer" and value == credentials.ZENDESK_OAUTH_TOKEN:
        return None
    return _unauthorized()


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if status == 429:
        headers.setdefault("Retry-After", "2")
        headers["X-Rate-Limit-Remaining"] = "0"
        return respond_body(error_body(fault, RATE_LIMIT_TEXT), 429, headers, media_type="text/plain")
    default: Any = {"error": {"title": "Sandbox fault", "message": f"HTTP {status} injected by the sandbox"}}
    if status == 403:
        default = {"error": "Forbidden", "description": "You do not have access to this page. Please contact the "
                   "account owner of this help desk for further help."}
    if status == 503:
        default = "Service Unavailable"
    return respond_body(error_body(fault, default), status, headers)


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    vendors = company.scenario.vendors
    data = zendesk_data(company)
    tickets = data.tickets
    keys = [(t["generated_timestamp"], t["id"]) for t in tickets]
    users_sorted = data.users

    async def incremental_tickets(request: Request) -> Response:
        fault = state.faults.take("zendesk", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault)
        if (denied := _check_auth(request)) is not None:
            return denied
        limit = vendors.zendesk_incremental_requests_per_minute
        allowed, remaining, retry = state.zendesk_rate_check(limit)
        rl_headers = {"X-Rate-Limit": str(limit), "X-Rate-Limit-Remaining": str(remaining)}
        if not allowed:
            return Response(RATE_LIMIT_TEXT, status_code=429, media_type="text/plain",
                            headers={**rl_headers, "Retry-After": str(retry)})
        q = request.query_params
        now = int(state.now_ts())
        try:
            per_page = int(q.get("per_page", str(vendors.zendesk_per_page)))
        except ValueError:
            return _invalid("per_page must be an integer")
        if not 1 <= per_page <= 1000:
            return _invalid("per_page must be between 1 and 1000")
        scope = q.get("support_type_scope", "agent")
        if scope not in {"all", "agent", "ai_agent"}:
            return _invalid(f"support_type_scope must be one of all, agent, ai_agent; got {scope!r}")
        include = {s.strip() for s in q.get("include", "").split(",") if s.strip()}
        exclude_deleted = q.get("exclude_deleted", "false").lower() == "true"

        if "cursor" in q:
            try:
                position = decode_cursor(q["cursor"])
            except (ValueError, UnicodeDecodeError):
                return _invalid("cursor is invalid")
        elif "start_time" in q:
            try:
                start_time = int(q["start_time"])
            except ValueError:
                return _invalid("start_time must be an integer number of seconds since the epoch")
            if start_time > now - 60:
                return _invalid("Too recent start_time. Use a start_time at least one minute in the past.")
            position = (start_time, -1)  # first ticket with generated_timestamp >= start_time
        else:
            return _invalid("start_time or cursor is required")

        # Items changed within the last minute are not exported yet.
        visible_end = bisect.bisect_right(keys, (now - 60, 1 << 62))
        start = bisect.bisect_right(keys, position)
        page: list[dict[str, Any]] = []
        i = start
        empty = fault is not None and fault.kind == "empty_page"
        if scope != "ai_agent" and not empty:
            while i < visible_end and len(page) < per_page:
                t = tickets[i]
                i += 1
                if exclude_deleted and t["status"] == "deleted":
                    continue
                if "metric_sets" in include:
                    page.append(t)
                else:
                    page.append({k: v for k, v in t.items() if k != "metric_set"})
        elif scope == "ai_agent":
            i = visible_end  # no AI-agent tickets in this company
        last_pos = keys[i - 1] if i > start else position
        if last_pos[1] == -1:
            # No ticket yet: keep the cursor at the requested start so a later run resumes there.
            last_pos = (last_pos[0] - 1, 1 << 40)
        after_cursor = encode_cursor(*last_pos)
        end_of_stream = (not empty) and i >= visible_end
        params = {"cursor": after_cursor}
        for k in ("per_page", "include", "exclude_deleted", "support_type_scope"):
            if k in q:
                params[k] = q[k]
        body = {
            "tickets": page,
            "after_url": f"{base_url(request)}/zendesk/api/v2/incremental/tickets/cursor.json?{urlencode(params)}",
            "after_cursor": after_cursor, "before_url": None, "before_cursor": None,
            "end_of_stream": end_of_stream,
        }
        response = JSONResponse(body, headers=rl_headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def users(request: Request) -> Response:
        fault = state.faults.take("zendesk", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault)
        if (denied := _check_auth(request)) is not None:
            return denied
        q = request.query_params
        roles = q.getlist("role[]") or ([q["role"]] if "role" in q else [])
        for r in roles:
            if r not in {"end-user", "agent", "admin"}:
                return _invalid(f"role must be one of end-user, agent, admin; got {r!r}")
        try:
            size = int(q.get("page[size]", "100"))
        except ValueError:
            return _invalid("page[size] must be an integer")
        if not 1 <= size <= 100:
            return _invalid("page[size] must be between 1 and 100")
        selected = [u for u in users_sorted if not roles or u["role"] in roles]
        ids = [u["id"] for u in selected]
        try:
            if "page[after]" in q:
                lo = bisect.bisect_right(ids, _decode_user_cursor(q["page[after]"]))
                chunk = selected[lo: lo + size]
            elif "page[before]" in q:
                hi = bisect.bisect_left(ids, _decode_user_cursor(q["page[before]"]))
                lo = max(0, hi - size)
                chunk = selected[lo:hi]
            else:
                lo = 0
                chunk = selected[:size]
        except (ValueError, UnicodeDecodeError):
            return _invalid("page cursor is invalid")
        has_more = lo + len(chunk) < len(selected)
        after = _encode_user_cursor(chunk[-1]["id"]) if chunk else None
        before = _encode_user_cursor(chunk[0]["id"]) if chunk else None
        base = f"{base_url(request)}/zendesk/api/v2/users?"
        common = [("role[]", r) for r in roles] + [("page[size]", str(size))]
        body = {
            "users": chunk,
            "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
            "links": {
                "next": base + urlencode(common + [("page[after]", after)]) if has_more and after else None,
                "prev": base + urlencode(common + [("page[before]", before)]) if lo > 0 and before else None,
            },
        }
        headers = {"X-Rate-Limit": str(ACCOUNT_RATE_LIMIT), "X-Rate-Limit-Remaining": str(ACCOUNT_RATE_LIMIT - 1)}
        response = JSONResponse(body, headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    return [
        Route("/zendesk/api/v2/incremental/tickets/cursor.json", incremental_tickets, methods=["GET"]),
        Route("/zendesk/api/v2/users", users, methods=["GET"]),
        Route("/zendesk/api/v2/users.json", users, methods=["GET"]),
    ]


def _encode_user_cursor(user_id: int) -> str:
    return base64.urlsafe_b64encode(f"u:{user_id}".encode()).decode().rstrip("=")


def _decode_user_cursor(cursor: str) -> int:
    raw = base64.urlsafe_b64decode(cursor + "===").decode()
    if not raw.startswith("u:"):
        raise ValueError(cursor)
    return int(raw[2:])
