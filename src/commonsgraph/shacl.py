"""SHACL, evaluated in memory for the project's shapes.

pySHACL costs about a tenth of a millisecond of Python per focus node and constraint, building
its report as it goes: 60 ms or more for a 1,000-statement upload. The shapes of `shapes/` use
a known part of SHACL, so this module evaluates that part directly over an index of the data:

- targets: `sh:targetClass` (instances, and instances of subclasses the data declares);
- paths: predicates, `sh:inversePath`, sequences, `sh:alternativePath`;
- SHACL Core: `sh:class`, `sh:datatype` (with well-formed lexical forms), `sh:nodeKind`,
  `sh:minCount`, `sh:maxCount`, `sh:pattern` (and `sh:flags`), `sh:in`, `sh:hasValue`,
  `sh:minInclusive`, `sh:maxInclusive`, `sh:minExclusive`, `sh:maxExclusive`, `sh:node`,
  `sh:property`, `sh:or`, `sh:and`, `sh:not`;
- SHACL-SPARQL: `sh:sparql` with `sh:select` and `sh:prefixes`, run by rdflib (whose regular
  expressions are Python's, as the shapes' look-aheads need), only on the focus nodes that
  reach them.

A shape whose other parameters are not among these is refused when the shapes are read, so that
nothing is silently left unchecked. tests/test_shacl.py compares the results with pySHACL's.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

# rdflib logs a traceback for every ill-typed literal it reads; the shapes report them.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

Term = NamedNode | BlankNode | Literal
SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = NamedNode(RDF + "type")
SUBCLASS = NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
XSD = "http://www.w3.org/2001/XMLSchema#"
SEVERITIES = {SH + "Violation": "Violation", SH + "Warning": "Warning", SH + "Info": "Info"}
MAX_DEPTH = 15
"""How deep sh:node, sh:or… may nest (pySHACL's limit)."""

# Parameters of a shape that are not constraints.
_DESCRIPTIVE = {
    RDF + "type", SH + "targetClass", SH + "path", SH + "severity", SH + "message",
    SH + "name", SH + "description", SH + "order", SH + "group", SH + "flags",
    SH + "declare", "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
}  # fmt: skip
_CONSTRAINTS = {
    "class", "datatype", "nodeKind", "minCount", "maxCount", "pattern", "in", "hasValue",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "node", "property", "or",
    "and", "not", "sparql",
}  # fmt: skip
_LEXICAL = {
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|NaN)|-INF",
    "float": r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|NaN)|-INF",
    "boolean": r"true|false|1|0",
    "gYear": r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?",
    "gYearMonth": r"-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?",
    "nonNegativeInteger": r"[+]?[0-9]+|-0+",
    "positiveInteger": r"[+]?0*[1-9][0-9]*",
}
_NUMERIC = {
    XSD + name
    for name in ("integer", "decimal", "double", "float", "nonNegativeInteger",
                 "positiveInteger", "int", "long")
}  # fmt: skip


@dataclass(frozen=True)
class Result:
    """A validation result: what failed, where, and what the shape says of it."""

    severity: str
    focus: Term
    path: NamedNode | None
    value: Term | None
    messages: dict[str, str]
    shape: NamedNode | None


