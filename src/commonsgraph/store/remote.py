"""A remote store: any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph server,
Fuseki, GraphDB, Virtuoso…), so that several stateless API workers can share one database.

The server must answer queries over the union of its named graphs (`oxigraph serve
--union-default-graph`, Fuseki's `tdb2:unionDefaultGraph true`), or, in the standard setting
(COMMONSGRAPH_DEFAULT_GRAPHS=default), over its own default graph (`oxigraph serve` without
that flag); its own timeout bounds public queries (`oxigraph serve --timeout-s`), and the client
gives up at the same deadline. The union is the server's: Fuseki's is a set, as SPARQL defines
it; Oxigraph's is a multiset up to 0.5 (a statement two graphs hold counts twice; oxigraph#1919,
fixed in its 0.6). The embedded store keeps the merge itself (`union.py`); a remote server is
written by other processes too, so this client leaves the default graph to the server, and
names the configured graphs with `default-graph-uri` when COMMONSGRAPH_DEFAULT_GRAPHS lists
some.

Where the server answers is configuration (`store.endpoints`: an engine's profile, or each URL
given apart, read replicas, credentials); one pooled HTTP client keeps its connections open
(a new client per request costs 28 ms, a kept connection a fraction of one).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, BinaryIO, NamedTuple

import httpx
from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from commonsgraph import formats
from commonsgraph.errors import QuerySyntaxError, StoreError
from commonsgraph.sparqltext import bind
from commonsgraph.store.awake import Awake
from commonsgraph.store.base import (
    Bindings,
    GraphChange,
    GraphName,
    QueryRequest,
    Row,
    Serialized,
    SharedVersion,
    UpdateDataset,
    data_update,
)
from commonsgraph.store.endpoints import Endpoints, position, shape
from commonsgraph.store.looptransport import LoopTransport
from commonsgraph.store.transport import (
    Answer,
    QueryTransport,
    Unreachable,
    basic_credentials,
    stream_query,
)
from commonsgraph.vocab import PREFIXES, sparql_prefixes

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_TABLES = (QueryResultsFormat.CSV, QueryResultsFormat.TSV)
_DECLARATIONS = tuple((f"{name}:", f"PREFIX {name}: <{iri}> ") for name, iri in PREFIXES.items())
"""Each of the project's prefixes: how a prefixed name of it begins, and its declaration."""
_ALL = sparql_prefixes()
_SEARCHED = 4096
"""The longest text searched for the prefixes it uses (a longer one is sent them all)."""


class Sent(NamedTuple):
    """The text an engine is sent, and where the client's query begins in it (after the
    prefixes declared for it)."""

    text: str
    start: int


def prologue(text: str) -> str:
    """The declarations of the project's prefixes that `text` may use (each one whose `name:`
    it holds: a prefixed name holds it, a false hit costs one line), on one line; all of them
    for a text longer than `_SEARCHED` characters. The engine reads no declaration a query
    does not use (Oxigraph takes 16 µs to read all of them, a third of a trivial query)."""
    if len(text) > _SEARCHED:
        return _ALL
    return "".join(declaration for used, declaration in _DECLARATIONS if used in text)


