"""GitHub Copilot (source `github_copilot`): usage-metrics reports, signed report downloads and seats."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import date, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.records import github_copilot
from sandbox.vendors.common import SandboxState, base_url, json_bytes, respond_body, target, truncate
from sandbox.vendors.faults import Fault
from sandbox.vendors.github_common import gh_error, rate_headers, status_fault, token_error


def _blob_error(status: int, code: str, message: str) -> Response:
    # Signed report links are served by blob storage, which answers in XML, not GitHub JSON.
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}\nRequestId:{hashlib.sha1(message.encode()).hexdigest()[:32]}</Message></Error>")
    return Response(body, status_code=status, media_type="application/xml")


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    sc = company.scenario
    org_name = sc.company.github_org
    vendors = sc.vendors

    def gate(request: Request) -> tuple[Response | None, Fault | None, dict[str, str]]:
        headers = rate_headers(state)
        fault = state.faults.take("github", target(request))
        if fault and fault.kind == "status":
            return status_fault(fault, headers), None, headers
        if (denied := token_error(request, headers)) is not None:
            return denied, None, headers
        if request.path_params.get("org") != org_name:
            return gh_error(404, "Not Found", headers=headers), None, headers
        return None, fault, headers

    def sign(opaque: str, expires: int) -> str:
        return hmac.new(state.signing_key, f"{opaque}:{expires}".encode(), hashlib.sha256).hexdigest()

    def visible_last_day() -> date:
        # Reports for day D exist once D is over (UTC); the simulated clock can hide later days.
        return min(company.end_date, state.now().date() - timedelta(days=1))

    async def users_1_day(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        raw = request.query_params.get("day")
        try:
            day = date.fromisoformat(raw) if raw else None
        except ValueError:
            day = None
        if day is None or raw is None or len(raw) != 10:
            return gh_error(400, f"Invalid day parameter: {raw!r}. Provide day as YYYY-MM-DD.", headers=headers)
        records = github_copilot.user_day_records(company, day) if day <= visible_last_day() else []
        if (fault and fault.kind == "no_data") or not records:
            return Response(status_code=204, headers=headers)
        per_file = vendors.github_report_lines_per_file
        parts = (len(records) + per_file - 1) // per_file
        expires = int(time.time()) + vendors.github_report_link_ttl_seconds
        links = []
        for part in range(parts):
            opaque = base64.urlsafe_b64encode(f"{org_name}|{day.isoformat()}|{part}".encode()).decode().rstrip("=")
            query = urlencode({"sig": sign(opaque, expires), "expires": expires})
            links.append(f"{base_url(request)}/copilot-reports/{opaque}?{query}")
        response = JSONResponse({"download_links": links, "report_day": day.isoformat()}, headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def download(request: Request) -> Response:
        fault = state.faults.take("copilot_reports", target(request))
        if fault and fault.kind == "status":
            status = int(fault.status or 500)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            if fault.body is not None:
                return respond_body(fault.body, status, headers)
            return _blob_error(status, "ServerBusy" if status >= 500 else "AuthorizationFailure",
                               f"Sandbox fault: HTTP {status}.")
        if "authorization" in request.headers:
            return _blob_error(400, "InvalidAuthenticationInfo",
                               "Authentication information is not given in the correct format. The signed URL "
                               "authorizes itself; do not send an Authorization header.")
        opaque = request.path_params["opaque"]
        sig = request.query_params.get("sig", "")
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            expires = 0
        if not hmac.compare_digest(sig, sign(opaque, expires)):
            return _blob_error(403, "AuthenticationFailed",
                               "Server failed to authenticate the request. Signature did not match.")
        if expires <= int(time.time()):
            return _blob_error(403, "AuthenticationFailed",
                               "Signed expiry time has passed. Request a new download link.")
        try:
            org, day_s, part_s = base64.urlsafe_b64decode(opaque + "===").decode().split("|")
            day, part = date.fromisoformat(day_s), int(part_s)
        except (ValueError, UnicodeDecodeError):
            return _blob_error(404, "BlobNotFound", "The specified blob does not exist.")
        per_file = vendors.github_report_lines_per_file
        records = github_copilot.user_day_records(company, day)[part * per_file:(part + 1) * per_file]
        if org != org_name or not records:
            return _blob_error(404, "BlobNotFound", "The specified blob does not exist.")
        if day.toordinal() % 2:
            # GitHub also serves a report file as one pretty-printed object wrapping its records
            wrapper = {"report_start_day": day.isoformat(), "report_end_day": day.isoformat(),
                       "organization_id": records[0].get("organization_id"),
                       "enterprise_id": records[0].get("enterprise_id"),
                       "created_at": f"{day + timedelta(days=1)}T03:36:11.710Z", "day_totals": records}
            response = Response(json.dumps(wrapper, indent=2).encode(), media_type="application/json")
        else:
            body = b"\n".join(json_bytes(r) for r in records) + b"\n"
            response = Response(body, media_type="application/x-ndjson")
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def seats(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        q = request.query_params
        try:
            page = max(1, int(q.get("page", "1")))
            per_page = min(100, max(1, int(q.get("per_page", str(vendors.github_seats_per_page)))))
        except ValueError:
            return gh_error(400, "Invalid page or per_page parameter.", headers=headers)
        all_seats = github_copilot.seats(company)
        last = max(1, (len(all_seats) + per_page - 1) // per_page)
        chunk = all_seats[(page - 1) * per_page: page * per_page]
        url = f"{base_url(request)}{request.url.path}"

        def link(p: int, rel: str) -> str:
            return f'<{url}?{urlencode({"page": p, "per_page": per_page})}>; rel="{rel}"'

        rels = []
        if page > 1:
            rels += [link(min(page - 1, last), "prev")]
        if page < last:
            rels += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            rels += [link(1, "first")]
        if rels:
            headers["link"] = ", ".join(rels)
        response = JSONResponse({"total_seats": len(all_seats), "seats": chunk}, headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def billing(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        response = JSONResponse(github_copilot.billing(company), headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def not_found(request: Request) -> Response:
        early, _, headers = gate(request)
        return early if early is not None else gh_error(404, "Not Found", headers=headers)

    return [
        Route("/github/orgs/{org}/copilot/metrics/reports/users-1-day", users_1_day, methods=["GET"]),
        Route("/github/orgs/{org}/copilot/billing/seats", seats, methods=["GET"]),
        Route("/github/orgs/{org}/copilot/billing", billing, methods=["GET"]),
        Route("/github/orgs/{org}/{rest:path}", not_found, methods=["GET"]),
        Route("/copilot-reports/{opaque}", download, methods=["GET"]),
    ]
