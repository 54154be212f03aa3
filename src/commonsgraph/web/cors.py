"""CORS (Starlette's `CORSMiddleware`), without its per-request objects when there is no `Origin`.

Most requests to the API carry no `Origin` (scripts, SPARQL clients, crawlers): for them
Starlette only adds `Origin` to the response's `Vary`, and builds a `Headers`, a partial and a
`MutableHeaders` to do it, a tenth of what a small query costs the service. `Cors` does the same
to the same bytes, the `Vary` headers merged into one at the place of the first; a request
with an `Origin` (a browser's cross-origin call, a preflight) goes to Starlette's code as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Cors:
    """ASGI middleware: Starlette's CORS (`options` are its own), its requests without an
    `Origin` answered here."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.starlette = CORSMiddleware(app, **options)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            return self.starlette(scope, receive, send)

        def sending(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                message["headers"] = vary_origin(list(message.get("headers", ())))
            return send(message)

        return self.app(scope, receive, sending)


def vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with `Origin` added to `Vary`, in one `Vary` header where the first one was (or
    last), as Starlette's `CORSMiddleware` writes it."""
    found = [index for index, (name, _) in enumerate(headers) if name == b"vary"]
    vary = (b"vary", b", ".join([*(headers[index][1] for index in found), b"Origin"]))
    for index in reversed(found[1:]):
        del headers[index]
    if found:
        headers[found[0]] = vary
    else:
        headers.append(vary)
    return headers