class RemoteStore:
    """A `Store` that talks HTTP to a SPARQL server, at the URLs of `endpoints`."""

    def __init__(
        self,
        endpoints: Endpoints,
        timeout: float = 60.0,
        default_graphs: tuple[NamedNode, ...] = (),
        *,
        connect_timeout: float = 5.0,
        connections: int = 32,
        read_primary: float = 10.0,
        busy_wait: float = 0.0,
    ) -> None:
        self.endpoints = endpoints
        self.query_url = endpoints.query
        self.update_url = endpoints.update
        self.graph_store_url = endpoints.graph_store
        self.default_graphs = default_graphs
        """The graphs a query's default graph merges (none: the server's default graph)."""
        self.read_primary = read_primary
        """Seconds queries go to the primary after a write seen (read-your-writes)."""
        auth: httpx.Auth | None = None
        if endpoints.user:
            kind = httpx.DigestAuth if endpoints.digest else httpx.BasicAuth
            auth = kind(endpoints.user, endpoints.password)
        self._connect_timeout = connect_timeout
        self._timeout = timeout
        self._queries = (
            None
            if endpoints.digest and endpoints.user
            else QueryTransport(
                connect_timeout, basic_credentials(endpoints.user, endpoints.password)
            )
        )
        """Queries' kept connections (Digest authentication: the httpx client instead)."""
        self._loop_queries = (
            None
            if self._queries is None
            else LoopTransport(
                connect_timeout, basic_credentials(endpoints.user, endpoints.password)
            )
        )
        """The public queries' kept connections, on the event loop (plain HTTP)."""
        self._workers = ThreadPoolExecutor(connections, thread_name_prefix="store")
        """The threads public queries wait on the store in, as many as kept connections."""
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(
                max_connections=None,
                max_keepalive_connections=connections,
                keepalive_expiry=30,
            ),
            auth=auth,
        )
        self._running = 0
        self._awake = Awake(busy_wait, lambda: self._running)
        """The event loop kept polling around a lone public query (`store.awake`)."""
        self._replicas = itertools.cycle(endpoints.replicas)
        self._primary_until = 0.0
        self._seen_version: int | None = None
        self.shared: SharedVersion | None = None
        """Where the data version of every process writing this server is kept (the
        service's database), once `share_version` said so."""

    def __repr__(self) -> str:  # the URLs hold no credentials (config.py refuses them)
        replicas = f", replicas={list(self.endpoints.replicas)}" if self.endpoints.replicas else ""
        return f"RemoteStore({self.endpoints.profile.name}, {self.query_url!r}{replicas})"

    def share_version(self, shared: SharedVersion) -> None:
        """Count every write in `shared`, and take the data version from it: each process
        that shares it sees the others' writes at once, without a query to the server."""
        self.shared = shared

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write: counted even when it failed (the server may have done it before the
        answer was lost; a needless count only refreshes caches); queries go to the primary
        for a while after it (read-your-writes)."""
        self._pin_primary()
        try:
            yield
        finally:
            self._pin_primary()
            if self.shared is not None:
                self._seen_version = self.shared.bump()

    def _pin_primary(self) -> None:
        self._primary_until = time.monotonic() + self.read_primary

    def _read_url(self) -> str:
        """Where a query goes: a replica in turn, or the primary for `read_primary` seconds
        after a write this process made or saw (a change of the shared data version)."""
        if not self.endpoints.replicas or time.monotonic() < self._primary_until:
            return self.query_url
        return next(self._replicas)

    @classmethod
    def oxigraph(
        cls, base_url: str, timeout: float = 60.0, default_graphs: tuple[NamedNode, ...] = ()
    ) -> RemoteStore:
        return cls(Endpoints.of(base_url, "oxigraph"), timeout, default_graphs)

    # -- HTTP ---------------------------------------------------------------------------------

    def _text(self, query: str, bindings: Bindings | None = None) -> Sent:
        """The text sent: the project's prefixes it uses before the query (after its BASE for
        an engine that wants BASE first)."""
        if bindings:
            query = bind(query, bindings)
        text = self.endpoints.profile.text(prologue(query), query)
        return Sent(text, len(text) - len(query))  # the query ends the text, as long as it was

    def _accept(self, query: str, results: str, graph: str) -> str:
        """What a query asks the engine for: both kinds of answer, or the one of its form
        for an engine that answers a CONSTRUCT in a results format when it may."""
        if not self.endpoints.profile.form_requests:
            return f"{results}, {graph}"
        return graph if shape(query).form in ("CONSTRUCT", "DESCRIBE") else results

    def _request(
        self, kind: str, text: str, params: httpx.QueryParams | None
    ) -> tuple[httpx.QueryParams | None, dict[str, Any]]:
        """The parameters and body of a query (`kind` "query") or an update: a form for an
        engine that wants one, else the protocol's direct POST."""
        if self.endpoints.profile.form_requests:
            form = httpx.QueryParams(params or {}).add(kind, text)
            return None, {"content": str(form).encode(), "headers": {"Content-Type": FORM_TYPE}}
        media = QUERY_TYPE if kind == "query" else UPDATE_TYPE
        return params, {
            "content": text.encode(),
            "headers": {"Content-Type": f"{media}; charset=utf-8"},
        }

    def _post(self, kind: str, sent: Sent, params: httpx.QueryParams | None = None) -> None:
        """POST an update (`kind` "update") over the httpx client."""
        query_params, options = self._request(kind, sent.text, params)
        try:
            response = self._client.post(self.update_url, params=query_params, **options)
        except httpx.HTTPError as error:
            raise StoreError(f"the store at {self.update_url} cannot be reached: {error}") from None
        if response.status_code >= 400:
            _check(response.status_code, response.text, sent)

    def _send_query(
        self,
        url: str,
        sent: Sent,
        accept: str,
        params: httpx.QueryParams | None = None,
        *,
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> Answer:
        """POST the query text `sent` to `url` (a replica that cannot be reached: the
        primary) and read its answer, within `timeout` and `max_bytes`."""
        query_params, options = self._request("query", sent.text, params)
        headers = {**options["headers"], "Accept": accept}
        timeout = self._timeout if timeout is None else timeout
        try:
            if self._queries is not None:
                answer = self._queries.post(
                    _joined(url, query_params),
                    options["content"],
                    headers,
                    timeout=timeout,
                    max_bytes=max_bytes,
                )
            else:
                answer = stream_query(
                    self._client,
                    url,
                    query_params,
                    options["content"],
                    headers,
                    httpx.Timeout(timeout, connect=self._connect_timeout),
                    max_bytes,
                )
        except Unreachable:
            if url == self.query_url:
                raise
            return self._send_query(  # a replica down: the primary
                self.query_url, sent, accept, params, timeout=timeout, max_bytes=max_bytes
            )
        if answer.status >= 400:
            _check(answer.status, answer.text, sent)
        return answer

    def _graph_request(self, method: str, graph: GraphName, **options: Any) -> httpx.Response:
        params = {"default": ""} if isinstance(graph, DefaultGraph) else {"graph": graph.value}
        try:
            return self._client.request(method, self.graph_store_url, params=params, **options)
        except httpx.HTTPError as error:
            raise StoreError(
                f"the store at {self.graph_store_url} cannot be reached: {error}"
            ) from None

    def _restore(self, body: bytes) -> bytes:
        """An answer with the engine's geometry datatype read as geo:wktLiteral again."""
        geometry = self.endpoints.profile.geometry_datatype
        return body.replace(geometry.encode(), WKT.encode()) if geometry else body

    # -- reading ------------------------------------------------------------------------------

    def _query(self, query: str, bindings: Bindings | None, accept: str) -> bytes:
        answer = self._send_query(self._read_url(), self._text(query, bindings), accept)
        return self._restore(answer.body)

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        return _rows(self._query(query, bindings, QueryResultsFormat.JSON.media_type))

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        body = self._query(query, bindings, QueryResultsFormat.JSON.media_type)
        results = parse_query_results(body, format=QueryResultsFormat.JSON)
        if isinstance(results, QuerySolutions):  # Virtuoso may answer one row of one value
            rows = [solution[0] for solution in results]
            if len(rows) == 1 and isinstance(rows[0], Literal):
                return rows[0].value in ("1", "true")
            raise QuerySyntaxError("expected an ASK query")
        return bool(results)

    def construct(self, query: str, bindings: Bindings | None = None) -> list[Triple]:
        body = self._query(query, bindings, RdfFormat.N_TRIPLES.media_type)
        return [Triple(q.subject, q.predicate, q.object) for q in parse(body, RdfFormat.N_TRIPLES)]

    def serialize_query(
        self,
        query: str,
        *,
        results_format: QueryResultsFormat,
        graph_format: RdfFormat,
        bindings: Bindings | None = None,
    ) -> Serialized:
        asked = self._asked(results_format)
        accept = self._accept(query, asked.media_type, graph_format.media_type)
        answer = self._send_query(self._read_url(), self._text(query, bindings), accept)
        return self._written(
            results_format, Serialized(self._restore(answer.body), answer.media_type)
        )

    def _asked(self, results_format: QueryResultsFormat) -> QueryResultsFormat:
        """The results format asked of the engine: SPARQL JSON for CSV and TSV when the
        engine's own are not the W3C's (`Profile.tables_from_json`)."""
        if self.endpoints.profile.tables_from_json and results_format in _TABLES:
            return QueryResultsFormat.JSON
        return results_format

    def _converts(self, wanted: QueryResultsFormat, answer: Serialized) -> bool:
        """Whether the engine's answer is to be written again in the format `wanted`."""
        return (
            wanted != self._asked(wanted)
            and answer.media_type == QueryResultsFormat.JSON.media_type
        )

    def _written(self, wanted: QueryResultsFormat, answer: Serialized) -> Serialized:
        """The engine's answer in the results format `wanted`: SPARQL JSON asked in its place
        (`_asked`) is read and written again in it, here, by pyoxigraph."""
        if not self._converts(wanted, answer):
            return answer
        results = parse_query_results(answer.body, format=QueryResultsFormat.JSON)
        return Serialized(results.serialize(format=wanted) or b"", wanted.media_type)

    async def execute(self, request: QueryRequest) -> Serialized:
        """A public query, sent from the event loop over a kept connection (`LoopTransport`),
        or, to an HTTPS server or with Digest authentication, from one of the store's threads
        (the event loop never waits on the network)."""
        defaults = self.default_graphs if request.default_graphs is None else request.default_graphs
        params = None
        if defaults or request.named_graphs:
            params = httpx.QueryParams()
            for graph in defaults:
                if isinstance(graph, NamedNode):
                    params = params.add("default-graph-uri", graph.value)
            for graph in request.named_graphs or ():
                params = params.add("named-graph-uri", graph.value)
        accept = self._accept(
            request.query,
            self._asked(request.results_format).media_type,
            request.graph_format.media_type,
        )
        self._running += 1
        alone = self._running == 1
        if alone:
            self._awake.stay()  # its answer is read at once
        try:
            answer = await self._send_query_async(
                self._read_url(),
                self._text(request.query),
                accept,
                params,
                timeout=request.timeout,
                max_bytes=request.max_bytes,
            )
        finally:
            self._running -= 1
        if alone:
            self._awake.stay()  # the client's next request is read at once
        _results(answer, self.query_url)
        served = Serialized(self._restore(answer.body), answer.media_type)
        if self._converts(request.results_format, served):  # pyoxigraph's work: not on the loop
            return await asyncio.get_running_loop().run_in_executor(
                self._workers, self._written, request.results_format, served
            )
        return served

    async def _send_query_async(
        self,
        url: str,
        sent: Sent,
        accept: str,
        params: httpx.QueryParams | None,
        *,
        timeout: float,
        max_bytes: int | None,
    ) -> Answer:
        """`_send_query` from the event loop."""
        if self._loop_queries is None or not self._loop_queries.serves(url):
            send = functools.partial(
                self._send_query, url, sent, accept, params, timeout=timeout, max_bytes=max_bytes
            )
            return await asyncio.get_running_loop().run_in_executor(self._workers, send)
        query_params, options = self._request("query", sent.text, params)
        try:
            answer = await self._loop_queries.post(
                _joined(url, query_params),
                options["content"],
                {**options["headers"], "Accept": accept},
                timeout=timeout,
                max_bytes=max_bytes,
            )
        except Unreachable:
            if url == self.query_url:
                raise
            return await self._send_query_async(  # a replica down: the primary
                self.query_url, sent, accept, params, timeout=timeout, max_bytes=max_bytes
            )
        if answer.status >= 400:
            _check(answer.status, answer.text, sent)
        return answer

    def graphs(self) -> list[NamedNode]:
        """The named graphs, the engine's own left out."""
        pattern = "{ }" if self.endpoints.profile.lists_empty_graphs else "{ ?s ?p ?o }"
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {pattern} }} ORDER BY ?g")
        return [
            graph
            for row in rows
            if isinstance(graph := row.get("g"), NamedNode)
            and not self.endpoints.is_system(graph.value)
        ]

    def has_graph(self, graph: NamedNode) -> bool:
        pattern = "{ }" if self.endpoints.profile.lists_empty_graphs else "{ ?s ?p ?o }"
        return self.ask(f"ASK {{ GRAPH ?g {pattern} }}", {"g": graph})

    def triple_count(self, graph: NamedNode | None = None) -> int:
        if graph is None:
            rows = self.select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._not_system()} }}"
            )
        else:
            rows = self.select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                {"g": graph},
            )
        return int(rows[0]["n"].value) if rows else 0  # type: ignore[union-attr]

    def _not_system(self) -> str:
        """A FILTER that leaves the engine's own graphs (?g) out; "" for an engine without."""
        tests = [
            f"!STRSTARTS(STR(?g), {Literal(prefix)})"
            for prefix in self.endpoints.profile.system_graphs
        ]
        return f"FILTER({' && '.join(tests)})" if tests else ""

    def graph_data(self, graph: GraphName, format: RdfFormat) -> bytes | None:
        response = self._graph_request("GET", graph, headers={"Accept": format.media_type})
        if response.status_code == 404:
            return None
        _check(response.status_code, response.text)
        return self._restore(response.content)

    # -- writing ------------------------------------------------------------------------------

    def update(self, update: str, *, using: UpdateDataset | None = None) -> None:
        params = None
        if using is not None:  # the protocol's parameters (a server in union mode refuses USING)
            params = httpx.QueryParams(
                {
                    "using-graph-uri": [g.value for g in using[0]],
                    "using-named-graph-uri": [g.value for g in using[1]],
                }
            )
        with self._writing():
            self._post("update", self._text(update), params)

    def change(self, delete: Sequence[Quad], insert: Sequence[Quad]) -> None:
        if delete or insert:
            self.update(data_update(delete, insert))

    def _write_graph(
        self, method: str, graph: GraphName, triples: Iterable[Triple]
    ) -> tuple[int, bool]:
        data = serialize(list(triples), format=RdfFormat.N_TRIPLES) or b""
        existed = isinstance(graph, DefaultGraph) or self.has_graph(graph)
        with self._writing():
            response = self._graph_request(
                method,
                graph,
                content=data,
                headers={"Content-Type": RdfFormat.N_TRIPLES.media_type},
            )
            _check(response.status_code, response.text)
        return data.count(b"\n"), not existed

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        before = 0 if isinstance(graph, DefaultGraph) else self.triple_count(graph)
        count, created = self._write_graph("PUT", graph, triples)
        return GraphChange(graph, added=count, removed=before, total=count, created=created)

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        count, created = self._write_graph("POST", graph, triples)
        total = count if isinstance(graph, DefaultGraph) else self.triple_count(graph)
        return GraphChange(graph, added=count, removed=0, total=total, created=created)

    def drop_graph(self, graph: GraphName) -> bool:
        with self._writing():
            response = self._graph_request("DELETE", graph)
            if response.status_code == 404:
                return False
            _check(response.status_code, response.text)
            return True

    def dump(self, output: BinaryIO, format: RdfFormat) -> None:
        try:
            with self._client.stream(
                "GET", self.graph_store_url, headers={"Accept": format.media_type}
            ) as response:
                if response.status_code >= 400:
                    _check(response.status_code, response.read().decode("utf-8", "replace"))
                for chunk in response.iter_bytes():
                    output.write(chunk)
        except httpx.HTTPError as error:
            raise StoreError(
                f"the store at {self.graph_store_url} cannot be dumped: {error}"
            ) from None

    def data_version(self) -> str | None:
        """The shared count of writes (`share_version`: a change of it sends queries to the
        primary for `read_primary` seconds, as a write does); without it, the latest replacement
        of a described graph (writes by SPARQL Update go unseen)."""
        if self.shared is not None:
            version = self.shared.version()
            if version != self._seen_version:  # another process wrote: replicas may lag
                self._seen_version = version
                self._pin_primary()
            return f"shared-{version}"
        rows = self.select(
            "SELECT (MAX(STR(?t)) AS ?latest) (COUNT(?g) AS ?graphs) "
            "WHERE { GRAPH ?g { ?g prov:generatedAtTime ?t } }"
        )
        if not rows:
            return None
        return "-".join(term.value for term in rows[0].values() if not isinstance(term, Triple))

    def optimize(self) -> None:
        """The server compacts its own storage."""

    def close(self) -> None:
        """Close the pooled connections (with the service)."""
        self._awake.close()
        self._workers.shutdown(wait=True)
        if self._queries is not None:
            self._queries.close()
        if self._loop_queries is not None:
            self._loop_queries.close()
        self._client.close()


