"""The webhook receiver: a small Starlette app (served by uvicorn through `outcomes webhooks`).

POST /webhooks/<vendor>   verify the signature (401 and nothing landed if unsigned, wrongly signed or
                          replayed), check the shape (400), make the delivery durable, then answer 202
                          (200 for a delivery seen before or an event that is not landed).
GET  /healthz             counters; never secrets.

Every `flush_seconds` the accepted deliveries land as one batch per stream, and Airflow gets one asset
event per stream that landed (debounced to at most one per stream per flush).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError
from connectors.redaction import register_secret
from connectors.webhooks.notify import AirflowNotifier, landing_asset_name
from connectors.webhooks.store import DeliveryStore
from connectors.webhooks.vendors import VENDORS, PayloadError, SignatureError, WebhookVendor

log = logging.getLogger("connectors.webhooks")

MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def secret_from_env(vendor: str) -> bytes | None:
    """OUTCOMES_WEBHOOK_SECRET_<VENDOR>, else the password of the Airflow connection outcomes_webhook_<vendor>."""
    value = os.environ.get(f"OUTCOMES_WEBHOOK_SECRET_{vendor.upper()}")
    if not value:
        with contextlib.suppress(ConnectorError):
            value = ConnectionConfig.from_env(f"outcomes_webhook_{vendor}").password
    register_secret(value)
    return value.encode() if value else None


async def read_limited_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` (from Content-Length, or while streaming):
    an oversized delivery never sits in memory whole."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class ReceiverConfig:
    journal_dir: str
    landing_root: str
    secrets: dict[str, bytes | None] = field(repr=False)
    flush_seconds: float = 1.0
    notifier: AirflowNotifier | None = None

    @classmethod
    def from_env(cls, journal_dir: str, landing_root: str) -> ReceiverConfig:
        """Secrets, flush interval and the Airflow notifier from the environment; the paths from the caller."""
        return cls(
            journal_dir=journal_dir,
            landing_root=landing_root,
            secrets={name: secret_from_env(name) for name in VENDORS},
            flush_seconds=float(os.environ.get("OUTCOMES_WEBHOOK_FLUSH_SECONDS", "1.0")),
            notifier=AirflowNotifier.from_env(),
        )


class Receiver:
    def __init__(self, config: ReceiverConfig, clock=time.time):
        self.config = config
        self.clock = clock
        self.store = DeliveryStore(config.journal_dir, config.landing_root,
                                   [(v.source, v.stream) for v in VENDORS.values()])
        self.unnotified: dict[str, dict[str, Any]] = {}
        self.rejected = {"unauthorized": 0, "malformed": 0}
        self._lander: asyncio.Task | None = None

    # -- lifecycle
    async def start(self) -> None:
        landed = await asyncio.to_thread(self.store.open)
        self._queue_notifications(landed)
        missing = [name for name, secret in self.config.secrets.items() if not secret]
        if missing:
            log.warning("no webhook secret for %s: their deliveries get 401 (set OUTCOMES_WEBHOOK_SECRET_<VENDOR>)",
                        missing)
        if self.config.notifier is None:
            log.warning("OUTCOMES_AIRFLOW_API_URL is unset: events land, but Airflow is not told")
        self._lander = asyncio.create_task(self._land_forever())

    async def stop(self) -> None:
        if self._lander is not None:
            self._lander.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lander
        await self.flush()
        self.store.close()

    async def flush(self) -> None:
        self._queue_notifications(await self.store.flush())
        if self.unnotified and self.config.notifier is not None:
            events, self.unnotified = self.unnotified, {}
            failed = await asyncio.to_thread(self.config.notifier.notify, events)
            for name in failed:
                self.unnotified.setdefault(name, events[name])

    async def _land_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_seconds)
            try:
                await self.flush()
            except Exception:  # landing is retried next time; deliveries stay in the journal
                log.exception("landing webhook deliveries failed; retrying in %.1f s", self.config.flush_seconds)

    def _queue_notifications(self, manifests) -> None:
        for m in manifests:
            name = landing_asset_name(m.source, m.stream)
            extra = self.unnotified.setdefault(name, {"source": "webhook", "batches": [], "deliveries": 0})
            extra["batches"].append(m.batch_id)
            extra["deliveries"] += m.record_count

    # -- requests
    async def receive(self, request: Request) -> JSONResponse:
        vendor: WebhookVendor | None = VENDORS.get(request.path_params["vendor"])
        if vendor is None:
            return JSONResponse({"error": f"no webhook endpoint for {request.path_params['vendor']!r}"}, 404)
        received_at = datetime.now(UTC)
        body = await read_limited_body(request, MAX_BODY_BYTES)
        if body is None:
            return JSONResponse({"error": f"body larger than {MAX_BODY_BYTES} bytes"}, 413)
        secret = self.config.secrets.get(vendor.name)
        try:
            if not secret:
                raise SignatureError(f"no secret configured for {vendor.name} webhooks")
            vendor.verify(request.headers, body, secret, self.clock())
        except SignatureError as exc:
            self.rejected["unauthorized"] += 1
            return JSONResponse({"error": str(exc)}, 401)
        try:
            payload = json.loads(body)
            delivery = vendor.delivery(request.headers, payload)
        except (ValueError, PayloadError) as exc:
            self.rejected["malformed"] += 1
            message = str(exc) if isinstance(exc, PayloadError) else "the body is not JSON"
            return JSONResponse({"error": message}, 400)
        if delivery is None:
            return JSONResponse({"status": "ignored"}, 200)
        record = {
            "delivery_id": delivery.delivery_id,
            "event": delivery.event,
            "received_at": received_at.isoformat().replace("+00:00", "Z"),
            "headers": delivery.headers,
            "payload": payload,
        }
        try:
            status = await self.store.accept(vendor.source, vendor.stream, delivery.delivery_id, record)
        except Exception:  # not durable, so not acknowledged: the vendor retries
            return JSONResponse({"error": "could not store the delivery; retry"}, 503)
        return JSONResponse({"status": status, "delivery_id": delivery.delivery_id},
                            202 if status == "accepted" else 200)

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({
            "status": "ok",
            "accepted": self.store.accepted,
            "duplicates": self.store.duplicates,
            "fsyncs": self.store.fsyncs,
            "rejected": self.rejected,
            "awaiting_airflow": sorted(self.unnotified),
            "endpoints": {name: f"/webhooks/{name}" for name in VENDORS},
        })


def build_app(config: ReceiverConfig, clock=time.time) -> Starlette:
    receiver = Receiver(config, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await receiver.start()
        try:
            yield
        finally:
            await receiver.stop()

    app = Starlette(routes=[
        Route("/webhooks/{vendor}", receiver.receive, methods=["POST"]),
        Route("/healthz", receiver.health, methods=["GET"]),
    ], lifespan=lifespan)
    app.state.receiver = receiver
    return app
