"""gzip content coding for clients that accept it (RFC 9110 §8.4), on every route.

A response is compressed when the client accepts `gzip` (a q-value of 0 refuses it), it has
content of at least `minimum` bytes (below, compressing costs more than it saves: small SPARQL
answers go as they are) or streams it, it has no content coding yet, and its media type is not
already compressed (the gzipped N-Quads dump, images, archives).

A compressed representation is another representation: its `ETag` gets a `-gzip` suffix, and
every compressible response says `Vary: Accept-Encoding`, compressed or not. A client that
revalidates its `"x-gzip"` copy is asked about `"x"` inside (routes know their own tags only),
and a 304 answers it with the tag it holds.
"""

from __future__ import annotations

import asyncio
import functools
import zlib
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph.web.conditional import ENTITY_TAG

SUFFIX = "-gzip"
MINIMUM = 1024
THREAD_MINIMUM = 512 * 1024
"""A body this large is compressed on a worker thread: the event loop keeps answering."""
LEVEL = 1
"""zlib's fastest level: measured on SPARQL JSON results, 2.7 KB -> 0.48 KB in 14 µs, 79 KB ->
5.1 KB in 0.13 ms, 787 KB -> 45 KB in 1.8 ms (level 6: 0.45, 3.3 and 27 KB, up to 4x slower). The
dumps, compressed once, use a higher level (`dataset.LEVEL`)."""
ALREADY_COMPRESSED = ("application/gzip", "application/x-gzip", "application/zip",
                      "image/", "audio/", "video/", "font/woff", "text/event-stream")  # fmt: skip
UNCOMPRESSED_STATUSES = (204, 206, 304)


