"""The fast path of /sparql: queries answered by a plain ASGI middleware, before FastAPI.

A small query costs the store a few tens of microseconds; FastAPI's routing, request and
response objects cost ten times that. So the queries of the SPARQL protocol (GET `?query=`, POST
`application/sparql-query`, POST form with a `query`) are read here from the raw request, run by
the same `SparqlEndpoint` as the route, and answered directly; our errors become the same
problems. Everything else (updates, the Service Description and the editor, HEAD) goes on to the
routes, with the body it came with.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph.errors import CommonsGraphError
from commonsgraph.web.clients import client_of
from commonsgraph.web.limits import receive_body
from commonsgraph.web.problems import error_response, unexpected
from commonsgraph.web.sparql import FORM, QUERY, SparqlEndpoint, read_operation

PATH = "/sparql"
QUERYING = ("GET", "POST")


class FastQueries:
    """ASGI middleware: SPARQL queries at `/sparql`, answered before FastAPI sees them."""

    def __init__(self, app: ASGIApp, endpoint: SparqlEndpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] not in QUERYING:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        query_string = scope["query_string"].decode("latin-1")
        if scope["method"] == "GET":
            if "query=" not in query_string:  # the description or the editor
                await self.app(scope, receive, send)
                return
            body = b""
        elif media in (FORM, QUERY):
            try:
                body = await receive_body(
                    receive, headers.get("content-length"), self.endpoint.settings.max_body_bytes
                )
            except CommonsGraphError as error:
                await self._problem(error, scope, receive, send)
                return
            receive = _replay(body)
        else:  # an update, or something the route will refuse
            await self.app(scope, receive, send)
            return
        try:
            operation = read_operation(
                scope["method"],
                content_type,
                parse_qsl(query_string, keep_blank_values=True),
                body,
            )
        except CommonsGraphError as error:
            await self._problem(error, scope, receive, send)
            return
        if operation is None or operation.kind != "query":
            await self.app(scope, receive, send)
            return
        try:
            result = await self.endpoint.answer(operation, headers.get("accept"), client_of(scope))
        except CommonsGraphError as error:
            await self._problem(error, scope, receive, send)
            return
        except Exception:  # noqa: BLE001 (outside the app's handlers: translated here, once)
            await unexpected(scope["method"], PATH)(scope, receive, send)
            return
        content_type = result.media_type
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type.encode("latin-1")),
                    (b"content-length", str(len(result.body)).encode("latin-1")),
                    (b"vary", b"Accept"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": result.body})

    @staticmethod
    async def _problem(
        error: CommonsGraphError, scope: Scope, receive: Receive, send: Send
    ) -> None:
        await error_response(error, scope["method"], scope["path"])(scope, receive, send)


def _replay(body: bytes) -> Receive:
    """A `receive` that gives the body already read, once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
