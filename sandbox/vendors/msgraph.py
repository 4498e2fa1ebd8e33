"""Microsoft identity platform token endpoint, Graph /users and /subscribedSkus."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records.msgraph import graph_users, subscribed_skus
from sandbox.vendors.common import SandboxState, base_url, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TOKEN_TTL = 3599
# Properties Graph returns on /users when $select is absent.
DEFAULT_USER_PROPS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                      "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")
KNOWN_USER_PROPS = set(DEFAULT_USER_PROPS) | {"department", "employeeId", "accountEnabled", "manager",
                                               "employeeOrgData"}
MANAGER_PROPS = ("id", "displayName", "mail", "userPrincipalName", "jobTitle")


def _aad_error(status: int, error: str, code: str, text: str) -> JSONResponse:
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    return JSONResponse({
        "error": error,
        "error_description": f"{code}: {text} Trace ID: {trace} Correlation ID: {corr} "
                             f"Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
        "error_codes": [int(code[6:])], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": trace, "correlation_id": corr,
    }, status_code=status)


def _graph_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "innerError": {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4())}}}, status_code=status, headers=headers)


def _status_fault(fault: Fault, graph: bool) -> Response:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    status = int(fault.status or 500)
    if graph:
        code = {429: "TooManyRequests", 503: "serviceNotAvailable", 403: "Authorization_RequestDenied",
                401: "InvalidAuthenticationToken"}.get(status, "generalException")
        default: Any = {"error": {"code": code, "message": f"Sandbox fault: HTTP {status}."}}
    else:
        default = {"error": "temporarily_unavailable",
                   "error_description": f"AADSTS50196: Sandbox fault: HTTP {status}."}
    return respond_body(error_body(fault, default), status, headers)


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    tenant_id = company.scenario.company.tenant_id
    page_default = company.scenario.vendors.msgraph_users_page_size
    users_plain = graph_users(company, expand_manager=False)
    users_expanded = graph_users(company, expand_manager=True)

    async def token(request: Request) -> Response:
        fault = state.faults.take("login", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault, graph=False)
        tenant = request.path_params["tenant"]
        form = await request.form()
        if tenant not in {tenant_id, company.scenario.company.email_domain}:
            return _aad_error(400, "invalid_request", "AADSTS90002",
                              f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID.")
        if form.get("grant_type") != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", "AADSTS70003",
                              "The app requested an unsupported grant type.")
        if form.get("client_id") != credentials.MS_CLIENT_ID:
            return _aad_error(400, "unauthorized_client", "AADSTS700016",
                              f"Application with identifier '{form.get('client_id')}' was not found in the "
                              f"directory '{tenant}'.")
        if form.get("client_secret") != credentials.MS_CLIENT_SECRET:
            return _aad_error(401, "invalid_client", "AADSTS7000215",
                              "Invalid client secret provided. Ensure the secret being sent in the request is "
                              "the client secret value, not the client secret ID, for a secret added to app "
                              f"'{credentials.MS_CLIENT_ID}'.")
        if form.get("scope") != GRAPH_SCOPE:
            return _aad_error(400, "invalid_scope", "AADSTS1002012",
                              f"The provided value for scope {form.get('scope')} is not valid. Client credential "
                              "flows must have a scope value with /.default suffixed to the resource identifier.")
        access = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + secrets.token_urlsafe(32)
        state.graph_tokens[access] = time.time() + TOKEN_TTL
        response = JSONResponse({"token_type": "Bearer", "expires_in": TOKEN_TTL, "ext_expires_in": TOKEN_TTL,
                                 "access_token": access})
        return truncate(response) if fault and fault.kind == "malformed" else response

    def _check_bearer(request: Request) -> Response | None:
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

    async def users(request: Request) -> Response:
        fault = state.faults.take("msgraph", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault, graph=True)
        if (denied := _check_bearer(request)) is not None:
            return denied
        q = request.query_params
        select_raw = q.get("$select")
        select = [s.strip() for s in select_raw.split(",") if s.strip()] if select_raw else None
        for prop in select or []:
            if prop not in KNOWN_USER_PROPS:
                return _graph_error(400, "Request_BadRequest",
                                    f"Could not find a property named '{prop}' on type 'microsoft.graph.user'.")
        expand = q.get("$expand")
        manager_select: tuple[str, ...] | None = None
        if expand:
            if not expand.startswith("manager"):
                return _graph_error(400, "Request_BadRequest",
                                    f"Parsing OData Select and Expand failed: Could not find a property named "
                                    f"'{expand.split('(')[0]}' on type 'microsoft.graph.user'.")
            inner = expand[len("manager"):]
            manager_select = MANAGER_PROPS
            if inner.startswith("($select=") and inner.endswith(")"):
                manager_select = tuple(s.strip() for s in inner[len("($select="):-1].split(",") if s.strip())
        try:
            top = int(q.get("$top", page_default))
        except ValueError:
            return _graph_error(400, "BadRequest", f"Invalid value '{q.get('$top')}' for $top.")
        if not 1 <= top <= 999:
            return _graph_error(400, "Request_UnsupportedQuery",
                                f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.")
        offset = 0
        if skip := q.get("$skiptoken"):
            try:
                offset = int(json.loads(base64.urlsafe_b64decode(skip.encode() + b"==="))["o"])
            except (ValueError, KeyError, TypeError):
                return _graph_error(400, "Request_BadRequest", "The specified page token value has expired or "
                                    "is invalid. Restart the query without a $skiptoken.")
        source = users_expanded if manager_select is not None else users_plain
        page = source[offset: offset + top]
        props = list(select) if select else list(DEFAULT_USER_PROPS)
        if "id" not in props:
            props.insert(0, "id")
        value = []
        for u in page:
            item = {p: u.get(p) for p in props if p != "manager"}
            if manager_select is not None and "manager" in u:
                item["manager"] = {"@odata.type": "#microsoft.graph.user",
                                   **{k: u["manager"].get(k) for k in manager_select}}
            value.append(item)
        base = base_url(request)
        context_props = ",".join(select) if select else ""
        body: dict[str, Any] = {
            "@odata.context": f"{base}/graph/v1.0/$metadata#users"
                              + (f"({context_props})" if context_props else ""),
            "value": value,
        }
        if offset + top < len(source):
            token_str = base64.urlsafe_b64encode(json.dumps({"o": offset + top}).encode()).decode().rstrip("=")
            params = [(k, v) for k, v in q.multi_items() if k != "$skiptoken"] + [("$skiptoken", token_str)]
            body["@odata.nextLink"] = f"{base}/graph/v1.0/users?" + urlencode(params, safe="$(),=")
        response = JSONResponse(body, headers={"request-id": str(uuid.uuid4())})
        return truncate(response) if fault and fault.kind == "malformed" else response

    async def skus(request: Request) -> Response:
        fault = state.faults.take("msgraph", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault, graph=True)
        if (denied := _check_bearer(request)) is not None:
            return denied
        body = {"@odata.context": f"{base_url(request)}/graph/v1.0/$metadata#subscribedSkus",
                "value": subscribed_skus(company)}
        response = JSONResponse(body, headers={"request-id": str(uuid.uuid4())})
        return truncate(response) if fault and fault.kind == "malformed" else response

    return [
        Route("/login/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
        Route("/graph/v1.0/users", users, methods=["GET"]),
        Route("/graph/v1.0/subscribedSkus", skus, methods=["GET"]),
    ]
