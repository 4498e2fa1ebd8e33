"""Paging strategies, one per vendor convention. Each follows server-issued links verbatim."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from connectors.errors import MalformedResponseError
from connectors.http import VendorHttpClient
from connectors.redaction import redact

# A vendor that keeps sending "more" forever is a bug on one side; stop and say so.
MAX_PAGES = 100_000


class _RepeatGuard:
    """Remembers every request of one paging run. A vendor that hands back a next link, cursor or token
    it already sent is repeating pages: following it would land the same records twice, or loop until
    MAX_PAGES. Stop at once and say so; the caller's batch is then discarded whole."""

    def __init__(self, client: VendorHttpClient, path: str):
        self.client, self.path, self.seen = client, path, set()

    def check(self, url: str, query: Mapping[str, Any]) -> None:
        key = (url, tuple(sorted((str(k), str(v)) for k, v in query.items())))
        if key in self.seen:
            parts = urlsplit(url)
            query_text = "&".join(filter(None, [parts.query, "&".join(f"{k}={v}" for k, v in key[1])]))
            shown = redact(parts.path + (f"?{query_text}" if query_text else ""))
            raise MalformedResponseError(
                f"{self.client.vendor} is repeating pages at {self.path}: it sent a next page it had already sent "
                f"({shown[:200]}) after {len(self.seen)} page(s); following it would land records twice or never "
                "end. Nothing from this run was landed and the cursor did not move; rerun, and report it to the "
                "vendor if it persists."
            )
        self.seen.add(key)
        self.last = key

    def forget_last(self) -> None:
        """The last request may be sent again (it gave an empty page that keeps the cursor in place)."""
        self.seen.discard(self.last)


def _records(client: VendorHttpClient, body: Any, key: str, url: str) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        shape = sorted(body)[:10] if isinstance(body, dict) else type(body).__name__
        raise MalformedResponseError(
            f"{client.vendor} page at {url} has no '{key}' list (got: {shape}). Nothing from this page was landed."
        )
    return body[key]


def link_header_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any] | None, records_key: str | None
) -> Iterator[list[dict]]:
    """GitHub style: `Link: <...>; rel="next"`; no next link means the last page."""
    url, query = client.url(path), dict(params or {})
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        response = client.request("GET", url, params=query)
        body = client.parse_json(response)
        if records_key is None:
            if not isinstance(body, list):
                raise MalformedResponseError(f"{client.vendor} page at {url} is not a JSON array.")
            yield body
        else:
            yield _records(client, body, records_key, url)
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            return
        url, query = nxt, {}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def odata_pages(client: VendorHttpClient, path: str, params: Mapping[str, Any] | None) -> Iterator[list[dict]]:
    """Microsoft Graph: follow `@odata.nextLink` until it is absent."""
    url, query = client.url(path), dict(params or {})
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        yield _records(client, body, "value", url)
        nxt = body.get("@odata.nextLink")
        if not nxt:
            return
        url, query = nxt, {}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def zendesk_cursor_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any], records_key: str
) -> Iterator[tuple[list[dict], str | None]]:
    """Zendesk cursor-based incremental export.

    Pages until `end_of_stream` is true. An empty page with `end_of_stream: false` is legal and does not
    end the stream. Yields (records, after_cursor); the last after_cursor is the state for the next run.
    """
    url, query = client.url(path), dict(params)
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        records = _records(client, body, records_key, url)
        if not records:
            guard.forget_last()  # an empty page may point back at itself: nothing can land twice
        if "end_of_stream" not in body:
            raise MalformedResponseError(f"{client.vendor} page at {url} lacks 'end_of_stream'.")
        cursor = body.get("after_cursor")
        yield records, cursor
        if body["end_of_stream"]:
            return
        nxt = body.get("after_url")
        if not nxt:
            raise MalformedResponseError(f"{client.vendor}: end_of_stream is false but no after_url at {url}.")
        url, query = nxt, {}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def links_next_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any] | None, records_key: str
) -> Iterator[list[dict]]:
    """Cursor pagination with `links.next` (Zendesk lists, Harvest): follow it while it is set."""
    url, query = client.url(path), dict(params or {})
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        yield _records(client, body, records_key, url)
        links = body.get("links") or {}
        meta = body.get("meta") or {}
        nxt = links.get("next")
        if not nxt or meta.get("has_more") is False:
            return
        url, query = nxt, {}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


# Keys under which a report file that is one JSON object keeps its records (org/enterprise and user reports).
REPORT_RECORD_KEYS = ("day_totals", "user_totals")


def _unwrap_report_object(obj: dict) -> list[dict] | None:
    """Records of a wrapped report object, or None when the object is a record itself.

    The wrapper's own scalar fields (report_day, report_start_day, organization_id, ...) are the context of
    every record it holds; they are copied onto records that lack them, so a record lands whole. No record
    field is renamed or overwritten.
    """
    key = next((k for k in REPORT_RECORD_KEYS if isinstance(obj.get(k), list)), None)
    if key is None:
        return None
    context = {k: v for k, v in obj.items() if k != key and not isinstance(v, dict | list)}
    records = []
    for record in obj[key]:
        if not isinstance(record, dict):
            raise ValueError(f"'{key}' holds a {type(record).__name__}, not an object")
        records.append({**{k: v for k, v in context.items() if k not in record}, **record})
    return records


def _describe_json(value: Any) -> str:
    if isinstance(value, dict):
        return f"a JSON object with keys {sorted(value)[:12]}"
    return f"a JSON {type(value).__name__}"


