"""An index of the communes held in the store, to link records to them by code, postcode or name.

It is read from the geo graph (`commonsgraph import geo`), so importers that link to communes
need that import first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from pyoxigraph import NamedNode

from commonsgraph.errors import InputError
from commonsgraph.store import Store, lexical
from commonsgraph.vocab import Minter, fold


def normalize_name(name: str) -> str:
    """A commune name reduced for comparison: no accents, case, punctuation or 'St' abbreviation."""
    text = re.sub(r"\bste\b", "sainte", fold(name))
    return re.sub(r"\bst\b", "saint", text)


KINDS = {
    "http://rdf.insee.fr/def/geo#Commune": "commune",
    "http://rdf.insee.fr/def/geo#ArrondissementMunicipal": "arrondissement-municipal",
    "http://rdf.insee.fr/def/geo#CommuneDeleguee": "commune-deleguee",
    "http://rdf.insee.fr/def/geo#CommuneAssociee": "commune-associee",
}


@dataclass(frozen=True)
class Division:
    iri: NamedNode
    code: str
    name: str
    kind: str
    """commune, arrondissement-municipal, commune-deleguee or commune-associee."""
    parent: NamedNode | None
    """For the last three kinds, the current commune they belong to."""


class CommuneIndex:
    """Communes (and arrondissements municipaux, communes déléguées, associées) by code,
    postcode and name."""

    def __init__(self, divisions: list[Division], postcodes: dict[str, list[Division]]) -> None:
        self._by_code: dict[str, list[Division]] = defaultdict(list)
        self._by_name: dict[str, list[Division]] = defaultdict(list)
        for division in divisions:
            self._by_code[division.code].append(division)
            if division.kind in ("commune", "arrondissement-municipal"):
                self._by_name[normalize_name(division.name)].append(division)
        self._by_postcode = postcodes

    def __len__(self) -> int:
        return len(self._by_code)

    @classmethod
    def from_store(cls, store: Store, minter: Minter) -> CommuneIndex:
        """Read the index with three simple queries joined here (faster than one with OPTIONALs)."""
        if minter.graph("import/geo") not in store.graphs():
            raise InputError(
                "the store holds no communes yet: run `commonsgraph import geo PATH` first"
            )
        parents: dict[NamedNode, NamedNode] = {}
        for row in store.select(
            """SELECT ?d ?parent WHERE {
                 ?d schema:containedInPlace ?parent . ?parent a igeo:Commune }"""
        ):
            if isinstance(row["d"], NamedNode) and isinstance(row["parent"], NamedNode):
                parents[row["d"]] = row["parent"]
        by_iri: dict[NamedNode, Division] = {}
        for row in store.select(
            """SELECT ?d ?code ?name ?class WHERE {
                 ?d igeo:codeINSEE ?code ; a ?class ; rdfs:label ?name }"""
        ):
            iri, kind = row["d"], KINDS.get(lexical(row["class"]))
            if kind is not None and isinstance(iri, NamedNode):
                code, name = lexical(row["code"]), lexical(row["name"])
                by_iri[iri] = Division(iri, code, name, kind, parents.get(iri))
        postcodes: dict[str, list[Division]] = defaultdict(list)
        for row in store.select("SELECT ?d ?pc WHERE { ?d schema:postalCode ?pc }"):
            iri = row["d"]
            division = by_iri.get(iri) if isinstance(iri, NamedNode) else None
            if division is not None and division.kind in ("commune", "arrondissement-municipal"):
                postcodes[lexical(row["pc"])].append(division)
        return cls(list(by_iri.values()), postcodes)

    def current(self, code: str) -> tuple[Division | None, bool]:
        """The current commune or arrondissement for an INSEE code, and whether it was reached
        through a commune that has since merged (a commune déléguée or associée)."""
        found = self._by_code.get(code, [])
        for kind in ("arrondissement-municipal", "commune"):
            for division in found:
                if division.kind == kind:
                    return division, False
        for division in found:
            if division.parent is not None:
                parent = self._parent(division)
                if parent is not None:
                    return parent, True
        return None, False

    def _parent(self, division: Division) -> Division | None:
        assert division.parent is not None
        code = division.parent.value.rsplit("/", 1)[-1]
        return next((d for d in self._by_code.get(code, []) if d.kind == "commune"), None)

    def by_postcode(self, postcode: str) -> list[Division]:
        return self._by_postcode.get(postcode, [])

    def by_name(self, name: str, departement: str | None = None) -> list[Division]:
        found = self._by_name.get(normalize_name(name), [])
        if departement:
            found = [d for d in found if d.code.startswith(departement)]
        return found


class Communes:
    """The commune index of a store, read again only when the geo graph was replaced (reading
    it takes seconds; other writes leave it as it was)."""

    def __init__(self, store: Store, minter: Minter) -> None:
        self.store = store
        self.minter = minter
        self._index: tuple[str, CommuneIndex] | None = None

    def index(self) -> CommuneIndex:
        rows = self.store.select(
            "SELECT ?at WHERE { GRAPH ?g { ?g prov:generatedAtTime ?at } }",
            {"g": self.minter.graph("import/geo")},
        )
        generation = lexical(rows[0]["at"]) if rows else ""
        if self._index is None or self._index[0] != generation or not generation:
            self._index = (generation, CommuneIndex.from_store(self.store, self.minter))
        return self._index[1]
