"""HTTP rules every route follows, kept by two thin ASGI layers rather than by each route.

- `HeadAsGet`: every GET route answers HEAD (RFC 9110 §9.3.2) with the status and headers of
  the GET (`Content-Type`, `Content-Length`, `ETag`, `Last-Modified`…) and no content. A HEAD
  that a route answers itself (the SPARQL endpoint, the Graph Store, static files) goes to it
  unchanged; any other HEAD is answered as a GET. The content is dropped in both cases.
- `Utf8Charset`: every textual response (`text/*`, and the RDF, XML and SPARQL syntaxes that
  are text) says `charset=utf-8`, exactly once: without it, clients such as Python's
  `requests` read Turtle as Latin-1. JSON needs none (RFC 8259 §11).
"""

from __future__ import annotations

import functools

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEXTUAL = frozenset(
    {
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "application/xml",
        "application/xhtml+xml",
        "application/sparql-results+xml",
        "application/sparql-query",
        "application/sparql-update",
        "application/javascript",
    }
)
"""Media types of text that are not under `text/`."""


class HeadAsGet:
    """ASGI middleware: HEAD answered as GET without content, unless a route answers HEAD."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    def _answered_by_a_route(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        if not self._answered_by_a_route(scope):
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
    if not (name.startswith("text/") or name in TEXTUAL):
        return content_type
    charsets = [p for p in parameters if p.strip().lower().startswith(b"charset=")]
    if len(charsets) == 1:
        return content_type
    others = [p.strip() for p in parameters if p not in charsets]
    charset = charsets[0].strip() if charsets else b"charset=utf-8"
    return b"; ".join([media.strip(), *others, charset])


class Utf8Charset:
    """ASGI middleware: `charset=utf-8` on every textual response, exactly once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
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
            await send(message)

        await self.app(scope, receive, sending)
