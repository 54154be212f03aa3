"""/sparql: one ASGI endpoint for the SPARQL 1.1 Protocol, the Service Description and the editor.

A small query costs the store a few tens of microseconds; FastAPI's request and response objects
and its dependency machinery cost ten times that. So `/sparql` is a plain ASGI endpoint, mounted
as a route: it reads the raw request into an operation (`web/protocol.py`), runs it, and writes
the answer. Its errors are raised, and translated once by the app's handlers (`web/problems.py`).
Updates need a bearer token with a write role (`web/auth.py`); a GET without an operation gets
the description (`web/description.py`). A query whose client hangs up is stopped
(`web/hangups.py`). A HEAD reaches it as a GET (`web.semantics.HeadAsGet`
drops the content). The OpenAPI document describes the route by hand (`OPENAPI`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph.tokens import TokenStore
from commonsgraph.web.auth import authenticate
from commonsgraph.web.clients import client_of
from commonsgraph.web.description import Describer
from commonsgraph.web.hangups import HungUp, unless_hung_up
from commonsgraph.web.limits import receive_body
from commonsgraph.web.protocol import (
    FORM,
    PATH,
    QUERY,
    UPDATE,
    Reply,
    SparqlEndpoint,
    read_operation,
)

__all__ = ["OPENAPI", "PATH", "SparqlFirst", "SparqlRoute"]

WRITE_ROLE = "curator"
METHODS = ("GET", "POST")


class SparqlRoute:
    """The ASGI endpoint of /sparql."""

    def __init__(self, endpoint: SparqlEndpoint, tokens: TokenStore, describe: Describer) -> None:
        self.endpoint = endpoint
        self.tokens = tokens
        self.describe = describe
        self.max_body = endpoint.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        if method not in METHODS:
            raise HTTPException(
                405, "/sparql answers GET, HEAD, POST", {"Allow": "GET, HEAD, POST"}
            )
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        body = b""
        if method == "POST":
            body = await receive_body(receive, headers.get("content-length"), self.max_body)
        operation = read_operation(
            method, headers.get("content-type", ""), scope["query_string"], body
        )
        if operation is None:
            response = await self.describe(Request(scope, receive))
            await response(scope, receive, send)
            return
        if operation.kind == "update":
            token = authenticate(self.tokens, Request(scope), WRITE_ROLE)
            await self.endpoint.update(operation, may_load=token.allows("admin"))
            reply = Reply(204)
        else:
            answer = self.endpoint.answer(operation, headers.get("accept"), client_of(scope))
            try:
                result = await unless_hung_up(receive, answer)
            except HungUp:
                return  # its query stopped; nobody is left to answer
            reply = Reply.results(result)
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": reply.headers()}
        )
        await send({"type": "http.response.body", "body": reply.body})


class SparqlFirst:
    """ASGI middleware: a request for /sparql goes straight to its route, past FastAPI's other
    layers (telemetry, body limit, the app's own middleware, routing), which cost a cached
    answer three times its own time. Its errors meet the app's own error handlers (`errors`:
    the same 500 and exception handlers FastAPI's stack has), which are called once the route
    raised, before it answered (an answer takes none of their per-request objects and layers).
    Everything in front of this layer (the HTTP rules, security headers, CORS) applies to
    /sparql as to every route; any other request, or one under a `root_path`, goes to `app`."""

    def __init__(self, app: ASGIApp, route: ASGIApp, errors: Callable[[ASGIApp], ASGIApp]) -> None:
        self.app = app
        self.route = route
        self.errors = errors(_raise_error)
        self.router: object = None

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http" and scope["path"] == PATH and not scope.get("root_path"):
            if self.router is not None:
                scope.setdefault("router", self.router)
            return self._route(scope, receive, send)
        return self.app(scope, receive, send)  # no frame (see `semantics.Utf8Charset`)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        def sending(message: Message) -> Awaitable[None]:
            nonlocal started
            started = True
            return send(message)

        try:
            await self.route(scope, receive, sending)
        except Exception as error:
            if started:
                raise  # as the handlers would: nothing can be answered any more
            scope[_ERROR] = error
            await self.errors(scope, receive, send)


_ERROR = "commonsgraph.sparql.error"
"""Where `SparqlFirst` puts the route's error for the error handlers (`_raise_error`)."""


async def _raise_error(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that raises the error of the request's route, for the handlers around it."""
    error = scope.pop(_ERROR)
    assert isinstance(error, Exception)
    raise error


def _parameter(name: str, description: str, *, many: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": schema} if many else schema,
    }


_QUERY_PARAMETERS = [
    _parameter("query", "the SPARQL query (without it, the Service Description or the editor)"),
    _parameter("default-graph-uri", "a graph of the default graph", many=True),
    _parameter("named-graph-uri", "a named graph of the dataset", many=True),
    _parameter("format", "results format: json, xml, csv, tsv, turtle, ntriples, jsonld…"),
    _parameter("output", "a synonym of format"),
]
_ANSWERS = {
    "200": {"description": "the results (or, without a query, the Service Description)"},
    "400": {"description": "a malformed request or query (application/problem+json)"},
    "406": {"description": "no format offered is acceptable"},
}
OPENAPI: dict[str, Any] = {
    "get": {
        "summary": "SPARQL 1.1 Protocol: a query, or the Service Description",
        "description": (
            "A query by `?query=`; without one, the Service Description (Turtle, JSON-LD, "
            "RDF/XML, N-Triples by Accept) or the query editor for a browser. Relative IRIs "
            "resolve against this endpoint's URL."
        ),
        "operationId": "sparql-get",
        "parameters": _QUERY_PARAMETERS,
        "responses": _ANSWERS,
    },
    "post": {
        "summary": "SPARQL 1.1 Protocol: queries, and updates with a token",
        "description": (
            f"A query as `{QUERY}` or a form (`{FORM}`, field `query`); an update as "
            f"`{UPDATE}` or a form (field `update`), with a bearer token (curator or admin; "
            "LOAD: admin). `using-graph-uri` and `using-named-graph-uri` give an update's "
            "dataset. Bodies are UTF-8. Relative IRIs resolve against this endpoint's URL."
        ),
        "operationId": "sparql-post",
        "parameters": [
            *_QUERY_PARAMETERS[1:],
            _parameter("using-graph-uri", "a graph of an update's default graph", many=True),
            _parameter("using-named-graph-uri", "a named graph of an update's dataset", many=True),
        ],
        "requestBody": {
            "content": {
                QUERY: {"schema": {"type": "string"}},
                UPDATE: {"schema": {"type": "string"}},
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}, "update": {"type": "string"}},
                    }
                },
            }
        },
        "responses": {**_ANSWERS, "204": {"description": "the update was applied"}},
    },
}
"""The OpenAPI description of /sparql (a plain ASGI route, which FastAPI does not describe)."""
