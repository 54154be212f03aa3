"""The form of each kind a contributor may describe, read from the project's SHACL shapes.

Why a model built here, on the server, rather than a vendored form component: the `shacl-form`
web component (ULB Darmstadt, MIT, on npm) and the W3C community's SHACL UI work (the DASH form
vocabulary, `dash:editor` / `dash:viewer`, taken up by the SHACL community group) build a form
from the `sh:property` nodes of one node shape. Our shapes are laid out otherwise
(`shapes/common.ttl`): one node shape per class plus one *targeted* property shape per
constraint (`sh:targetClass` + `sh:path`), several of them on the same path
(`TiersLieu-typology-required`, a warning, and `TiersLieu-typology`, the scheme) — a component
reading `sh:property` would see empty node shapes. The component would also validate in the
browser with another engine (shacl-engine), which is not the validator the server applies
(`shacl.py`, with SHACL-SPARQL constraints) — two validators that can disagree, and 700 kB of
script. So the server reads the shapes into this model, renders it with one generic template,
and the live check sends the form's fields to the server, which turns them into statements with
the function submission uses (`forms.data`) and validates them with the validator uploads use:
one reading of the shapes, one validator.

How the shapes become fields: the property shapes that target a kind's class are grouped by
their path (a plain predicate; inverse and alternative paths are checks on the whole, not
fields), in the order of the shape files. A field is:

- labelled by `sh:name` when a shape gives one, else by the predicate's `rdfs:label` in the
  ontology (`ontology/*.ttl`), else by its local name;
- required when a Violation-severity shape sets `sh:minCount` ≥ 1, recommended when a Warning
  does; repeatable unless a shape sets `sh:maxCount 1`;
- a choice when a shape sets `sh:in`, or `sh:node` a concept shape (one whose `sh:property`
  has `sh:path skos:inScheme ; sh:hasValue <scheme>`: the scheme's concepts are the choices);
- a picker of existing resources when it sets `sh:class` (or `sh:or` of them), or a group of
  sub-fields when that class is a part of the resource (a class with shapes of its own that no
  kind mints: an address, an actor role, a stage change);
- else typed by `sh:datatype` (or `sh:or` of them): text, multilingual text, a date or year, a
  decimal, a whole number; a web address when `sh:nodeKind sh:IRI` or the pattern says http.

A class whose shapes are added to `shapes/` and whose kind is added to `kinds.KINDS` has its
form: nothing here names a class or a property but the geometry (`geo:hasGeometry`), which no
form asks for (the coordinates say where a place is).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from commonsgraph import kinds
from commonsgraph.shacl import SH, Index, Term
from commonsgraph.vocab import PREFIXES, compact

RDF, RDFS, XSD, SKOS, WGS = (PREFIXES[name] for name in ("rdf", "rdfs", "xsd", "skos", "wgs"))
LAT, LONG = WGS + "lat", WGS + "long"
NOT_ASKED = frozenset({"http://www.opengis.net/ont/geosparql#hasGeometry"})
"""Paths no form asks for: a place's geometry says what its coordinates say."""

DATES = frozenset({XSD + "date", XSD + "gYear", XSD + "gYearMonth", XSD + "dateTime"})
NUMBERS = frozenset({XSD + "decimal", XSD + "double", XSD + "float"})
WHOLE = frozenset({XSD + "integer", XSD + "nonNegativeInteger", XSD + "positiveInteger"})
TEXT, MULTILINGUAL, DATE, DECIMAL, INTEGER, URL, CHOICE, PICKER, GROUP = (
    "text", "multilingual", "date", "decimal", "integer", "url", "choice", "picker", "group",
)  # fmt: skip
WIDGETS = (TEXT, MULTILINGUAL, DATE, DECIMAL, INTEGER, URL, CHOICE, PICKER, GROUP)


