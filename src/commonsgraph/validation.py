"""SHACL validation: the one module that touches pyshacl and rdflib.

Data is validated together with its *neighbourhood* in the store: the types and schemes of the
resources it refers to (a commune, a licence, a concept), so that references can be checked
without loading the whole store into rdflib. Only the findings about the resources the data
describes are kept: what the neighbourhood mentions is not held to the shapes.

Hot spots of pySHACL and rdflib are relieved at import (`_speed_up`), each only if the library
has the expected shape: pySHACL looks constraint parameters up in a list on every shape
evaluation (a set finds them at once); rdflib parses a SPARQL constraint's text again for every
value it checks (parsed queries are cached, as `prepareQuery` would); pySHACL writes a text for
every result, which nothing here reads; and it checks every alternative of a sh:or (the first
that matches is enough).
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyshacl
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize
from rdflib.namespace import SH

from commonsgraph.config import Settings
from commonsgraph.store import Store

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_IN_SCHEME = NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_NEIGHBOURHOOD_BATCH = 2000


@dataclass(frozen=True)
class Finding:
    """One validation result."""

    severity: str
    """Violation, Warning or Info."""
    focus: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    """The message in each language the shape gives (`fr`, `en`…)."""
    shape: str | None = None

    def message(self, language: str = "en") -> str:
        return (
            self.messages.get(language)
            or self.messages.get("en")
            or next(iter(self.messages.values()), "")
        )

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "messages": self.messages,
            "shape": self.shape,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Finding:
        messages = data.get("messages")
        return cls(
            severity=str(data["severity"]),
            focus=str(data["focus"]),
            path=None if data.get("path") is None else str(data["path"]),
            value=None if data.get("value") is None else str(data["value"]),
            messages={str(k): str(v) for k, v in messages.items()}
            if isinstance(messages, dict)
            else {},
            shape=None if data.get("shape") is None else str(data["shape"]),
        )


@dataclass(frozen=True)
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when nothing blocks: warnings and infos do not."""
        return not any(f.severity == "Violation" for f in self.findings)

    def counts(self) -> Counter[str]:
        return Counter(f.severity for f in self.findings)

    def to_rdf(self) -> list[Triple]:
        """The report as a SHACL `sh:ValidationReport`."""
        report = BlankNode()
        triples = [
            Triple(report, RDF_TYPE, NamedNode(SH.ValidationReport)),
            Triple(
                report,
                NamedNode(SH.conforms),
                Literal(str(self.conforms).lower(), datatype=BOOLEAN),
            ),
        ]
        for finding in self.findings:
            result = BlankNode()
            triples += [
                Triple(report, NamedNode(SH.result), result),
                Triple(result, RDF_TYPE, NamedNode(SH.ValidationResult)),
                Triple(result, NamedNode(SH.resultSeverity), NamedNode(SH[finding.severity])),
                Triple(result, NamedNode(SH.focusNode), _node(finding.focus)),
                *(
                    Triple(result, NamedNode(SH.resultMessage), Literal(text, language=lang))
                    for lang, text in sorted(finding.messages.items())
                ),
            ]
            if finding.path is not None:
                triples.append(Triple(result, NamedNode(SH.resultPath), NamedNode(finding.path)))
            if finding.value is not None:
                triples.append(Triple(result, NamedNode(SH.value), _node(finding.value)))
            if finding.shape is not None:
                triples.append(Triple(result, NamedNode(SH.sourceShape), NamedNode(finding.shape)))
        return triples


BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _node(value: str) -> NamedNode | Literal:
    """A focus node or value as a term: an IRI when it reads as one, else a literal."""
    if value.startswith(("http://", "https://", "urn:")) and " " not in value:
        return NamedNode(value)
    return Literal(value)


