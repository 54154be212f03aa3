"""The embedded store: pyoxigraph, on disk under the data directory or in memory."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    serialize,
)
from pyoxigraph import (
    Store as OxStore,
)

from commonsgraph.errors import QuerySyntaxError, StoreError, StoreLocked
from commonsgraph.sparqltext import bind
from commonsgraph.store.base import Bindings, GraphChange, Row, Serialized
from commonsgraph.vocab import PREFIXES

_POSITION = re.compile(r"(?:at|line) (\d+)(?::| column )(\d+)")


def query_syntax_error(error: SyntaxError) -> QuerySyntaxError:
    """Translate pyoxigraph's SyntaxError on a query or update, keeping line and column."""
    message = str(error)
    match = _POSITION.search(message)
    if match is None:
        return QuerySyntaxError(message)
    return QuerySyntaxError(message, int(match.group(1)), int(match.group(2)))


_BLANK_OBJECT = re.compile(r"\s_:[^\s\"]+ \.$")


def _lines(ntriples: bytes | None) -> set[str]:
    """The distinct statements of an N-Triples document (pyoxigraph writes one per line)."""
    return set(ntriples.decode().splitlines()) if ntriples else set()


def _has_blank_node(line: str) -> bool:
    return line.startswith("_:") or _BLANK_OBJECT.search(line) is not None


def _data(operation: str, lines: set[str], graph: NamedNode) -> str:
    body = "\n".join(lines)
    return f"{operation} DATA {{ GRAPH {graph} {{\n{body}\n}} }}"


class LocalStore:
    """A `Store` backed by an embedded pyoxigraph store.

    Writes go through one lock: pyoxigraph loses concurrent read-modify-write updates on
    disk, so this process is the single writer of its store directory (and pyoxigraph's own
    directory lock keeps other processes out).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        if path is None:
            self._store = OxStore()
            return
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._store = OxStore(str(path))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLocked(
                    f"the store at {path} is already open in another process "
                    "(is `commonsgraph serve` running?); stop it first"
                ) from None
            raise StoreError(
                f"cannot open the store at {path}: {error.strerror or error}"
            ) from None

    # -- reading ------------------------------------------------------------------------------

    def _query(self, query: str, bindings: Bindings | None) -> object:
        try:
            return self._store.query(
                bind(query, bindings) if bindings else query,
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
            )
        except SyntaxError as error:
            raise query_syntax_error(error) from None
        except OSError as error:
            raise StoreError(f"the store could not answer the query: {error}") from None

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        results = self._query(query, bindings)
        if not isinstance(results, QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        names = [v.value for v in results.variables]
        rows: list[Row] = []
        for solution in results:
            row: Row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        results = self._query(query, bindings)
        if not isinstance(results, QueryBoolean):
            raise QuerySyntaxError("expected an ASK query")
        return bool(results)

    def construct(self, query: str, bindings: Bindings | None = None) -> list[Triple]:
        results = self._query(query, bindings)
        if not isinstance(results, QueryTriples):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        return list(results)

    def serialize_query(
        self,
        query: str,
        *,
        results_format: QueryResultsFormat,
        graph_format: RdfFormat,
        bindings: Bindings | None = None,
    ) -> Serialized:
        results = self._query(query, bindings)
        if isinstance(results, QueryTriples):
            body = results.serialize(format=graph_format)
            media_type = graph_format.media_type
        else:
            assert isinstance(results, QuerySolutions | QueryBoolean)
            body = results.serialize(format=results_format)
            media_type = results_format.media_type
        assert body is not None
        return Serialized(body, media_type)

    def graphs(self) -> list[NamedNode]:
        return sorted(
            (g for g in self._store.named_graphs() if isinstance(g, NamedNode)),
            key=lambda g: g.value,
        )

    def triple_count(self, graph: NamedNode | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._quads(graph))

    def _quads(self, graph: NamedNode | DefaultGraph) -> Iterator[Quad]:
        return self._store.quads_for_pattern(None, None, None, graph)

    # -- writing ------------------------------------------------------------------------------

    def update(self, update: str) -> None:
        with self._write_lock:
            self._update(update)

    def _update(self, update: str) -> None:
        try:
            self._store.update(update, prefixes=PREFIXES)
        except SyntaxError as error:
            raise query_syntax_error(error) from None
        except OSError as error:
            raise StoreError(f"the store could not apply the update: {error}") from None

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> GraphChange:
        new = _lines(serialize(triples, format=RdfFormat.N_TRIPLES))
        with self._write_lock:
            if not self._store.contains_named_graph(graph):
                self._bulk_load("\n".join(new).encode(), graph)
                return GraphChange(graph, added=len(new), removed=0, total=len(new))
            old = _lines(self._store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph))
            if any(map(_has_blank_node, old)) or any(map(_has_blank_node, new)):
                # Blank nodes cannot be matched one to one: swap the whole graph in one update.
                removed, added = old, new
                operations = [f"DROP SILENT GRAPH {graph}"]
            else:
                removed, added = old - new, new - old
                operations = [_data("DELETE", removed, graph)] if removed else []
            if added:
                operations.append(_data("INSERT", added, graph))
            if operations:
                self._update(" ;\n".join(operations))
            return GraphChange(graph, added=len(added), removed=len(removed), total=len(new))

    def _bulk_load(self, data: bytes, graph: NamedNode) -> None:
        try:
            self._store.bulk_load(data, RdfFormat.N_TRIPLES, to_graph=graph)
        except (OSError, SyntaxError) as error:
            raise StoreError(f"the store could not load the graph: {error}") from None

    def drop_graph(self, graph: NamedNode) -> bool:
        with self._write_lock:
            if not self._store.contains_named_graph(graph):
                return False
            self._update(f"DROP GRAPH {graph}")
            return True

    def close(self) -> None:
        if self.path is not None:
            self._store.flush()
        del self._store
