"""Signed vendor webhooks for the synthetic company's activity (a solved ticket, a merged PR, a done issue).

    python -m sandbox.webhooks --url http://127.0.0.1:8090 --vendor zendesk --count 5

Payload shapes follow the vendors' documented webhook payloads (Zendesk ticket events, GitHub
`pull_request`, Jira `jira:issue_updated`); signatures follow each vendor's scheme (connectors.webhooks.vendors).
The secrets below only work against a receiver started with them (`make up` does).
"""

from __future__ import annotations

import argparse
import json
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connectors.webhooks.vendors import sign_github, sign_jira, sign_zendesk

WEBHOOK_SECRETS = {
    "github": "sandbox-github-webhook-secret-not-real",
    "zendesk": "sandbox-zendesk-webhook-secret-not-real",
    "jira": "sandbox-jira-webhook-secret-not-real",
}
ZENDESK_ACCOUNT_ID = 12514403
# Ids above anything the sandbox's polled APIs serve: an event for such an item is news to the poll.
NEW_ITEM_ID_BASE = 900_000_000


def secrets_env() -> dict[str, str]:
    return {f"OUTCOMES_WEBHOOK_SECRET_{name.upper()}": value for name, value in WEBHOOK_SECRETS.items()}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- payloads --------------------------------------------------------------------------------------


def zendesk_ticket_solved(ticket_id: int, assignee_id: int, requester_id: int, created_at: datetime,
                          solved_at: datetime, event_id: str | None = None) -> dict[str, Any]:
    """A `zen:event-type:ticket.status_changed` event to SOLVED (detail ids are strings, as Zendesk sends them)."""
    return {
        "type": "zen:event-type:ticket.status_changed",
        "account_id": ZENDESK_ACCOUNT_ID,
        "id": event_id or str(uuid.uuid4()),
        "time": _iso(solved_at),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {
            "actor_id": str(assignee_id),
            "assignee_id": str(assignee_id),
            "brand_id": "360000100001",
            "created_at": _iso(created_at),
            "description": "Synthetic ticket",
            "external_id": "",
            "form_id": "360000200001",
            "group_id": "360001002",
            "id": str(ticket_id),
            "is_public": True,
            "organization_id": "361000023",
            "priority": "NORMAL",
            "requester_id": str(requester_id),
            "status": "SOLVED",
            "subject": "Synthetic ticket",
            "submitter_id": str(requester_id),
            "tags": [],
            "type": "INCIDENT",
            "updated_at": _iso(solved_at),
            "via": {"channel": "web_form"},
        },
        "event": {"current": "SOLVED", "previous": "OPEN"},
    }


def github_pull_request_merged(pr_id: int, number: int, author_login: str, created_at: datetime,
                               merged_at: datetime, org: str = "acme", repo: str = "platform") -> dict[str, Any]:
    """A `pull_request` event with action `closed` and `merged: true` (what GitHub sends on a merge)."""
    return {
        "action": "closed",
        "number": number,
        "pull_request": {
            "url": f"https://api.github.com/repos/{org}/{repo}/pulls/{number}",
            "id": pr_id,
            "node_id": f"PR_sandbox{pr_id}",
            "html_url": f"https://github.com/{org}/{repo}/pull/{number}",
            "number": number,
            "state": "closed",
            "locked": False,
            "title": f"Synthetic change {number}",
            "user": {"login": author_login, "id": zlib.crc32(author_login.encode()) % 10**8, "type": "User"},
            "body": None,
            "created_at": _iso(created_at),
            "updated_at": _iso(merged_at),
            "closed_at": _iso(merged_at),
            "merged_at": _iso(merged_at),
            "merge_commit_sha": uuid.uuid5(uuid.NAMESPACE_URL, f"{repo}/{number}").hex + "00000000",
            "draft": False,
            "head": {"ref": f"change-{number}", "sha": uuid.uuid4().hex + "00000000"},
            "base": {"ref": "main", "sha": uuid.uuid4().hex + "00000000"},
            "merged": True,
            "comments": 1,
            "review_comments": 2,
            "commits": 3,
            "additions": 40,
            "deletions": 12,
            "changed_files": 4,
        },
        "repository": {"id": 700000001, "name": repo, "full_name": f"{org}/{repo}", "private": True,
                       "owner": {"login": org, "type": "Organization"}},
        "organization": {"login": org},
        "sender": {"login": author_login, "type": "User"},
    }


