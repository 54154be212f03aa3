"""HTTP rules every route follows, kept by two thin ASGI layers rather than by each route.

- `HeadAsGet`: every GET route answers HEAD (RFC 9110 §9.3.2) with the status and headers of
  the GET (`Content-Type`, `Content-Length`, `ETag`, `Last-Modified`…) and no content: every
  HEAD reaches the app as a GET, and the content is dropped on the way out.
- `Utf8Charset`: every textual response (`text/*`, and the RDF, XML and SPARQL syntaxes that
  are text) says `charset=utf-8`, exactly once: without it, clients such as Python's
  `requests` read Turtle as Latin-1. JSON needs none (RFC 8259 §11).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph import formats


class HeadAsGet:
    """ASGI middleware: every HEAD answered as the GET it stands for, without content, so that
    no route writes HEAD of its own and the headers (`Content-Length` of a compressed answer
    too) are exactly GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return self.app(scope, receive, send)  # no frame of its own: see `Utf8Charset`
        return self._head(scope, receive, send)

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "method": "GET"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            elif message["type"] == "http.response.pathsend":
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, headers_only)


@functools.lru_cache(maxsize=256)
def with_utf8(content_type: bytes) -> bytes:
    """`content_type` with exactly one `charset` when it is text (`charset=utf-8` added when it
    has none; a repeated one dropped)."""
    media, *parameters = content_type.split(b";")
    name = media.strip().lower().decode("latin-1")
    if not formats.is_text(name):
        return content_type
    charsets = [p for p in parameters if p.strip().lower().startswith(b"charset=")]
    if len(charsets) == 1:
        return content_type
    others = [p.strip() for p in parameters if p not in charsets]
    charset = charsets[0].strip() if charsets else b"charset=utf-8"
    return b"; ".join([media.strip(), *others, charset])


class Utf8Charset:
    """ASGI middleware: `charset=utf-8` on every textual response, exactly once.

    It and its `send` are plain functions that return the awaitable of the layer they call: a
    coroutine of their own would cost every request a frame and two awaits (a layer in front of
    every request is on the path of its cheapest answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)

        def sending(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                for index, (name, value) in enumerate(headers):
                    if name.lower() == b"content-type":
                        fixed = with_utf8(bytes(value))
                        if fixed != value:
                            headers = list(headers)
                            headers[index] = (name, fixed)
                            message = {**message, "headers": headers}
                        break
            return send(message)

        return self.app(scope, receive, sending)