def _rows(body: bytes) -> list[Row]:
    """The rows of a SELECT query's JSON answer (unbound variables absent)."""
    results = parse_query_results(body, format=QueryResultsFormat.JSON)
    if not isinstance(results, QuerySolutions):
        raise QuerySyntaxError("expected a SELECT query")
    names = [v.value for v in results.variables]
    return [
        {name: solution[name] for name in names if solution[name] is not None}
        for solution in results
    ]


def _results(answer: Answer, url: str) -> None:
    """Refuse an answer to a public query that is not results nor RDF in a format pyoxigraph
    knows (a redirect, a proxy's page): its body and type would go to the client as they are,
    an engine's `text/html` served from the service's origin."""
    media = answer.media_type
    if not (
        200 <= answer.status < 300 and (formats.results_format(media) or formats.rdf_format(media))
    ):
        raise StoreError(
            f"the store at {url} answered {answer.status} {media or 'without a type'}, "
            "not a query's results"
        )


def _check(status: int, text: str, sent: Sent | None = None) -> None:
    """Translate the server's error answers once; a syntax error's place is taken back to
    the query `sent`."""
    if status < 400:
        return
    detail = text.strip()[:500]
    from commonsgraph.store.local import update_error

    if status == 400:
        where = position(detail, sent.text, sent.start) if sent else None
        raise QuerySyntaxError(detail or "the store refused the request", *(where or (None, None)))
    error = update_error(detail)  # Oxigraph answers 500 to an update that does not fit
    if not isinstance(error, StoreError):
        raise error
    raise StoreError(f"the store answered {status}: {detail}")


def _joined(url: str, query_params: httpx.QueryParams | None) -> str:
    """`url` with the query string `query_params` (as rendered) added to its own, if any."""
    if not query_params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query_params}"
