"""The embedded store: pyoxigraph, on disk under the data directory or in memory."""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

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

from commonsgraph.errors import (
    CommonsGraphError,
    ConfigError,
    Conflict,
    NotAllowed,
    QuerySyntaxError,
    ResultTooLarge,
    StoreError,
    StoreLocked,
)
from commonsgraph.sparqltext import add_using, bind
from commonsgraph.store.base import (
    Bindings,
    GraphChange,
    GraphName,
    QueryRequest,
    Row,
    Serialized,
    UpdateDataset,
    data_update,
)
from commonsgraph.store.pool import QueryJob, QueryPool, run_job
from commonsgraph.store.union import Union
from commonsgraph.vocab import PREFIXES

JOURNAL = 256
"""Writes whose touched IRIs are remembered (`changes_since`)."""
_POSITION = re.compile(r"(?:at|line) (\d+)(?::| column )(\d+)")


def query_syntax_error(error: SyntaxError) -> QuerySyntaxError:
    """Translate pyoxigraph's SyntaxError on a query or update, keeping line and column."""
    message = str(error)
    match = _POSITION.search(message)
    if match is None:
        return QuerySyntaxError(message)
    return QuerySyntaxError(message, int(match.group(1)), int(match.group(2)))


_GRAPH_STATE = re.compile(
    r"[Gg]raph (<[^>]*>) (does not exist|already exists|has not been explicitly created before"
    r"|has been explicitly created before)"
)
"""Oxigraph's words, and Virtuoso's."""


def update_error(message: str) -> CommonsGraphError:
    """Translate the engine's refusal of an update: one that does not fit the graphs as they
    are (DROP, CLEAR, ADD… of a graph that does not exist, CREATE of one that does) is a
    `Conflict` that says so; anything else, the store failing."""
    match = _GRAPH_STATE.search(message)
    if match is None:
        return StoreError(f"the store could not apply the update: {message}")
    graph, state = match.groups()
    if state in ("does not exist", "has not been explicitly created before"):
        return Conflict(f"the graph {graph} does not exist (with SILENT, the update does nothing)")
    return Conflict(f"the graph {graph} already exists (with SILENT, the update does nothing)")


@contextmanager
def _answering() -> Iterator[None]:
    """Translate pyoxigraph's errors while a query runs, and while its results are read (they
    are lazy: a SERVICE call may fail as the results are serialized)."""
    try:
        yield
    except SyntaxError as error:
        raise query_syntax_error(error) from None
    except (OSError, RuntimeError) as error:
        raise StoreError(f"the store could not answer the query: {error}") from None


_BLANK_OBJECT = re.compile(r"\s_:[^\s\"]+ \.$")


def _lines(ntriples: bytes | None) -> set[str]:
    """The distinct statements of an N-Triples document (pyoxigraph writes one per line, ended
    by a line feed; not `str.splitlines()`, which also breaks at U+2028, U+2029 and U+0085, and
    pyoxigraph writes those unescaped in literals)."""
    return set(ntriples.decode().split("\n")) - {""} if ntriples else set()


def _touched(lines: set[str]) -> frozenset[str]:
    """The IRIs of the subjects of N-Triples lines."""
    return frozenset(
        line[1 : line.index(">")] for line in lines if line.startswith("<") and ">" in line
    )


def _has_blank_node(line: str) -> bool:
    return line.startswith("_:") or _BLANK_OBJECT.search(line) is not None


def _data(operation: str, lines: set[str], graph: GraphName) -> str:
    body = "\n".join(lines)
    if isinstance(graph, DefaultGraph):
        return f"{operation} DATA {{\n{body}\n}}"
    return f"{operation} DATA {{ GRAPH {graph} {{\n{body}\n}} }}"


def _graph_ref(graph: GraphName) -> str:
    return "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"


