"""What both GitHub simulators share (Copilot metrics and seats; repositories and pull requests): GitHub's
error body, the one token's hourly rate-limit budget, the token check and injected status faults."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox import credentials
from sandbox.vendors.common import SandboxState, error_body, respond_body
from sandbox.vendors.faults import Fault

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000


def gh_error(status: int, message: str, headers: dict[str, str] | None = None, doc: str = DOCS) -> JSONResponse:
    return JSONResponse({"message": message, "documentation_url": doc, "status": str(status)},
                        status_code=status, headers=headers)


def rate_headers(state: SandboxState) -> dict[str, str]:
    """One token, one hourly core budget, shared by every GitHub endpoint of the sandbox."""
    now = int(time.time())
    if now >= state.github_reset:
        state.github_used, state.github_reset = 0, now + 3600
    state.github_used += 1
    return {"x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(0, RATE_LIMIT - state.github_used)),
            "x-ratelimit-used": str(state.github_used), "x-ratelimit-reset": str(state.github_reset),
            "x-ratelimit-resource": "core", "x-github-api-version-selected": "2022-11-28"}


def status_fault(fault: Fault, headers: dict[str, str]) -> Response:
    status = int(fault.status or 500)
    if status in (403, 429):
        if fault.retry_after is not None:
            # Secondary limit: retry-after set, remaining not necessarily 0.
            headers["retry-after"] = str(fault.retry_after)
            message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you "
                       "try again.")
        else:
            headers["x-ratelimit-remaining"] = "0"
            headers["x-ratelimit-reset"] = str(int(time.time()) + 60)
            message = "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, " \
                      "please include the request ID."
        default: Any = {"message": message, "documentation_url": f"{DOCS}/using-the-rest-api/rate-limits",
                        "status": str(status)}
    else:
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        default = {"message": "Server Error" if status >= 500 else f"Sandbox fault {status}",
                   "documentation_url": DOCS, "status": str(status)}
    return respond_body(error_body(fault, default), status, headers)


def token_error(request: Request, headers: dict[str, str]) -> Response | None:
    """401 as GitHub answers it for a missing or wrong token, else None."""
    auth = request.headers.get("authorization", "")
    scheme, _, tok = auth.partition(" ")
    if not auth:
        return gh_error(401, "Requires authentication", headers=headers)
    if scheme.lower() not in {"bearer", "token"} or tok != credentials.GITHUB_TOKEN:
        return gh_error(401, "Bad credentials", headers=headers)
    return None
