"""Partners simulated by real HTTP servers on loopback: a feed server whose routes the test
sets (a body, an HTTP error, a redirect, a hang, a body too large), with ETag revalidation; it
answers POSTs as GETs (a SPARQL endpoint's misbehaviours). And a canary: a listener that only
counts the connections made to it (where nothing may connect)."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/json"
    status: int = 200
    hang: float = 0.0
    """Seconds to wait before answering (a partner slower than our deadline)."""
    location: str = ""
    """Where a redirect (a 3xx status) sends."""

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class Partner:
    """The routes a feed server answers, changed by the test as it goes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []


@contextmanager
def feed_server() -> Iterator[Partner]:
    partner = Partner("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            partner.requests.append((self.path, dict(self.headers)))
            route = partner.routes.get(self.path) or partner.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            if route.hang:
                time.sleep(route.hang)
            if route.status == 200 and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.send_header("ETag", route.etag)
            if route.location:
                self.send_header("Location", route.location)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def do_POST(self) -> None:  # SPARQL endpoints: the query is the body
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    partner.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield partner
    finally:
        server.shutdown()
        server.server_close()


class Canary:
    """A TCP listener on loopback that accepts and counts connections, and answers nothing."""

    def __init__(self) -> None:
        self._count = 0
        self._probes: set[int] = set()
        self._seen = threading.Condition()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self) -> None:
        while True:
            try:
                connection, (_, port) = self._socket.accept()
            except OSError:  # closed
                return
            connection.close()
            with self._seen:
                if port in self._probes:
                    self._probes.discard(port)
                else:
                    self._count += 1
                self._seen.notify_all()

    @property
    def connections(self) -> int:
        """The connections made so far, every one counted: a probe of our own, accepted after
        any earlier connection (the backlog is first in, first out), is waited for."""
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with self._seen:
            self._probes.add(port)
        with probe:
            probe.connect(("127.0.0.1", self.port))
        with self._seen:
            assert self._seen.wait_for(lambda: port not in self._probes, timeout=120)
            return self._count

    def close(self) -> None:
        with suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()


@contextmanager
def canary() -> Iterator[Canary]:
    listener = Canary()
    thread = threading.Thread(target=listener.serve, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        listener.close()
        thread.join(timeout=10)
