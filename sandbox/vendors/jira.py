"""Jira Cloud: enhanced JQL search, issue changelogs, users and statuses."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import credentials
from sandbox.records import jira as jira_records
from sandbox.records.jira import CATEGORIES, JiraData, issue_as_of, issues_as_of, jira_data
from sandbox.vendors.common import SandboxState, base_url, error_body, respond_body, target, truncate
from sandbox.vendors.faults import Fault

# JQL dates without a zone are read in the API user's profile time zone.
PROFILE_TZ = ZoneInfo("America/New_York")
ALL_FIELDS = ("summary", "status", "issuetype", "assignee", "reporter", "created", "updated", "resolutiondate",
              "resolution", "statuscategorychangedate", "priority", "labels", "parent", "project")


class JqlError(ValueError):
    """A JQL query the sandbox (like Jira) refuses; the message is Jira's wording."""


def _errors(status: int, *messages: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errorMessages": list(messages), "errors": {}}, status_code=status, headers=headers)


def _check_auth(request: Request) -> Response | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, token = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, token = "", ""
        if user == credentials.JIRA_EMAIL and token == credentials.JIRA_API_TOKEN:
            return None
    return _errors(401, "Client must be authenticated to access this resource.")


def _status_fault(fault: Fault) -> Response:
    status = int(fault.status or 500)
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if status == 429:
        headers.setdefault("Retry-After", "5")
        reset = datetime.now(UTC) + timedelta(seconds=int(headers["Retry-After"]))
        headers.update({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                        "RateLimit-Reason": "jira-burst-based"})
        default: Any = _body("Rate limit exceeded.")
    elif status >= 500:
        default = _body("Internal server error (sandbox fault).")
    else:
        default = _body(f"Sandbox fault: HTTP {status}.")
    return respond_body(error_body(fault, default), status, headers)


def _body(*messages: str) -> dict[str, Any]:
    return {"errorMessages": list(messages), "errors": {}}


# ------------------------------------------------------------------------------------------------ JQL
_CLAUSE = re.compile(r'^\s*(project|updated|created)\s*(>=|<=|>|<|=|in)\s*(.+?)\s*$', re.IGNORECASE)
_ORDER = re.compile(r'\s+order\s+by\s+', re.IGNORECASE)


def parse_jql(jql: str) -> tuple[list[Callable[[dict], bool]], list[tuple[str, bool]]]:
    """Bounded JQL the sandbox understands: project =/in, updated/created comparisons joined by AND,
    ORDER BY updated|created|key|id [ASC|DESC]. Dates are epoch milliseconds or quoted local datetimes."""
    if not jql.strip():
        raise JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
    parts = _ORDER.split(" " + jql.strip(), maxsplit=1)
    where, order = parts[0].strip(), parts[1] if len(parts) > 1 else ""
    if not where:
        raise JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
    filters: list[Callable[[dict], bool]] = []
    for clause in re.split(r"\s+and\s+", where, flags=re.IGNORECASE):
        m = _CLAUSE.match(clause)
        if not m:
            raise JqlError(f"Error in the JQL Query: the sandbox does not understand '{clause.strip()}'.")
        field, op, value = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if field == "project":
            if op == "in":
                keys = {v.strip().strip('"').upper() for v in value.strip("() ").split(",") if v.strip()}
            elif op == "=":
                keys = {value.strip('"').upper()}
            else:
                raise JqlError(f"The operator '{op}' is not supported by the 'project' field.")
            filters.append(lambda i, keys=keys: i["fields"]["project"]["key"] in keys)
            continue
        if op in ("in", "="):
            raise JqlError(f"The operator '{op}' is not supported by the '{field}' field in the sandbox.")
        bound = _jql_instant(value)
        compare = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
                   "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}[op]
        filters.append(lambda i, f=field, b=bound, c=compare: c(_instant(i["fields"][f]), b))
    sort: list[tuple[str, bool]] = []
    for item in [s.strip() for s in order.split(",") if s.strip()]:
        words = item.split()
        key = words[0].lower()
        if key not in {"updated", "created", "key", "id"} or len(words) > 2:
            raise JqlError(f"Error in the JQL Query: cannot order by '{item}'.")
        sort.append((key, len(words) == 2 and words[1].lower() == "desc"))
    return filters, sort or [("id", True)]


def _jql_instant(value: str) -> float:
    value = value.strip()
    if re.fullmatch(r"-?\d+", value):
        return int(value) / 1000.0
    raw = value.strip("'\"")
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=PROFILE_TZ).timestamp()
        except ValueError:
            continue
    raise JqlError(f"Date value '{raw}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
                   "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")


