"""The store protocol: what the rest of commonsgraph may ask of a triple store.

A store holds named graphs, one per source. Queries see, as their default graph, the merge of
the store's graphs (only public graphs are kept in the store; `union.py`), or in the standard
setting the store's own default graph. Results are materialized or
serialized inside the call that ran the query, on the calling thread: pyoxigraph aborts the
process when a result iterator is used on another thread, and a remote backend returns bytes
anyway. Two implementations: `local.LocalStore` (embedded pyoxigraph, on disk or in memory) and,
for deployments that outgrow one process, a SPARQL 1.1 Protocol client.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
)

Term = NamedNode | BlankNode | Literal | Triple
GraphName = NamedNode | DefaultGraph
"""A named graph, or the store's unnamed default graph."""
Bindings = Mapping[str, Term]
Row = dict[str, Term]
UpdateDataset = tuple[tuple[NamedNode, ...], tuple[NamedNode, ...]]
"""The graphs an update's patterns read: default graphs (USING), named graphs (USING NAMED)."""


def data_update(delete: Sequence[Quad], insert: Sequence[Quad]) -> str:
    """One SPARQL update (atomic in the store) that deletes and inserts exact quads."""

    def blocks(quads: Sequence[Quad]) -> str:
        by_graph: dict[str, list[str]] = defaultdict(list)
        for quad in quads:
            by_graph[str(quad.graph_name)].append(
                f"{quad.subject} {quad.predicate} {quad.object} ."
            )
        return "\n".join(
            f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}" for graph, lines in by_graph.items()
        )

    parts = []
    if delete:
        parts.append(f"DELETE DATA {{\n{blocks(delete)}\n}}")
    if insert:
        parts.append(f"INSERT DATA {{\n{blocks(insert)}\n}}")
    return " ;\n".join(parts)


def lexical(term: Term) -> str:
    """The value of an IRI, blank node or literal (an RDF-star triple has none)."""
    if isinstance(term, Triple):
        raise TypeError(f"expected an IRI, a blank node or a literal, got the triple {term}")
    return term.value


@dataclass(frozen=True)
class GraphChange:
    """What replacing or adding to a graph did."""

    graph: GraphName
    added: int
    removed: int
    total: int
    created: bool = False


@dataclass(frozen=True)
class QueryRequest:
    """A query from outside (the public endpoint): its dataset and its limits."""

    query: str
    results_format: QueryResultsFormat
    graph_format: RdfFormat
    default_graphs: tuple[NamedNode | DefaultGraph, ...] | None = None
    """The graphs whose union is the default graph; None: the store's default graph (the merge
    of the named graphs, or in the standard setting the store's own, see `store.union`)."""
    named_graphs: tuple[NamedNode, ...] | None = None
    """The graphs GRAPH may reach; None: every named graph."""
    timeout: float = 30.0
    max_bytes: int = 50_000_000


@dataclass(frozen=True)
class Serialized:
    """Query results serialized by the store: the body and its media type."""

    body: bytes
    media_type: str


class SharedVersion(Protocol):
    """A count of writes kept where every process of a deployment sees it (the service's
    database, `database.Database`)."""

    def version(self) -> int: ...

    def bump(self) -> int: ...


class Store(Protocol):
    """A dataset of named graphs, queried with SPARQL 1.1.

    `bindings` bind query variables to RDF terms (`sparqltext.bind`: each variable replaced by
    its term, written by pyoxigraph); the project's prefixes (vocab.PREFIXES) are predeclared in
    every query and update.
    """

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        """Run a SELECT query and return its rows (unbound variables are absent)."""
        ...

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        """Run an ASK query."""
        ...

    def construct(self, query: str, bindings: Bindings | None = None) -> list[Triple]:
        """Run a CONSTRUCT or DESCRIBE query and return its triples."""
        ...

    def serialize_query(
        self,
        query: str,
        *,
        results_format: QueryResultsFormat,
        graph_format: RdfFormat,
        bindings: Bindings | None = None,
    ) -> Serialized:
        """Run any query and serialize its results: SELECT and ASK in `results_format`,
        CONSTRUCT and DESCRIBE in `graph_format`."""
        ...

    async def execute(self, request: QueryRequest) -> Serialized:
        """Run a query from outside within its limits: stopped at `timeout` (raising
        `QueryTimeout`), refused past `max_bytes` of results (`ResultTooLarge`) or when too
        many queries are running (`Overloaded`)."""
        ...

    def update(self, update: str, *, using: UpdateDataset | None = None) -> None:
        """Apply a SPARQL 1.1 update atomically; `using`: the dataset of its patterns (the
        protocol's `using-graph-uri` and `using-named-graph-uri`), for an update without USING
        or WITH."""
        ...

    def change(self, delete: Sequence[Quad], insert: Sequence[Quad]) -> None:
        """Delete and insert exact quads (`data_update`), atomically."""
        ...

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        """Make `graph` hold exactly `triples`, atomically: readers see the old graph or the
        new one, never a mix, and a failure leaves the old one."""
        ...

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        """Add `triples` to `graph` (created if needed), atomically."""
        ...

    def drop_graph(self, graph: GraphName) -> bool:
        """Remove a named graph (or empty the default graph); False when it did not exist."""
        ...

    def has_graph(self, graph: NamedNode) -> bool:
        """Whether a named graph exists."""
        ...

    def graph_data(self, graph: GraphName, format: RdfFormat) -> bytes | None:
        """A graph serialized in `format`, or None when the named graph does not exist."""
        ...

    def graphs(self) -> list[NamedNode]:
        """The named graphs of the store."""
        ...

    def triple_count(self, graph: NamedNode | None = None) -> int:
        """Statements in `graph`, or in the whole store."""
        ...

    def dump(self, output: BinaryIO, format: RdfFormat) -> None:
        """Write every graph (default graph included) to `output` in a quad format."""
        ...

    def data_version(self) -> str | None:
        """A token that changes whenever the data changes (None when it cannot be known
        cheaply); caches and ETags are keyed by it."""
        ...

    def optimize(self) -> None:
        """Compact the storage after large writes, for faster reads (a no-op where the
        backend manages itself)."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...