class Index:
    """Triples by subject and by object, for path lookups."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.out: dict[Any, dict[Any, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[Any, dict[Any, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.triples: list[Triple] = []
        for triple in dict.fromkeys(triples):
            self.triples.append(triple)
            self.out[triple.subject][triple.predicate].append(triple.object)  # type: ignore[arg-type]
            self.into[triple.object][triple.predicate].append(triple.subject)  # type: ignore[arg-type]

    def objects(self, subject: object, predicate: NamedNode) -> list[Term]:
        found = self.out.get(subject)
        return found.get(predicate, []) if found else []

    def subjects(self, predicate: NamedNode, obj: object) -> list[Term]:
        found = self.into.get(obj)
        return found.get(predicate, []) if found else []

    def items(self, node: object) -> list[Term]:
        """The members of an RDF list."""
        members: list[Term] = []
        while node != NamedNode(RDF + "nil"):
            first = self.objects(node, NamedNode(RDF + "first"))
            rest = self.objects(node, NamedNode(RDF + "rest"))
            if len(first) != 1 or len(rest) != 1 or len(members) > 10_000:
                raise ValueError(f"{node} is not a well-formed RDF list")
            members.append(first[0])
            node = rest[0]
        return members


Path = tuple[str, Any]
"""("predicate", iri), ("inverse", path), ("sequence", [paths]) or ("alternative", [paths])."""


@dataclass
class Shape:
    node: Term
    path: Path | None
    severity: str
    messages: dict[str, str]
    constraints: list[tuple[str, Any]] = field(default_factory=list)
    targets: list[NamedNode] = field(default_factory=list)

    @property
    def result_path(self) -> NamedNode | None:
        return self.path[1] if self.path is not None and self.path[0] == "predicate" else None


class Shapes:
    """The shapes of a shapes graph, ready to validate data."""

    def __init__(self, triples: Sequence[Triple]) -> None:
        self.graph = Index(triples)
        self.shapes: dict[Term, Shape] = {}
        for node in {t.subject for t in triples if t.predicate == NamedNode(SH + "targetClass")}:
            self._shape(node)  # type: ignore[arg-type]

    def targeting(self, classes: set[NamedNode]) -> list[Shape]:
        return [s for s in self.shapes.values() if set(s.targets) & classes]

    # -- reading the shapes ---------------------------------------------------------------------

    def _shape(self, node: Term) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        one = self._one
        path = self.graph.objects(node, NamedNode(SH + "path"))
        severity = one(node, "severity")
        shape = Shape(
            node=node,
            path=self._path(path[0]) if path else None,
            severity=SEVERITIES.get(severity.value, "Violation") if severity else "Violation",
            messages=self._messages(node),
            targets=[
                t
                for t in self.graph.objects(node, NamedNode(SH + "targetClass"))
                if isinstance(t, NamedNode)
            ],
        )
        self.shapes[node] = shape  # before its constraints: they may refer back to it
        for predicate, values in self.graph.out[node].items():
            name = predicate.value.removeprefix(SH)
            if predicate.value in _DESCRIPTIVE:
                continue
            if not predicate.value.startswith(SH) or name not in _CONSTRAINTS:
                raise ValueError(f"shape {node}: {predicate.value} is not supported here")
            for value in values:
                shape.constraints.append((name, self._parameter(node, name, value)))
        return shape

    def _one(self, node: Term, name: str) -> Term | None:
        values = self.graph.objects(node, NamedNode(SH + name))
        return values[0] if values else None

    def _messages(self, node: Term) -> dict[str, str]:
        messages: dict[str, str] = {}
        for message in self.graph.objects(node, NamedNode(SH + "message")):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "en", message.value)
        return messages

    def _path(self, node: Term) -> Path:
        if isinstance(node, NamedNode):
            return ("predicate", node)
        for kind in ("inverse", "alternative"):
            value = self._one(node, f"{kind}Path")
            if value is not None:
                if kind == "inverse":
                    return ("inverse", self._path(value))
                return ("alternative", [self._path(p) for p in self.graph.items(value)])
        return ("sequence", [self._path(p) for p in self.graph.items(node)])

    def _parameter(self, node: Term, name: str, value: Term) -> Any:
        if name in ("node", "property", "not"):
            return self._shape(value)
        if name in ("or", "and"):
            return [self._shape(member) for member in self.graph.items(value)]
        if name == "in":
            return set(self.graph.items(value))
        if name in ("minCount", "maxCount"):
            return int(value.value)
        if name == "pattern":
            flags = self._one(node, "flags")
            return re.compile(value.value, _flags(node, flags.value if flags else ""))
        if name == "sparql":
            return self._sparql(value)
        return value

    def _sparql(self, node: Term) -> tuple[str, dict[str, str], dict[str, str]]:
        select = self._one(node, "select")
        if not isinstance(select, Literal):
            raise ValueError(f"SPARQL constraint {node}: only sh:select is supported here")
        prefixes: dict[str, str] = {}
        for holder in self.graph.objects(node, NamedNode(SH + "prefixes")):
            for declaration in self.graph.objects(holder, NamedNode(SH + "declare")):
                prefix, namespace = (
                    self._one(declaration, "prefix"),
                    self._one(declaration, "namespace"),
                )
                if prefix is not None and namespace is not None:
                    prefixes[prefix.value] = namespace.value
        return select.value, prefixes, self._messages(node)

    # -- validating -----------------------------------------------------------------------------

    def validate(self, triples: Sequence[Triple], shapes: Iterable[Shape]) -> list[Result]:
        """The results of `shapes` on `triples` (each shape on the instances of its targets)."""
        run = _Run(Index(triples))
        results: list[Result] = []
        for shape in shapes:
            for focus in run.instances(shape.targets):
                results += run.check(shape, focus, 0)
        return results


class _Run:
    """One validation: the data's index, and what was computed about it."""

    def __init__(self, data: Index) -> None:
        self.data = data
        self._superclasses: dict[Term, set[Term]] = {}
        self._rdflib: rdflib.Graph | None = None
        self._instances: dict[Term, list[Term]] | None = None

    def instances(self, classes: list[NamedNode]) -> list[Term]:
        if self._instances is None:
            self._instances = defaultdict(list)
            for node, predicates in self.data.out.items():
                for cls in {c for t in predicates.get(RDF_TYPE, []) for c in self.classes(t)}:
                    self._instances[cls].append(node)
        return list(dict.fromkeys(n for c in classes for n in self._instances.get(c, [])))

    def classes(self, cls: Term) -> set[Term]:
        """`cls` and its superclasses (as the data declares them)."""
        found = self._superclasses.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            while todo:
                for parent in self.data.objects(todo.pop(), SUBCLASS):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
            self._superclasses[cls] = found
        return found

    def is_instance(self, node: Term, cls: Term) -> bool:
        return any(cls in self.classes(t) for t in self.data.objects(node, RDF_TYPE))

    def values(self, focus: Term, path: Path) -> list[Term]:
        kind, argument = path
        if kind == "predicate":
            return self.data.objects(focus, argument)
        if kind == "inverse":
            inner = argument
            if inner[0] != "predicate":
                raise ValueError("only inverse predicate paths are supported here")
            return self.data.subjects(inner[1], focus)
        if kind == "alternative":
            return list(dict.fromkeys(v for p in argument for v in self.values(focus, p)))
        nodes = [focus]
        for step in argument:
            nodes = list(dict.fromkeys(v for n in nodes for v in self.values(n, step)))
        return nodes

    def conforms(self, shape: Shape, focus: Term, depth: int) -> bool:
        return not self.check(shape, focus, depth + 1)

    def check(self, shape: Shape, focus: Term, depth: int) -> list[Result]:
        """The results of one shape on one focus node."""
        if depth > MAX_DEPTH:
            raise ValueError(f"shapes nest deeper than {MAX_DEPTH} levels at {shape.node}")
        values = [focus] if shape.path is None else self.values(focus, shape.path)
        results: list[Result] = []

        source = shape.node if isinstance(shape.node, NamedNode) else None

        def fail(value: Term | None, messages: dict[str, str] | None = None) -> None:
            results.append(
                Result(
                    shape.severity, focus, shape.result_path, value, messages or shape.messages,
                    source,
                )
            )  # fmt: skip

        for name, parameter in shape.constraints:
            if name == "property":
                results += self.check(parameter, focus, depth + 1)
            elif name == "minCount":
                if len(values) < parameter:
                    fail(None)
            elif name == "maxCount":
                if len(values) > parameter:
                    fail(None)
            elif name == "hasValue":
                if parameter not in values:
                    fail(None)
            elif name == "sparql":
                for value in self.sparql(parameter, values):
                    fail(value, parameter[2] or None)
            else:
                for value in values:
                    if not self.satisfies(name, parameter, value, depth):
                        fail(value)
        return results

    def satisfies(self, name: str, parameter: Any, value: Term, depth: int) -> bool:
        if name == "class":
            return self.is_instance(value, parameter)
        if name == "datatype":
            return _has_datatype(value, parameter.value)
        if name == "nodeKind":
            return _has_kind(value, parameter.value.removeprefix(SH))
        if name == "pattern":
            return not isinstance(value, BlankNode) and parameter.search(value.value) is not None
        if name == "in":
            return value in parameter
        if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            return _compares(name, value, parameter)
        if name == "node":
            return self.conforms(parameter, value, depth)
        if name == "not":
            return not self.conforms(parameter, value, depth)
        if name == "or":
            return any(self.conforms(shape, value, depth) for shape in parameter)
        if name == "and":
            return all(self.conforms(shape, value, depth) for shape in parameter)
        raise ValueError(f"sh:{name} is not supported here")

    def sparql(
        self, constraint: tuple[str, dict[str, str], dict[str, str]], nodes: list[Term]
    ) -> list[Term]:
        """The nodes for which a SPARQL constraint's SELECT answers rows (its violations)."""
        if not nodes:
            return []
        text, prefixes, _ = constraint
        graph = self._graph()
        failing = []
        for node in nodes:
            bindings: dict[str, Any] = {"this": _to_rdflib(node)}
            rows = graph.query(
                _prepared(text, tuple(sorted(prefixes.items()))), initBindings=bindings
            )
            if len(rows):
                failing.append(node)
        return failing

    def _graph(self) -> rdflib.Graph:
        if self._rdflib is None:
            graph = rdflib.Graph(bind_namespaces="none")
            graph.addN(
                (_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object), graph)  # type: ignore[arg-type]
                for t in self.data.triples
            )
            self._rdflib = graph
        return self._rdflib