@lru_cache(maxsize=1 << 18)
def _instant(jira_timestamp: str) -> float:
    return datetime.strptime(jira_timestamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _sort_key(key: str) -> Callable[[dict], Any]:
    if key == "id":
        return lambda i: int(i["id"])
    if key == "key":
        return lambda i: (i["key"].split("-")[0], int(i["key"].split("-")[1]))
    return lambda i: (_instant(i["fields"][key]), int(i["id"]))


def _page_token(offset: int, jql: str) -> str:
    digest = hashlib.sha1(jql.encode()).hexdigest()[:10]
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": digest}).encode()).decode().rstrip("=")


def _read_token(token: str, jql: str) -> int:
    data = json.loads(base64.urlsafe_b64decode(token + "===").decode())
    if data.get("q") != hashlib.sha1(jql.encode()).hexdigest()[:10]:
        raise ValueError("token belongs to another query")
    return int(data["o"])


def _project(issue: dict, fields: set[str] | None, expand_changelog: bool, embedded_max: int) -> dict:
    out: dict[str, Any] = {"expand": issue["expand"], "id": issue["id"], "self": issue["self"], "key": issue["key"]}
    if fields is None:  # Jira's default for /search/jql: ids only
        return {"id": issue["id"]}
    out["fields"] = {f: issue["fields"].get(f) for f in ALL_FIELDS if f in fields}
    if expand_changelog:
        cl = issue["changelog"]
        shown = cl["histories"][:embedded_max]
        out["changelog"] = {"startAt": 0, "maxResults": len(shown), "total": cl["total"], "histories": shown}
    return out


def _wanted_fields(raw: list[str]) -> set[str] | None:
    names = [f.strip() for item in raw for f in item.split(",") if f.strip()]
    if not names:
        return None
    wanted: set[str] = set()
    for name in names:
        if name in ("*all", "*navigable"):
            wanted |= set(ALL_FIELDS)
        elif name.startswith("-"):
            wanted.discard(name[1:])
        elif name not in ("id", "key"):
            wanted.add(name)
    return wanted if wanted or set(names) - {"id", "key"} else None


# ------------------------------------------------------------------------------------------------ routes
def routes(state: SandboxState) -> list[Route]:
    company = state.company
    jira_records.knobs(company)  # a bad `sources.jira` fails at startup
    lazy: dict[str, Any] = {}
    result_cache: dict[tuple[str, int], list[dict]] = {}

    def jira() -> tuple[JiraData, dict[str, dict]]:
        # built on first use, so servers that never see a Jira request do not pay for the records
        if not lazy:
            data = jira_data(company)
            lazy.update(data=data, by_ref={i["id"]: i for i in data.issues} | {i["key"]: i for i in data.issues})
        return lazy["data"], lazy["by_ref"]

    def gate(request: Request) -> tuple[Response | None, Fault | None]:
        fault = state.faults.take("jira", target(request))
        if fault and fault.kind == "status":
            return _status_fault(fault), None
        if (denied := _check_auth(request)) is not None:
            return denied, None
        return None, fault

    def finish(response: Response, fault: Fault | None) -> Response:
        return truncate(response) if fault and fault.kind == "malformed" else response

    def results(jql: str) -> list[dict]:
        """The query's issues, filtered and sorted once per query and view: every page reads the same list.

        The view is the end of the window once the clock has passed it (the usual case), else the simulated
        instant; pages of one query share it, so paging costs a slice, not a pass over every issue."""
        data, _ = jira()
        view = min(int(state.now_ts()), data.cutoff)
        key = (jql, view)
        if key not in result_cache:
            filters, order = parse_jql(jql)
            found = [i for i in issues_as_of(data, view) if all(f(i) for f in filters)]
            for field, desc in reversed(order):
                found.sort(key=_sort_key(field), reverse=desc)
            if len(result_cache) > 8:
                result_cache.clear()
            result_cache[key] = found
        return result_cache[key]

    async def search_jql(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return _errors(400, "Invalid request payload. Refer to the REST API documentation and try again.")
            if not isinstance(body, dict):
                return _errors(400, "Invalid request payload. Refer to the REST API documentation and try again.")
            jql = str(body.get("jql") or "")
            fields_raw = body.get("fields") or []
            fields_raw = [fields_raw] if isinstance(fields_raw, str) else [str(f) for f in fields_raw]
            expand = body.get("expand") or ""
            expand = ",".join(expand) if isinstance(expand, list) else str(expand)
            max_raw, token = body.get("maxResults"), body.get("nextPageToken")
        else:
            q = request.query_params
            jql, fields_raw, expand = q.get("jql", ""), q.getlist("fields"), q.get("expand", "")
            max_raw, token = q.get("maxResults"), q.get("nextPageToken")
        fields = _wanted_fields(fields_raw)
        knobs = jira()[0].knobs
        try:
            max_results = 50 if max_raw in (None, "") else int(max_raw)
        except (TypeError, ValueError):
            return _errors(400, f"The value '{max_raw}' is invalid for maxResults.")
        # with fields, Jira returns at most 100 per page whatever was asked; ids alone go up to 5000
        max_results = max(1, min(max_results, knobs.search_page_max if fields else 5000))
        try:
            found = results(jql)
            offset = _read_token(token, jql) if token else 0
        except JqlError as exc:
            return _errors(400, str(exc))
        except (ValueError, KeyError, json.JSONDecodeError):
            return _errors(400, "The provided next page token is invalid or expired.")
        expand_changelog = "changelog" in {e.strip() for e in expand.split(",")}
        page = [_project(i, fields, expand_changelog, knobs.embedded_changelog_max)
                for i in found[offset: offset + max_results]]
        is_last = offset + max_results >= len(found)
        out: dict[str, Any] = {"issues": page, "isLast": is_last}
        if not is_last:
            out["nextPageToken"] = _page_token(offset + max_results, jql)
        return finish(JSONResponse(out), fault)

    async def removed_search(request: Request) -> Response:
        early, _ = gate(request)
        if early is not None:
            return early
        return _errors(410, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                            "A full migration guideline is available at "
                            "https://developer.atlassian.com/changelog/#CHANGE-2046")

    async def changelog(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        now = state.now_ts()
        data, by_ref = jira()
        knobs = data.knobs
        issue = by_ref.get(request.path_params["key"])
        visible = issue_as_of(data, issue, now) if issue else None
        if visible is None:
            return _errors(404, "Issue does not exist or you do not have permission to see it.")
        q = request.query_params
        try:
            start = max(0, int(q.get("startAt", "0")))
            size = max(1, min(int(q.get("maxResults", "100")), knobs.changelog_page_max))
        except ValueError:
            return _errors(400, "startAt and maxResults must be integers.")
        histories = visible["changelog"]["histories"]
        values = histories[start: start + size]
        is_last = start + size >= len(histories)
        url = f"{base_url(request)}{request.url.path}"
        out: dict[str, Any] = {"self": f"{url}?{urlencode({'startAt': start, 'maxResults': size})}",
                               "maxResults": size, "startAt": start, "total": len(histories), "isLast": is_last,
                               "values": values}
        if not is_last:
            out["nextPage"] = f"{url}?{urlencode({'startAt': start + size, 'maxResults': size})}"
        return finish(JSONResponse(out), fault)

    async def users(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        q = request.query_params
        data = jira()[0]
        try:
            start = max(0, int(q.get("startAt", "0")))
            size = max(1, min(int(q.get("maxResults", "50")), data.knobs.users_page_max))
        except ValueError:
            return _errors(400, "startAt and maxResults must be integers.")
        return finish(JSONResponse(data.users[start: start + size]), fault)

    async def statuses(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        return finish(JSONResponse(jira()[0].statuses), fault)

    async def status_categories(request: Request) -> Response:
        early, fault = gate(request)
        if early is not None:
            return early
        site = f"https://{jira()[0].site}.atlassian.net/rest/api/3/statuscategory"
        cats = [{"self": f"{site}/{cid}", "id": cid, "key": k, "colorName": c, "name": n}
                for cid, (k, n, c) in CATEGORIES.items()]
        return finish(JSONResponse(cats), fault)

    return [
        Route("/jira/rest/api/3/search/jql", search_jql, methods=["GET", "POST"]),
        Route("/jira/rest/api/3/search", removed_search, methods=["GET", "POST"]),
        Route("/jira/rest/api/3/issue/{key}/changelog", changelog, methods=["GET"]),
        Route("/jira/rest/api/3/users/search", users, methods=["GET"]),
        Route("/jira/rest/api/3/status", statuses, methods=["GET"]),
        Route("/jira/rest/api/3/statuscategory", status_categories, methods=["GET"]),
    ]
