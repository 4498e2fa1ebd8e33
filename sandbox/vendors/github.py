"""GitHub REST (source `github`): org repositories, pull requests and reviews, under /github; and GitHub's
GraphQL endpoint over the same records (`POST /github/graphql`, sandbox/vendors/github_graphql.py).

Shares the rate-limit budget and the `github` fault vendor with the Copilot simulator (`github_common`).
Pages are numbered and linked with `Link` headers; like GitHub, the links address the repository by id
(`/repositories/<id>/...`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.records import github as records
from sandbox.records.github import PullRequestData, pull_as_of, pull_requests, reviews_as_of
from sandbox.vendors import github_graphql
from sandbox.vendors.common import SandboxState, base_url, target, truncate
from sandbox.vendors.faults import Fault
from sandbox.vendors.github_common import gh_error, rate_headers, status_fault, token_error


def routes(state: SandboxState) -> list[Route]:
    company = state.company
    records.knobs(company)  # a bad `sources.github` fails at startup
    org = company.scenario.company.github_org
    listing_cache: dict[tuple, list[dict]] = {}
    index: dict[str, Any] = {}

    def prs() -> dict[str, Any]:
        # built on first use, so servers that never list pull requests do not pay for the records
        if not index:
            data: PullRequestData = pull_requests(company)
            by_repo: dict[int, list[dict]] = {r["id"]: [] for r in data.repos}
            for pr in data.pulls:
                by_repo[pr["base"]["repo"]["id"]].append(pr)
            index.update(data=data, by_name={r["name"].lower(): r for r in data.repos},
                         by_id={r["id"]: r for r in data.repos}, by_repo=by_repo,
                         by_number={(pr["base"]["repo"]["id"], pr["number"]): pr for pr in data.pulls})
        return index

    def gate(request: Request) -> tuple[Response | None, Fault | None, dict[str, str]]:
        headers = rate_headers(state)
        fault = state.faults.take("github", target(request))
        if fault and fault.kind == "status":
            return status_fault(fault, headers), None, headers
        if (denied := token_error(request, headers)) is not None:
            return denied, None, headers
        return None, fault, headers

    def finish(body: Any, headers: dict[str, str], fault: Fault | None) -> Response:
        response = JSONResponse(body, headers=headers)
        return truncate(response) if fault and fault.kind == "malformed" else response

    def paging(request: Request, default_per_page: int) -> tuple[int, int]:
        q = request.query_params
        page = max(1, int(q.get("page", "1")))
        per_page = min(100, max(1, int(q.get("per_page", str(default_per_page)))))
        return page, per_page

    def link_header(url: str, params: dict[str, Any], page: int, per_page: int, total: int) -> str | None:
        last = max(1, -(-total // per_page))

        def link(p: int, rel: str) -> str:
            return f'<{url}?{urlencode({**params, "per_page": per_page, "page": p})}>; rel="{rel}"'

        rels = []
        if page > 1:
            rels.append(link(min(page - 1, last), "prev"))
        if page < last:
            rels += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            rels.append(link(1, "first"))
        return ", ".join(rels) or None

    def repo_of(request: Request) -> dict | None:
        if "repo_id" in request.path_params:
            try:
                return prs()["by_id"].get(int(request.path_params["repo_id"]))
            except ValueError:
                return None
        if request.path_params.get("owner", "").lower() != org.lower():
            return None
        return prs()["by_name"].get(request.path_params["repo"].lower())

    async def org_repos(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        if request.path_params["org"].lower() != org.lower():
            return gh_error(404, "Not Found", headers)
        data = prs()["data"]
        try:
            page, per_page = paging(request, data.knobs.repos_default_per_page)
        except ValueError:
            return gh_error(400, "Invalid page or per_page parameter.", headers)
        chunk = data.repos[(page - 1) * per_page: page * per_page]
        params = {k: v for k, v in request.query_params.items() if k not in ("page", "per_page")}
        if link := link_header(f"{base_url(request)}{request.url.path}", params, page, per_page, len(data.repos)):
            headers["link"] = link
        return finish(chunk, headers, fault)

    def listing(repo_id: int, state_filter: str, sort: str, descending: bool) -> list[dict]:
        data, pulls_by_repo = prs()["data"], prs()["by_repo"]
        now = int(state.now_ts())
        key = (repo_id, state_filter, sort, descending, min(now, data.cutoff))
        if key not in listing_cache:
            visible = [v for v in (pull_as_of(data, pr, now) for pr in pulls_by_repo[repo_id]) if v is not None]
            if state_filter != "all":
                visible = [v for v in visible if v["state"] == state_filter]
            field = {"created": "created_at", "updated": "updated_at"}.get(sort, "created_at")
            visible.sort(key=lambda v: (v[field], v["number"]), reverse=descending)
            if len(listing_cache) > 256:
                listing_cache.clear()
            listing_cache[key] = visible
        return listing_cache[key]

    async def pulls(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        repo = repo_of(request)
        if repo is None:
            return gh_error(404, "Not Found", headers)
        q = request.query_params
        state_filter = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        if state_filter not in {"open", "closed", "all"} or sort not in {"created", "updated", "popularity",
                                                                         "long-running"} \
                or direction not in {"asc", "desc"}:
            return gh_error(422, "Validation Failed", headers)
        try:
            page, per_page = paging(request, prs()["data"].knobs.pulls_default_per_page)
        except ValueError:
            return gh_error(400, "Invalid page or per_page parameter.", headers)
        found = listing(repo["id"], state_filter, sort, direction == "desc")
        params = {k: v for k, v in q.items() if k not in ("page", "per_page")}
        url = f"{base_url(request)}/github/repositories/{repo['id']}/pulls"
        if link := link_header(url, params, page, per_page, len(found)):
            headers["link"] = link
        return finish(found[(page - 1) * per_page: page * per_page], headers, fault)

    async def single_pull(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        repo, data = repo_of(request), prs()["data"]
        pr = prs()["by_number"].get((repo["id"], int(request.path_params["number"]))) if repo else None
        view = pull_as_of(data, pr, state.now_ts()) if pr else None
        if view is None:
            return gh_error(404, "Not Found", headers)
        # the single pull request adds what the list leaves out (N+1 calls for sizes)
        seed = view["id"]
        detail = {**view, "merged": view["merged_at"] is not None,
                  "merged_by": view["user"] if view["merged_at"] else None,
                  "comments": seed % 5, "review_comments": seed % 7, "commits": 1 + seed % 6,
                  "additions": 5 + seed % 400, "deletions": seed % 120, "changed_files": 1 + seed % 12,
                  "mergeable": None if view["state"] == "closed" else True}
        return finish(detail, headers, fault)

    async def reviews(request: Request) -> Response:
        early, fault, headers = gate(request)
        if early is not None:
            return early
        repo, data = repo_of(request), prs()["data"]
        pr = prs()["by_number"].get((repo["id"], int(request.path_params["number"]))) if repo else None
        if pr is None or pull_as_of(data, pr, state.now_ts()) is None:
            return gh_error(404, "Not Found", headers)
        try:
            page, per_page = paging(request, 30)
        except ValueError:
            return gh_error(400, "Invalid page or per_page parameter.", headers)
        found = reviews_as_of(data, pr["id"], state.now_ts())
        url = f"{base_url(request)}/github/repositories/{repo['id']}/pulls/{pr['number']}/reviews"
        if link := link_header(url, {}, page, per_page, len(found)):
            headers["link"] = link
        return finish(found[(page - 1) * per_page: page * per_page], headers, fault)

    return [
        Route("/github/orgs/{org}/repos", org_repos, methods=["GET"]),
        Route("/github/repos/{owner}/{repo}/pulls", pulls, methods=["GET"]),
        Route("/github/repositories/{repo_id}/pulls", pulls, methods=["GET"]),
        Route("/github/repos/{owner}/{repo}/pulls/{number:int}", single_pull, methods=["GET"]),
        Route("/github/repositories/{repo_id}/pulls/{number:int}", single_pull, methods=["GET"]),
        Route("/github/repos/{owner}/{repo}/pulls/{number:int}/reviews", reviews, methods=["GET"]),
        Route("/github/repositories/{repo_id}/pulls/{number:int}/reviews", reviews, methods=["GET"]),
        Route("/github/graphql", github_graphql.handler(state, prs), methods=["POST"]),
    ]
