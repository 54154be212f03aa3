"""SHACL validation of data against the project's shapes (evaluated by `shacl.py`).

Data is validated together with its *neighbourhood* in the store: the types and schemes of the
resources it refers to (a commune, a licence, a concept), so that references can be checked
without reading the whole store. Only the findings about the resources the data describes are
kept: what the neighbourhood mentions is not held to the shapes.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from commonsgraph.config import Settings
from commonsgraph.shacl import Shapes
from commonsgraph.store import Store
from commonsgraph.vocab import Namespace

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_IN_SCHEME = NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
SH = Namespace("http://www.w3.org/ns/shacl#")
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
            Triple(report, RDF_TYPE, SH.ValidationReport),
            Triple(
                report,
                SH.conforms,
                Literal(str(self.conforms).lower(), datatype=BOOLEAN),
            ),
        ]
        for finding in self.findings:
            result = BlankNode()
            triples += [
                Triple(report, SH.result, result),
                Triple(result, RDF_TYPE, SH.ValidationResult),
                Triple(result, SH.resultSeverity, SH[finding.severity]),
                Triple(result, SH.focusNode, _node(finding.focus)),
                *(
                    Triple(result, SH.resultMessage, Literal(text, language=lang))
                    for lang, text in sorted(finding.messages.items())
                ),
            ]
            if finding.path is not None:
                triples.append(Triple(result, SH.resultPath, NamedNode(finding.path)))
            if finding.value is not None:
                triples.append(Triple(result, SH.value, _node(finding.value)))
            if finding.shape is not None:
                triples.append(Triple(result, SH.sourceShape, NamedNode(finding.shape)))
        return triples


BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def _node(value: str) -> NamedNode | Literal:
    """A focus node or value as a term: an IRI when it reads as one, else a literal."""
    if value.startswith(("http://", "https://", "urn:")) and " " not in value:
        return NamedNode(value)
    return Literal(value)


class Validator:
    """Validates triples against the project's shapes (`shapes/*.ttl`), with `shacl.Shapes`."""

    @classmethod
    def of_project(cls, settings: Settings) -> Validator:
        """The validator of the project's own shapes."""
        return cls(sorted(settings.resource("shapes").glob("*.ttl")), settings.base_iri)

    def __init__(self, shape_files: Sequence[Path], base_iri: str) -> None:
        self.shape_files = list(shape_files)
        self.base_iri = base_iri
        triples = [
            quad.triple
            for path in self.shape_files
            for quad in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=base_iri)
        ]
        self.shapes = Shapes(triples)

    def validate(self, data: Sequence[Triple], context: Sequence[Triple] = ()) -> ValidationReport:
        """Validate the resources described in `data`; `context` only helps resolve references.

        Only the shapes that target a class of the resources in `data` are applied, so that the
        context (a commune, a licence…) is not validated itself.
        """
        classes = {
            t.object for t in data if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode)
        }
        shapes = self.shapes.targeting(classes)
        if not shapes:
            return ValidationReport()
        described = {t.subject for t in data}
        findings: dict[tuple[object, ...], Finding] = {}
        for result in self.shapes.validate([*data, *context], shapes):
            if result.focus not in described:
                continue
            finding = Finding(
                severity=result.severity,
                focus=result.focus.value,
                path=None if result.path is None else result.path.value,
                value=None if result.value is None else result.value.value,
                messages=result.messages,
                shape=None if result.shape is None else result.shape.value,
            )
            key = (finding.severity, finding.focus, finding.path, finding.value)
            findings.setdefault((*key, tuple(sorted(finding.messages.items()))), finding)
        return ValidationReport(
            sorted(findings.values(), key=lambda f: (f.focus, f.severity, f.path or ""))
        )


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
    reads of a resource it refers to. Inputs under `threshold` statements are validated in this
    process, where a round trip would cost more than it saves (10 ms for 1,000 statements).
    """

    def __init__(self, validator: Validator, workers: int = 2, threshold: int = 5000) -> None:
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
