"""GitHub GraphQL (`POST /github/graphql`): repositories, pull requests and their reviews, from the same
records as the REST simulator (sandbox/records/github.py).

Queries run against a subset of GitHub's schema with graphql-core (the reference GraphQL executor, not a
hand parser): any query inside the subset is answered, as GitHub would, and anything else gets GitHub's
GraphQL error shape (HTTP 200, `errors`, no `data`). Connections page with opaque cursors and need
`first` or `last` (1-100); a missing repository is `data.repository: null` with a NOT_FOUND error.

Like GitHub: the token is checked as for REST, GraphQL has its own hourly budget of 5,000 points
(`x-ratelimit-resource: graphql`), every query here costs 1 point (GitHub's formula, connections to visit
/ 100, gives 1 for the connector's queries), and `rateLimit { cost limit remaining used resetAt }` can be
asked for. Faults (vendor `github`, path `/graphql`): `status`, `malformed`, and two GraphQL ones:
`rate_limited` (HTTP 200, a RATE_LIMITED error, `x-ratelimit-remaining: 0`: the primary limit spent) and
`graphql_errors` (HTTP 200 with an `errors` array; `body` replaces the default FORBIDDEN one).
"""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.records.github import PullRequestData, pull_as_of, reviews_as_of
from sandbox.vendors.common import SandboxState, error_body, truncate
from sandbox.vendors.faults import GRAPHQL_KINDS, Fault
from sandbox.vendors.github_common import gh_error, status_fault, token_error

if TYPE_CHECKING:
    from graphql import GraphQLError, GraphQLSchema

DOCS = "https://docs.github.com/graphql"
POINTS_PER_HOUR = 5000
MAX_PAGE = 100

SDL = '''
scalar DateTime
scalar URI
scalar GitObjectID

enum PullRequestState { OPEN CLOSED MERGED }
enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
enum OrderDirection { ASC DESC }
enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
enum CommentAuthorAssociation {
  MEMBER OWNER MANNEQUIN COLLABORATOR CONTRIBUTOR FIRST_TIME_CONTRIBUTOR FIRST_TIMER NONE
}
input IssueOrder { field: IssueOrderField! direction: OrderDirection! }

type Query {
  repository(owner: String!, name: String!): Repository
  rateLimit(dryRun: Boolean = false): RateLimit
}
type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: DateTime! used: Int! }
type PageInfo { endCursor: String hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String }

type Repository {
  id: ID!
  databaseId: Int
  name: String!
  nameWithOwner: String!
  url: URI!
  isArchived: Boolean!
  pullRequest(number: Int!): PullRequest
  pullRequests(first: Int, after: String, last: Int, before: String, states: [PullRequestState!],
               orderBy: IssueOrder, baseRefName: String, headRefName: String, labels: [String!]):
    PullRequestConnection!
}
type PullRequestConnection { nodes: [PullRequest] pageInfo: PageInfo! totalCount: Int! }
type PullRequest {
  id: ID!
  databaseId: Int
  number: Int!
  title: String!
  url: URI!
  state: PullRequestState!
  isDraft: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  closedAt: DateTime
  mergedAt: DateTime
  author: Actor
  repository: Repository!
  reviews(first: Int, after: String, last: Int, before: String): PullRequestReviewConnection
}
type PullRequestReviewConnection { nodes: [PullRequestReview] pageInfo: PageInfo! totalCount: Int! }
type PullRequestReview {
  id: ID!
  databaseId: Int
  state: PullRequestReviewState!
  body: String!
  submittedAt: DateTime
  createdAt: DateTime!
  authorAssociation: CommentAuthorAssociation!
  author: Actor
  commit: Commit
  url: URI!
  pullRequest: PullRequest!
  repository: Repository!
}
type Commit { oid: GitObjectID! }
interface Actor { login: String! url: URI! }
type User implements Actor { id: ID! databaseId: Int login: String! url: URI! }
type Bot implements Actor { id: ID! databaseId: Int login: String! url: URI! }
'''


@functools.cache
def schema() -> GraphQLSchema:
    """Built (and graphql-core imported) on the first GraphQL request: servers that answer none skip both."""
    from graphql import build_schema

    return build_schema(SDL)


def _error(message: str, **extensions: Any) -> GraphQLError:
    from graphql import GraphQLError

    return GraphQLError(message, extensions=extensions or None)


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:v2:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        kind, version, offset = base64.b64decode(cursor, validate=True).decode().split(":")
        assert kind == "cursor" and version == "v2"
        return int(offset) + 1
    except (ValueError, AssertionError, UnicodeDecodeError):
        raise _error(f"`{cursor}` does not appear to be a valid cursor.") from None


