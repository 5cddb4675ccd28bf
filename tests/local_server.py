"""Test servers on 127.0.0.1 only: one that serves fixtures and counts connections, one that hangs."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x81\x8f\x00\x00\x00\x00IEND\xaeB`\x82")


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, tuple[str, bytes]]):
        self.routes = routes
        self.connections = 0
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        self.connections += 1
        return super().get_request()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path == "/trickle.png":
            return self._trickle()
        kind, body = self.server.routes.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in self.server.routes else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self):
        """A PNG that arrives one byte every 0.2 s (a minute in all): slow, never silent."""
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "300")
        self.end_headers()
        try:
            for byte in (PNG + b"\0" * 300)[:300]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    server = FixtureServer({
        "/pixel.png": ("image/png", PNG),
        "/page.html": ("text/html", b"<html>not an image</html>"),
        "/fake.png": ("image/png", b"<html>a page that says it is a PNG</html>"),
        "/huge.png": ("image/png", PNG + b"\0" * (6 * 1024 * 1024)),
    })
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class SilentServer:
    """Accepts connections and never answers."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.accepted: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.socket.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                self.accepted.append(self.socket.accept()[0])
            except OSError:
                continue

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}{path}"

    def close(self):
        self.stopped.set()
        for connection in self.accepted:
            connection.close()
        self.socket.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()
