"""Harvest API v2: time entries and users.

Required headers (Bearer token, Harvest-Account-Id, a User-Agent naming the app and a contact), per_page up
to 2000 (422 above), 100 requests per 15 seconds (429 + Retry-After). Time entries page with cursor links:
after the first page, `page`, `next_page` and `previous_page` are null except on the last page, so only
`links.next` tells a client where to go.
"""

from __future__ import annotations

import base64
import json
import time
from collections import deque
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records import harvest as harvest_records
from sandbox.records.harvest import HarvestData, entry_as_of, harvest_data
from sandbox.vendors.common import SandboxState, base_url, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

FILTERS = ("user_id", "client_id", "project_id", "task_id", "is_running", "updated_since", "from", "to")


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _message(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers: dict[str, str] = {}
    if fault.retry_after is not None or status == 429:
        headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 15)
    default: Any = {"message": "Too Many Requests" if status == 429 else f"Sandbox fault: HTTP {status}."}
    return respond_body(error_body(fault, default), status, headers)


def _parse_instant(raw: str) -> float:
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no zone")
    return parsed.timestamp()


def _encode_cursor(spent_date: str, entry_id: int) -> str:
    raw = json.dumps({"after": {"spent_date": spent_date, "id": entry_id}}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    after = json.loads(base64.urlsafe_b64decode(cursor + "===").decode())["after"]
    date.fromisoformat(after["spent_date"])
    return after["spent_date"], int(after["id"])


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    harvest_records.knobs(company)  # a bad `sources.harvest` fails at startup
    window: deque[float] = deque()
    results: dict[tuple, list[dict]] = {}
    index: dict[str, Any] = {}

    def harvest() -> dict[str, Any]:
        # built on first use, so servers that never see a Harvest request do not pay for the records
        if not index:
            data: HarvestData = harvest_data(company)
            # newest spent first, as Harvest lists them; ties by id, newest first
            index.update(data=data, knobs=data.knobs,
                         ordered=sorted(data.entries, key=lambda e: (e["spent_date"], e["id"]), reverse=True),
                         users=sorted(data.users, key=lambda u: u["id"]))
        return index

    def matches(view: dict, since: float | None, ids: dict[str, int], q: Any) -> bool:
        if since is not None and _parse_instant(view["updated_at"]) < since:
            return False
        refs = {"user_id": view["user"]["id"], "task_id": view["task"]["id"], "project_id": view["project"]["id"],
                "client_id": view["client"]["id"]}
        if any(refs[k] != v for k, v in ids.items()):
            return False
        if (q.get("from") and view["spent_date"] < q["from"]) or (q.get("to") and view["spent_date"] > q["to"]):
            return False
        return q.get("is_running") not in ("true", "false") or view["is_running"] == (q["is_running"] == "true")

    def throttled() -> Response | None:
        now = time.monotonic()
        while window and now - window[0] >= 15:
            window.popleft()
        if len(window) >= harvest()["knobs"].requests_per_15s:
            retry = max(1, int(15 - (now - window[0])) + 1)
            return JSONResponse({"message": "Too Many Requests"}, status_code=429, headers={"Retry-After": str(retry)})
        window.append(now)
        return None

    def gate(request: Request) -> tuple[Response | None, Fault | None]:
        fault = state.faults.take("harvest", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault), None
        agent = request.headers.get("user-agent", "")
        if not agent or not any(mark in agent for mark in ("@", "http")):
            return _message(400, "Bad Request: include a User-Agent with the name of your application and a link "
                                 "or email address, e.g. 'MyApp (me@example.com)'."), None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != credentials.HARVEST_TOKEN:
            return _error(401, "invalid_token", "The access token provided is expired, revoked, malformed or "
                                                "invalid for other reasons."), None
        if request.headers.get("harvest-account-id") != credentials.HARVEST_ACCOUNT_ID:
            return _error(403, "forbidden", "The Harvest-Account-Id header is missing or names an account this "
                                            "token cannot access."), None
        if (limited := throttled()) is not None:
            return limited, None
        return None, fault

    def finish(body: Any, fault: Fault | None) -> Response:
        response = JSONResponse(body)
        return truncate(response) if fault and fault.kind == "malformed" else response

    def per_page_of(request: Request) -> int:
        raw = request.query_params.get("per_page")
        limit = harvest()["knobs"].per_page_max
        value = limit if raw is None else int(raw)
        if not 1 <= value <= 2000:
            raise ValueError
        return min(value, limit)

    async def time_entries(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        q = request.query_params
        try:
            per_page = per_page_of(request)
        except ValueError:
            return _message(422, "per_page must be between 1 and 2000")
        now = state.now_ts()
        data, ordered = harvest()["data"], harvest()["ordered"]
        try:
            since = _parse_instant(q["updated_since"]) if q.get("updated_since") else None
        except ValueError:
            return _message(422, f"updated_since is not a valid ISO 8601 date-time: {q.get('updated_since')!r}")
        try:
            ids = {k: int(q[k]) for k in ("user_id", "task_id", "project_id", "client_id") if q.get(k)}
        except ValueError:
            return _message(422, "user_id, task_id, project_id and client_id must be integers")
        key = (since, tuple(sorted(ids.items())), q.get("from"), q.get("to"), q.get("is_running"),
               int(min(now, data.cutoff)))
        if key not in results:
            if len(results) > 16:
                results.clear()
            results[key] = [v for v in (entry_as_of(data, e, now) for e in ordered)
                            if v is not None and matches(v, since, ids, q)]
        found = results[key]
        total_pages = max(1, -(-len(found) // per_page))
        if q.get("cursor"):
            try:
                after = _decode_cursor(q["cursor"])
            except (ValueError, KeyError, TypeError, json.JSONDecodeError):
                return _message(422, "cursor is invalid")
            start = next((i for i, e in enumerate(found) if (e["spent_date"], e["id"]) < after), len(found))
            page_no = None
        else:
            try:
                page_no = max(1, int(q.get("page", "1")))
            except ValueError:
                return _message(422, "page must be an integer")
            start = (page_no - 1) * per_page
        chunk = found[start: start + per_page]
        more = start + per_page < len(found)
        last_page = not more
        if last_page:
            page_no = total_pages
        common = {k: q[k] for k in FILTERS if q.get(k)}
        root = f"{base_url(request)}/harvest/v2/time_entries?"
        body = {
            "time_entries": chunk, "per_page": per_page, "total_pages": total_pages, "total_entries": len(found),
            "next_page": (page_no + 1) if page_no is not None and more else None,
            "previous_page": (page_no - 1) if page_no is not None and page_no > 1 else None,
            "page": page_no,
            "links": {
                "first": root + urlencode({**common, "page": 1, "per_page": per_page}),
                "next": root + urlencode({"cursor": _encode_cursor(chunk[-1]["spent_date"], chunk[-1]["id"]),
                                          "per_page": per_page, "ref": "next_cursor", **common})
                if more and chunk else None,
                "previous": None,
                "last": root + urlencode({**common, "page": total_pages, "per_page": per_page}),
            },
        }
        return finish(body, fault)

    async def users(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        q = request.query_params
        try:
            per_page = per_page_of(request)
            page = max(1, int(q.get("page", "1")))
        except ValueError:
            return _message(422, "page must be an integer and per_page between 1 and 2000")
        selected = harvest()["users"]
        if q.get("is_active") in ("true", "false"):
            selected = [u for u in selected if u["is_active"] == (q["is_active"] == "true")]
        total_pages = max(1, -(-len(selected) // per_page))
        chunk = selected[(page - 1) * per_page: page * per_page]
        root = f"{base_url(request)}/harvest/v2/users?"
        common = {k: q[k] for k in ("is_active", "updated_since") if q.get(k)}

        def link(p: int) -> str:
            return root + urlencode({**common, "page": p, "per_page": per_page})

        body = {"users": chunk, "per_page": per_page, "total_pages": total_pages, "total_entries": len(selected),
                "next_page": page + 1 if page < total_pages else None,
                "previous_page": page - 1 if page > 1 else None, "page": page,
                "links": {"first": link(1), "next": link(page + 1) if page < total_pages else None,
                          "previous": link(page - 1) if page > 1 else None, "last": link(total_pages)}}
        return finish(body, fault)

    return [
        Route("/harvest/v2/time_entries", time_entries, methods=["GET"]),
        Route("/harvest/v2/users", users, methods=["GET"]),
    ]
