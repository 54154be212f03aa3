"""The W3C SPARQL 1.1 query and update test suites, run over the SPARQL 1.1 Protocol.

`cases()` reads the manifests under tests/w3c/sparql11 (the files of w3c/rdf-tests, see
README.md here): every entry of every included manifest, evaluation tests and the syntax tests
they hold (syntax-query, syntax-update-1 and -2 included), none dropped silently.
`run(case, target)` loads the case's dataset into a `Target` (an emptied store), sends its query
or update over HTTP, and compares what comes back with the expected results: SPARQL results
(XML, JSON, or an `rs:ResultSet` graph) as multisets of solutions up to blank-node renaming
(ordered when the query has ORDER BY), graphs up to blank-node isomorphism (rdflib). It answers
None when the case passes, or why it fails.

Each query and update is sent with `BASE <its file's W3C URL>` before it: the suites resolve
relative IRIs against the file (`FROM <data.ttl>` names the graph loaded from data.ttl), which a
request over the protocol cannot say otherwise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

import rdflib
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)
from rdflib.compare import isomorphic

HERE = Path(__file__).resolve().parent
ROOT = HERE / "sparql11"
W3C = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MANIFESTS = ("manifest-sparql11-query.ttl", "manifest-sparql11-update.ttl")

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
RDF = rdflib.RDF
RDFS = rdflib.RDFS

KINDS = {
    MF.QueryEvaluationTest: "query",
    MF.UpdateEvaluationTest: "update",
    MF.PositiveSyntaxTest11: "query-syntax",
    MF.NegativeSyntaxTest11: "query-syntax",
    MF.PositiveUpdateSyntaxTest11: "update-syntax",
    MF.NegativeUpdateSyntaxTest11: "update-syntax",
}
RESULTS_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

Term = NamedNode | BlankNode | Literal | Triple
Solution = dict[str, Term]


@dataclass(frozen=True)
class Case:
    """One test of a manifest."""

    id: str
    """`directory/name`, e.g. `add/add01`."""
    name: str
    kind: str
    """query, update, query-syntax or update-syntax."""
    request: Path
    positive: bool = True
    """For a syntax test: whether the text is valid."""
    data: tuple[Path, ...] = ()
    graph_data: tuple[tuple[str, Path], ...] = ()
    result: Path | None = None
    result_data: tuple[Path, ...] = ()
    result_graphs: tuple[tuple[str, Path], ...] = ()

    @property
    def url(self) -> str:
        """The W3C URL of the query or update file (its base IRI)."""
        return url_of(self.request)


class Target(Protocol):
    """A SPARQL service under test: its store emptied and loaded by the runner, its protocol
    spoken over HTTP."""

    def reset(self) -> None:
        """Empty the store (every graph)."""
        ...

    def load(self, data: bytes, format: RdfFormat, graph: str | None, base: str) -> None:
        """Add a document's triples to a named graph, or to the default graph (None)."""
        ...

    def query(self, text: str, accept: str) -> tuple[int, str, bytes]:
        """POST a query: (status, media type, body)."""
        ...

    def update(self, text: str) -> tuple[int, bytes]:
        """POST an update (with the rights to write): (status, body)."""
        ...

    def quads(self) -> bytes:
        """Every graph of the store as N-Quads."""
        ...


def url_of(path: Path) -> str:
    return W3C + path.relative_to(ROOT).as_posix()


def path_of(iri: str) -> Path:
    assert iri.startswith(W3C), iri
    return ROOT / iri.removeprefix(W3C)


# -- reading the manifests ----------------------------------------------------------------------


def cases() -> list[Case]:
    """Every test of the suites, in manifest order."""
    found: list[Case] = []
    for manifest in MANIFESTS:
        top = _graph(ROOT / manifest)
        for include in _list(top, next(top.subjects(RDF.type, MF.Manifest)), MF.include):
            found += _read(path_of(str(include)))
    return found


def _graph(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=url_of(path))
    return graph


