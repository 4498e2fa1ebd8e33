"""Pushed data: the webhook receiver lands vendor events under the landing contract (see app.py).

Streams (one landing stream per vendor, primary key `delivery_id`):
    github/pull_request_events, zendesk/ticket_events, jira/issue_events
"""

from __future__ import annotations

from connectors.webhooks.vendors import VENDORS


def webhook_streams() -> list[tuple[str, str]]:
    """(source, stream) of every webhook stream; each is a landing Asset like a polled stream."""
    return [(v.source, v.stream) for v in VENDORS.values()]