def parse_report_file(text: str) -> list[dict]:
    """Records of one report file: NDJSON (one record, or one wrapped object, per line), a JSON array of
    records, or one JSON object (pretty-printed or compact) holding its records under `day_totals` or
    `user_totals`. A lone object without such a key is one record (the flat 1-day aggregate file).

    Raises ValueError saying what the file holds when it is none of these.
    """
    text = text.strip()
    if not text:
        return []
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
        values = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"neither one JSON document nor NDJSON: line {number} does not parse ({exc.msg} at column "
                    f"{exc.colno}): {line[:80]!r}"
                ) from None
    else:
        values = whole if isinstance(whole, list) else [whole]
    records: list[dict] = []
    for value in values:
        if not isinstance(value, dict):
            shape = _describe_json(whole if whole is not None else value)
            raise ValueError(f"expected report records (JSON objects) but found {shape}")
        unwrapped = _unwrap_report_object(value)
        records.extend(unwrapped if unwrapped is not None else [value])
    return records


def signed_download_records(client: VendorHttpClient, links: list[Any]) -> Iterator[list[dict]]:
    """Fetch report files behind signed links, without the vendor token, and parse them (parse_report_file).

    Links may be plain strings or `{"url": ...}` objects (both readings exist in the wild).
    """
    for link in links:
        url = link.get("url") if isinstance(link, dict) else link
        if not isinstance(url, str):
            raise MalformedResponseError(f"{client.vendor}: download link {link!r} is not a URL.")
        response = client.request("GET", url, authenticated=False)
        try:
            records = parse_report_file(response.text)
        except ValueError as exc:
            raise MalformedResponseError(
                f"{client.vendor}: report file {client._endpoint(url)} is not a report: {exc}. Accepted: NDJSON, "
                f"a JSON array of records, or an object with its records under {' or '.join(REPORT_RECORD_KEYS)}. "
                "Nothing from this day was landed."
            ) from exc
        yield records


def has_more_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any] | None, records_key: str = "data",
    cursor_field: str = "next_page", cursor_param: str = "page",
) -> Iterator[list[dict]]:
    """OpenAI and Anthropic admin reports: `has_more` with an opaque `next_page`, sent back as `page`."""
    url, base = client.url(path), dict(params or {})
    query = dict(base)
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        yield _records(client, body, records_key, url)
        if not body.get("has_more"):
            return
        cursor = body.get(cursor_field)
        if not cursor:
            raise MalformedResponseError(f"{client.vendor}: has_more is true but {cursor_field} is empty at {url}.")
        query = {**base, cursor_param: cursor}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def after_id_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any] | None, records_key: str = "data"
) -> Iterator[list[dict]]:
    """OpenAI lists: `has_more` with `last_id`, sent back as `after`."""
    return has_more_pages(client, path, params, records_key, cursor_field="last_id", cursor_param="after")


def next_page_token_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any], records_key: str
) -> Iterator[list[dict]]:
    """Jira enhanced search: resend the query with `nextPageToken` until `isLast` or no token.

    Sequential only: there is no total and no random access; a token is bound to its query.
    """
    url, query = client.url(path), dict(params)
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        yield _records(client, body, records_key, url)
        token = body.get("nextPageToken")
        if body.get("isLast") is True or not token:
            return
        query = {**dict(params), "nextPageToken": token}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def start_at_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any] | None, records_key: str | None, page_size: int
) -> Iterator[list[dict]]:
    """Offset paging with `startAt`/`maxResults` (Jira changelogs, users).

    With a records_key the body carries `isLast`; a bare JSON array (Jira /users/search) ends with an
    empty page, not with a short one: the server may return fewer than maxResults mid-stream.
    """
    url, start = client.url(path), 0
    for _ in range(MAX_PAGES):
        query = {**dict(params or {}), "startAt": start, "maxResults": page_size}
        body = client.get_json(url, params=query)
        if records_key is None:
            if not isinstance(body, list):
                raise MalformedResponseError(f"{client.vendor} page at {url} is not a JSON array.")
            if not body:
                return
            yield body
            start += len(body)
            continue
        records = _records(client, body, records_key, url)
        yield records
        start += len(records)
        if body.get("isLast") is True or not records:
            return
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")


def before_token_pages(
    client: VendorHttpClient, path: str, params: Mapping[str, Any], records_key: str = "items",
    token_field: str = "token", page_size_param: str = "page_size",
) -> Iterator[list[dict]]:
    """Typeform Responses: newest first; the next (older) page is the same query with `before=<token of the
    page's last item>`. No next link or total tells where it ends: a page shorter than page_size does (an
    exactly full last page costs one more request, answered empty)."""
    url, base = client.url(path), dict(params)
    page_size = int(base[page_size_param])
    query = dict(base)
    guard = _RepeatGuard(client, path)
    for _ in range(MAX_PAGES):
        guard.check(url, query)
        body = client.get_json(url, params=query)
        records = _records(client, body, records_key, url)
        yield records
        if len(records) < page_size:
            return
        last = records[-1]
        token = last.get(token_field) if isinstance(last, dict) else None
        if not token:
            raise MalformedResponseError(
                f"{client.vendor}: the last item of a full page at {url} has no '{token_field}' to ask for the "
                "next page with. Nothing from this run was landed."
            )
        query = {**base, "before": token}
    raise MalformedResponseError(f"{client.vendor}: more than {MAX_PAGES} pages at {path}; stopping.")