def _flags(node: Term, letters: str) -> int:
    """Python's flags for the regular expression flags of sh:flags."""
    known = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}
    unknown = set(letters) - set(known)
    if unknown:
        raise ValueError(f"shape {node}: sh:flags {''.join(sorted(unknown))!r} not supported")
    flags = 0
    for letter in letters:
        flags |= known[letter]
    return flags


@lru_cache(maxsize=64)
def _prepared(text: str, prefixes: tuple[tuple[str, str], ...]) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(prefixes))


def _to_rdflib(term: Term) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _has_kind(value: Term, kind: str) -> bool:
    kinds = {
        NamedNode: {"IRI", "BlankNodeOrIRI", "IRIOrLiteral"},
        BlankNode: {"BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral"},
        Literal: {"Literal", "BlankNodeOrLiteral", "IRIOrLiteral"},
    }
    return kind in kinds[type(value)]


def _has_datatype(value: Term, datatype: str) -> bool:
    if not isinstance(value, Literal):
        return False
    if value.language:
        return datatype == RDF + "langString"
    if value.datatype.value != datatype:
        return False
    return _well_formed(value.value, datatype)


def _well_formed(text: str, datatype: str) -> bool:
    local = datatype.removeprefix(XSD)
    if datatype == local:
        return True  # not an XSD datatype: no lexical rules known here
    pattern = _LEXICAL.get(local)
    if pattern is not None:
        return re.fullmatch(pattern, text) is not None
    try:
        if local == "date":
            date.fromisoformat(re.sub(r"(Z|[+-][0-9]{2}:[0-9]{2})$", "", text))
        elif local == "dateTime":
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _number(term: Term) -> Decimal | None:
    if not isinstance(term, Literal) or term.datatype.value not in _NUMERIC:
        return None
    try:
        number = Decimal(term.value)
    except InvalidOperation:
        return None
    return None if number.is_nan() else number  # NaN compares with nothing: a violation


def _compares(name: str, value: Term, bound: Term) -> bool:
    left, right = _number(value), _number(bound)
    if left is None or right is None:
        return False  # incomparable: a violation
    return {
        "minInclusive": left >= right,
        "maxInclusive": left <= right,
        "minExclusive": left > right,
        "maxExclusive": left < right,
    }[name]
