"""A local HTTP server on 127.0.0.1 that answers with stored vendor payloads, byte for byte.

Routes map a path (and optionally a predicate on the query string) to a status, headers and a body; a
body may be a callable of the request's query and base URL, for link-bearing pages. Every request is
logged, so tests can check what the connector asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

Query = dict[str, str]
Body = bytes | Callable[[Query, str], bytes]


@dataclass
class Route:
    path: str
    body: Body
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    when: Callable[[Query], bool] = lambda query: True


class PayloadServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[tuple[str, Query, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                server.requests.append((path, query, dict(self.headers)))
                route = next((r for r in reversed(server.routes) if r.path == path and r.when(query)), None)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"message": "Not Found"}')
                    return
                body = route.body(query, server.url) if callable(route.body) else route.body
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def add(self, path: str, body: Body | str, **kwargs) -> None:
        self.routes.append(Route(path, body.encode() if isinstance(body, str) else body, **kwargs))

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()

    def __enter__(self) -> PayloadServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
