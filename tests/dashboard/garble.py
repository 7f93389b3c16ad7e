"""A real HTTP server in front of a real pushd that spoils the answers to chosen paths.

Everything else is passed through unchanged, so a dashboard can log in and read normally, then meet
one broken read path at a time: a proxy's HTML page, JSON of the wrong shape, an empty or cut-off
body, a 4xx that is not pushd's. No mock: the dashboard's HTTP client talks to a socket.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.servers import free_port


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


# What a dashboard may meet instead of pushd's API (a captive portal, a misrouted proxy, a crash mid-body).
ANSWERS = {
    "html": Answer(200, "text/html", b"<html><body>Please sign in to the proxy</body></html>"),
    "wrong_shape": Answer(200, "application/json", b'{"unexpected": ["not", "what", "pushd", "sends"]}'),
    "empty": Answer(200, "application/json", b""),
    "cut_off": Answer(200, "application/json", b'{"items": [{"id": 1, "status": "fir'),
    "not_found": Answer(404, "text/html", b"<h1>404 Not Found</h1>"),
    "bad_request": Answer(400, "application/json", b'{"error": "bad request"}'),
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class GarblingProxy:
    """Forwards to `upstream`; a request whose path (without the query) fully matches `pattern` gets
    `answer` instead. Both may be changed while the proxy runs."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.pattern: str | None = None
        self.answer: Answer = ANSWERS["html"]
        self.garbled = 0  # how many answers were spoiled: a test proves its read path was taken
        self._http = httpx.Client(base_url=upstream, timeout=10)
        self._lock = threading.Lock()

    def garble(self, pattern: str | None, kind: str = "html") -> None:
        with self._lock:
            self.pattern, self.answer, self.garbled = pattern, ANSWERS[kind], 0

    def spoil(self, path: str) -> Answer | None:
        with self._lock:
            if self.pattern is not None and re.fullmatch(self.pattern, path.split("?", 1)[0]):
                self.garbled += 1
                return self.answer
        return None

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
        r = self._http.request(method, path, headers=sent, content=body)
        return Answer(r.status_code, r.headers.get("content-type", ""), r.content)

    def close(self) -> None:
        self._http.close()


def handler_for(proxy: GarblingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = proxy.spoil(self.path) or proxy.forward(self.command, self.path, dict(self.headers), body)
            self.send_response(answer.status)
            if answer.content_type:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PATCH = do_DELETE = handle_any

        def log_message(self, format: str, *args: object) -> None:
            pass  # the test's output is not the place for an access log

    return Handler


@contextmanager
def garbling_proxy(upstream: str) -> Iterator[tuple[str, GarblingProxy]]:
    """(URL, proxy) of a proxy to `upstream` on a free port, stopped on exit."""
    proxy = GarblingProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler_for(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        proxy.close()
