"""What the search index holds about a resource, read from the graph.

An entry is a named IRI (rdfs:label, skos:prefLabel, skos:altLabel or schema:alternateName): its
names with their language, its most telling kind, where it is (its commune, else its country),
a one-line summary, and the facets it falls in (kind, typology, région, département, country,
programme, licence family). Five SELECTs read them, for every resource or for a few
(`VALUES`), and `dependants` finds the resources whose entry shows another's label (the places
of a renamed commune).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from commonsgraph.search import most_telling
from commonsgraph.sparqltext import term_text
from commonsgraph.store import Row, Store, lexical

SUMMARY = 160
"""Characters of a summary, at most."""
CHUNK = 500
"""IRIs per VALUES clause."""

COMMUNE = "http://rdf.insee.fr/def/geo#Commune"
DEPARTEMENT = "http://rdf.insee.fr/def/geo#Departement"
REGION = "http://rdf.insee.fr/def/geo#Region"
COUNTRY = "http://schema.org/Country"
AREA = "http://schema.org/AdministrativeArea"

FACETS = ("kind", "typology", "region", "departement", "country", "programme", "licence-family")
"""The facets, in the order pages show them."""

_NAMES = """SELECT ?x ?name WHERE { {values}
  ?x rdfs:label|skos:prefLabel|skos:altLabel|schema:alternateName ?name
  FILTER(isIRI(?x) && isLiteral(?name)) }"""
_KINDS = """SELECT DISTINCT ?x ?t WHERE { {values}
  ?x rdfs:label|skos:prefLabel|skos:altLabel|schema:alternateName [] ; a ?t
  FILTER(isIRI(?x) && isIRI(?t)) }"""
_EVERY_KIND = """SELECT ?x ?t WHERE { ?x a ?t FILTER(isIRI(?x) && isIRI(?t)) }"""
"""The kinds of every resource, named or not: for every entry, faster than `_KINDS`."""
_PLACES = """SELECT ?x ?kind ?a ?label ?code WHERE { {values}
  ?x schema:containedInPlace+ ?a . ?a a ?kind
  FILTER(?kind IN (igeo:Commune, igeo:Departement, igeo:Region, schema:Country,
                   schema:AdministrativeArea))
  ?a rdfs:label ?label
  OPTIONAL { ?a igeo:codeINSEE|cg:iso3166Code ?code }
  FILTER(isIRI(?x)) }"""
_EDGES = """SELECT ?x ?a WHERE { ?x schema:containedInPlace ?a FILTER(isIRI(?x)) }"""
_UNITS = """SELECT ?a ?kind ?label ?code WHERE {
  ?a a ?kind
  FILTER(?kind IN (igeo:Commune, igeo:Departement, igeo:Region, schema:Country,
                   schema:AdministrativeArea))
  ?a rdfs:label ?label
  OPTIONAL { ?a igeo:codeINSEE|cg:iso3166Code ?code } }"""
"""`_PLACES` in two plain queries, the containment followed here: for every entry, faster."""
_TERMS = """SELECT ?x ?facet ?v ?label WHERE { {values}
  { ?x cg:typology ?v BIND("typology" AS ?facet) }
  UNION { ?x cg:programme ?v BIND("programme" AS ?facet) }
  UNION { ?x schema:containedInPlace/cg:programme ?v BIND("programme" AS ?facet) }
  UNION { ?x cg:licenceFamily ?v BIND("licence-family" AS ?facet) }
  UNION { ?x dct:license/cg:licenceFamily ?v BIND("licence-family" AS ?facet) }
  OPTIONAL { ?v skos:prefLabel|rdfs:label ?label }
  FILTER(isIRI(?x) && isIRI(?v)) }"""
_SUMMARIES = """SELECT ?x ?text WHERE { {values}
  ?x schema:description|dct:description|rdfs:comment|skos:definition ?text
  FILTER(isIRI(?x) && isLiteral(?text)) }"""
_DEPENDANTS = """SELECT DISTINCT ?x WHERE { {values}
  ?x (schema:containedInPlace|cg:typology|cg:programme|cg:licenceFamily|dct:license)+ ?c
  FILTER(isIRI(?x)) }"""


@dataclass
class Entry:
    iri: str
    names: list[tuple[str, str]] = field(default_factory=list)
    """Each name and its language tag ("" when untagged)."""
    kinds: set[str] = field(default_factory=set)
    where: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """By kind of unit (commune, département…): its IRI, label and code."""
    facets: set[tuple[str, str, str]] = field(default_factory=set)
    """(facet, value IRI, label of the value)"""
    summaries: list[tuple[str, str]] = field(default_factory=list)
    kind: str | None = None
    """The most telling of `kinds` (set once they are read)."""

    def label(self, lang: str = "fr") -> str:
        """The name in `lang`, else an untagged one, else any."""
        for wanted in (lang, "", "fr", "en"):
            for name, tag in self.names:
                if tag.split("-")[0] == wanted:
                    return name
        return self.names[0][0] if self.names else self.iri

    def place(self) -> str:
        """Where it is, in words: its commune, else its département, région, area or
        country."""
        for kind in (COMMUNE, DEPARTEMENT, REGION, AREA, COUNTRY):
            if kind in self.where:
                return self.where[kind][1]
        return ""

    def summary(self, lang: str = "fr") -> str:
        """The first sentence of its description, in `lang` when there is one."""
        chosen = next((text for text, tag in self.summaries if tag == lang), None)
        if chosen is None and self.summaries:
            chosen = self.summaries[0][0]
        line = " ".join((chosen or "").split())
        if len(line) > SUMMARY:
            line = line[: SUMMARY - 1].rsplit(" ", 1)[0] + "…"
        return line

    def all_facets(self) -> set[tuple[str, str, str]]:
        found = set(self.facets)
        kind = self.kind
        if kind:
            found.add(("kind", kind, ""))
        for unit, facet in ((REGION, "region"), (DEPARTEMENT, "departement")):
            if unit in self.where:
                found.add((facet, self.where[unit][0], self.where[unit][1]))
        if COUNTRY in self.where:
            found.add(("country", self.where[COUNTRY][0], self.where[COUNTRY][1]))
        return found


def read(store: Store, iris: Iterable[str] | None = None) -> dict[str, Entry]:
    """The entries of `iris` (those without a name are left out), or of every named IRI."""
    if iris is None:
        return _read(store, "")
    listed = sorted(set(iris))
    entries: dict[str, Entry] = {}
    for start in range(0, len(listed), CHUNK):
        entries.update(_read(store, _values("x", listed[start : start + CHUNK])))
    return entries


def dependants(store: Store, iris: Iterable[str]) -> set[str]:
    """The IRIs whose entries show something of `iris` (contained in, typed by…)."""
    listed = sorted(set(iris))
    found: set[str] = set()
    for start in range(0, len(listed), CHUNK):
        query = _DEPENDANTS.replace("{values}", _values("c", listed[start : start + CHUNK]))
        found.update(_text(row, "x") for row in store.select(query) if "x" in row)
    return found


def _values(variable: str, iris: list[str]) -> str:
    terms = " ".join(term_text(NamedNode(iri)) for iri in iris)
    return f"VALUES ?{variable} {{ {terms} }}"


def _text(row: Row, name: str) -> str:
    """The value of a bound variable ("" when unbound)."""
    term = row.get(name)
    return "" if term is None else lexical(term)


Units = dict[str, dict[str, list[tuple[str, str, str]]]]
"""By entry, by kind of unit: the units (IRI, label, code) it is in."""


def _places_of(rows: list[Row], entries: dict[str, Entry]) -> Units:
    units: Units = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if _text(row, "x") in entries:
            units[_text(row, "x")][_text(row, "kind")].append(
                (_text(row, "a"), _text(row, "label"), _text(row, "code"))
            )
    return units


def _places(store: Store, entries: dict[str, Entry]) -> Units:
    """What `_PLACES` finds for every entry, from the direct containments and the units."""
    edges: dict[str, list[str]] = defaultdict(list)
    for row in store.select(_EDGES):
        edges[_text(row, "x")].append(_text(row, "a"))
    named: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in store.select(_UNITS):
        named[_text(row, "a")].append((_text(row, "kind"), _text(row, "label"), _text(row, "code")))
    units: Units = defaultdict(lambda: defaultdict(list))
    for iri in entries:
        seen: set[str] = set()
        waiting = list(edges.get(iri, ()))
        while waiting:
            unit = waiting.pop()
            if unit in seen:
                continue
            seen.add(unit)
            waiting.extend(edges.get(unit, ()))
            for kind, label, code in named.get(unit, ()):
                units[iri][kind].append((unit, label, code))
    return units


def _read(store: Store, values: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}

    def rows(query: str) -> list[Row]:
        return store.select(query.replace("{values}", values))

    for row in rows(_NAMES):
        name = row["name"]
        assert isinstance(name, Literal)
        iri = _text(row, "x")
        entry = entries.setdefault(iri, Entry(iri))
        named = (name.value, name.language or "")
        if named not in entry.names:
            entry.names.append(named)
    for row in rows(_KINDS if values else _EVERY_KIND):
        typed = entries.get(_text(row, "x"))
        if typed is not None:
            typed.kinds.add(_text(row, "t"))
    telling: dict[frozenset[str], str | None] = {}
    for entry in entries.values():
        kinds = frozenset(entry.kinds)
        if kinds not in telling:
            telling[kinds] = most_telling(entry.kinds)
        entry.kind = telling[kinds]
    units = _places(store, entries) if not values else _places_of(rows(_PLACES), entries)
    for iri, found in units.items():
        for unit, candidates in found.items():
            entries[iri].where[unit] = min(candidates)
    for row in rows(_TERMS):
        termed = entries.get(_text(row, "x"))
        if termed is not None:
            facet, value = _text(row, "facet"), _text(row, "v")
            label = _text(row, "label") or value
            termed.facets = {f for f in termed.facets if f[:2] != (facet, value)} | {
                (facet, value, label)
            }
    for row in rows(_SUMMARIES):
        described = entries.get(_text(row, "x"))
        text = row["text"]
        if described is not None and isinstance(text, Literal):
            described.summaries.append((text.value, text.language or ""))
    return entries
