"""GitHub's GraphQL API: the review queries, one call, and GitHub's ways of saying no inside a 200.

GraphQL answers 200 even when it refuses: the primary limit spent is `{"errors": [{"type": "RATE_LIMITED",
...}]}` with `x-ratelimit-remaining: 0`, waited out until `x-ratelimit-reset` by the shared client like a
REST 403/429. Any other `errors` array, or a body without `data`, fails the stream naming GitHub's message:
the batch lands nothing and the cursor stays.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.errors import MalformedResponseError, VendorRequestError
from connectors.github_api import graphql_url
from connectors.http import VendorHttpClient
from connectors.redaction import redact

# Each review asks for its pull request and repository, so every landed node names what it reviewed.
# databaseId is the review's REST `id` (the same review read by either API has the same key).
REVIEW_FIELDS = """
fragment ReviewFields on PullRequestReview {
  databaseId
  state
  submittedAt
  authorAssociation
  author { login ... on User { databaseId } }
  commit { oid }
  url
  pullRequest { number url repository { nameWithOwner } }
}
"""

# Merged pull requests of one repository, most recently updated first, each with its first reviews.
MERGED_PULL_REQUESTS = """
query MergedPullRequestReviews($owner: String!, $name: String!, $pulls: Int!, $after: String, $reviews: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $pulls, after: $after, states: [MERGED], orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        updatedAt
        reviews(first: $reviews) {
          pageInfo { hasNextPage endCursor }
          nodes { ...ReviewFields }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
""" + REVIEW_FIELDS

# The rest of one pull request's reviews, after the cursor the first query ended on.
MORE_REVIEWS = """
query PullRequestReviewsAfter($owner: String!, $name: String!, $number: Int!, $after: String, $reviews: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: $reviews, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...ReviewFields }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
""" + REVIEW_FIELDS


def _errors(body: Any) -> list[dict]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def rate_limited(response: requests.Response) -> bool:
    """GitHub's GraphQL refusal for a spent limit: 200, an `errors` array, and `x-ratelimit-remaining: 0` or an
    error of type RATE_LIMITED / a "rate limit" message (secondary limits). A 200 that spent the last point
    and carries `data` is an answer, not a refusal."""
    if response.status_code != 200:
        return False
    head = response.content[:2000].lower()
    if response.headers.get("x-ratelimit-remaining") != "0" and b"rate" not in head:
        return False  # the common case decides on headers alone, without parsing the page
    try:
        body = response.json()
    except ValueError:
        return False
    errors = _errors(body)
    if not errors:
        return False
    if response.headers.get("x-ratelimit-remaining") == "0":
        return True
    return any(e.get("type") == "RATE_LIMITED" or "rate limit" in str(e.get("message", "")).lower() for e in errors)


def _describe(errors: list[dict]) -> str:
    shown = []
    for e in errors[:3]:
        kind = f"{e['type']}: " if e.get("type") else ""
        where = f" (at {'.'.join(str(p) for p in e['path'])})" if isinstance(e.get("path"), list) else ""
        shown.append(f"{kind}{e.get('message', '(no message)')}{where}")
    more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    return redact("; ".join(shown) + more)


def query(client: VendorHttpClient, text: str, variables: dict[str, Any], what: str) -> dict:
    """POST one query to the client's GraphQL endpoint and return its `data`; `what` names the call in errors."""
    url = client.settings.get("graphql_url") or graphql_url(client.base_url)
    response = client.request("POST", url, json={"query": text, "variables": variables}, refused=rate_limited)
    body = client.parse_json(response)
    errors = _errors(body)
    if errors or (isinstance(body, dict) and body.get("errors")):
        raise VendorRequestError(
            f"GitHub's GraphQL API answered {what} with errors: {_describe(errors) or body.get('errors')}. "
            "Nothing from this batch was landed and the cursor did not move; check that the token can read the "
            "org's pull requests, or set extra.reviews_api to 'rest'."
        )
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        shape = sorted(body)[:10] if isinstance(body, dict) else type(body).__name__
        raise MalformedResponseError(
            f"GitHub's GraphQL API answered {what} without `data` (got: {shape}). Nothing from this batch was "
            "landed and the cursor did not move; rerun, and report it to GitHub if it persists."
        )
    return body["data"]


def field(value: Any, path: str, what: str) -> Any:
    """value[a][b]... for path "a.b", or a clear error naming what the answer lacked."""
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise MalformedResponseError(
                f"GitHub's GraphQL answer for {what} has no `{path}`. Nothing from this batch was landed and the "
                "cursor did not move; rerun, and report it to GitHub if it persists."
            )
        value = value[part]
    return value