class LocalStore:
    """A `Store` backed by an embedded pyoxigraph store.

    Writes go through one lock: pyoxigraph loses concurrent read-modify-write updates on
    disk, so this process is the single writer of its store directory (and pyoxigraph's own
    directory lock keeps other processes out).

    Queries from outside (`execute`) run in a `QueryPool` of `query_workers` processes over
    snapshots of the store, so that they can be stopped at their deadline, each held to
    `query_memory` bytes (0: no limit); an in-memory store has no snapshots and runs them in a
    thread, without a deadline or a memory limit (tests only).

    A query's default graph is the store's own default graph: with `union` (the default), the
    merge of the named graphs, kept there by every write (`store.union`); without it (None),
    the standard setting: the graph updates write without GRAPH.
    """

    def __init__(
        self,
        path: Path | None = None,
        query_workers: int = 4,
        busy_wait: float = 0.0,
        query_memory: int = 0,
        union: Union | None = Union(),  # noqa: B008 (frozen)
    ) -> None:
        self.path = path
        self.union = union
        self.query_workers = query_workers
        self.busy_wait = busy_wait
        self.query_memory = query_memory
        self._write_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._generation = 0
        """Writes committed so far (counted once each is done: a write under way changes
        nothing a reader sees, so a snapshot taken meanwhile is current)."""
        self._nonce = secrets.token_hex(4)  # a restart may follow writes by another process
        self._journal: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=JOURNAL)
        """The subjects each recent write changed (None: unknown), by generation."""
        self._snapshot: tuple[int, Path] | None = None
        self._pool: QueryPool | None = None
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
        shutil.rmtree(self._snapshots_dir, ignore_errors=True)  # left by an earlier process
        self._settle_default_graph()

    def _settle_default_graph(self) -> None:
        """Make the default graph what the setting says, once, for a store last opened with
        another setting (a marker next to the store says which): the merge is rebuilt, or a
        former merge cleared; a default graph that holds statements of its own is refused to
        the merge rather than lost."""
        assert self.path is not None
        marker = self.path.with_name(self.path.name + ".default-graph")
        recorded = marker.read_text().strip() if marker.exists() else None
        wanted = "standard" if self.union is None else self.union.marker
        if recorded == wanted:
            return
        held = next(iter(self._quads(DefaultGraph())), None) is not None
        if self.union is None:
            if recorded is not None and recorded.startswith("union"):
                self._store.update("CLEAR DEFAULT")  # the merge, not data of its own
        elif held and (recorded is None or recorded == "standard"):
            raise ConfigError(
                f"the default graph of the store at {self.path} holds statements of its own "
                "(written by updates without GRAPH): open it with "
                "COMMONSGRAPH_DEFAULT_GRAPHS=default, or move them into a named graph first; "
                "with the default setting, the default graph is the merge of the named graphs"
            )
        else:
            self.union.rebuild(self._store)
        self._committed(None)
        temporary = marker.with_suffix(".partial")
        temporary.write_text(wanted + "\n")
        temporary.replace(marker)

    @property
    def _snapshots_dir(self) -> Path:
        assert self.path is not None
        return self.path.parent / "snapshots"

    # -- reading ------------------------------------------------------------------------------

    def _query(self, query: str, bindings: Bindings | None) -> object:
        with _answering():
            return self._store.query(
                bind(query, bindings) if bindings else query,
                use_default_graph_as_union=self.union is None,  # the service's own data
                prefixes=PREFIXES,
            )

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        results = self._query(query, bindings)
        if not isinstance(results, QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        names = [v.value for v in results.variables]
        with _answering():
            return [
                {n: value for n, value in zip(names, solution, strict=True) if value is not None}
                for solution in results
            ]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        results = self._query(query, bindings)
        if not isinstance(results, QueryBoolean):
            raise QuerySyntaxError("expected an ASK query")
        return bool(results)

    def construct(self, query: str, bindings: Bindings | None = None) -> list[Triple]:
        results = self._query(query, bindings)
        if not isinstance(results, QueryTriples):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        with _answering():
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
        with _answering():
            if isinstance(results, QueryTriples):
                body = results.serialize(format=graph_format)
                media_type = graph_format.media_type
            else:
                assert isinstance(results, QuerySolutions | QueryBoolean)
                body = results.serialize(format=results_format)
                media_type = results_format.media_type
        assert body is not None
        return Serialized(body, media_type)

    def snapshot(self) -> Path:
        """A read-only copy of the store as it is now (hard links: milliseconds).

        It does not wait for a write under way: the copy holds every write committed before it
        (a long update once held every public query until it was done, minutes for a curator's
        update of a few hundred triple patterns, which pyoxigraph takes that long to plan)."""
        if self.path is None:
            raise StoreError("an in-memory store has no snapshots")
        with self._snapshot_lock:
            generation = self._generation  # read first: the copy holds at least these writes
            if self._snapshot is None or self._snapshot[0] != generation:
                target = self._snapshots_dir / str(generation)
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self._store.backup(str(target))
                self._snapshot = (generation, target)
            return self._snapshot[1]

    async def execute(self, request: QueryRequest) -> Serialized:
        job = QueryJob(
            query=request.query,
            default_graphs=None
            if request.default_graphs is None
            else tuple(g.value if isinstance(g, NamedNode) else "" for g in request.default_graphs),
            named_graphs=None
            if request.named_graphs is None
            else tuple(g.value for g in request.named_graphs),
            results_media_type=request.results_format.media_type,
            graph_media_type=request.graph_format.media_type,
            max_bytes=request.max_bytes,
        )
        if self.path is None:
            outcome = await asyncio.to_thread(run_job, self._store, job)
            return _outcome(outcome)
        if self._pool is None:
            self._pool = QueryPool(
                self._snapshots_dir,
                self.query_workers,
                busy_wait=self.busy_wait,
                memory_limit=self.query_memory,
            )
        current = self._snapshot
        if current is not None and current[0] == self._generation:
            snapshot = current[1]  # the common case: no write since the last snapshot
        else:
            snapshot = await asyncio.to_thread(self.snapshot)
        return _outcome(await self._pool.run(snapshot, job, request.timeout))

    def graphs(self) -> list[NamedNode]:
        return sorted(
            (g for g in self._store.named_graphs() if isinstance(g, NamedNode)),
            key=lambda g: g.value,
        )

    def triple_count(self, graph: NamedNode | None = None) -> int:
        if graph is not None:
            return sum(1 for _ in self._quads(graph))
        if self.union is None:
            return len(self._store)
        merged = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(merged, QuerySolutions)
        return len(self._store) - int(next(iter(merged))[0].value)

    def _quads(self, graph: NamedNode | DefaultGraph) -> Iterator[Quad]:
        return self._store.quads_for_pattern(None, None, None, graph)

    # -- writing ------------------------------------------------------------------------------

    def update(self, update: str, *, using: UpdateDataset | None = None) -> None:
        if using is not None:  # pyoxigraph takes no dataset for an update: USING clauses
            update = add_using(update, list(using[0]), list(using[1]))
        with self._write_lock:
            self._update(update)

    def _update(
        self, update: str, *, maintained: bool = False, touched: frozenset[str] | None = None
    ) -> None:
        """Apply an update, with the maintenance of the merge in the same request (unless it
        holds it already); `touched`: the subjects it may change (None: cannot tell)."""
        try:
            if self.union is not None and not maintained:
                update = self.union.maintained(update)
            self._store.update(update, prefixes=PREFIXES)
        except SyntaxError as error:
            raise query_syntax_error(error) from None
        except (OSError, RuntimeError) as error:
            raise update_error(str(error)) from None
        finally:
            self._committed(touched)

    def _committed(self, touched: frozenset[str] | None) -> None:
        self._generation += 1
        self._journal.append((self._generation, touched))

    def changes_since(self, version: str) -> frozenset[str] | None:
        """The subjects of the statements that the writes since the data version `version`
        added or removed; None when this store cannot tell (an update given
        as text, a graph dropped, a version of another process or older than the journal)."""
        nonce, _, generation = version.partition("-")
        if nonce != self._nonce or not generation.isdigit():
            return None
        since = int(generation)
        entries = [(g, touched) for g, touched in list(self._journal) if g > since]
        if len(entries) != self._generation - since:
            return None
        found: set[str] = set()
        for _, touched in entries:
            if touched is None:
                return None
            found |= touched
        return frozenset(found)

    def change(self, delete: Sequence[Quad], insert: Sequence[Quad]) -> None:
        if not delete and not insert:
            return
        for quad in (*delete, *insert):
            self._writable(quad.graph_name)  # type: ignore[arg-type]
        with self._write_lock:
            touched = frozenset(
                quad.subject.value
                for quad in (*delete, *insert)
                if isinstance(quad.subject, NamedNode)
            )
            if self.union is None:
                self._update(data_update(delete, insert), touched=touched)
            else:
                self._update(self.union.changing(delete, insert), maintained=True, touched=touched)

    def _writable(self, graph: GraphName) -> None:
        if self.union is not None and isinstance(graph, DefaultGraph):
            raise NotAllowed(
                "the default graph is the merge of the named graphs "
                "(COMMONSGRAPH_DEFAULT_GRAPHS): write a named graph"
            )

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        self._writable(graph)
        new = _lines(serialize(triples, format=RdfFormat.N_TRIPLES))
        with self._write_lock:
            if not self._exists(graph):
                assert isinstance(graph, NamedNode)
                self._bulk_load("".join(f"{line}\n" for line in new).encode(), graph, new)
                return GraphChange(graph, added=len(new), removed=0, total=len(new), created=True)
            old = _lines(self._store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph))
            cleared = any(map(_has_blank_node, old)) or any(map(_has_blank_node, new))
            if cleared:
                # Blank nodes cannot be matched one to one: swap the whole graph in one update.
                removed, added = old, new
            else:
                removed, added = old - new, new - old
            self._write(graph, cleared=cleared, removed=removed, added=added)
            return GraphChange(graph, added=len(added), removed=len(removed), total=len(new))

    def _write(
        self, graph: GraphName, *, cleared: bool, removed: set[str], added: set[str]
    ) -> None:
        """Clear `graph` (or delete `removed` from it) and add `added` (N-Triples lines), in one
        update that keeps the merge (written directly: a text of ours needs no reading)."""
        touched = _touched(removed) | _touched(added)
        if self.union is not None:
            assert isinstance(graph, NamedNode)
            if cleared or removed or added:
                merged = self.union.writing(
                    graph, cleared=cleared, removed="\n".join(removed), added="\n".join(added)
                )
                self._update(merged, maintained=True, touched=touched)
            return
        operations = [f"CLEAR SILENT {_graph_ref(graph)}"] if cleared else []
        if removed and not cleared:
            operations.append(_data("DELETE", removed, graph))
        if added:
            operations.append(_data("INSERT", added, graph))
        if operations:
            self._update(" ;\n".join(operations), touched=touched)

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> GraphChange:
        self._writable(graph)
        new = _lines(serialize(triples, format=RdfFormat.N_TRIPLES))
        with self._write_lock:
            created = not self._exists(graph)
            if new:
                self._write(graph, cleared=False, removed=set(), added=new)
            elif created and isinstance(graph, NamedNode):
                self._update(f"CREATE SILENT GRAPH {graph}")
            total = sum(1 for _ in self._quads(graph))
            return GraphChange(graph, added=len(new), removed=0, total=total, created=created)

    def _exists(self, graph: GraphName) -> bool:
        return isinstance(graph, DefaultGraph) or self._store.contains_named_graph(graph)

    def has_graph(self, graph: NamedNode) -> bool:
        return bool(self._store.contains_named_graph(graph))

    def graph_data(self, graph: GraphName, format: RdfFormat) -> bytes | None:
        if not self._exists(graph):
            return None
        data = self._store.dump(format=format, from_graph=graph, prefixes=PREFIXES)
        return data or b""

    def _bulk_load(self, data: bytes, graph: NamedNode, lines: set[str]) -> None:
        """Load a new graph (and its statements into the merge) in one bulk load."""
        try:
            if self.union is None:
                self._store.bulk_load(data, RdfFormat.N_TRIPLES, to_graph=graph)
            else:
                self._store.bulk_load(self.union.loading(graph, data), RdfFormat.N_QUADS)
        except (OSError, SyntaxError) as error:
            raise StoreError(f"the store could not load the graph: {error}") from None
        finally:
            self._committed(_touched(lines))

    def drop_graph(self, graph: GraphName) -> bool:
        self._writable(graph)
        with self._write_lock:
            if not self._exists(graph):
                return False
            self._update(f"DROP {_graph_ref(graph)}")
            return True

    def dump(self, output: BinaryIO, format: RdfFormat) -> None:
        if self.union is None:
            self._store.dump(output, format=format)
            return
        for graph in self.graphs():  # the merge is derived from them: not written
            serialize(self._quads(graph), output, format=format)

    def data_version(self) -> str:
        return f"{self._nonce}-{self._generation}"

    def optimize(self) -> None:
        with self._write_lock:
            try:
                self._store.optimize()
            except OSError as error:
                raise StoreError(f"the store could not be optimized: {error}") from None
            self._committed(frozenset())  # snapshots taken from now on get the compacted files

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self.path is not None:
            self._store.flush()
            shutil.rmtree(self._snapshots_dir, ignore_errors=True)
        del self._store


def _outcome(outcome: tuple[str, object, object]) -> Serialized:
    status, payload, media_type = outcome
    if status == "ok":
        assert isinstance(payload, bytes)
        assert isinstance(media_type, str)
        return Serialized(payload, media_type)
    if status == "syntax":
        raise query_syntax_error(SyntaxError(str(payload)))
    if status == "too-large":
        raise ResultTooLarge(int(str(payload)))
    raise StoreError(f"the query failed: {payload}")