def _to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="none")
    terms: dict[object, rdflib.term.Node] = {}

    def term(node: object) -> rdflib.term.Node:
        found = terms.get(node)
        if found is None:
            if isinstance(node, NamedNode):
                found = rdflib.URIRef(node.value)
            elif isinstance(node, BlankNode):
                found = rdflib.BNode(node.value)
            elif isinstance(node, Literal):
                datatype = node.datatype.value
                found = (
                    rdflib.Literal(node.value, lang=node.language)
                    if node.language
                    # a simple literal, as rdflib reads "EUR" in the shapes (it tells them apart)
                    else rdflib.Literal(node.value)
                    if datatype == XSD_STRING
                    else rdflib.Literal(node.value, datatype=rdflib.URIRef(datatype))
                )
            else:
                raise TypeError(f"RDF-star triples are not validated: {node}")
            terms[node] = found
        return found

    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph) for t in triples)
    return graph


class Validator:
    """Validates triples against the project's shapes (`shapes/*.ttl`)."""

    @classmethod
    def of_project(cls, settings: Settings) -> Validator:
        """The validator of the project's own shapes."""
        return cls(sorted(settings.resource("shapes").glob("*.ttl")), settings.base_iri)

    def __init__(self, shape_files: Sequence[Path], base_iri: str) -> None:
        self.shape_files = list(shape_files)
        self.base_iri = base_iri
        self.shapes = rdflib.Graph(bind_namespaces="none")
        for path in shape_files:
            self.shapes.parse(path, format="turtle", publicID=base_iri)
        self._shapes_by_class: dict[str, set[rdflib.URIRef]] = {}
        for shape, cls in self.shapes.subject_objects(SH.targetClass):
            if isinstance(shape, rdflib.URIRef):
                self._shapes_by_class.setdefault(str(cls), set()).add(shape)
        # Shapes without targets, used through sh:node: pyshacl skips them unless they are named
        # in `use_shapes`; having no targets, they add no focus nodes of their own.
        targeted = set().union(*self._shapes_by_class.values())
        self._helpers = {
            shape
            for shape in self.shapes.subjects(rdflib.RDF.type, SH.NodeShape)
            if isinstance(shape, rdflib.URIRef) and shape not in targeted
        }

    def validate(self, data: Sequence[Triple], context: Sequence[Triple] = ()) -> ValidationReport:
        """Validate the resources described in `data`; `context` only helps resolve references.

        Only the shapes that target a class of the resources in `data` are applied, so that the
        context (a commune, a licence…) is not validated itself.
        """
        classes = {
            t.object.value
            for t in data
            if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode)
        }
        shapes = set().union(*(self._shapes_by_class.get(c, set()) for c in classes))
        if not shapes:
            return ValidationReport()
        _, results, _ = pyshacl.validate(
            _to_rdflib([*data, *context]),
            shacl_graph=self.shapes,
            inference=None,
            allow_warnings=True,
            allow_infos=True,
            use_shapes=sorted(shapes | self._helpers),
            inplace=True,
        )
        described = {str(t.subject.value) for t in data if not isinstance(t.subject, Triple)}
        return ValidationReport([f for f in _findings(results) if f.focus in described])


class Validates(Protocol):
    """What validates data with its context: a `Validator` or a `ValidationPool`."""

    def validate(
        self, data: Sequence[Triple], context: Sequence[Triple] = ()
    ) -> ValidationReport: ...


