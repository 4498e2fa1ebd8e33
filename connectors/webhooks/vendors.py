"""Per-vendor webhook contracts: how a delivery is signed, identified and checked.

GitHub   X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>; X-GitHub-Event; X-GitHub-Delivery (GUID,
         the same on a redelivery). No signed timestamp, so replays are caught by the delivery id only.
Zendesk  X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + raw body)) with
         X-Zendesk-Webhook-Signature-Timestamp (ISO 8601 UTC); the payload `id` identifies the event. The timestamp
         is signed, so a delivery older than the replay window is refused.
Jira     Admin webhooks with a secret: X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)> (WebSub);
         X-Atlassian-Webhook-Identifier identifies the delivery (kept across retries).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

REPLAY_WINDOW_SECONDS = 300


class SignatureError(Exception):
    """The delivery is unsigned, wrongly signed or too old: answer 401 and land nothing."""


class PayloadError(Exception):
    """The delivery is signed but not the vendor's shape: answer 400 and land nothing."""


def _hmac_sha256(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def _verify_hex_sha256(header_value: str | None, header_name: str, secret: bytes, body: bytes) -> None:
    if not header_value:
        raise SignatureError(f"missing {header_name}")
    scheme, _, digest = header_value.partition("=")
    if scheme != "sha256" or not digest:
        raise SignatureError(f"{header_name} must be sha256=<hex digest>")
    expected = _hmac_sha256(secret, body).hex()
    if not hmac.compare_digest(expected, digest.strip().lower()):
        raise SignatureError(f"{header_name} does not match the body")


def sign_github(secret: bytes, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + _hmac_sha256(secret, body).hex()}


def sign_jira(secret: bytes, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature": "sha256=" + _hmac_sha256(secret, body).hex()}


def sign_zendesk(secret: bytes, body: bytes, timestamp: str) -> dict[str, str]:
    signature = base64.b64encode(_hmac_sha256(secret, timestamp.encode() + body)).decode()
    return {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


def _verify_github(headers: Mapping[str, str], body: bytes, secret: bytes, now: float) -> None:
    _verify_hex_sha256(headers.get("x-hub-signature-256"), "X-Hub-Signature-256", secret, body)


def _verify_jira(headers: Mapping[str, str], body: bytes, secret: bytes, now: float) -> None:
    _verify_hex_sha256(headers.get("x-hub-signature"), "X-Hub-Signature", secret, body)


def _verify_zendesk(headers: Mapping[str, str], body: bytes, secret: bytes, now: float) -> None:
    signature = headers.get("x-zendesk-webhook-signature")
    timestamp = headers.get("x-zendesk-webhook-signature-timestamp")
    if not signature or not timestamp:
        raise SignatureError("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp")
    expected = base64.b64encode(_hmac_sha256(secret, timestamp.encode() + body)).decode()
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("X-Zendesk-Webhook-Signature does not match the timestamp and body")
    try:
        signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise SignatureError("X-Zendesk-Webhook-Signature-Timestamp is not an ISO 8601 time") from None
    if abs(now - signed_at) > REPLAY_WINDOW_SECONDS:
        raise SignatureError(f"signature timestamp {timestamp} is outside the {REPLAY_WINDOW_SECONDS} s replay window")


def _dig(payload: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(payload, dict):
            return None
        payload = payload.get(key)
    return payload


def _require(payload: Any, paths: list[tuple[str, ...]]) -> None:
    if not isinstance(payload, dict):
        raise PayloadError("the body must be a JSON object")
    missing = [".".join(p) for p in paths if _dig(payload, *p) in (None, "")]
    if missing:
        raise PayloadError(f"the body lacks {missing}")


@dataclass(frozen=True)
class Delivery:
    """What the receiver keeps of an accepted request (never the signature headers)."""

    delivery_id: str
    event: str
    headers: dict[str, str]


def _github_delivery(headers: Mapping[str, str], payload: Any) -> Delivery | None:
    event = headers.get("x-github-event")
    delivery_id = headers.get("x-github-delivery")
    if not event or not delivery_id:
        raise PayloadError("missing X-GitHub-Event or X-GitHub-Delivery")
    if event != "pull_request":
        return None  # ping and other events are acknowledged and not landed
    _require(payload, [("action",), ("pull_request", "id"), ("pull_request", "number"), ("repository", "full_name")])
    kept = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id}
    if hook_id := headers.get("x-github-hook-id"):
        kept["X-GitHub-Hook-ID"] = hook_id
    return Delivery(delivery_id, f"pull_request.{payload['action']}", kept)


def _zendesk_delivery(headers: Mapping[str, str], payload: Any) -> Delivery | None:
    _require(payload, [("id",), ("type",), ("time",), ("detail", "id")])
    if not str(payload["type"]).startswith("zen:event-type:ticket."):
        return None
    kept = {"X-Zendesk-Webhook-Signature-Timestamp": headers.get("x-zendesk-webhook-signature-timestamp", "")}
    for name in ("X-Zendesk-Webhook-Id", "X-Zendesk-Webhook-Invocation-Id"):
        if value := headers.get(name.lower()):
            kept[name] = value
    return Delivery(str(payload["id"]), str(payload["type"]).removeprefix("zen:event-type:"), kept)


def _jira_delivery(headers: Mapping[str, str], payload: Any) -> Delivery | None:
    delivery_id = headers.get("x-atlassian-webhook-identifier")
    if not delivery_id:
        raise PayloadError("missing X-Atlassian-Webhook-Identifier")
    _require(payload, [("webhookEvent",), ("timestamp",)])
    if not str(payload["webhookEvent"]).startswith("jira:issue_"):
        return None
    _require(payload, [("issue", "id"), ("issue", "key")])
    kept = {"X-Atlassian-Webhook-Identifier": delivery_id}
    if retry := headers.get("x-atlassian-webhook-retry"):
        kept["X-Atlassian-Webhook-Retry"] = retry
    return Delivery(delivery_id, str(payload["webhookEvent"]), kept)


@dataclass(frozen=True)
class WebhookVendor:
    name: str  # the URL path segment: /webhooks/<name>
    source: str
    stream: str
    verify: Callable[[Mapping[str, str], bytes, bytes, float], None]
    # Checks the shape; None means "signed and fine, but not an event we land" (e.g. GitHub ping).
    delivery: Callable[[Mapping[str, str], Any], Delivery | None]
    description: str
    # As for a polled Stream: every landed record carries the delivery id, and a redelivered event
    # (same id, landed again) counts once.
    primary_key: tuple[str, ...] = ("delivery_id",)
    disposition: Literal["merge", "snapshot"] = "merge"

    @property
    def key(self) -> str:
        return f"{self.source}/{self.stream}"


VENDORS: dict[str, WebhookVendor] = {
    v.name: v
    for v in (
        WebhookVendor("github", "github", "pull_request_events", _verify_github, _github_delivery,
                      "GitHub `pull_request` webhook deliveries (X-Hub-Signature-256)."),
        WebhookVendor("zendesk", "zendesk", "ticket_events", _verify_zendesk, _zendesk_delivery,
                      "Zendesk ticket event webhooks (zen:event-type:ticket.*), signed with a timestamp."),
        WebhookVendor("jira", "jira", "issue_events", _verify_jira, _jira_delivery,
                      "Jira admin webhooks for jira:issue_* events (X-Hub-Signature)."),
    )
}
