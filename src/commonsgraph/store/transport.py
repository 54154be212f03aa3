"""Kept HTTP/1.1 connections to the store for queries: one per thread and server.

A query to a remote store is the service's hot path: `ASK {}` takes Oxigraph 50 µs, and the
client's own work is most of what commonsgraph adds. httpx spends about 300 µs per request
here (its request and response models, cookies, its pool); the standard library's
`http.client` a third of it. So queries POST through these transports, and everything else
(updates, the Graph Store, dumps) through the pooled httpx client, as do queries with Digest
authentication (`stream_query`).

The public queries of /sparql are sent from the event loop itself (`LoopTransport`: plain
non-blocking sockets, HTTP/1.1 written and read by h11, the answer read as the loop reads its
clients): handing each one to a thread and back cost more than the engine's whole answer (a
trivial query through the service took 0.5-0.7 ms, 10 times Oxigraph's, a third of it the hop).
A query whose client hung up is abandoned by closing its connection (the engine sees its client
gone). HTTPS servers are asked from a thread (`QueryTransport`), as are the service's own
queries, which come from threads.

`QueryTransport`: each thread keeps its own connection per server (threads never share one, so
no lock). In both, a kept connection the server closed meanwhile is opened again once, for the
same request (a query changes nothing: sending it twice is harmless).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import http.client
import socket
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h11
import httpx

from commonsgraph.errors import QueryTimeout, ResultTooLarge, StoreError

CHUNK = 65536
HEAD_LIMIT = 65536
"""The most bytes an answer's status line and headers may take."""
KEPT = 32
"""The most idle connections `LoopTransport` keeps per server."""


class Unreachable(StoreError):
    """The server could not be connected to (a replica down: the primary is asked)."""


@dataclass(frozen=True)
class Answer:
    """A server's answer, read in full."""

    status: int
    media_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Kept(dict[tuple[str, str, int], http.client.HTTPConnection]):
    """A thread's connections, by server: closed when the thread ends (a worker thread
    left idle is stopped; its connections must not linger)."""

    def __del__(self) -> None:
        for connection in self.values():
            connection.close()


class QueryTransport:
    """POSTs to the servers of a store, over connections kept per thread; `headers` go with
    every request (Basic credentials)."""

    def __init__(self, connect_timeout: float, headers: Mapping[str, str]) -> None:
        self.connect_timeout = connect_timeout
        self.headers = dict(headers)
        self._local = threading.local()
        self._all: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()
        """Every connection kept, to close them with the store (a thread's go with it)."""
        self._lock = threading.Lock()

    def _connection(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection:
        kept: _Kept | None = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = _Kept()
        connection = kept.get(origin)
        if connection is None:
            scheme, host, port = origin
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = kept[origin] = kind(host, port, timeout=self.connect_timeout)
            with self._lock:
                self._all.add(connection)
        return connection

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int | None = None,
    ) -> Answer:
        """POST `body` to `url` and read the answer (at most `max_bytes` of it), within
        `timeout` seconds for each wait on the server."""
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        origin = (parts.scheme, parts.hostname or "", parts.port or (443 if secure else 80))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            connection = self._connection(origin)
            kept = connection.sock is not None
            if connection.sock is None:
                try:
                    connection.connect()
                except OSError as error:
                    connection.close()
                    raise Unreachable(f"the store at {url} cannot be reached: {error}") from None
            try:
                connection.sock.settimeout(timeout)
                connection.request("POST", target, body, {**self.headers, **headers})
                response = connection.getresponse()
                return self._read(response, max_bytes, connection)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                connection.close()
                if kept and attempt == 1:
                    continue  # the server closed a kept connection: once more on a new one
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except TimeoutError:
                connection.close()
                raise QueryTimeout(timeout) from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _read(
        response: http.client.HTTPResponse,
        max_bytes: int | None,
        connection: http.client.HTTPConnection,
    ) -> Answer:
        body = bytearray()
        try:
            while chunk := response.read(CHUNK):
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    connection.close()  # the rest is not read: the connection cannot serve
                    raise ResultTooLarge(max_bytes)
        finally:
            response.close()
        if response.will_close:
            connection.close()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return Answer(response.status, media_type, bytes(body))

    def close(self) -> None:
        with self._lock:
            for connection in list(self._all):
                connection.close()


class _Closed(Exception):
    """The server closed a kept connection before answering anything."""


@dataclass(frozen=True)
class _Target:
    """Where a URL's requests go: its host and port, the request's target, its Host header."""

    host: str
    port: int
    target: str
    authority: str


@functools.lru_cache(maxsize=64)
def _target(url: str) -> _Target:
    parts = urlsplit(url)
    port = parts.port or 80
    host = parts.hostname or ""
    authority = parts.netloc.rpartition("@")[2]
    return _Target(host, port, parts.path + (f"?{parts.query}" if parts.query else ""), authority)


@dataclass
class _Connection:
    """A kept socket and the HTTP/1.1 state of its exchanges (h11's, as a client)."""

    sock: socket.socket
    http: h11.Connection = field(
        default_factory=lambda: h11.Connection(h11.CLIENT, max_incomplete_event_size=HEAD_LIMIT)
    )