class ValidationPool:
    """A validator that checks large inputs in worker processes: in parallel, and away from
    the service's interpreter lock, so that other requests are served meanwhile.

    The data is split by resource (a resource goes with its parts, `{resource}#…`, and with
    the blank-node IRIs it alone refers to), one share per worker; each share is validated with
    the context and the types of the other shares' resources it refers to, which is all a shape
    reads of a resource it refers to. Small inputs are validated in this process, where a round trip
    would cost more than it saves.
    """

    def __init__(self, validator: Validator, workers: int = 2, threshold: int = 400) -> None:
        self.validator = validator
        self.workers = workers
        self.threshold = threshold
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def validate(self, data: Sequence[Triple], context: Sequence[Triple] = ()) -> ValidationReport:
        shares = _shares(data, self.workers) if len(data) >= self.threshold else []
        if len(shares) < 2:
            return self.validator.validate(data, context)
        types = [t for t in data if t.predicate in (RDF_TYPE, SKOS_IN_SCHEME)]
        futures = []
        for share in shares:
            # what a share refers to among the others' resources: their types (a typed node is
            # a focus node of its class's shapes, so only those referred to are sent)
            described = {t.subject for t in share}
            referred = {t.object for t in share} - described
            others = [t for t in types if t.subject in referred]
            futures.append(
                self._pool().submit(
                    _validate_share, _ntriples(share), _ntriples([*context, *others])
                )
            )
        findings = [finding for future in futures for finding in future.result()]
        return ValidationReport(sorted(findings, key=lambda f: (f.focus, f.severity, f.path or "")))

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_start_worker,
                    initargs=(
                        [str(p) for p in self.validator.shape_files],
                        self.validator.base_iri,
                    ),
                )
            return self._executor

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(cancel_futures=True)
                self._executor = None


_WORKER: list[Validator] = []


def _start_worker(shape_files: list[str], base_iri: str) -> None:
    _WORKER.append(Validator([Path(p) for p in shape_files], base_iri))


def _validate_share(data: bytes, context: bytes) -> list[Finding]:
    return _WORKER[0].validate(_triples(data), _triples(context)).findings


def _ntriples(triples: Iterable[Triple]) -> bytes:
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""


def _triples(data: bytes) -> list[Triple]:
    return [q.triple for q in parse(data, format=RdfFormat.N_TRIPLES)]


def _shares(data: Sequence[Triple], count: int) -> list[list[Triple]]:
    """`data` in up to `count` shares of whole resources, of about the same size."""
    groups: dict[str, list[Triple]] = {}
    for triple in data:
        subject = triple.subject
        key = subject.value.split("#", 1)[0] if isinstance(subject, NamedNode) else str(subject)
        groups.setdefault(key, []).append(triple)
    owner: dict[str, str] = {}  # a loose node (blank or skolem) goes with what refers to it
    for key, triples in groups.items():
        for triple in triples:
            if isinstance(triple.object, NamedNode | BlankNode):
                target = triple.object
                other = (
                    target.value.split("#", 1)[0] if isinstance(target, NamedNode) else str(target)
                )
                if other != key and other in groups and "/.well-known/genid/" in other:
                    owner.setdefault(other, key)
    merged: dict[str, list[Triple]] = {}
    for key, triples in groups.items():
        root, seen = key, {key}
        while root in owner and owner[root] not in seen:
            root = owner[root]
            seen.add(root)
        merged.setdefault(root, []).extend(triples)
    shares: list[list[Triple]] = [[] for _ in range(count)]
    for triples in sorted(merged.values(), key=len, reverse=True):
        min(shares, key=len).extend(triples)
    return [share for share in shares if share]


def _findings(results: rdflib.Graph) -> list[Finding]:
    """The results of a report, once each (one bad value can break several constraints of a
    shape that share a message)."""
    findings: dict[tuple[object, ...], Finding] = {}
    details = set(results.objects(None, SH.detail))
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        if result in details:  # the nested result of an sh:node; its parent is reported
            continue
        severity = results.value(result, SH.resultSeverity)
        messages: dict[str, str] = {}
        for message in results.objects(result, SH.resultMessage):
            language = getattr(message, "language", None) or "en"
            messages.setdefault(language, str(message))
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        finding = Finding(
            severity=SEVERITIES.get(severity, "Violation")
            if isinstance(severity, rdflib.URIRef)
            else "Violation",
            focus=str(results.value(result, SH.focusNode)),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            value=None if value is None else str(value),
            messages=messages,
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
        )
        key = (finding.severity, finding.focus, finding.path, finding.value)
        findings.setdefault((*key, tuple(sorted(messages.items()))), finding)
    return sorted(findings.values(), key=lambda f: (f.focus, f.severity, f.path or ""))