def _connection(items: list[Any], name: str, first: int | None, after: str | None, last: int | None = None,
                before: str | None = None) -> dict[str, Any]:
    """A GitHub connection page: `first`/`after` (or `last`/`before`) over items, as GitHub bounds them."""
    if first is None and last is None:
        raise _error(f"You must provide a `first` or `last` value to properly paginate the `{name}` "
                           "connection.")
    for arg, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise _error(f"Requesting {value} records on the `{name}` connection exceeds the `{arg}` limit of "
                               f"{MAX_PAGE} records.")
        if value is not None and value < 0:
            raise _error(f"`{arg}` on the `{name}` connection cannot be less than zero.")
    start = _offset(after)
    end = len(items) if before is None else _offset(before) - 1
    if first is not None:
        window = range(start, min(end, start + first))
    else:
        window = range(max(start, end - last), end)
    return {
        "nodes": [items[i] for i in window],
        "pageInfo": {"hasNextPage": window.stop < end, "hasPreviousPage": window.start > start,
                     "startCursor": _cursor(window.start) if len(window) else None,
                     "endCursor": _cursor(window.stop - 1) if len(window) else None},
        "totalCount": len(items),
    }


def _html_url(api_url: str) -> str:
    return api_url.replace("https://api.github.com/repos/", "https://github.com/").replace("/pulls/", "/pull/")


class _Graph:
    """The company's records as GraphQL objects (dicts; connections are callables of their arguments), as
    the API shows them at now_ts. After the company's cutoff every moment shows the same records, so one graph
    serves every request from then on (graph_at)."""

    def __init__(self, data: PullRequestData, by_repo: dict[int, list[dict]], now_ts: float) -> None:
        self.data, self.by_repo, self.now_ts = data, by_repo, now_ts
        self.repos = {r["full_name"].lower(): r for r in data.repos}
        self._repo_nodes: dict[int, dict] = {}
        self._pulls: dict[int, list[dict]] = {}  # repo id -> pull request nodes visible now, oldest first
        self._ordered: dict[tuple, list[dict]] = {}  # (repo id, states, order) -> nodes in that order

    def repository(self, owner: str, name: str) -> dict | None:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            return None
        if repo["id"] not in self._repo_nodes:
            self._repo_nodes[repo["id"]] = {
                "id": repo["node_id"], "databaseId": repo["id"], "name": repo["name"],
                "nameWithOwner": repo["full_name"], "url": repo["html_url"], "isArchived": repo["archived"],
                "pullRequest": lambda info, number, rid=repo["id"]: self._pull(rid, number),
                "pullRequests": lambda info, rid=repo["id"], **args: self._pull_requests(rid, **args),
            }
        return self._repo_nodes[repo["id"]]

    def _nodes_of(self, repo_id: int) -> list[dict]:
        if repo_id not in self._pulls:
            views = [v for v in (pull_as_of(self.data, pr, self.now_ts) for pr in self.by_repo[repo_id]) if v]
            self._pulls[repo_id] = [self._pull_node(v) for v in views]
        return self._pulls[repo_id]

    def _pull_node(self, view: dict) -> dict:
        repo = self.repository(*view["base"]["repo"]["full_name"].split("/", 1))
        merged = view["merged_at"] is not None
        node: dict[str, Any] = {
            "id": view["node_id"], "databaseId": view["id"], "number": view["number"], "title": view["title"],
            "url": view["html_url"], "isDraft": view["draft"], "createdAt": view["created_at"],
            "updatedAt": view["updated_at"], "closedAt": view["closed_at"], "mergedAt": view["merged_at"],
            "state": "MERGED" if merged else view["state"].upper(), "author": self._actor(view["user"]),
            "repository": repo,
        }
        reviews: list[dict] = []

        def reviews_page(info: Any, first=None, after=None, last=None, before=None) -> dict:
            if not reviews:
                reviews.extend(self._review_node(r, node) for r in reviews_as_of(self.data, view["id"], self.now_ts))
            return _connection(reviews, "reviews", first, after, last, before)

        node["reviews"] = reviews_page
        return node

    def _pull(self, repo_id: int, number: int) -> dict | None:
        return next((n for n in self._nodes_of(repo_id) if n["number"] == number), None)

    def _pull_requests(self, repo_id: int, first=None, after=None, last=None, before=None, states=None,
                       orderBy=None, **_: Any) -> dict:  # noqa: N803 - GitHub's argument name
        order = orderBy or {"field": "CREATED_AT", "direction": "ASC"}
        listing = (repo_id, tuple(sorted(states or ())), order["field"], order["direction"])
        if listing not in self._ordered:
            nodes = self._nodes_of(repo_id)
            if states:
                nodes = [n for n in nodes if n["state"] in states]
            key = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt"}.get(order["field"], "createdAt")
            self._ordered[listing] = sorted(nodes, key=lambda n: (n[key], n["number"]),
                                            reverse=order["direction"] == "DESC")
        return _connection(self._ordered[listing], "pullRequests", first, after, last, before)

    def _review_node(self, review: dict, pull: dict) -> dict:
        return {
            "id": review["node_id"], "databaseId": review["id"], "state": review["state"], "body": review["body"],
            "submittedAt": review["submitted_at"], "createdAt": review["submitted_at"],
            "authorAssociation": review["author_association"], "author": self._actor(review["user"]),
            "commit": {"oid": review["commit_id"]}, "url": review["html_url"], "pullRequest": pull,
            "repository": pull["repository"],
        }

    @staticmethod
    def _actor(user: dict | None) -> dict | None:
        if user is None:
            return None
        return {"__typename": "Bot" if user.get("type") == "Bot" else "User", "id": user["node_id"],
                "databaseId": user["id"], "login": user["login"], "url": f"https://github.com/{user['login']}"}