def jira_issue_done(issue_id: int, key: str, assignee_account_id: str, created_at: datetime,
                    resolved_at: datetime) -> dict[str, Any]:
    """A `jira:issue_updated` event whose changelog moves the issue to Done."""
    return {
        "timestamp": int(resolved_at.timestamp() * 1000),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": assignee_account_id, "accountType": "atlassian"},
        "issue": {
            "id": str(issue_id),
            "key": key,
            "self": f"https://acme.atlassian.net/rest/api/3/issue/{issue_id}",
            "fields": {
                "summary": f"Synthetic issue {key}",
                "issuetype": {"name": "Story"},
                "project": {"key": key.split("-")[0]},
                "assignee": {"accountId": assignee_account_id},
                "status": {"name": "Done", "statusCategory": {"key": "done"}},
                "created": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "updated": resolved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "resolutiondate": resolved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            },
        },
        "changelog": {"id": str(issue_id * 10), "items": [
            {"field": "status", "fieldtype": "jira", "fromString": "In Progress", "toString": "Done"},
        ]},
    }


# -- signing and sending ---------------------------------------------------------------------------


def signed_request(vendor: str, payload: dict[str, Any], secret: str | None = None,
                   delivery_id: str | None = None, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers the vendor would send."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    key = (secret or WEBHOOK_SECRETS[vendor]).encode()
    headers = {"Content-Type": "application/json"}
    if vendor == "github":
        headers.update({"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
                        "X-GitHub-Hook-ID": "424242", "User-Agent": "GitHub-Hookshot/sandbox"})
        headers.update(sign_github(key, body))
    elif vendor == "zendesk":
        headers.update({"X-Zendesk-Webhook-Id": "01SANDBOXWEBHOOK", "User-Agent": "Zendesk Webhook"})
        headers.update(sign_zendesk(key, body, _iso(now or datetime.now(UTC))))
    elif vendor == "jira":
        headers.update({"X-Atlassian-Webhook-Identifier": delivery_id or str(uuid.uuid4().int)[:12]})
        headers.update(sign_jira(key, body))
    else:
        raise ValueError(f"unknown webhook vendor {vendor!r}")
    return body, headers


class WebhookSender:
    def __init__(self, base_url: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()

    def send(self, vendor: str, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        body, headers = signed_request(vendor, payload, **kwargs)
        return self.session.post(f"{self.base_url}/webhooks/{vendor}", data=body, headers=headers, timeout=30)


def activity_event(vendor: str, n: int, now: datetime | None = None) -> dict[str, Any]:
    """The n-th simulated event of a vendor: a new item, created a day ago and finished now."""
    now = now or datetime.now(UTC)
    item = NEW_ITEM_ID_BASE + n
    if vendor == "zendesk":
        return zendesk_ticket_solved(item, 381002199138, 20000037491, now - timedelta(hours=26), now)
    if vendor == "github":
        return github_pull_request_merged(item, item % 100000, f"dev{n % 50:02d}-acme", now - timedelta(hours=20), now)
    if vendor == "jira":
        return jira_issue_done(item, f"OPS-{item % 100000}", f"5b10a2844c20165700ede{n % 50:03d}",
                               now - timedelta(days=2), now)
    raise ValueError(f"unknown webhook vendor {vendor!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.webhooks", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8090")
    parser.add_argument("--vendor", choices=sorted(WEBHOOK_SECRETS), default="zendesk")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--start", type=int, default=None, help="first event number (default: time-based)")
    args = parser.parse_args(argv)
    sender = WebhookSender(args.url)
    start = args.start if args.start is not None else int(datetime.now(UTC).timestamp()) % 10_000_000
    for i in range(args.count):
        resp = sender.send(args.vendor, activity_event(args.vendor, start + i))
        print(resp.status_code, resp.text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