@functools.lru_cache(maxsize=64)  # clients send a handful of distinct values
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an `Accept-Encoding` value accepts gzip (by name or by `*`, with q > 0)."""
    named: float | None = None
    wildcard: float | None = None
    for item in accept_encoding.split(","):
        coding, *parameters = item.split(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            wildcard = quality
    if named is not None:
        return named > 0
    return wildcard is not None and wildcard > 0


def gzip_tag(etag: str) -> str:
    """The entity tag of the gzipped representation of the one tagged `etag`."""
    return etag[:-1] + SUFFIX + '"' if etag.endswith('"') else etag


def plain_tags(if_none_match: str) -> str:
    """An `If-None-Match` value with the plain tag of each gzip tag added."""
    plain = [
        found.group(0)[: -len(SUFFIX) - 1] + '"'
        for found in ENTITY_TAG.finditer(if_none_match)
        if found.group(1).endswith(SUFFIX)
    ]
    return ", ".join([if_none_match, *plain])


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _replace(headers: list[tuple[bytes, bytes]], name: bytes, value: bytes | None) -> None:
    headers[:] = [(k, v) for k, v in headers if k.lower() != name]
    if value is not None:
        headers.append((name, value))


def _add_vary(headers: list[tuple[bytes, bytes]]) -> None:
    vary = _header(headers, b"vary")
    if vary is None:
        headers.append((b"vary", b"Accept-Encoding"))
    elif b"accept-encoding" not in vary.lower() and vary.strip() != b"*":
        _replace(headers, b"vary", vary + b", Accept-Encoding")


def _compressible(start: Message, headers: list[tuple[bytes, bytes]]) -> bool:
    if start["status"] in UNCOMPRESSED_STATUSES or _header(headers, b"content-encoding"):
        return False
    media = (_header(headers, b"content-type") or b"").decode("latin-1").lower()
    return not media.startswith(ALREADY_COMPRESSED)


class Compression:
    """ASGI middleware: gzip for the clients that accept it."""

    def __init__(self, app: ASGIApp, minimum: int = MINIMUM) -> None:
        self.app = app
        self.minimum = minimum

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":  # a plain function: no frame (see `semantics.Utf8Charset`)
            return self.app(scope, receive, send)
        accept = ""
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        gzip = accepts_gzip(accept) if accept else False
        if gzip and if_none_match and SUFFIX in if_none_match:
            scope = {
                **scope,
                "headers": [
                    (k, plain_tags(if_none_match).encode("latin-1"))
                    if k == b"if-none-match"
                    else (k, v)
                    for k, v in scope["headers"]
                ],
            }
        head = scope["method"] == "HEAD"
        responder = _Responder(send, gzip, self.minimum, if_none_match, head)
        return self.app(scope, receive, responder)


class _Responder:
    """The `send` of one response: holds the start until the first content says whether to
    compress."""

    def __init__(
        self, send: Send, gzip: bool, minimum: int, if_none_match: str | None, head: bool
    ) -> None:
        self.send = send
        self.head = head
        self.gzip = gzip
        self.minimum = minimum
        self.if_none_match = if_none_match
        self.start: Message | None = None
        self.compressor: zlib._Compress | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = list(message.get("headers", ()))
            message = {**message, "headers": headers}
            if message["status"] == 304:
                self._revalidated(headers)
            if _compressible(message, headers):
                self.start = message
                return
        elif kind == "http.response.body" and self.start is not None:
            await self._first(message)
            return
        elif kind == "http.response.body" and self.compressor is not None:
            body = await self._compress(message.get("body", b""), message.get("more_body", False))
            message = {**message, "body": body}
        elif kind == "http.response.pathsend" and self.start is not None:
            await self.send(self.start)  # a file the server sends itself: as it is
            self.start = None
        await self.send(message)

    def _revalidated(self, headers: list[tuple[bytes, bytes]]) -> None:
        """A 304 to a client that holds the gzipped representation names it by its own tag."""
        etag = _header(headers, b"etag")
        if self.gzip and etag is not None and self.if_none_match:
            tag = gzip_tag(etag.decode("latin-1"))
            held = {found.group(0) for found in ENTITY_TAG.finditer(self.if_none_match)}
            if tag in held or "W/" + tag.removeprefix("W/") in held:
                _replace(headers, b"etag", tag.encode("latin-1"))
                _add_vary(headers)

    async def _first(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None
        headers: list[tuple[bytes, bytes]] = start["headers"]
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if self.head and not body:  # a route that answers HEAD itself: the GET would be...
            await self._head(start, message)
            return
        if not more and len(body) < self.minimum:
            await self.send(start)
            await self.send(message)
            return
        _add_vary(headers)
        if not self.gzip:
            await self.send(start)
            await self.send(message)
            return
        self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        compressed = await self._compress(body, more)
        _replace(headers, b"content-encoding", b"gzip")
        _replace(headers, b"content-length", None if more else str(len(compressed)).encode())
        etag = _header(headers, b"etag")
        if etag is not None:
            _replace(headers, b"etag", gzip_tag(etag.decode("latin-1")).encode("latin-1"))
        await self.send(start)
        await self.send({**message, "body": compressed})

    async def _head(self, start: Message, message: Message) -> None:
        """...compressed if the length it declares is enough: this HEAD says so, without the
        compressed length, which only compressing would tell (RFC 9110 §9.3.2 allows that)."""
        headers: list[tuple[bytes, bytes]] = start["headers"]
        declared = _header(headers, b"content-length")
        if declared is None or int(declared) >= self.minimum:
            _add_vary(headers)
            if self.gzip:
                _replace(headers, b"content-encoding", b"gzip")
                _replace(headers, b"content-length", None)
                etag = _header(headers, b"etag")
                if etag is not None:
                    _replace(headers, b"etag", gzip_tag(etag.decode("latin-1")).encode("latin-1"))
        await self.send(start)
        await self.send(message)

    async def _compress(self, body: bytes, more: bool) -> bytes:
        if len(body) >= THREAD_MINIMUM:
            return await asyncio.to_thread(self._deflate, body, more)
        return self._deflate(body, more)

    def _deflate(self, body: bytes, more: bool) -> bytes:
        assert self.compressor is not None
        compressed = self.compressor.compress(body)
        return compressed if more else compressed + self.compressor.flush()
