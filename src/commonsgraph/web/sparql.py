"""/sparql: the SPARQL 1.1 Protocol (queries and updates), the Service Description, the editor.

Queries go to `Store.execute`, which stops them at their deadline and caps their results;
updates need a bearer token with a write role. Every text is read by `sparqlcheck.check`, and
only the text it re-emits is evaluated: its SERVICE endpoints and LOAD sources, in normal form,
are checked against their allow-lists before anything is evaluated, so that nothing connects to
an address that is not allowed; SERVICE calls then go through the federation gateway
(`federation.py`), which bounds each one, when queries run on this host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat

from commonsgraph import negotiation
from commonsgraph.config import Settings
from commonsgraph.errors import (
    InputError,
    NotAcceptable,
    NotAllowed,
    QuerySyntaxError,
    UnknownFormat,
)
from commonsgraph.federation import Gateway, check_loads, check_services
from commonsgraph.sparqlcheck import Checked, check
from commonsgraph.sparqltext import add_using, has_dataset_clause
from commonsgraph.store import QueryRequest, Serialized, Store
from commonsgraph.tokens import TokenStore
from commonsgraph.vocab import PREFIXES
from commonsgraph.web import clients
from commonsgraph.web.auth import authenticate
from commonsgraph.web.limits import read_body
from commonsgraph.web.scheduler import Scheduler

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
WRITE_ROLE = "curator"

QUERY_PARAMETERS = {"query", "default-graph-uri", "named-graph-uri", "format", "output"}
UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}


@dataclass
class Operation:
    """A protocol request, read: a query or an update, with its dataset and output format."""

    kind: str
    text: str
    parameters: dict[str, list[str]] = field(default_factory=dict)

    def graphs(self, name: str) -> list[NamedNode]:
        found = []
        for value in self.parameters.get(name, []):
            try:
                found.append(NamedNode(value))
            except ValueError:
                raise InputError(f"{name} must be an absolute IRI, got {value!r}") from None
        return found

    @property
    def format_name(self) -> str | None:
        names = self.parameters.get("format", []) + self.parameters.get("output", [])
        return names[0] if names else None


def _decode(body: bytes, what: str, content_type: str) -> str:
    charset = "utf-8"
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or "utf-8"
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"the {what} is not valid {charset}") from None


def read_operation(
    method: str, content_type: str, url: list[tuple[str, str]], body: bytes
) -> Operation | None:
    """The operation a protocol request carries, or None when it carries none."""
    media = content_type.split(";")[0].strip().lower()
    parameters: dict[str, list[str]] = {}
    for key, value in url:
        parameters.setdefault(key, []).append(value)
    if method == "POST" and media == FORM:
        if "query" in parameters or "update" in parameters:
            raise InputError("a form POST carries its query or update in the body, not in the URL")
        text = _decode(body, "form", content_type)
        try:
            fields = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError:
            raise InputError("the form body is not application/x-www-form-urlencoded") from None
        for key, value in fields:
            parameters.setdefault(key, []).append(value)
    elif method == "POST" and media in (QUERY, UPDATE):
        if "query" in parameters or "update" in parameters:
            raise InputError(f"a {media} POST carries its operation in the body, not in the URL")
        kind = "query" if media == QUERY else "update"
        parameters[kind] = [_decode(body, kind, content_type)]
    elif method == "POST" and (media or body):
        raise UnknownFormat(
            f"unsupported Content-Type {media or '(none)'!r}: send {FORM}, {QUERY} or {UPDATE}"
        )
    queries, updates = parameters.get("query", []), parameters.get("update", [])
    if queries and updates:
        raise InputError("a request carries a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise InputError("a request carries one query or one update")
    if updates and method != "POST":
        raise InputError("updates must be sent with POST")
    if queries:
        conflicting = sorted(UPDATE_PARAMETERS & parameters.keys())
        if conflicting:
            raise InputError(f"{', '.join(conflicting)} cannot accompany a query")
        return Operation("query", queries[0], parameters)
    if updates:
        conflicting = sorted((QUERY_PARAMETERS - {"format", "output"}) & parameters.keys())
        if conflicting:
            raise InputError(f"{', '.join(conflicting)} cannot accompany an update")
        return Operation("update", updates[0], parameters)
    if method == "POST":
        raise InputError("the request carries no query and no update")
    return None


class SparqlEndpoint:
    """Runs protocol operations against a store with the service's limits and policies.

    `gateway` bounds SERVICE calls when queries are evaluated on this host (the embedded
    store); without it, SERVICE calls are left to the store (a remote server makes them).
    """

    def __init__(
        self, settings: Settings, store: Store, tokens: TokenStore, gateway: Gateway | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.tokens = tokens
        self.gateway = gateway
        self.scheduler = Scheduler.from_settings(settings)

    def checked(self, text: str, *, may_load: bool = False) -> Checked:
        """The text as it will be evaluated (`sparqlcheck.check`), its SERVICE and LOAD
        refused to anything but their allow-lists."""
        checked = check(text, PREFIXES)
        check_services(checked.services, self.settings.service_allowlist)
        if checked.loads and not may_load:
            raise NotAllowed("LOAD is reserved to admin tokens")
        check_loads(checked.loads, self.settings.load_allowlist)
        return checked

    @contextmanager
    def routed(self, checked: Checked) -> Iterator[str]:
        """The checked text to run, its SERVICE calls and LOADs through the gateway while the
        block runs (a remote store's server makes them itself); the engine's syntax errors point
        into the client's text."""
        route = (
            nullcontext(checked.text)
            if self.gateway is None
            else self.gateway.route(checked.text, checked.services, checked.loads)
        )
        try:
            with route as runnable:
                yield runnable
        except QuerySyntaxError as error:
            raise checked.relocate(error) from None

    async def query(self, request: Request, operation: Operation) -> Response:
        result = await self.answer(operation, request.headers.get("accept"), client_of(request))
        return Response(result.body, media_type=result.media_type, headers={"Vary": "Accept"})

    async def answer(self, operation: Operation, accept: str | None, client: str) -> Serialized:
        """The results of a query operation, in the format the client accepts."""
        checked = self.checked(operation.text)
        form = checked.form
        results_format = negotiation.results_format(
            accept, operation.format_name if form in (None, "SELECT", "ASK") else None
        )
        graph_format = negotiation.graph_format(
            accept, operation.format_name if form in (None, "CONSTRUCT", "DESCRIBE") else None
        )
        if form in ("SELECT", "ASK") and results_format is None:
            raise NotAcceptable(
                "results are offered as "
                + ", ".join(f.media_type for f in negotiation.RESULTS_FORMATS)
            )
        if form in ("CONSTRUCT", "DESCRIBE") and graph_format is None:
            raise NotAcceptable(
                "graphs are offered as "
                + ", ".join(f.media_type for f in negotiation.GRAPH_FORMATS)
            )
        protocol_dataset = (
            "default-graph-uri" in operation.parameters or "named-graph-uri" in operation.parameters
        )
        return await self.evaluate(
            client,
            checked,
            results_format or QueryResultsFormat.JSON,
            graph_format or RdfFormat.TURTLE,
            dataset=(
                (
                    tuple(operation.graphs("default-graph-uri")),
                    tuple(operation.graphs("named-graph-uri")),
                )
                if protocol_dataset
                else None
            ),
            query_dataset=not protocol_dataset and checked.declares_dataset,
        )

    async def evaluate(
        self,
        client: str,
        query: str | Checked,
        results_format: QueryResultsFormat,
        graph_format: RdfFormat,
        *,
        dataset: tuple[tuple[NamedNode, ...], tuple[NamedNode, ...]] | None = None,
        query_dataset: bool = False,
    ) -> Serialized:
        """Run a query within the service's limits: its deadline, its result cap, the client's
        share of concurrent queries, and the SERVICE allow-list (a text is checked here; a
        `Checked` one was). `dataset` (default graphs, named graphs) comes from the protocol;
        without it, the store's default graph (`store.union`). `client`: the address
        whose concurrent queries are counted."""
        checked = self.checked(query) if isinstance(query, str) else query
        defaults, named = dataset if dataset is not None else (None, None)
        async with self.scheduler.turn(client):
            with self.routed(checked) as runnable:
                execution = QueryRequest(
                    query=runnable,
                    results_format=results_format,
                    graph_format=graph_format,
                    default_graphs=defaults,
                    named_graphs=named,
                    query_dataset=query_dataset,
                    timeout=self.settings.query_timeout,
                    max_bytes=self.settings.max_result_bytes,
                )
                return await self.store.execute(execution)

    async def update(self, request: Request, operation: Operation) -> Response:
        token = authenticate(self.tokens, request, WRITE_ROLE)
        may_load = token.allows("admin")
        checked = self.checked(operation.text, may_load=may_load)
        using = operation.graphs("using-graph-uri")
        using_named = operation.graphs("using-named-graph-uri")
        if using or using_named:
            if has_dataset_clause(checked.text):
                raise InputError(
                    "using-graph-uri and using-named-graph-uri cannot accompany an update "
                    "that has USING or WITH"
                )
            checked = self.checked(add_using(checked.text, using, using_named), may_load=may_load)
        with self.routed(checked) as runnable:
            await asyncio.to_thread(self.store.update, runnable)
        return Response(status_code=204)


def client_of(request: Request) -> str:
    """The client a request comes from (what the scheduler counts; see `web/clients.py`)."""
    return clients.client_of(request.scope)


def router(endpoint: SparqlEndpoint, describe: object) -> APIRouter:
    """/sparql: every protocol request (queries usually take the fast path first, see
    `web/sparql_fast.py`)."""
    api = APIRouter()

    async def handle(request: Request) -> Response:
        body = b""
        if request.method == "POST":
            body = await read_body(request, endpoint.settings.max_body_bytes)
        operation = read_operation(
            request.method,
            request.headers.get("content-type", ""),
            request.query_params.multi_items(),
            body,
        )
        if operation is None:
            return await describe(request)  # type: ignore[operator,no-any-return]
        if operation.kind == "update":
            return await endpoint.update(request, operation)
        response = await endpoint.query(request, operation)
        if request.method == "HEAD":
            response.body = b""
        return response

    for method in ("GET", "POST", "HEAD"):  # one route each: one OpenAPI operation each
        api.add_api_route(
            "/sparql",
            handle,
            methods=[method],
            name=f"sparql-{method.lower()}",
            include_in_schema=method != "HEAD",
            summary="SPARQL 1.1 Protocol: queries (GET, POST) and updates (POST, with a token)",
            description=(
                "Queries by GET `?query=`, POST form or POST `application/sparql-query`; updates "
                "by POST form or POST `application/sparql-update` with a bearer token. Without an "
                "operation, GET answers the Service Description (or the query editor for a "
                "browser)."
            ),
            response_class=Response,
        )
    return api
