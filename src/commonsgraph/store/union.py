"""The default graph as the RDF merge of the named graphs: kept in the store, written with them.

A query's default graph is, by default, the union of the public named graphs. SPARQL defines it
as their RDF *merge*, a set: a statement that two graphs hold is in it once. pyoxigraph 0.5.13
evaluates the union (`use_default_graph_as_union`, and `default_graph=[g1, g2]` alike) as a
multiset: `SELECT (COUNT(*) AS ?n) { ?s ?p ?o }` counts such a statement twice, and every join
through it repeats its solutions (oxigraph#1919, fixed after 0.5). The options, measured on the
bench's BSBM data (740,000 statements in one graph, the explore mix in process):

- rewriting queries, each triple pattern of the default graph made `DISTINCT` over the graphs:
  it cannot express a property path that crosses graphs, and a `DISTINCT` subquery per pattern
  takes the joins out of the engine's hands;
- pyoxigraph offers no merge semantics (its query options name graphs; their union is a
  multiset);
- **materializing the merge in the store's own (unnamed) default graph**, and querying that
  graph: a set by construction, and read from the engine's default-graph indexes. The mix ran
  in 2.2 s against 3.6 s over the multiset union (point lookups alike, joins and aggregates
  faster); `bench/sparql.py --rounds 2` (985,525 statements, against `oxigraph serve` in the
  same run) went from 0.95x to 1.35x Oxigraph's throughput at 1 client and from 0.97x to 0.91x
  at 8 (a noisy shared machine), the service's CPU per query from 1.09x to 0.90x Oxigraph's.
  It costs the space of a second copy of each distinct statement, and a write costs its own
  size twice; a store first opened with the merge builds it once (25 s for those 985,525
  statements), then one statement is inserted in 0.8 ms.

So the store keeps, in its default graph, the merge of its *member* graphs (every named graph,
or those listed in COMMONSGRAPH_DEFAULT_GRAPHS), and each write carries its maintenance in the
same `Store.update` request (atomic: readers and snapshots see both or neither). `maintained`
rewrites any update request so (the service's own writes of whole graphs and of exact quads are
written so directly: `writing`, `changing`); its cost is the size of what the write changes (for
CLEAR, DROP, COPY, MOVE, ADD and LOAD, of the graphs they empty or read), never of the store
(updates that re-read everything, measured: 25 to 55 s for those 740,000 statements):

- statements an operation inserts are also written, by the same operation, into a scratch graph
  `S_I` (same template, same solutions, same blank nodes); statements it deletes, into a scratch
  graph `S_D` (DELETE DATA: before it; CLEAR, DROP, COPY, MOVE: the graph they empty, copied
  before them);
- after the operation, the statements of `S_D` no member graph holds any more leave the default
  graph, those of `S_I` a member graph holds join it, and both scratch graphs are dropped. The
  scratch graphs exist only within the request, between an operation and its maintenance, and
  no operation that reads graphs runs while they exist;
- LOAD INTO and ADD add the graph they read; CLEAR or DROP of NAMED or ALL empties the default
  graph; an operation this module cannot read is followed by a whole recomputation (correct,
  and as slow as it says).

The default graph being derived, an update may read it (its patterns without GRAPH see the
merge, as queries do) but not write it: INSERT or DELETE without GRAPH (or WITH), LOAD without
INTO, CLEAR or DROP DEFAULT, ADD, COPY or MOVE to DEFAULT are refused (`NotAllowed`).

In the standard setting (COMMONSGRAPH_DEFAULT_GRAPHS=default) the default graph is the store's
own graph, written by updates without GRAPH, as the SPARQL specifications and most engines have
it: nothing is maintained.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore

from commonsgraph.errors import NotAllowed
from commonsgraph.sparqllex import Token
from commonsgraph.sparqltext import operations, without_prologue
from commonsgraph.store.base import data_update

SCRATCH = "urn:commonsgraph:union:"
"""The scratch graphs of a request are named under this prefix (then a random UUID)."""

_MERGED = (
    "the default graph is the merge of the named graphs (COMMONSGRAPH_DEFAULT_GRAPHS): an update "
    "cannot write it directly"
)


@dataclass(frozen=True)
class Union:
    """The named graphs whose merge the store keeps as its default graph (None: all)."""

    graphs: frozenset[str] | None = None

    @property
    def marker(self) -> str:
        """What the default graph holds, written next to the store (a change rebuilds it)."""
        return "union" if self.graphs is None else "union of " + " ".join(sorted(self.graphs))

    def _member(self, variable: str, *excluded: str) -> str:
        """A filter that holds when ?variable names a member graph."""
        if self.graphs is not None:
            listed = " ".join(f"<{g}>" for g in sorted(self.graphs))
            return f"VALUES ?{variable} {{ {listed} }}"
        if not excluded:
            return ""
        return f"FILTER(?{variable} NOT IN ({', '.join(f'<{g}>' for g in excluded)}))"

    def held(self, *excluded: str) -> str:
        """A pattern that holds when a member graph holds the triple ?s ?p ?o."""
        return f"GRAPH ?g {{ ?s ?p ?o }} {self._member('g', *excluded)}"

    def recompute(self) -> str:
        """Operations that make the default graph the merge again, whatever it held (they read
        the whole store: the fallback, and the repair of a store written otherwise)."""
        return (
            f"DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ {self.held()} }} }} ;\n"
            f"INSERT {{ ?s ?p ?o }} WHERE {{ {self.held()} }}"
        )

    def rebuild(self, store: OxStore) -> None:
        """Fill the default graph with the merge, from scratch: for a store that was not kept
        so (opened for the first time with this setting). Statements without blank nodes are
        bulk loaded (fast); those with blank nodes are copied by an update, which keeps them
        the same nodes (a bulk load would rename them)."""
        store.update("CLEAR DEFAULT")
        for graph in store.named_graphs():
            if not isinstance(graph, NamedNode) or (
                self.graphs is not None and graph.value not in self.graphs
            ):
                continue
            data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph) or b""
            plain = b"\n".join(line for line in data.split(b"\n") if b"_:" not in line)
            if plain:
                store.bulk_load(plain, RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
            if b"_:" in data:
                store.update(
                    f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o "
                    "FILTER(isBlank(?s) || isBlank(?o)) } }"
                )

    def loading(self, graph: NamedNode, ntriples: bytes) -> bytes:
        """An N-Quads document that loads N-Triples into `graph` and, when it is a member, into
        the default graph (one bulk load: its blank nodes are the same nodes in both)."""
        named = ntriples.replace(b" .\n", f" {graph} .\n".encode())
        if self.graphs is not None and graph.value not in self.graphs:
            return named
        return named + ntriples

    def writing(self, graph: NamedNode, *, cleared: bool, removed: str, added: str) -> str:
        """The update that clears `graph` (or deletes the N-Triples `removed` from it) and adds
        the N-Triples `added`, with the maintenance `maintained` would add, written directly
        (the service's own writes of whole graphs: nothing to read, however large)."""
        rewriter = _Rewriter(self, "")
        operations = []
        if cleared:
            operations += [rewriter._copy_graph(str(graph)), f"CLEAR SILENT GRAPH {graph}"]
        elif removed:
            operations += [
                f"INSERT DATA {{ GRAPH <{rewriter.deleted}> {{\n{removed}\n}} }}",
                f"DELETE DATA {{ GRAPH {graph} {{\n{removed}\n}} }}",
            ]
        if added:
            operations.append(
                f"INSERT DATA {{ GRAPH {graph} {{\n{added}\n}}\n"
                f"GRAPH <{rewriter.inserted}> {{\n{added}\n}} }}"
            )
        deleted = cleared or bool(removed)
        return " ;\n".join(operations + rewriter._settle(deleted=deleted, inserted=bool(added)))

    def changing(self, delete: Sequence[Quad], insert: Sequence[Quad]) -> str:
        """The update that deletes and inserts exact quads (`data_update`), with the
        maintenance `maintained` would add, written directly."""
        rewriter = _Rewriter(self, "")
        deleted, inserted = NamedNode(rewriter.deleted), NamedNode(rewriter.inserted)
        operations = []
        if delete:
            copies = [Quad(q.subject, q.predicate, q.object, deleted) for q in delete]
            operations.append(data_update([], copies))
        copies = [Quad(q.subject, q.predicate, q.object, inserted) for q in insert]
        operations.append(data_update(delete, [*insert, *copies]))
        operations += rewriter._settle(deleted=bool(delete), inserted=bool(insert))
        return " ;\n".join(operations)

    def maintained(self, update: str) -> str:
        """The update request with the maintenance of the default graph in it (see the
        module's documentation); `NotAllowed` when it writes the default graph."""
        return _Rewriter(self, update).run()


# -- reading an update request, operation by operation ------------------------------------------


@dataclass
class _Block:
    """The quads of a braced block (QuadData, QuadPattern, a template): the text of each graph's
    triples, by the text that names the graph (None: no GRAPH)."""

    parts: list[tuple[str | None, str]] = field(default_factory=list)
    anonymous: bool = False
    """Holds `[ ]` or `( )`: blank nodes a copy of the text would not share."""

    def unscoped(self) -> bool:
        return any(graph is None for graph, _ in self.parts)


class _Unreadable(Exception):
    """An operation this module does not read (the engine will say what is wrong with it)."""


class _Rewriter:
    def __init__(self, union: Union, update: str) -> None:
        self.union = union
        self.text = update
        token = uuid.uuid4().hex
        self.deleted = f"{SCRATCH}{token}:deleted"
        self.inserted = f"{SCRATCH}{token}:inserted"
        self.held = union.held(self.deleted, self.inserted)

    def run(self) -> str:
        pieces: list[str] = []
        position = 0
        for operation in operations(self.text):
            ops = without_prologue(operation)
            if not ops:
                continue
            start, end = ops[0].start, ops[-1].end
            try:
                before, rewritten, after = self._operation(ops)
            except _Unreadable:
                before, rewritten, after = [], self.text[start:end], [self.union.recompute()]
            pieces += [self.text[position:start], " ;\n".join([*before, rewritten, *after])]
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)

    # -- the operations ---------------------------------------------------------------------

    def _operation(self, ops: list[Token]) -> tuple[list[str], str, list[str]]:
        """(operations before, the operation as rewritten, operations after)."""
        keyword, second = _word(ops, 0), _word(ops, 1)
        original = self.text[ops[0].start : ops[-1].end]
        if keyword == "INSERT" and second == "DATA":
            block, close = self._block(ops, 2)
            _refuse_unscoped(block)
            if block.anonymous:
                return [], original, self._add_graphs(block)
            rewritten = self._inside(ops, close, _copies(block, self.inserted))
            return [], rewritten, self._settle(inserted=True)
        if keyword == "DELETE" and second == "DATA":
            block, _ = self._block(ops, 2)
            _refuse_unscoped(block)
            copy = f"INSERT DATA {{ {_copies(block, self.deleted)} }}"
            return [copy], original, self._settle(deleted=True)
        if keyword == "DELETE" and second == "WHERE":
            block, close = self._block(ops, 2)
            _refuse_unscoped(block)
            pattern = self.text[ops[2].start : ops[close].end]
            copies = _copies(block, self.deleted)
            rewritten = f"DELETE {pattern} INSERT {{ {copies} }} WHERE {pattern}"
            return [], rewritten, self._settle(deleted=True)
        if keyword in ("WITH", "DELETE", "INSERT"):
            return self._modify(ops)
        if keyword == "LOAD":
            if "INTO" not in (t.value for t in ops if t.kind == "word"):
                raise NotAllowed(_MERGED + ": LOAD into a named graph (INTO GRAPH <iri>)")
            return [], original, [self._add_graph(ops[-1].text, ops[-1].text)]
        if keyword in ("CLEAR", "DROP"):
            return self._clear(ops, original)
        if keyword == "CREATE":
            return [], original, []
        if keyword in ("ADD", "COPY", "MOVE"):
            return self._transfer(ops, keyword, original)
        raise _Unreadable

    def _modify(self, ops: list[Token]) -> tuple[list[str], str, list[str]]:
        index = 2 if _word(ops, 0) == "WITH" else 0
        deleted = inserted = None
        delete_close = insert_close = -1
        if _word(ops, index) == "DELETE":
            deleted, delete_close = self._block(ops, index + 1)
            index = delete_close + 1
        if _word(ops, index) == "INSERT":
            inserted, insert_close = self._block(ops, index + 1)
        if deleted is None and inserted is None:
            raise _Unreadable
        for block in (deleted, inserted):
            if block is not None and block.unscoped() and _word(ops, 0) != "WITH":
                raise NotAllowed(_MERGED + ": name a graph with GRAPH or WITH")
        copies = [] if deleted is None else [_copies(deleted, self.deleted)]
        after = self._settle(deleted=deleted is not None)
        if inserted is not None and inserted.anonymous:
            after += self._add_graphs(inserted)
        elif inserted is not None:
            copies.append(_copies(inserted, self.inserted))
            after = self._settle(deleted=deleted is not None, inserted=True)
        addition = " ".join(c for c in copies if c)
        if inserted is not None:
            return [], self._inside(ops, insert_close, addition), after
        cut = ops[delete_close].end
        head, tail = self.text[ops[0].start : cut], self.text[cut : ops[-1].end]
        return [], f"{head} INSERT {{ {addition} }}{tail}", after

    def _clear(self, ops: list[Token], original: str) -> tuple[list[str], str, list[str]]:
        target = ops[2:] if _word(ops, 1) == "SILENT" else ops[1:]
        what = _word(target, 0)
        if what in ("NAMED", "ALL"):
            return [], original, ["CLEAR SILENT DEFAULT"]
        if what == "DEFAULT":
            raise NotAllowed(_MERGED + f": {ops[0].value} DEFAULT")
        if what != "GRAPH" or len(target) != 2:
            raise _Unreadable
        return [self._copy_graph(target[1].text)], original, self._settle(deleted=True)

    def _transfer(
        self, ops: list[Token], keyword: str, original: str
    ) -> tuple[list[str], str, list[str]]:
        rest = ops[2:] if _word(ops, 1) == "SILENT" else ops[1:]
        to = next((i for i, t in enumerate(rest) if t.kind == "word" and t.value == "TO"), None)
        if to is None:
            raise _Unreadable
        source, target = _graph_or_default(rest[:to]), _graph_or_default(rest[to + 1 :])
        if target is None or (keyword == "MOVE" and source is None):
            raise NotAllowed(_MERGED + f": {keyword} to or from DEFAULT")
        before, after = [], []
        if keyword != "ADD":  # the target's statements are replaced: each may leave
            before.append(self._copy_graph(target))
            if source is not None and keyword == "MOVE":
                before.append(self._copy_graph(source))
            after = self._settle(deleted=True)
        if source is not None:
            after.insert(0, self._add_graph(target if keyword == "MOVE" else source, target))
        return before, original, after

    # -- text -------------------------------------------------------------------------------

    def _block(self, ops: list[Token], index: int) -> tuple[_Block, int]:
        """The quads of the braced block at `index`, and the index of its closing brace."""
        if _text(ops, index) != "{":
            raise _Unreadable
        block = _Block()
        loose: int | None = None
        i = index + 1
        while i < len(ops):
            token = ops[i]
            if token.text == "}":
                self._loose(block, ops, loose, i)
                return block, i
            if token.kind == "word" and token.value == "GRAPH":
                self._loose(block, ops, loose, i)
                loose = None
                if _text(ops, i + 2) != "{":
                    raise _Unreadable
                close = _matching(ops, i + 2)
                if any(t.text in ("[", "(") for t in ops[i + 3 : close]):
                    block.anonymous = True
                if close > i + 3:
                    part = self.text[ops[i + 3].start : ops[close - 1].end]
                    block.parts.append((ops[i + 1].text, part))
                i = close + 1
                continue
            if token.text == "{":
                raise _Unreadable
            if token.text in ("[", "("):
                block.anonymous = True
            if loose is None:
                loose = i
            i += 1
        raise _Unreadable

    def _loose(self, block: _Block, ops: list[Token], start: int | None, end: int) -> None:
        """Triples outside GRAPH, from `start` to `end` (excluded)."""
        if start is not None and any(t.text != "." for t in ops[start:end]):
            block.parts.append((None, self.text[ops[start].start : ops[end - 1].end]))

    def _inside(self, ops: list[Token], close: int, addition: str) -> str:
        """The operation with `addition` written just inside the brace at `close`."""
        cut = ops[close].start
        return f"{self.text[ops[0].start : cut]} {addition} {self.text[cut : ops[-1].end]}"

    def _copy_graph(self, graph: str) -> str:
        """Before an operation that empties `graph`: its statements are candidates to leave."""
        return (
            f"INSERT {{ GRAPH <{self.deleted}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        )

    def _add_graph(self, source: str, target: str) -> str:
        """The statements of `source` join the default graph when `target` is a member."""
        member = self.union._member("t")
        guard = f" VALUES ?t {{ {target} }} {member}" if member else ""
        return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {source} {{ ?s ?p ?o }}{guard} }}"

    def _add_graphs(self, block: _Block) -> list[str]:
        """After an insertion whose blank nodes a copy would not share: the graphs it wrote
        join the default graph whole (a graph named by a variable: every member graph)."""
        graphs = {graph for graph, _ in block.parts}
        if any(g is None or g.startswith(("?", "$")) for g in graphs):
            return [self.union.recompute()]
        return [self._add_graph(g, g) for g in sorted(g for g in graphs if g is not None)]

    def _settle(self, *, deleted: bool = False, inserted: bool = False) -> list[str]:
        """After an operation: the default graph takes the scratch graphs into account."""
        after = []
        if deleted:
            after.append(
                f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{self.deleted}> {{ ?s ?p ?o }} "
                f"FILTER NOT EXISTS {{ {self.held} }} }}"
            )
        if inserted:
            after.append(
                f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{self.inserted}> {{ ?s ?p ?o }} "
                f"FILTER EXISTS {{ {self.held} }} }}"
            )
        if deleted:
            after.append(f"DROP SILENT GRAPH <{self.deleted}>")
        if inserted:
            after.append(f"DROP SILENT GRAPH <{self.inserted}>")
        return after


def _copies(block: _Block, scratch: str) -> str:
    return " ".join(f"GRAPH <{scratch}> {{ {text} }}" for _, text in block.parts)


def _refuse_unscoped(block: _Block) -> None:
    if block.unscoped():
        raise NotAllowed(_MERGED + ": name a graph with GRAPH")


def _word(ops: list[Token], index: int) -> str:
    return ops[index].value if index < len(ops) and ops[index].kind == "word" else ""


def _text(ops: list[Token], index: int) -> str:
    return ops[index].text if index < len(ops) else ""


def _matching(ops: list[Token], index: int) -> int:
    """The index of the brace that closes the one at `index`."""
    depth = 0
    for i in range(index, len(ops)):
        if ops[i].text == "{":
            depth += 1
        elif ops[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
    raise _Unreadable


def _graph_or_default(ops: list[Token]) -> str | None:
    """The text naming the graph of `GRAPH? iri`, or None for DEFAULT."""
    if len(ops) == 1 and _word(ops, 0) == "DEFAULT":
        return None
    if len(ops) == 2 and _word(ops, 0) == "GRAPH":
        return ops[1].text
    if len(ops) == 1 and ops[0].kind in ("iri", "pname"):
        return ops[0].text
    raise _Unreadable
