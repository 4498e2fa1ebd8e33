"""Typeform Responses API: the usage-audit survey's answers (`GET /forms/{form_id}/responses`).

Connection: host = API base (https://api.typeform.com; https://api.eu.typeform.com for the EU data center),
password = personal access token with the `responses:read` scope (Bearer), extra.form_ids (the survey
forms: a list, or one string of comma-separated ids), optional extra.start_days_ago (first sync; default 90)
extra.lookback_hours (re-read overlap; default 6: Typeform may hold back responses of the last 30
minutes, and staging keeps one version of each response anyway) and extra.page_size (default and most 1000).

Responses come newest first; older pages are asked with `before=<token of the page's last item>` inside
the `since` window (docs/typeform.md). The answer to "who answered" is the form's hidden field `email`
(set in the survey link: `https://<account>.typeform.com/to/<form_id>#email=...`), which identity
resolution matches like any account email. Items do not name their form: the connector adds `form_id` to
each item that lacks it, changing nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from connectors.budget import budget_from_settings, budgets
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError
from connectors.http import VendorHttpClient, bearer_auth
from connectors.pagination import before_token_pages
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "typeform"
PAGE_SIZE = 1000  # Typeform's maximum page_size

# Typeform's documented limit: 2 requests per second per account (429 above it), kept as one request every
# 0.55 s: a bucket of two would let a third request into the same second, and exactly 0.5 s apart would too
# whenever the network delays one request more than the next
RATE_LIMIT = (1, 0.55)


def form_ids(settings: dict) -> list[str]:
    raw = settings.get("form_ids")
    ids = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else [str(f).strip() for f in raw or []]
    ids = [i for i in ids if i]
    if not ids:
        raise ConnectorError("connection 'outcomes_typeform' needs extra.form_ids: the id of each survey form "
                             "(in https://<account>.typeform.com/to/<form_id>); add it to the Airflow connection.")
    return ids


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    settings = {"start_days_ago": 90, "lookback_hours": 6, "page_size": PAGE_SIZE, **conn.extra}
    form_ids(settings)  # refuse a connection without forms before any request
    return VendorHttpClient(
        vendor="Typeform",
        base_url=conn.host or "https://api.typeform.com",
        auth=bearer_auth(conn.password or ""),
        secrets=(conn.password or "",),
        hints={
            400: "Typeform refused a parameter (page_size is at most 1000; since is ISO 8601 to the second)",
            401: "the personal access token is invalid, expired or revoked",
            403: "the token lacks the responses:read scope, or the form belongs to another account",
            404: "no such form in this token's account; check extra.form_ids",
        },
        settings=settings,
        budgets=budgets(budget_from_settings(settings, RATE_LIMIT)),
        **overrides,
    )


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _since_param(ts: datetime) -> str:
    # Typeform takes UTC "to the second, with T as a delimiter" (2020-03-20T14:00:59)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _extract_responses(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    # cursor: {form_id: newest submitted_at landed}
    cursor = dict(ctx.cursor_before or {})
    first_since = datetime.now(UTC) - timedelta(days=float(client.settings["start_days_ago"]))
    lookback = timedelta(hours=float(client.settings["lookback_hours"]))
    starts = []
    for form_id in form_ids(client.settings):
        since = _parse(cursor[form_id]) - lookback if cursor.get(form_id) else first_since
        starts.append(_since_param(since))
        params = {"page_size": int(client.settings["page_size"]), "since": _since_param(since),
                  "response_type": "completed"}
        for items in before_token_pages(client, f"forms/{form_id}/responses", params):
            for item in items:
                if isinstance(item, dict):
                    item.setdefault("form_id", form_id)
                    submitted = item.get("submitted_at")
                    if isinstance(submitted, str) and (
                            cursor.get(form_id) is None or _parse(submitted) > _parse(cursor[form_id])):
                        cursor[form_id] = submitted
            yield Page(items, cursor=dict(cursor))
    ctx.window_start = min(starts) if starts else None


RESPONSES = Stream(
    source=SOURCE,
    name="responses",
    primary_key=("token",),
    disposition="merge",
    extract=_extract_responses,
    description="Completed survey responses submitted since the cursor (per form: newest submitted_at, minus "
                "a lookback), each with its answers and hidden fields.",
)
STREAMS = (RESPONSES,)