class LoopTransport:
    """POSTs to plain-HTTP servers from the event loop, over kept non-blocking sockets (at
    most `KEPT` idle ones per server); `headers` go with every request (Basic credentials).
    HTTP/1.1 is h11's: it writes the request and reads the answer (lengths, chunks, limits).

    The sockets belong to the running event loop: a request from another loop (a test's
    client after another's) closes the idle ones first."""

    def __init__(self, connect_timeout: float, headers: Mapping[str, str]) -> None:
        self.connect_timeout = connect_timeout
        self.headers = list(headers.items())
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()  # `close` may come from another thread

    @staticmethod
    def serves(url: str) -> bool:
        """Whether this transport reaches `url` (plain HTTP; HTTPS goes by a thread)."""
        return url.startswith("http://")

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int | None = None,
    ) -> Answer:
        """POST `body` to `url` and read the answer (at most `max_bytes` of it) within `timeout`
        seconds in all; cancelled (its client gone), the connection is closed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self.close()
            self._loop = loop
        where = _target(url)
        request = h11.Request(
            method="POST",
            target=where.target,
            headers=[
                ("Host", where.authority),
                *self.headers,
                *headers.items(),
                ("Content-Length", str(len(body))),
            ],
        )
        origin = (where.host, where.port)
        for attempt in (1, 2):
            with self._lock:
                idle = self._idle.get(origin)
                connection = idle.pop() if idle else None
            kept = connection is not None
            if connection is None:
                connection = _Connection(await self._connect(loop, where, url))
            reusable = False
            try:
                async with asyncio.timeout(timeout):
                    answer = await _exchange(loop, connection, request, body, max_bytes)
                http = connection.http
                reusable = http.our_state is h11.DONE and http.their_state is h11.DONE
            except (_Closed, ConnectionResetError, BrokenPipeError) as error:
                if kept and attempt == 1:
                    continue  # the server closed a kept connection: once more on a new one
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except TimeoutError:
                raise QueryTimeout(timeout) from None
            except OSError as error:
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except h11.RemoteProtocolError as error:
                raise StoreError(f"the store at {url} answered amiss: {error}") from None
            finally:
                if reusable:
                    connection.http.start_next_cycle()
                    with self._lock:
                        idle = self._idle.setdefault(origin, [])
                        kept = len(idle) < KEPT
                        if kept:
                            idle.append(connection)
                if not (reusable and kept):
                    connection.sock.close()
            return answer
        raise AssertionError("unreachable")

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, where: _Target, url: str
    ) -> socket.socket:
        try:
            async with asyncio.timeout(self.connect_timeout):
                found = await loop.getaddrinfo(where.host, where.port, type=socket.SOCK_STREAM)
                family, kind, protocol, _, address = found[0]
                sock = socket.socket(family, kind, protocol)
                try:
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    await loop.sock_connect(sock, address)
                except BaseException:
                    sock.close()
                    raise
                return sock
        except (OSError, TimeoutError) as error:
            raise Unreachable(f"the store at {url} cannot be reached: {error}") from None

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.sock.close()


async def _exchange(
    loop: asyncio.AbstractEventLoop,
    connection: _Connection,
    request: h11.Request,
    body: bytes,
    max_bytes: int | None,
) -> Answer:
    """Send `request` with `body` over `connection` and read its answer (at most `max_bytes`
    of it) to its end."""
    http, sock = connection.http, connection.sock
    events = (request, h11.Data(data=body), h11.EndOfMessage())
    await loop.sock_sendall(sock, b"".join(http.send(event) or b"" for event in events))
    received = False
    status, media_type, content = 0, "", bytearray()
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            data = await loop.sock_recv(sock, CHUNK)
            if not data and not received:
                raise _Closed("the connection was closed")
            received = True
            http.receive_data(data)  # b"": the server closed the connection
        elif isinstance(event, h11.Response):
            status = event.status_code
            for name, value in event.headers:
                if name == b"content-type":
                    media_type = value.decode("latin-1").split(";")[0].strip()
                elif name == b"content-length" and max_bytes is not None and int(value) > max_bytes:
                    raise ResultTooLarge(max_bytes)
        elif isinstance(event, h11.Data):
            content += event.data
            if max_bytes is not None and len(content) > max_bytes:
                raise ResultTooLarge(max_bytes)
        elif isinstance(event, h11.EndOfMessage):
            return Answer(status, media_type, bytes(content))
        elif isinstance(event, h11.ConnectionClosed):
            raise StoreError("the store's answer was cut short")
        # an informational answer (1xx) precedes the answer: read on


def basic_credentials(user: str, password: str) -> dict[str, str]:
    """The header of HTTP Basic authentication ({} without a user)."""
    if not user:
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def stream_query(
    client: httpx.Client,
    url: str,
    params: httpx.QueryParams | None,
    content: bytes,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    max_bytes: int | None,
) -> Answer:
    """A query POSTed over an httpx client instead (Digest authentication), read as far as
    `max_bytes`."""
    body = bytearray()
    try:
        with client.stream(
            "POST", url, params=params, content=content, headers=headers, timeout=timeout
        ) as response:
            for chunk in response.iter_bytes():
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    raise ResultTooLarge(max_bytes)
            media_type = response.headers.get("content-type", "").split(";")[0]
            return Answer(response.status_code, media_type, bytes(body))
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise Unreachable(f"the store at {url} cannot be reached: {error}") from None
    except httpx.TimeoutException:
        raise QueryTimeout(timeout.read or 0.0) from None
    except httpx.HTTPError as error:
        raise StoreError(f"the store at {url} cannot be reached: {error}") from None