def _graphql_error(error: GraphQLError) -> dict[str, Any]:
    out = error.formatted
    kind = (error.extensions or {}).get("type")
    if kind:  # GitHub puts the error type beside the message
        out = {"type": kind, **{k: v for k, v in out.items() if k != "extensions"}}
    return out


@functools.lru_cache(maxsize=32)
def _validated(query: str) -> tuple[Any, list[GraphQLError]]:
    """A query parsed and checked against the schema once: the connector sends the same few texts each time."""
    from graphql import GraphQLError, parse, validate

    try:
        document = parse(query)
    except GraphQLError as error:
        return None, [error]
    return document, validate(schema(), document)


def handler(state: SandboxState, index: Callable[[], dict[str, Any]]) -> Callable:
    """The `POST /github/graphql` endpoint over the REST simulator's index of repositories and pull requests."""
    graphs: dict[float, _Graph] = {}  # the graph of the last moment asked for (one moment after the cutoff)

    def graph_at(now_ts: float) -> _Graph:
        ix = index()
        moment = min(now_ts, ix["data"].cutoff)
        if moment not in graphs:
            graphs.clear()
            graphs[moment] = _Graph(ix["data"], ix["by_repo"], moment)
        return graphs[moment]

    def rate_headers(cost: int) -> dict[str, str]:
        now = int(time.time())
        if now >= state.github_graphql_reset:
            state.github_graphql_used, state.github_graphql_reset = 0, now + 3600
        state.github_graphql_used += cost
        return {"x-ratelimit-limit": str(POINTS_PER_HOUR),
                "x-ratelimit-remaining": str(max(0, POINTS_PER_HOUR - state.github_graphql_used)),
                "x-ratelimit-used": str(state.github_graphql_used),
                "x-ratelimit-reset": str(state.github_graphql_reset), "x-ratelimit-resource": "graphql"}

    def graphql_fault(fault: Fault, headers: dict[str, str]) -> Response:
        if fault.kind == "rate_limited":
            # GitHub's answer once the hour's points are spent: 200, an errors array, remaining 0
            headers.update({"x-ratelimit-remaining": "0", "x-ratelimit-used": str(POINTS_PER_HOUR),
                            "x-ratelimit-reset": str(int(time.time()) + 60)})
            default: Any = {"errors": [{"type": "RATE_LIMITED",
                                        "message": "API rate limit exceeded for user ID 1."}]}
        else:
            default = {"data": None, "errors": [{
                "type": "FORBIDDEN", "path": ["repository"], "locations": [{"line": 3, "column": 3}],
                "message": "Resource not accessible by integration"}]}
        body = error_body(fault, default)
        return Response(body if isinstance(body, str | bytes) else json.dumps(body), status_code=200,
                        headers=headers, media_type="application/json")

    async def endpoint(request: Request) -> Response:
        headers = rate_headers(1)
        fault = state.faults.take("github", request.url.path, kinds=("status", "malformed", *GRAPHQL_KINDS))
        if fault and fault.kind == "status":
            return status_fault(fault, headers)
        if (denied := token_error(request, headers)) is not None:
            return denied
        if fault and fault.kind in ("rate_limited", "graphql_errors"):
            return graphql_fault(fault, headers)
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return gh_error(400, "Problems parsing JSON", headers, doc=DOCS)
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str):
            return JSONResponse({"errors": [{"message": "A query attribute must be specified and must be a string."}]},
                                headers=headers)
        variables = payload.get("variables") or {}
        if not isinstance(variables, dict):
            return JSONResponse({"errors": [{"message": "Variables are invalid JSON."}]}, headers=headers)
        graph = graph_at(state.now_ts())

        def repository(info: Any, owner: str, name: str) -> dict | None:
            found = graph.repository(owner, name)
            if found is None:
                raise _error(f"Could not resolve to a Repository with the name '{owner}/{name}'.", type="NOT_FOUND")
            return found

        def rate_limit(info: Any, dryRun: bool = False) -> dict:  # noqa: N803 - GitHub's name
            used = state.github_graphql_used
            return {"cost": 1, "limit": POINTS_PER_HOUR, "nodeCount": 0, "used": used,
                    "remaining": max(0, POINTS_PER_HOUR - used),
                    "resetAt": datetime.fromtimestamp(state.github_graphql_reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

        from graphql import ExecutionResult, execute

        document, invalid = _validated(query)
        if invalid:
            result = ExecutionResult(data=None, errors=invalid)
        else:
            result = execute(schema(), document, root_value={"repository": repository, "rateLimit": rate_limit},
                             variable_values=variables, operation_name=payload.get("operationName"))
        body: dict[str, Any] = {}
        if result.data is not None or not result.errors:
            body["data"] = result.data  # a query that does not validate gets errors only, as on GitHub
        if result.errors:
            body["errors"] = [_graphql_error(e) for e in result.errors]
        response = JSONResponse(body, headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    return endpoint
