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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO

import httpx
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from commonsgraph.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge, StoreError
from commonsgraph.sparqltext import bind
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
from commonsgraph.vocab import sparql_prefixes

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class RemoteStore:
    """A `Store` that talks HTTP to a SPARQL server (oxigraph's URL layout by default)."""

    def __init__(
        self,
        query_url: str,
        update_url: str,
        graph_store_url: str,
        timeout: float = 60.0,
        default_graphs: tuple[NamedNode, ...] = (),
    ) -> None:
        self.query_url = query_url
        self.default_graphs = default_graphs
        """The graphs a query's default graph merges (none: the server's default graph)."""
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self._client = httpx.Client(timeout=timeout)
        self._prologue = sparql_prefixes()
        self.shared: SharedVersion | None = None
        """Where the data version of every process writing this server is kept (the
        service's database), once `share_version` said so."""

    def share_version(self, shared: SharedVersion) -> None:
        """Count every write in `shared`, and take the data version from it: each process
        that shares it sees the others' writes at once, without a query to the server."""
        self.shared = shared

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write: counted even when it failed (the server may have done it before the
        answer was lost; a needless count only refreshes caches)."""
        try:
            yield
        finally:
            if self.shared is not None:
                self.shared.bump()

    @classmethod
    def oxigraph(
        cls, base_url: str, timeout: float = 60.0, default_graphs: tuple[NamedNode, ...] = ()
    ) -> RemoteStore:
        base = base_url.rstrip("/")
        return cls(f"{base}/query", f"{base}/update", f"{base}/store", timeout, default_graphs)

    # -- HTTP ---------------------------------------------------------------------------------

    def _post(
        self,
        url: str,
        content_type: str,
        body: str,
        accept: str = "*/*",
        params: httpx.QueryParams | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.post(
                url,
                params=params,
                content=body.encode(),
                headers={"Content-Type": f"{content_type}; charset=utf-8", "Accept": accept},
            )
        except httpx.HTTPError as error:
            raise StoreError(f"the store at {url} cannot be reached: {error}") from None
        _check(response)
        return response

    def _graph_request(self, method: str, graph: GraphName, **options: Any) -> httpx.Response:
        params = {"default": ""} if isinstance(graph, DefaultGraph) else {"graph": graph.value}
        try:
            return self._client.request(method, self.graph_store_url, params=params, **options)
        except httpx.HTTPError as error:
            raise StoreError(
                f"the store at {self.graph_store_url} cannot be reached: {error}"
            ) from None

    # -- reading ------------------------------------------------------------------------------

    def _query(self, query: str, bindings: Bindings | None, accept: str) -> bytes:
        text = self._prologue + (bind(query, bindings) if bindings else query)
        return self._post(self.query_url, QUERY_TYPE, text, accept).content

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        body = self._query(query, bindings, QueryResultsFormat.JSON.media_type)
        results = parse_query_results(body, format=QueryResultsFormat.JSON)
        if not isinstance(results, QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        names = [v.value for v in results.variables]
        return [
            {name: solution[name] for name in names if solution[name] is not None}
            for solution in results
        ]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        body = self._query(query, bindings, QueryResultsFormat.JSON.media_type)
        results = parse_query_results(body, format=QueryResultsFormat.JSON)
        if not isinstance(results, QueryBoolean):
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
        accept = f"{results_format.media_type}, {graph_format.media_type}"
        text = self._prologue + (bind(query, bindings) if bindings else query)
        response = self._post(self.query_url, QUERY_TYPE, text, accept)
        return Serialized(response.content, response.headers.get("content-type", "").split(";")[0])

    async def execute(self, request: QueryRequest) -> Serialized:
        params = httpx.QueryParams()
        defaults = self.default_graphs if request.default_graphs is None else request.default_graphs
        for graph in defaults:
            if isinstance(graph, NamedNode):
                params = params.add("default-graph-uri", graph.value)
        for graph in request.named_graphs or ():
            params = params.add("named-graph-uri", graph.value)
        accept = f"{request.results_format.media_type}, {request.graph_format.media_type}"
        headers = {"Content-Type": QUERY_TYPE, "Accept": accept}
        body = bytearray()
        try:
            async with (
                httpx.AsyncClient(timeout=request.timeout) as client,
                client.stream(
                    "POST",
                    self.query_url,
                    params=params,
                    content=(self._prologue + request.query).encode(),
                    headers=headers,
                ) as response,
            ):
                if response.status_code >= 400:
                    await response.aread()
                    _check(response)
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > request.max_bytes:
                        raise ResultTooLarge(request.max_bytes)
                media_type = response.headers.get("content-type", "").split(";")[0]
        except httpx.TimeoutException:
            raise QueryTimeout(request.timeout) from None
        except httpx.HTTPError as error:
            raise StoreError(f"the store at {self.query_url} cannot be reached: {error}") from None
        return Serialized(bytes(body), media_type)

    def graphs(self) -> list[NamedNode]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
        return [row["g"] for row in rows if isinstance(row.get("g"), NamedNode)]  # type: ignore[misc]

    def has_graph(self, graph: NamedNode) -> bool:
        return self.ask("ASK { GRAPH ?g { } }", {"g": graph})

    def triple_count(self, graph: NamedNode | None = None) -> int:
        if graph is None:
            rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            rows = self.select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                {"g": graph},
            )
        return int(rows[0]["n"].value) if rows else 0  # type: ignore[union-attr]

    def graph_data(self, graph: GraphName, format: RdfFormat) -> bytes | None:
        response = self._graph_request("GET", graph, headers={"Accept": format.media_type})
        if response.status_code == 404:
            return None
        _check(response)
        return response.content

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
            self._post(self.update_url, UPDATE_TYPE, self._prologue + update, params=params)

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
            _check(response)
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
            _check(response)
            return True

    def dump(self, output: BinaryIO, format: RdfFormat) -> None:
        try:
            with self._client.stream(
                "GET", self.graph_store_url, headers={"Accept": format.media_type}
            ) as response:
                _check(response)
                for chunk in response.iter_bytes():
                    output.write(chunk)
        except httpx.HTTPError as error:
            raise StoreError(
                f"the store at {self.graph_store_url} cannot be dumped: {error}"
            ) from None

    def data_version(self) -> str | None:
        """The shared count of writes (`share_version`); without it, the latest replacement
        of a described graph (writes by SPARQL Update go unseen)."""
        if self.shared is not None:
            return f"shared-{self.shared.version()}"
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
        self._client.close()


def _check(response: httpx.Response) -> None:
    """Translate the server's error answers once."""
    if response.status_code < 400:
        return
    detail = response.text.strip()[:500]
    from commonsgraph.store.local import query_syntax_error, update_error

    if response.status_code == 400:
        raise query_syntax_error(SyntaxError(detail or "the store refused the request"))
    error = update_error(detail)  # Oxigraph answers 500 to an update that does not fit
    if not isinstance(error, StoreError):
        raise error
    raise StoreError(f"the store answered {response.status_code}: {detail}")
