"""The public queries of /sparql, sent to the store from the event loop over kept connections.

Handing each query to a thread and back cost more than the engine's whole answer (a trivial
query through the service took 0.5-0.7 ms, 10 times Oxigraph's, a third of it the hop); so a
public query to a plain-HTTP server is written and read on the event loop itself. Each kept
connection is an asyncio `Protocol` (`_Connection`): the loop hands it the bytes it reads
(uvloop's protocol path costs a fraction of its `sock_recv`/`sock_sendall`, which register and
unregister the socket at each call), and httptools' `HttpResponseParser` (llhttp, in C; uvicorn
reads its own clients with it) reads the answer: its status, headers, lengths, chunks. What llhttp
refuses (not HTTP, two lengths, a bad chunk) is a `StoreError` at once, as are headers past
`HEAD_LIMIT` and an answer cut short by the server; nothing waits for bytes that cannot come. A
request is the bytes of its head, built once per URL and headers (`_heads`), then its length
and body.

A query whose client hung up (its task cancelled) or whose deadline passed is abandoned by
closing its connection (the engine sees its client gone). A kept connection the server closed
meanwhile is opened again once, for the same request (a query changes nothing: sending it twice
is harmless).

The connections belong to the event loop that opened them, and are closed as it shuts down (an
asynchronous generator suspended in it, which `loop.shutdown_asyncgens` closes: asyncio.run,
uvicorn and anyio call it) or by `close`; a request from another loop (a test's client after
another's) closes the idle ones first.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import AsyncGenerator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools

from commonsgraph.errors import CommonsGraphError, QueryTimeout, ResultTooLarge, StoreError
from commonsgraph.store.transport import Answer, Unreachable

HEAD_LIMIT = 65536
"""The most bytes an answer's status line and headers may take."""
KEPT = 32
"""The most idle connections kept per server."""
HEADS = 64
"""The most request heads kept (one per URL and headers: a few per store)."""
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
"""What no header value nor request target may hold (a line break would end a header)."""
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""A header's name (RFC 9110's token)."""


class _Closed(Exception):
    """The server closed a kept connection before answering anything."""


class _Refused(Exception):
    """The answer being read is refused (`_Connection.failure` says why): parsing stops."""


@dataclass(frozen=True)
class _Head:
    """Where a URL's requests go, and the bytes of their head up to their length's value."""

    host: str
    port: int
    head: bytes


class _Connection(asyncio.Protocol):
    """A kept connection to a server, and the answer being read on it."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self.sock = sock
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.reusable = False
        """Whether the last answer was read whole and the server keeps the connection."""
        self._reset(None)

    def _reset(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self.received = 0
        """Bytes received for this request (its answer's headers end within `HEAD_LIMIT`)."""
        self.headed = False
        self.status = 0
        self.media_type = ""
        self.delimited = False
        """Whether the answer says where its body ends (a length or chunks); else its end is
        the connection's."""
        self.body: list[bytes] = []
        self.size = 0
        self.failure: CommonsGraphError | None = None

    def exchange(self, request: bytes, max_bytes: int | None) -> asyncio.Future[Answer]:
        """Send `request`: the future of its answer (at most `max_bytes` of body)."""
        assert self.transport is not None
        self._reset(max_bytes)
        self.reusable = False
        self.waiter = self.loop.create_future()
        self.transport.write(request)
        return self.waiter

    def expire(self, timeout: float) -> None:
        """The deadline passed: the query is given up."""
        self._fail(QueryTimeout(timeout))

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():  # bytes nobody asked for
            self.close()
            return
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # its words are an offset: say what it was
            self._fail(StoreError("answered amiss: it switched protocols (101)"))
            return
        except (httptools.HttpParserError, _Refused) as error:
            self._fail(self.failure or StoreError(f"answered amiss: {error}"))
            return
        if not self.headed and self.received > HEAD_LIMIT:
            self._fail(StoreError(f"answered amiss: headers past {HEAD_LIMIT} bytes"))

    def eof_received(self) -> bool:
        return False  # the transport closes itself: `connection_lost` follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.headed and not self.delimited and exc is None:  # its body ended with the end
            waiter.set_result(self._answer())  # the server sent (a reset cuts it short)
        elif not self.received:
            waiter.set_exception(_Closed("the connection was closed"))
        else:
            waiter.set_exception(StoreError("sent an answer cut short"))

    # -- httptools' callbacks ----------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.waiter is not None and self.waiter.done():  # a second answer to one request
            raise _Refused("more than one answer")

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-type":
            self.media_type = value.decode("latin-1").split(";")[0].strip()
        elif name == b"content-length":
            self.delimited = True
            limit = self.max_bytes
            if limit is not None and value.strip().isdigit() and int(value) > limit:
                self._refuse(ResultTooLarge(limit))
        elif name == b"transfer-encoding":
            self.delimited = True

    def on_headers_complete(self) -> None:
        self.headed = True
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.size += len(body)
        if self.max_bytes is not None and self.size > self.max_bytes:
            self._refuse(ResultTooLarge(self.max_bytes))

    def on_message_complete(self) -> None:
        if self.status < 200:  # an informational answer (1xx) precedes the answer: read on
            self.headed = self.delimited = False
            self.media_type = ""
            return
        self.reusable = self.parser.should_keep_alive()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(self._answer())

    # -----------------------------------------------------------------------------------------

    def _answer(self) -> Answer:
        return Answer(self.status, self.media_type, b"".join(self.body))

    def _refuse(self, failure: CommonsGraphError) -> None:
        self.failure = failure
        raise _Refused(str(failure))

    def _fail(self, failure: CommonsGraphError) -> None:
        """The answer cannot be read: `failure` is its outcome, and the connection is closed."""
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(failure)
        self.close()

    def close(self) -> None:
        """Close the connection at once (from its event loop's thread)."""
        self.reusable = False
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        else:
            self.sock.close()

    def shut(self) -> None:
        """Close the connection from any thread, its event loop running or closed."""
        try:
            if asyncio.get_running_loop() is self.loop:
                self.close()
                return
        except RuntimeError:
            pass  # no loop runs in this thread
        try:
            self.loop.call_soon_threadsafe(self.close)
        except RuntimeError:  # its loop is closed
            if self.transport is not None:
                with suppress(RuntimeError):
                    self.transport.abort()  # uvloop's closes at once, asyncio's cannot
            self.sock.close()


async def _until_shutdown(
    transport: LoopTransport, loop: asyncio.AbstractEventLoop
) -> AsyncGenerator[None, None]:
    """Suspended for the life of the event loop `loop`, which closes it as it shuts down: the
    idle connections opened in it go with it."""
    try:
        yield
    finally:
        if transport.loop is loop:
            transport.close()


class LoopTransport:
    """POSTs to plain-HTTP servers from the event loop, over kept connections (at most `KEPT`
    idle ones per server); `headers` go with every request (Basic credentials)."""

    def __init__(self, connect_timeout: float, headers: Mapping[str, str]) -> None:
        self.connect_timeout = connect_timeout
        self.headers = dict(headers)
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._heads: dict[tuple[str, tuple[tuple[str, str], ...]], _Head] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        """The event loop of the idle connections."""
        self._shutdown: AsyncGenerator[None, None] | None = None
        """Suspended in `loop` until it shuts down (see the module's text)."""
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
        if loop is not self.loop:
            self._shut(loop)
            shutdown = _until_shutdown(self, loop)  # its own: another thread may replace it
            self._shutdown = shutdown
            await anext(shutdown)
        where = self._head(url, headers)
        request = b"%b%d\r\n\r\n%b" % (where.head, len(body), body)
        origin = (where.host, where.port)
        deadline = loop.time() + timeout
        for attempt in (1, 2):
            connection = self._idle_connection(origin, loop)
            kept = connection is not None
            if connection is None:
                connection = await self._connect(loop, where, url)
            timer = loop.call_at(deadline, connection.expire, timeout)
            try:
                answer = await connection.exchange(request, max_bytes)
            except _Closed as error:
                if kept and attempt == 1:
                    continue  # the server closed a kept connection: once more on a new one
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except OSError as error:
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except StoreError as error:
                if type(error) is StoreError:  # the connection's words: the server's name first
                    raise StoreError(f"the store at {url} {error}") from None
                raise
            finally:
                timer.cancel()
                self._release(origin, connection)
            return answer
        raise AssertionError("unreachable")

    def _head(self, url: str, headers: Mapping[str, str]) -> _Head:
        """The head of a request to `url` with `headers`, up to its length's value."""
        key = (url, tuple(headers.items()))
        found = self._heads.get(key)
        if found is not None:
            return found
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        fields = {"Host": parts.netloc.rpartition("@")[2], **self.headers, **headers}
        if _UNSAFE.search(target) or " " in target or not target.startswith("/"):
            raise StoreError(f"the store's URL {url!r} cannot be requested")
        for name, value in fields.items():
            if not _TOKEN.fullmatch(name) or _UNSAFE.search(value.replace("\t", " ")):
                raise StoreError(f"the header {name!r} cannot be sent to the store")
        lines = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
        head = f"POST {target} HTTP/1.1\r\n{lines}Content-Length: ".encode("latin-1")
        found = _Head(parts.hostname or "", parts.port or 80, head)
        if len(self._heads) >= HEADS:
            self._heads.clear()
        self._heads[key] = found
        return found

    def _idle_connection(
        self, origin: tuple[str, int], loop: asyncio.AbstractEventLoop
    ) -> _Connection | None:
        """A kept connection to `origin` still open, of the event loop `loop`, if any (one of
        another loop, which another thread runs at the same time, is closed: its answers are
        read by its own loop only)."""
        with self._lock:
            idle = self._idle.get(origin)
            while idle:
                connection = idle.pop()
                if not connection.closed and connection.loop is loop:
                    return connection
                connection.shut()
        return None

    def _release(self, origin: tuple[str, int], connection: _Connection) -> None:
        """Keep `connection` if it may serve again, else close it."""
        if connection.reusable and not connection.closed:
            with self._lock:  # a connection of a loop before the current one is not kept
                idle = self._idle.setdefault(origin, [])
                if connection.loop is self.loop and len(idle) < KEPT:
                    idle.append(connection)
                    return
        connection.close()

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, where: _Head, url: str
    ) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                found = await loop.getaddrinfo(where.host, where.port, type=socket.SOCK_STREAM)
                family, kind, protocol, _, address = found[0]
                sock = socket.socket(family, kind, protocol)
                try:
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    await loop.sock_connect(sock, address)
                    connection = _Connection(sock, loop)
                    await loop.create_connection(lambda: connection, sock=sock)
                except BaseException:
                    sock.close()
                    raise
                return connection
        except (OSError, TimeoutError) as error:
            raise Unreachable(f"the store at {url} cannot be reached: {error}") from None

    def close(self) -> None:
        """Close the idle connections (from any thread)."""
        self._shut(self.loop)

    def _shut(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Close the idle connections, and keep only connections of `loop` from now on (in one
        step: a connection another thread's loop releases meanwhile is not kept)."""
        with self._lock:
            idle, self._idle = self._idle, {}
            self.loop = loop
        for connections in idle.values():
            for connection in connections:
                connection.shut()
