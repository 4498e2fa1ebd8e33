"""A vendor that accepts connections and never answers fails the stream at its deadline, naming the endpoint."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from connectors.errors import ConnectorError, StreamDeadlineExceeded
from connectors.http import VendorHttpClient


@pytest.fixture
def hanging_vendor():
    """Accepts every connection on 127.0.0.1, reads the request, never writes a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", held
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hanging_endpoint_fails_at_the_stream_deadline_naming_it(hanging_vendor):
    url, held = hanging_vendor
    client = VendorHttpClient(vendor="Acme", base_url=url)  # default read timeout 120 s, 6 attempts
    started = time.monotonic()
    with pytest.raises(StreamDeadlineExceeded) as failed, client.deadline(2, "acme/things"):
        client.get_json("v1/things", params={"page": 1})
    assert time.monotonic() - started < 10  # not 6 x 120 s
    message = str(failed.value)
    assert "acme/things" in message and "/v1/things" in message and "2s" in message
    assert isinstance(failed.value, ConnectorError)  # ingest reports it like any failed stream
    assert held  # the vendor really was reached


def test_without_a_deadline_the_client_behaves_as_before(hanging_vendor):
    url, _ = hanging_vendor
    client = VendorHttpClient(vendor="Acme", base_url=url, timeout=(1.0, 0.3), sleep=lambda s: None)
    with pytest.raises(ConnectorError, match="kept failing at /v1/things"):
        client.get_json("v1/things")