def _speed_up() -> None:
    """Relieve two hot spots of pySHACL and rdflib (see the module's docstring)."""
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.evaluate import evalQuery
    from rdflib.plugins.sparql.parser import parseQuery

    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and not hasattr(
        pyshacl.shape, "CONSTRAINT_PARAMS"
    ):
        pyshacl.shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
            frozenset(ALL_CONSTRAINT_PARAMETERS),
            CONSTRAINT_PARAMETERS_MAP,
        )

    @functools.lru_cache(maxsize=512)
    def prepared(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Any:
        return translateQuery(parseQuery(text), base, dict(namespaces))

    def query(
        self: Any,
        query: Any,
        initBindings: Any = None,  # noqa: N803 - rdflib's names
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(query, str):
            query = prepared(query, base, tuple(sorted((initNs or {}).items())))
        return evalQuery(self.graph, query, initBindings, base)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign, assignment]

    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.core.logical_constraints import OrConstraintComponent

    if hasattr(ConstraintComponent, "make_v_result_description"):
        # The text of each result, which nothing here reads (the report graph is read), costs a
        # fifth of a validation: mostly for the alternatives of sh:or that do not match.
        ConstraintComponent.make_v_result_description = (  # type: ignore[method-assign]
            lambda self, *args, **kwargs: ""
        )
    if hasattr(OrConstraintComponent, "_evaluate_or_constraint"):
        OrConstraintComponent._evaluate_or_constraint = _or_constraint  # type: ignore[method-assign]


def _or_constraint(
    self: Any,
    executor: Any,
    or_c: Any,
    target_graph: Any,
    focus_value_nodes: dict[Any, Any],
    _evaluation_path: list[Any],
) -> tuple[bool, list[Any]]:
    """pySHACL's sh:or, stopping at the first alternative a value conforms to (pySHACL checks
    every alternative, and builds a result for each one that does not match)."""
    from pyshacl.errors import ReportableRuntimeError

    shapes = []
    for node in self.shape.sg.graph.items(or_c):
        if self.shape.sg.is_filtered_out_shape(node):
            continue
        shape = self.shape.get_other_shape(node)
        if not shape:
            raise ReportableRuntimeError(
                "Shape pointed to by sh:or does not exist or is not a well-formed SHACL Shape."
            )
        shapes.append(shape)
    if not shapes:
        return False, []
    reports = []
    for focus, values in focus_value_nodes.items():
        for value in values:
            if not any(
                shape.validate(
                    executor, target_graph, focus=value, _evaluation_path=_evaluation_path[:]
                )[0]
                for shape in shapes
            ):
                reports.append(self.make_v_result(target_graph, focus, value_node=value))
    return bool(reports), reports


_speed_up()


def neighbourhood(store: Store, data: Sequence[Triple]) -> list[Triple]:
    """The store's statements that say what the resources `data` refers to are: their types and
    concept schemes (and, for concepts, nothing more)."""
    described = {t.subject for t in data}
    referenced = sorted(
        {t.object for t in data if isinstance(t.object, NamedNode) and t.object not in described},
        key=lambda node: node.value,
    )
    context: list[Triple] = []
    for start in range(0, len(referenced), _NEIGHBOURHOOD_BATCH):
        batch = referenced[start : start + _NEIGHBOURHOOD_BATCH]
        values = " ".join(str(node) for node in batch)
        context += store.construct(
            f"""CONSTRUCT {{ ?x a ?type . ?x skos:inScheme ?scheme }}
                WHERE {{ VALUES ?x {{ {values} }}
                         {{ ?x a ?type }} UNION {{ ?x skos:inScheme ?scheme }} }}"""
        )
    return context
