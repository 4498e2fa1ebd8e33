"""Microsoft Graph Microsoft 365 Copilot usage reports.

    GET /graph/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')?$format=application/json
    GET /graph/beta/reports/getMicrosoft365CopilotUsageUserDetailByDate(date=YYYY-MM-DD)?$format=application/json
    GET /graph/v1.0/admin/reportSettings

Bearer tokens come from the shared Microsoft identity platform endpoint (sandbox.vendors.msgraph). JSON
pages split at `page_size` rows with an `@odata.nextLink`; without `$format=application/json` the v1.0
report answers CSV, as the real one does. Report calls are throttled per report function over a sliding
10-minute window (429 + Retry-After). Faults use vendor name `m365_reports`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import threading
import time
import uuid
from collections import deque
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.records import m365_copilot as records
from sandbox.vendors.common import SandboxState, base_url, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

VENDOR = "m365_reports"
WINDOW_SECONDS = 600
PERIODS = {"D7": 7, "D28": 28, "D30": 30, "D90": 90, "D180": 180}
PERIOD_FN = re.compile(r"^getMicrosoft365CopilotUsageUserDetail\(period='(?P<period>[^']*)'(?:,version='v[12]')?\)$")
BY_DATE_FN = re.compile(r"^getMicrosoft365CopilotUsageUserDetailByDate\(date='?(?P<date>[^')]*)'?\)$")
CSV_COLUMNS = (
    ("Report Refresh Date", "reportRefreshDate"), ("User Principal Name", "userPrincipalName"),
    ("Display Name", "displayName"), ("Last Activity Date", "lastActivityDate"),
    ("Copilot Chat Last Activity Date", "copilotChatLastActivityDate"),
    ("Microsoft Teams Copilot Last Activity Date", "microsoftTeamsCopilotLastActivityDate"),
    ("Word Copilot Last Activity Date", "wordCopilotLastActivityDate"),
    ("Excel Copilot Last Activity Date", "excelCopilotLastActivityDate"),
    ("PowerPoint Copilot Last Activity Date", "powerPointCopilotLastActivityDate"),
    ("Outlook Copilot Last Activity Date", "outlookCopilotLastActivityDate"),
    ("OneNote Copilot Last Activity Date", "oneNoteCopilotLastActivityDate"),
    ("Loop Copilot Last Activity Date", "loopCopilotLastActivityDate"),
)


def _graph_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "innerError": {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4())}}}, status_code=status, headers=headers)


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    code = {429: "TooManyRequests", 503: "serviceNotAvailable", 403: "UnknownError",
            401: "InvalidAuthenticationToken"}.get(status, "generalException")
    message = {403: "Application is not authorized to perform this operation. Application must have one of the "
                    "following scopes: Reports.Read.All"}.get(status, f"Sandbox fault: HTTP {status}.")
    return respond_body(error_body(fault, {"error": {"code": code, "message": message}}), status, headers)


def _csv(rows: list[dict[str, Any]], period: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for label, _ in CSV_COLUMNS] + ["Report Period"])
    for r in rows:
        writer.writerow([r[key] for _, key in CSV_COLUMNS] + [period])
    return ("\ufeff" + out.getvalue()).encode()  # Graph CSV reports start with a byte-order mark


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    knobs = records.settings(company)
    lock = threading.Lock()
    windows: dict[str, deque[float]] = {}

    def throttled(function: str) -> Response | None:
        """Sliding 10-minute window per report function, as Graph counts report limits."""
        now = time.monotonic()
        with lock:
            window = windows.setdefault(function, deque())
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            if len(window) >= knobs.requests_per_10_minutes:
                retry = max(1, int(WINDOW_SECONDS - (now - window[0])) + 1)
                return _graph_error(429, "TooManyRequests", "Too many requests. Please try again later.",
                                    headers={"Retry-After": str(retry)})
            window.append(now)
        return None

    def check_bearer(request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if not auth:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        scheme, _, tok = auth.partition(" ")
        expiry = state.graph_tokens.get(tok)
        if scheme.lower() != "bearer" or expiry is None:
            return _graph_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if expiry < time.time():
            return _graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        return None

    def gate(request: Request, function: str) -> tuple[Response | None, Fault | None]:
        fault = state.faults.take(VENDOR, target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault), None
        if (denied := check_bearer(request)) is not None:
            return denied, None
        if (limited := throttled(function)) is not None:
            return limited, None
        return None, fault

    def page(request: Request, rows: list[dict[str, Any]], context: str) -> tuple[dict[str, Any], int]:
        size = knobs.page_size
        offset = 0
        if skip := request.query_params.get("$skiptoken"):
            offset = int(json.loads(base64.urlsafe_b64decode(skip.encode() + b"==="))["o"])
        body: dict[str, Any] = {"@odata.context": context, "value": rows[offset: offset + size]}
        if offset + size < len(rows):
            token = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode().rstrip("=")
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "$skiptoken"]
            query = urlencode([*params, ("$skiptoken", token)], safe="$/")
            body["@odata.nextLink"] = f"{base_url(request)}{request.url.path}?{query}"
        return body, offset

    def bad_skiptoken() -> Response:
        return _graph_error(400, "BadRequest", "The specified page token value has expired or is invalid. "
                                               "Restart the query without a $skiptoken.")

    def wants_json(request: Request) -> bool:
        return request.query_params.get("$format", "").lower() == "application/json"

    async def period_report(request: Request) -> Response:
        function = request.path_params["function"]
        match = PERIOD_FN.match(function)
        if not match:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{function}'.")
        early, fault = gate(request, "getMicrosoft365CopilotUsageUserDetail")
        if early is not None:
            return early
        period = PERIODS.get(match["period"])
        if period is None:
            return _graph_error(400, "BadRequest", f"Invalid value '{match['period']}' for parameter 'period'. "
                                                   f"Supported values: {', '.join(PERIODS)}.")
        refresh = records.latest_refresh_date(company, state.now().date())
        rows = records.usage_user_detail(company, refresh, period)
        if not wants_json(request):
            response: Response = Response(_csv(rows, period), media_type="application/octet-stream")
            return truncate(response) if fault and fault.kind == "malformed" else response
        context = f"{base_url(request)}/graph/v1.0/$metadata#Collection(microsoft.graph.copilotUsageUserDetail)"
        try:
            body, _ = page(request, rows, context)
        except (ValueError, KeyError, TypeError):
            return bad_skiptoken()
        response = JSONResponse(body, headers={"request-id": str(uuid.uuid4())})
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def by_date_report(request: Request) -> Response:
        function = request.path_params["function"]
        match = BY_DATE_FN.match(function)
        if not match:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{function}'.")
        early, fault = gate(request, "getMicrosoft365CopilotUsageUserDetailByDate")
        if early is not None:
            return early
        try:
            day = date.fromisoformat(match["date"])
        except ValueError:
            return _graph_error(400, "BadRequest", f"Invalid value '{match['date']}' for parameter 'date'; "
                                                   "expected YYYY-MM-DD.")
        latest = records.latest_refresh_date(company, state.now().date())
        if day > latest:
            return _graph_error(400, "BadRequest", f"Report data for {day.isoformat()} is not available yet; "
                                                   f"the latest report date is {latest.isoformat()}.")
        if day < latest - timedelta(days=365):
            return _graph_error(400, "BadRequest", "The date is outside the report retention of 365 days.")
        # the snapshot as it stood on that date, over the default 7-day period
        rows = records.usage_user_detail(company, day, PERIODS["D7"])
        context = f"{base_url(request)}/graph/beta/$metadata#Collection(microsoft.graph.copilotUsageUserDetail)"
        try:
            body, _ = page(request, rows, context)
        except (ValueError, KeyError, TypeError):
            return bad_skiptoken()
        response = JSONResponse(body, headers={"request-id": str(uuid.uuid4())})
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def report_settings(request: Request) -> Response:
        fault = state.faults.take(VENDOR, target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault)
        if (denied := check_bearer(request)) is not None:
            return denied
        return JSONResponse({
            "@odata.context": f"{base_url(request)}/graph/v1.0/$metadata#admin/reportSettings/$entity",
            "id": "3b5a1bd1-7cd4-4d3e-9a5b-7c1f3c0c0f2e",
            "displayConcealedNames": knobs.concealed_names,
        })

    return [
        Route("/graph/v1.0/copilot/reports/{function}", period_report, methods=["GET"]),
        Route("/graph/beta/reports/{function}", by_date_report, methods=["GET"]),
        Route("/graph/v1.0/admin/reportSettings", report_settings, methods=["GET"]),
    ]