@dataclass(frozen=True)
class Field:
    """One property of a resource, as a form asks for it."""

    key: str
    """The name of its inputs: the predicate compacted (`rdfs:label`), under its group's."""
    path: str
    """The predicate (an IRI)."""
    label: dict[str, str]
    widget: str
    required: bool = False
    recommended: bool = False
    repeatable: bool = True
    datatypes: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    """For a picker or a group: the classes its values must have."""
    scheme: str | None = None
    """For a choice: the concept scheme whose concepts are the choices."""
    options: tuple[Term, ...] = ()
    """For a choice: the values of `sh:in`."""
    minimum: str | None = None
    maximum: str | None = None
    fields: tuple[Field, ...] = ()
    """For a group: its sub-fields."""

    def name(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or next(iter(self.label.values()))


@dataclass(frozen=True)
class Form:
    """The form of a kind: its class and its fields."""

    kind: str
    cls: str
    label: dict[str, str]
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def has_map(self) -> bool:
        """Whether coordinates are asked for (then they may be picked on a map)."""
        return {LAT, LONG} <= {f.path for f in self.fields}


@dataclass
class _Constraints:
    """What the shapes of one path say, gathered."""

    names: dict[str, str] = field(default_factory=dict)
    required: bool = False
    recommended: bool = False
    single: bool = False
    datatypes: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    scheme: str | None = None
    options: list[Term] = field(default_factory=list)
    url: bool = False
    minimum: str | None = None
    maximum: str | None = None


def _sh(name: str) -> NamedNode:
    return NamedNode(SH + name)


class Forms:
    """The forms of the kinds a contributor may describe, from shape and ontology files."""

    @classmethod
    def of_files(cls, shapes: Iterable[Path], ontology: Iterable[Path], base_iri: str) -> Forms:
        def read(paths: Iterable[Path]) -> list[Triple]:
            return [
                q.triple
                for path in sorted(paths)
                for q in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=base_iri)
            ]

        return cls(read(shapes), read(ontology), base_iri)

    def __init__(self, shapes: Sequence[Triple], ontology: Sequence[Triple], base_iri: str) -> None:
        self.shapes = Index(shapes)
        self.base_iri = base_iri
        self.labels: dict[str, dict[str, str]] = {}
        for t in ontology:
            if (
                t.predicate.value == RDFS + "label"
                and isinstance(t.object, Literal)
                and isinstance(t.subject, NamedNode)
            ):
                self.labels.setdefault(t.subject.value, {}).setdefault(
                    t.object.language or "", t.object.value
                )
        self._forms: dict[str, Form] = {}

    # -- reading the shapes ---------------------------------------------------------------

    def form(self, kind_path: str, role: str = kinds.CONTRIBUTOR) -> Form | None:
        """The form of the kind `kind_path` (None: not one `role` may describe)."""
        if kind_path not in kinds.contributable(role):
            return None
        if kind_path not in self._forms:
            kind = kinds.of_path(kind_path)
            assert kind is not None
            assert kind.cls is not None
            self._forms[kind_path] = Form(
                kind_path, kind.cls, dict(kind.label), self._fields(kind.cls, "", nested=True)
            )
        return self._forms[kind_path]

    def all(self, role: str = kinds.CONTRIBUTOR) -> list[Form]:
        return [f for k in kinds.contributable(role) if (f := self.form(k, role)) is not None]

    def _targeting(self, cls: str) -> list[Term]:
        """The property shapes that target `cls` with a path, in file order."""
        return [
            shape
            for shape in self.shapes.subjects(_sh("targetClass"), NamedNode(cls))
            if self.shapes.objects(shape, _sh("path"))
        ]

    def _fields(self, cls: str, prefix: str, nested: bool) -> tuple[Field, ...]:
        paths: dict[str, _Constraints] = {}
        for shape in self._targeting(cls):
            path = self.shapes.objects(shape, _sh("path"))[0]
            if not isinstance(path, NamedNode) or path.value in NOT_ASKED:
                continue
            self._gather(shape, paths.setdefault(path.value, _Constraints()))
        fields = []
        for predicate, said in paths.items():
            made = self._field(predicate, said, prefix, nested)
            if made is not None:
                fields.append(made)
        return tuple(fields)

    def _one(self, node: Term, name: str) -> Term | None:
        found = self.shapes.objects(node, _sh(name))
        return found[0] if found else None

    def _gather(self, shape: Term, said: _Constraints) -> None:
        severity = self._one(shape, "severity")
        violation = severity is None or severity.value == SH + "Violation"
        least = self._one(shape, "minCount")
        if least is not None and int(least.value) >= 1:
            if violation:
                said.required = True
            elif severity is not None and severity.value == SH + "Warning":
                said.recommended = True
        most = self._one(shape, "maxCount")
        if most is not None and int(most.value) <= 1:
            said.single = True
        for name in self.shapes.objects(shape, _sh("name")):
            if isinstance(name, Literal):
                said.names.setdefault(name.language or "", name.value)
        members = [shape]
        for alternatives in self.shapes.objects(shape, _sh("or")):
            members += self.shapes.items(alternatives)
        for member in members:
            for datatype in self.shapes.objects(member, _sh("datatype")):
                said.datatypes.append(datatype.value)
            for cls in self.shapes.objects(member, _sh("class")):
                said.classes.append(cls.value)
            for node in self.shapes.objects(member, _sh("node")):
                said.scheme = said.scheme or self._scheme(node)
            for listed in self.shapes.objects(member, _sh("in")):
                said.options += self.shapes.items(listed)
            kind = self._one(member, "nodeKind")
            pattern = self._one(member, "pattern")
            if (kind is not None and kind.value == SH + "IRI") or (
                pattern is not None and pattern.value.startswith("^https?://")
            ):
                said.url = True
        bounds = (("minInclusive", "minimum"), ("minExclusive", "minimum"),
                  ("maxInclusive", "maximum"), ("maxExclusive", "maximum"))  # fmt: skip
        for bound, attribute in bounds:
            value = self._one(shape, bound)
            if value is not None:
                setattr(said, attribute, value.value)

    def _scheme(self, node: Term) -> str | None:
        """The scheme of a concept shape (`sh:path skos:inScheme ; sh:hasValue <scheme>`)."""
        for part in self.shapes.objects(node, _sh("property")):
            path = self._one(part, "path")
            value = self._one(part, "hasValue")
            if path is not None and path.value == SKOS + "inScheme" and value is not None:
                return value.value
        return None

    def _is_part(self, cls: str) -> bool:
        """A class whose resources are parts of another's: shapes of its own, no kind."""
        return kinds.of_class(cls) is None and bool(self._targeting(cls))

    def _field(self, path: str, said: _Constraints, prefix: str, nested: bool) -> Field | None:
        key = prefix + compact(path)
        label = said.names or self.labels.get(path) or {"en": _local(path)}
        label = {k: v for k, v in label.items() if k} or {"en": next(iter(label.values()))}
        common = {
            "key": key,
            "path": path,
            "label": label,
            "required": said.required,
            "recommended": said.recommended and not said.required,
            "repeatable": not said.single,
        }
        datatypes = tuple(dict.fromkeys(said.datatypes))
        classes = tuple(dict.fromkeys(said.classes))
        if said.scheme is not None or said.options:
            return Field(widget=CHOICE, scheme=said.scheme, options=tuple(said.options), **common)  # type: ignore[arg-type]
        if classes:
            if len(classes) == 1 and self._is_part(classes[0]):
                if not nested:
                    return None
                parts = self._fields(classes[0], "", nested=False)
                return Field(widget=GROUP, classes=classes, fields=parts, **common)  # type: ignore[arg-type]
            return Field(widget=PICKER, classes=classes, **common)  # type: ignore[arg-type]
        if said.url:
            widget = URL
        elif datatypes and set(datatypes) <= DATES:
            widget = DATE
        elif datatypes and set(datatypes) <= NUMBERS | WHOLE:
            widget = INTEGER if set(datatypes) <= WHOLE else DECIMAL
        elif RDF + "langString" in datatypes:
            widget = MULTILINGUAL
        else:
            widget = TEXT
        return Field(
            widget=widget,
            datatypes=datatypes,
            minimum=said.minimum,
            maximum=said.maximum,
            **common,  # type: ignore[arg-type]
        )


def _local(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
