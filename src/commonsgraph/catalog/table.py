"""The catalogue's table, data/catalog.ttl: what the catalogue says as it is (itself, agents,
licence documents, EU concepts) and the templates of the graphs' datasets, chosen by the longest
`cg:graphPrefix` of a graph's name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from commonsgraph.vocab import CG, DCT, RDF, SKOS

Term = NamedNode | BlankNode | Literal


@dataclass(frozen=True)
class Template:
    """What the datasets of the graphs whose name starts with `prefix` say."""

    prefix: str
    statements: dict[NamedNode, list[Term]]


class CatalogTable:
    """data/catalog.ttl, read once: its plain statements and its templates."""

    def __init__(self, triples: Sequence[Triple]) -> None:
        templates = {t.subject for t in triples if t.predicate == CG.graphPrefix}
        self.statements = [t for t in triples if t.subject not in templates]
        self._about: dict[NamedNode | BlankNode, list[Triple]] = defaultdict(list)
        for t in self.statements:
            self._about[t.subject].append(t)  # type: ignore[index]
        self.templates: list[Template] = []
        for subject in sorted(templates, key=str):
            said: dict[NamedNode, list[Term]] = defaultdict(list)
            for t in triples:
                if t.subject == subject and t.predicate != CG.graphPrefix:
                    said[t.predicate].append(t.object)  # type: ignore[arg-type]
            for t in triples:
                if t.subject == subject and t.predicate == CG.graphPrefix:
                    assert isinstance(t.object, Literal), "cg:graphPrefix takes a text"
                    self.templates.append(Template(t.object.value, dict(said)))
        self.templates.sort(key=lambda template: len(template.prefix))

    @classmethod
    def load(cls, path: Path, base: str) -> CatalogTable:
        return cls(list(parse(path=path, format=RdfFormat.TURTLE, base_iri=base)))

    def described(self, subject: NamedNode | BlankNode) -> list[Triple]:
        """The table's statements about `subject` and the blank nodes under it."""
        found = list(self._about.get(subject, []))
        for t in list(found):
            if isinstance(t.object, BlankNode):
                found += self.described(t.object)
        return found

    def for_graph(self, name: str) -> dict[NamedNode, list[Term]]:
        """What the dataset of graph `name` says (a longer prefix's property replaces the same
        property of a shorter prefix)."""
        said: dict[NamedNode, list[Term]] = {}
        for template in self.templates:  # shortest prefix first
            if name.startswith(template.prefix):
                said.update(template.statements)
        return said

    def countries(self) -> dict[str, NamedNode]:
        """The EU countries the table describes (`dct:Location`s), by their ISO 3166-1 code
        (`skos:notation`)."""
        places = {
            t.subject
            for t in self.statements
            if t.predicate == RDF.type and t.object == DCT.Location
        }
        return {
            t.object.value: t.subject
            for t in self.statements
            if t.predicate == SKOS.notation
            and t.subject in places
            and isinstance(t.subject, NamedNode)
            and isinstance(t.object, Literal)
        }