def _list(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> list:  # type: ignore[type-arg]
    head = graph.value(subject, predicate)
    return [] if head is None else list(rdflib.collection.Collection(graph, head))


def _read(manifest: Path) -> list[Case]:
    graph = _graph(manifest)
    listed = _list(graph, next(graph.subjects(RDF.type, MF.Manifest)), MF.entries)
    found = []
    for entry in listed:
        kind_iri = graph.value(entry, RDF.type)
        if kind_iri not in KINDS:
            raise ValueError(f"{entry}: a test of a kind the runner does not know: {kind_iri}")
        kind = KINDS[kind_iri]
        local = str(entry).rpartition("#")[2]
        name = str(graph.value(entry, MF.name))
        ident = f"{manifest.parent.name}/{local}"
        action = graph.value(entry, MF.action)
        result = graph.value(entry, MF.result)
        if kind.endswith("syntax"):
            assert action is not None
            found.append(
                Case(
                    ident,
                    name,
                    kind,
                    path_of(str(action)),
                    positive="Positive" in str(kind_iri),
                )
            )
        elif kind == "query":
            found.append(
                Case(
                    ident,
                    name,
                    kind,
                    path_of(str(graph.value(action, QT.query))),
                    data=_paths(graph.objects(action, QT.data)),
                    graph_data=tuple(
                        (str(g), path_of(str(g)))
                        for g in sorted(map(str, graph.objects(action, QT.graphData)))
                    ),
                    result=None if result is None else path_of(str(result)),
                )
            )
        else:
            found.append(
                Case(
                    ident,
                    name,
                    kind,
                    path_of(str(graph.value(action, UT.request))),
                    data=_paths(graph.objects(action, UT.data)),
                    graph_data=_labelled(graph, action),
                    result_data=_paths(graph.objects(result, UT.data)),
                    result_graphs=_labelled(graph, result),
                )
            )
    return found


def _paths(iris: Iterator[rdflib.term.Node]) -> tuple[Path, ...]:
    return tuple(sorted(path_of(str(i)) for i in iris))


def _labelled(graph: rdflib.Graph, node: rdflib.term.Node | None) -> tuple[tuple[str, Path], ...]:
    found = []
    for item in graph.objects(node, UT.graphData):
        found.append(
            (str(graph.value(item, RDFS.label)), path_of(str(graph.value(item, UT.graph))))
        )
    return tuple(sorted(found))


# -- running a case -----------------------------------------------------------------------------


def data_format(path: Path) -> RdfFormat:
    found = RdfFormat.from_extension(path.suffix.lstrip("."))
    assert found is not None, path
    return found


def run(case: Case, target: Target) -> str | None:
    """None when `case` passes on `target`, else why it fails."""
    target.reset()
    for path in case.data:
        target.load(path.read_bytes(), data_format(path), None, url_of(path))
    for graph, path in case.graph_data:
        target.load(path.read_bytes(), data_format(path), graph, url_of(path))
    text = f"BASE <{case.url}>\n" + case.request.read_text(encoding="utf-8")
    if case.kind.endswith("syntax"):
        if case.kind == "query-syntax":
            status, _, body = target.query(text, RESULTS_ACCEPT)
        else:
            status, body = target.update(text)
        if case.positive and (status == 400 or status >= 500):  # read, perhaps refused
            return f"refused a valid text: {status} {body[:300]!r}"
        if not case.positive and status != 400:
            return f"answered {status} to an invalid text (expected 400)"
        return None
    if case.kind == "query":
        status, media_type, body = target.query(text, RESULTS_ACCEPT)
        if status != 200:
            return f"{status} {body[:300]!r}"
        assert case.result is not None
        return _compare_answer(case, media_type, body)
    status, body = target.update(text)
    if status >= 300:
        return f"{status} {body[:300]!r}"
    return _compare_dataset(case, target.quads())


def _compare_answer(case: Case, media_type: str, body: bytes) -> str | None:
    assert case.result is not None
    graph_format = RdfFormat.from_media_type(media_type)
    if graph_format is not None:
        got = list(parse(body, graph_format))
        expected = list(
            parse(case.result.read_bytes(), data_format(case.result), base_iri=url_of(case.result))
        )
        if _isomorphic([_triple(q) for q in got], [_triple(q) for q in expected]):
            return None
        return f"another graph:\n{_show(got)}\nexpected:\n{_show(expected)}"
    results_format = QueryResultsFormat.from_media_type(media_type)
    if results_format is None:
        return f"answered {media_type!r}"
    answer = parse_query_results(body, format=results_format)
    expected_answer = _expected_results(case.result)
    if isinstance(answer, QueryBoolean) or isinstance(expected_answer, bool):
        if isinstance(expected_answer, bool) and isinstance(answer, QueryBoolean):
            return (
                None
                if bool(answer) == expected_answer
                else f"{bool(answer)}, expected {expected_answer}"
            )
        return "a boolean and solutions compared"
    variables, rows = _rows(answer)
    expected_variables, expected_rows = expected_answer
    if set(variables) != set(expected_variables):
        return f"variables {variables}, expected {expected_variables}"
    ordered = re.search(r"ORDER\s+BY", case.request.read_text(encoding="utf-8"), re.I) is not None
    if _same_solutions(rows, expected_rows, ordered):
        return None
    return f"solutions:\n{_show(rows)}\nexpected:\n{_show(expected_rows)}"


def _expected_results(path: Path) -> bool | tuple[list[str], list[Solution]]:
    if path.suffix == ".ttl":
        return _result_set_graph(path)
    results_format = QueryResultsFormat.from_extension(path.suffix.lstrip("."))
    assert results_format is not None, path
    answer = parse_query_results(path.read_bytes(), format=results_format)
    if isinstance(answer, QueryBoolean):
        return bool(answer)
    return _rows(answer)


def _rows(answer: QuerySolutions | QueryBoolean) -> tuple[list[str], list[Solution]]:
    assert isinstance(answer, QuerySolutions)
    names = [v.value for v in answer.variables]
    rows = [
        {name: solution[name] for name in names if solution[name] is not None}
        for solution in answer
    ]
    return names, rows


def _result_set_graph(path: Path) -> bool | tuple[list[str], list[Solution]]:
    """A result set written in RDF (the rs: vocabulary)."""
    quads = list(parse(path.read_bytes(), RdfFormat.TURTLE, base_iri=url_of(path)))
    rs = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"

    def objects(subject: Term, predicate: str) -> list[Term]:
        return [
            q.object for q in quads if q.subject == subject and q.predicate.value == rs + predicate
        ]

    result_set = next(q.subject for q in quads if q.object == NamedNode(rs + "ResultSet"))
    booleans = objects(result_set, "boolean")
    if booleans:
        return booleans[0].value == "true"  # type: ignore[union-attr]
    variables = [v.value for v in objects(result_set, "resultVariable")]  # type: ignore[union-attr]
    rows = []
    for solution in objects(result_set, "solution"):
        row: Solution = {}
        for binding in objects(solution, "binding"):
            row[objects(binding, "variable")[0].value] = objects(binding, "value")[0]  # type: ignore[union-attr]
        rows.append(row)
    return variables, rows


def _same_solutions(got: list[Solution], expected: list[Solution], ordered: bool) -> bool:
    """Whether two sequences of solutions are equal up to a renaming of blank nodes (one
    renaming for the whole sequence); as multisets unless `ordered`."""
    if len(got) != len(expected):
        return False
    if not ordered:
        if Counter(map(_key, got)) != Counter(map(_key, expected)):
            return False
        if not any(isinstance(t, BlankNode) for row in got for t in row.values()):
            return True
        return _match(got, expected, {}, ordered=False)
    return _match(got, expected, {}, ordered=True)


def _key(row: Solution) -> tuple[tuple[str, str], ...]:
    """A row with its blank nodes blurred (a bucket for matching)."""
    return tuple(
        sorted((k, "_:" if isinstance(v, BlankNode) else _value(v)) for k, v in row.items())
    )


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {f"{XSD}{name}" for name in ("integer", "decimal", "double", "float", "int", "long")}


def _value(term: Term) -> str:
    """A term, numbers by their value: engines write `1.0` or `1` for the same xsd:decimal, and
    the suites' expected results came from several engines."""
    if isinstance(term, Literal) and term.datatype.value in NUMBERS:
        try:
            number = Decimal(term.value)
        except InvalidOperation:
            return str(term)
        if number.is_finite():
            return f"{number.normalize()}^^{term.datatype.value}"
    return str(term)


def _match(
    got: list[Solution], expected: list[Solution], mapping: dict[str, str], *, ordered: bool
) -> bool:
    if not got:
        return True
    row = got[0]
    candidates = [0] if ordered else range(len(expected))
    for index in candidates:
        extended = _unify(row, expected[index], mapping)
        if extended is not None and _match(
            got[1:], expected[:index] + expected[index + 1 :], extended, ordered=ordered
        ):
            return True
    return False


def _unify(row: Solution, other: Solution, mapping: dict[str, str]) -> dict[str, str] | None:
    if row.keys() != other.keys():
        return None
    extended = dict(mapping)
    for name, term in row.items():
        theirs = other[name]
        if isinstance(term, BlankNode) and isinstance(theirs, BlankNode):
            if extended.setdefault(term.value, theirs.value) != theirs.value:
                return None
            if list(extended.values()).count(theirs.value) > 1:
                return None
        elif _value(term) != _value(theirs):
            return None
    return extended


def _triple(quad: object) -> Triple:
    return Triple(quad.subject, quad.predicate, quad.object)  # type: ignore[attr-defined]


def _rdflib(triples: Sequence[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    graph.parse(data=data.decode(), format="nt")
    return graph


def _isomorphic(got: Sequence[Triple], expected: Sequence[Triple]) -> bool:
    return len(set(got)) == len(set(expected)) and isomorphic(_rdflib(got), _rdflib(expected))


def _compare_dataset(case: Case, nquads: bytes) -> str | None:
    graphs: dict[str | None, list[Triple]] = {}
    for quad in parse(nquads, RdfFormat.N_QUADS):
        name = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, []).append(_triple(quad))
    expected: dict[str | None, list[Triple]] = {}
    for path in case.result_data:
        expected.setdefault(None, []).extend(_read_triples(path))
    for graph, path in case.result_graphs:
        expected.setdefault(graph, []).extend(_read_triples(path))
    for name in set(graphs) | set(expected):
        got, wanted = graphs.get(name, []), expected.get(name, [])
        if not _isomorphic(got, wanted):
            label = "the default graph" if name is None else f"<{name}>"
            return f"{label} holds:\n{_show(got)}\nexpected:\n{_show(wanted)}"
    return None


def _read_triples(path: Path) -> list[Triple]:
    return [_triple(q) for q in parse(path.read_bytes(), data_format(path), base_iri=url_of(path))]


def _show(items: Sequence[object]) -> str:
    lines = sorted(str(item) for item in items)
    return "\n".join(lines[:20]) + ("\n…" if len(lines) > 20 else "")
