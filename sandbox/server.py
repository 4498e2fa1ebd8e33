"""One local HTTP server that speaks every vendor API the pipeline reads, for a synthetic company.

Microsoft Graph (users and Microsoft 365 Copilot reports), GitHub (Copilot metrics and seats; repositories
and pull requests), Zendesk, OpenAI, Anthropic, Jira and Harvest: one simulator per source in
`sandbox/vendors/`, plus control routes under /_sandbox (faults, clock, request log, truth).

    python -m sandbox.server --scenario default --port 8765
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import socket
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.company import Company, generate_company
from sandbox.identity import identity_overrides
from sandbox.scenario import load_scenario
from sandbox.vendors import vendor_modules
from sandbox.vendors.common import RequestLogMiddleware, ResponseFaultMiddleware, SandboxState
from sandbox.vendors.faults import Fault, FaultError


def _control_routes(state: SandboxState) -> list[Route]:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "scenario": state.company.scenario.name})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.clear()
            return JSONResponse({"faults": []})
        if request.method == "GET":
            return JSONResponse({"faults": state.faults.list()})
        try:
            payload = await request.json()
            fault = Fault(**{k: v for k, v in payload.items() if k not in ("fired", "passed")})
        except (ValueError, TypeError, FaultError) as exc:
            return JSONResponse({"error": f"invalid fault: {exc}"}, status_code=400)
        state.faults.add(fault)
        return JSONResponse({"fault": fault.to_dict()}, status_code=201)

    async def request_log(request: Request) -> Response:
        if request.method == "DELETE":
            state.clear_requests()
        return JSONResponse({"requests": state.requests()})

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            payload = await request.json()
            raw = payload.get("now")
            try:
                state.now_override = _parse_now(raw) if raw else None
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"now": state.now().isoformat(), "overridden": state.now_override is not None})

    async def truth(request: Request) -> Response:
        return Response(json.dumps(state.company.truth, default=str), media_type="application/json")

    async def overrides(request: Request) -> Response:
        return JSONResponse({"identity_overrides": identity_overrides(state.company)})

    return [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/requests", request_log, methods=["GET", "DELETE"]),
        Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/truth", truth, methods=["GET"]),
        Route("/_sandbox/identity_overrides", overrides, methods=["GET"]),
    ]


def _parse_now(raw: Any) -> datetime:
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw, UTC)
    parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"clock value {raw!r} has no timezone; send UTC, e.g. 2026-01-01T00:00:00Z")
    return parsed.astimezone(UTC)


def build_app(state: SandboxState) -> Starlette:
    routes = _control_routes(state)
    for vendor in vendor_modules():
        routes += vendor.routes(state)
    # the request log sees the status a response fault produced
    return Starlette(routes=routes, middleware=[Middleware(RequestLogMiddleware, state=state),
                                                Middleware(ResponseFaultMiddleware, state=state)])


class SandboxServer:
    """Runs the simulators with uvicorn in a background thread on 127.0.0.1."""

    def __init__(self, company: Company, host: str = "127.0.0.1", port: int = 0) -> None:
        self.company = company
        self.host = host
        self.port = port
        self.state = SandboxState(company)
        self.app = build_app(self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- lifecycle
    def start(self, timeout: float = 10.0) -> str:
        if self._server is not None:
            return self.base_url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning",
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/_sandbox/health", timeout=0.5).ok:
                    return self.base_url
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sandbox server did not answer on {self.base_url} within {timeout} s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- URLs
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/graph/v1.0"

    @property
    def login_url(self) -> str:
        return f"{self.base_url}/login"

    @property
    def github_url(self) -> str:
        return f"{self.base_url}/github"

    @property
    def zendesk_url(self) -> str:
        return f"{self.base_url}/zendesk"

    @property
    def graph_root_url(self) -> str:
        """Graph without the version segment: `<root>/beta/...` hosts the by-date Copilot report."""
        return f"{self.base_url}/graph"

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/openai/v1"

    @property
    def anthropic_url(self) -> str:
        return f"{self.base_url}/anthropic"

    @property
    def jira_url(self) -> str:
        return f"{self.base_url}/jira"

    @property
    def harvest_url(self) -> str:
        return f"{self.base_url}/harvest"

    @property
    def typeform_url(self) -> str:
        return f"{self.base_url}/typeform"

    # -- faults, clock, request log
    def add_fault(self, vendor: str, kind: str, path_contains: str = "", times: int = 1,
                  status: int | None = None, retry_after: int | None = None, body: Any = None, after: int = 0,
                  field: str | None = None, rename_to: str | None = None, value: Any = None) -> Fault:
        """Arm a fault; see sandbox.vendors.faults for vendors and kinds. Raises FaultError if invalid."""
        return self.state.faults.add(Fault(vendor=vendor, kind=kind, path_contains=path_contains, times=times,
                                           status=status, retry_after=retry_after, body=body, after=after,
                                           field=field, rename_to=rename_to, value=value))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        return self.state.faults.list()

    def set_now(self, now: datetime | None) -> None:
        """Pretend the current time is `now` (UTC): data generated later is hidden. None = real time."""
        if now is not None and now.tzinfo is None:
            raise ValueError("set_now needs a timezone-aware datetime (UTC)")
        self.state.now_override = now

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.state.requests()

    def clear_requests(self) -> None:
        self.state.clear_requests()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the vendor simulators for a sandbox scenario.")
    parser.add_argument("--scenario", default="default", help="scenario name or path to a .yml file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, help="override the scenario seed")
    parser.add_argument("--end-date", type=date.fromisoformat, help="override end_date (YYYY-MM-DD)")
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    changes: dict[str, Any] = {}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.end_date is not None:
        changes["end_date"] = args.end_date
    if changes:
        scenario = dataclasses.replace(scenario, **changes)
    company = generate_company(scenario)
    server = SandboxServer(company, host=args.host, port=args.port)
    sc = scenario.company
    print(f"Sandbox '{scenario.name}' (seed {scenario.seed}): {company.start_date} .. {company.end_date}, "
          f"rollout {company.rollout_date}")
    print(f"  Microsoft token : {server.login_url}/{sc.tenant_id}/oauth2/v2.0/token")
    print(f"  Microsoft Graph : {server.graph_url}  (reports by date under {server.graph_root_url}/beta)")
    print(f"  GitHub          : {server.github_url}  (org {sc.github_org})")
    print(f"  Zendesk         : {server.zendesk_url}/api/v2")
    print(f"  OpenAI          : {server.openai_url}")
    print(f"  Anthropic       : {server.anthropic_url}")
    print(f"  Jira            : {server.jira_url}")
    print(f"  Harvest         : {server.harvest_url}")
    print(f"  Typeform        : {server.typeform_url}")
    print(f"  Control         : {server.base_url}/_sandbox/(health|faults|requests|clock|truth|identity_overrides)")
    print("Sandbox credentials (fake):")
    print(f"  MS_TENANT_ID={sc.tenant_id}")
    for name in ("MS_CLIENT_ID", "MS_CLIENT_SECRET", "GITHUB_TOKEN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN",
                 "OPENAI_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY", "JIRA_EMAIL", "JIRA_API_TOKEN", "HARVEST_TOKEN",
                 "HARVEST_ACCOUNT_ID"):
        print(f"  {name}={getattr(credentials, name)}", flush=True)
    config = uvicorn.Config(server.app, host=args.host, port=args.port, log_level="info", lifespan="off")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
