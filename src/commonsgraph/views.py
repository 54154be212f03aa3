"""What pages show: plain data built from descriptions and a few queries per kind of resource.

Templates receive these objects and nothing else; every IRI comes with a label in the reader's
language and the address to follow on this deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from commonsgraph import i18n
from commonsgraph.describe import Description, pick
from commonsgraph.graphs import GraphInfo
from commonsgraph.legal.engine import Engine, Step
from commonsgraph.legal.table import verdict_table
from commonsgraph.store import Store
from commonsgraph.vocab import (
    CC,
    CG,
    DCT,
    GEO,
    IGEO,
    LOCN,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WGS,
    XSD,
    compact,
)

CG_ONTOLOGY_PREFIX = PREFIXES["cg"]
INTEGERS = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.long, XSD.int}
"""Literals written as the reader's language writes numbers (not codes, years or decimals)."""
_DIGITS = re.compile(r"-?[0-9]{1,30}")
TERRITORIES = {
    IGEO.Commune,
    IGEO.ArrondissementMunicipal,
    IGEO.Departement,
    IGEO.Region,
    IGEO.Intercommunalite,
}


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    iri: str


@dataclass
class Value:
    link: Link | None
    text: str
    language: str = ""
    sources: list[str] = field(default_factory=list)
    """The titles of the graphs that state it."""


@dataclass
class PropertyRow:
    predicate: Link
    values: list[Value]


@dataclass
class Section:
    """A titled list of links (actors, networks, commons…), optionally with notes."""

    key: str
    items: list[tuple[Link, str]]


@dataclass
class Page:
    iri: str
    title: str
    types: list[Link]
    summary: str | None
    rows: list[PropertyRow]
    incoming: list[tuple[Link, Link, str | None]]
    page: int
    has_next: bool
    graphs: list[GraphInfo]
    sections: list[Section] = field(default_factory=list)
    facts: list[tuple[str, list[Link | str]]] = field(default_factory=list)
    """(label key, links or texts) shown at the top: address, commune, region…"""
    badges: dict[str, list[Link]] = field(default_factory=dict)
    features: list[dict[str, object]] = field(default_factory=list)
    """GeoJSON points for the map."""
    is_class: bool = False
    definition: str | None = None
    domain: list[Link] = field(default_factory=list)
    range: list[Link] = field(default_factory=list)
    verdicts: list[Verdicts] = field(default_factory=list)
    """For a licence: may its material be adapted or combined under the common licences."""


@dataclass(frozen=True)
class Verdict:
    answer: str
    """allowed, conditional, forbidden or unknown."""
    rule: Link
    reason: str
    condition: str


@dataclass(frozen=True)
class Verdicts:
    target: Link
    adapt: Verdict
    combine: Verdict


class Linker:
    """Turns IRIs into links that work on this deployment."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri

    def href(self, iri: str, described: bool = True) -> str:
        """A path of this site for an IRI of ours (`/lookup?iri=…` for any other, when it is
        `described` here); an IRI of ours whose path starts with a slash is looked up too: as
        a path, `//evil.example/…` is another host's."""
        if iri.startswith(self.base) and not iri[len(self.base) :].startswith(("/", "\\")):
            return "/" + iri[len(self.base) :]
        if described:
            return "/lookup?iri=" + quote(iri, safe="")
        return iri

    def resource_iri(self, path: str) -> str:
        return self.base + path.lstrip("/")


class PageBuilder:
    """Builds the page of a resource in one language."""

    def __init__(
        self, store: Store, linker: Linker, language: str, engine: Engine | None = None
    ) -> None:
        self.store = store
        self.linker = linker
        self.languages = (language, "en" if language == "fr" else "fr")
        self.engine = engine

    def label(self, description: Description, term: NamedNode | BlankNode) -> str:
        if isinstance(term, BlankNode):
            return "…"
        return (
            description.label(term.value, self.languages)
            or self._part_label(description, term)
            or compact(term.value)
        )

    def _part_label(self, description: Description, part: NamedNode) -> str | None:
        """What a part without a label of its own (`…#address`, `…#role-1`, `…#geometry`)
        shows instead of its IRI: its full address, its agent and role, its WKT."""
        owners = (description.iri, *description.same_as)
        if not any(part.value.startswith(o.value + "#") for o in owners):
            return None
        said = {
            q.predicate: q.object for q in description.quads if q.subject == part
        }  # one value per predicate is enough for a label
        if isinstance(address := said.get(LOCN.fullAddress), Literal):
            return address.value
        agent, role = said.get(CG.agent), said.get(CG.role)
        if isinstance(agent, NamedNode):
            who = description.label(agent.value, self.languages) or compact(agent.value)
            if isinstance(role, NamedNode):
                what = description.label(role.value, self.languages) or compact(role.value)
                return f"{who} ({what})"
            return who
        if isinstance(wkt := said.get(GEO.asWKT), Literal):
            return wkt.value
        return None

    def link(self, description: Description, term: NamedNode) -> Link:
        described = term.value in description.labels
        return Link(
            self.linker.href(term.value, described), self.label(description, term), term.value
        )

    def value(self, description: Description, term: object) -> Value:
        if isinstance(term, NamedNode):
            link = self.link(description, term)
            return Value(link, link.label)
        if isinstance(term, Literal):
            if term.datatype in INTEGERS and _DIGITS.fullmatch(term.value):
                return Value(None, i18n.number(int(term.value), self.languages[0]))  # 34 969
            return Value(None, term.value, term.language or "")
        return Value(None, "…")

    def _graph_title(self, description: Description, graph: NamedNode | None) -> str | None:
        for info in description.graphs:
            if info.graph == graph:
                return info.title_in(self.languages[0]) or compact(info.graph.value)
        return None

    def text(self, description: Description, *predicates: NamedNode) -> str | None:
        """The value of the first predicate that has one in the reader's language, else of the
        first that has one at all."""
        candidates = [
            {t.language or "": t.value for t in description.values(p) if isinstance(t, Literal)}
            for p in predicates
        ]
        for values in candidates:
            if self.languages[0] in values:
                return values[self.languages[0]]
        for values in candidates:
            if values:
                return pick(values, self.languages)
        return None

    def build(self, description: Description) -> Page:
        iri = description.iri
        title = description.label(iri.value, self.languages) or compact(iri.value)
        rows: dict[str, PropertyRow] = {}
        values: dict[tuple[str, object], Value] = {}
        for quad in description.quads:
            if not description.is_itself(quad.subject) or quad.predicate == RDF.type:
                continue
            if quad.predicate == OWL.sameAs and description.is_itself(quad.object):
                continue  # the merge itself: a section of its own
            key = quad.predicate.value
            if key not in rows:
                rows[key] = PropertyRow(self.link(description, quad.predicate), [])
            value = values.get((key, quad.object))
            if value is None:
                value = values[(key, quad.object)] = self.value(description, quad.object)
                rows[key].values.append(value)
            source = self._graph_title(description, _graph(quad))
            if source and source not in value.sources:
                value.sources.append(source)
        if len({s for value in values.values() for s in value.sources}) <= 1:
            for value in values.values():  # one source for every row: said once, below
                value.sources.clear()
        incoming = [
            (
                self.link(description, quad.predicate),
                self.link(description, subject),
                self._graph_title(description, _graph(quad)),
            )
            for quad in description.incoming
            if isinstance(subject := quad.subject, NamedNode)
        ]
        types = [self.link(description, t) for t in description.types]
        page = Page(
            iri=iri.value,
            title=title,
            types=types,
            summary=self.text(description, RDFS.comment, DCT.description),
            rows=sorted(rows.values(), key=lambda r: r.predicate.label.lower()),
            incoming=incoming,
            page=description.page,
            has_next=description.has_next,
            graphs=description.graphs,
        )
        if description.same_as:
            page.sections.append(
                Section("same_as", [(self.link(description, t), "") for t in description.same_as])
            )
        kinds = set(description.types)
        page.is_class = bool(kinds & {OWL.Class, RDFS.Class})
        if CG.TiersLieu in kinds:
            self._tiers_lieu(description, page)
        if CC.License in kinds:
            self._licence(description, page)
        if kinds & TERRITORIES:
            self._territory(description, page)
        if iri.value.startswith(CG_ONTOLOGY_PREFIX) or page.is_class:
            self._term(description, page)
        return page

    # -- kinds of resources -----------------------------------------------------------------

    def _links(
        self,
        description: Description,
        predicate: NamedNode,
        subject: NamedNode | BlankNode | None = None,
    ) -> list[Link]:
        return [
            self.link(description, t)
            for t in description.values(predicate, subject)
            if isinstance(t, NamedNode)
        ]

    def _tiers_lieu(self, description: Description, page: Page) -> None:
        facts = []
        for key, predicate in (
            ("typology", CG.typology),
            ("themes", CG.theme),
            ("stage", CG.stage),
        ):
            links = self._links(description, predicate)
            if links:
                page.badges[key] = links
        for address in description.values(LOCN.address):
            if isinstance(address, NamedNode | BlankNode):
                texts: list[Link | str] = [
                    t.value
                    for t in description.values(LOCN.fullAddress, address)
                    if isinstance(t, Literal)
                ]
                facts.append(("address", texts))
        page.facts = facts
        iri = description.iri
        rows = self.store.select(
            """SELECT ?kind ?x ?label WHERE {
                 { ?place schema:containedInPlace ?x . BIND("commune" AS ?kind) }
                 UNION { ?place schema:containedInPlace/schema:containedInPlace+ ?x .
                         ?x a igeo:Region BIND("region" AS ?kind) }
                 UNION { { ?place cg:programme ?x }
                         UNION { ?place schema:containedInPlace/cg:programme ?x }
                         BIND("programme" AS ?kind) }
                 UNION { ?x schema:locationCreated ?place BIND("commons" AS ?kind) }
                 OPTIONAL { ?x rdfs:label ?label FILTER(lang(?label) = "" || lang(?label) = ?lang) }
               }""",
            {"place": iri, "lang": Literal(self.languages[0])},
        )
        found: dict[str, list[tuple[Link, str]]] = {}
        for row in rows:
            x, label = row.get("x"), row.get("label")
            if not isinstance(x, NamedNode):
                continue
            kind = row["kind"].value  # type: ignore[union-attr]
            link = Link(
                self.linker.href(x.value),
                label.value if isinstance(label, Literal) else compact(x.value),
                x.value,
            )
            if all(existing.iri != link.iri for existing, _ in found.get(kind, [])):
                found.setdefault(kind, []).append((link, ""))
        for kind in ("commune", "region"):
            if kind in found:
                page.facts.append((kind, [link for link, _ in found[kind]]))
        page.sections.append(Section("actors", self._roles(description)))
        page.sections.append(
            Section("networks", [(link, "") for link in self._links(description, CG.network)])
        )
        page.sections.append(Section("programmes", found.get("programme", [])))
        page.sections.append(Section("commons_produced", found.get("commons", [])))
        page.features = self._point(description, page.title)

    def _roles(self, description: Description) -> list[tuple[Link, str]]:
        roles = []
        for node in description.values(CG.actorRole):
            if not isinstance(node, NamedNode | BlankNode):
                continue
            agents = self._links(description, CG.agent, node)
            role = ", ".join(link.label for link in self._links(description, CG.role, node))
            dates = []
            for key, predicate in (("since", SCHEMA.startDate), ("until", SCHEMA.endDate)):
                dates += [
                    f"{key}:{d.value}"
                    for d in description.values(predicate, node)
                    if isinstance(d, Literal)
                ]
            roles += [(agent, " · ".join([role, *dates])) for agent in agents]
        return roles

    def _point(self, description: Description, title: str) -> list[dict[str, object]]:
        lat, long = description.values(WGS.lat), description.values(WGS.long)
        if lat and long and isinstance(lat[0], Literal) and isinstance(long[0], Literal):
            return [
                _feature(
                    description.iri.value, title, float(long[0].value), float(lat[0].value), ""
                )
            ]
        return []

    def _licence(self, description: Description, page: Page) -> None:
        for key, predicate in (
            ("permits", CC.permits),
            ("requires", CC.requires),
            ("prohibits", CC.prohibits),
            ("limitations", CG.limitation),
            ("family", CG.licenceFamily),
        ):
            links = self._links(description, predicate)
            if links:
                page.badges[key] = links
        if self.engine is not None and description.iri.value.startswith(self.linker.base):
            licence_id = description.iri.value.removeprefix(self.linker.base + "licence/")
            page.verdicts = [
                Verdicts(
                    self._licence_link(row.target),
                    self._verdict(row.adapt),
                    self._verdict(row.combine),
                )
                for row in verdict_table(self.engine, licence_id)
            ]
        rows = self.store.select(
            """SELECT ?c (SAMPLE(?name) AS ?label) WHERE {
                 ?c dct:license ?l OPTIONAL { ?c rdfs:label ?name } } GROUP BY ?c LIMIT 200""",
            {"l": description.iri},
        )
        commons = []
        for row in rows:
            node, label = row.get("c"), row.get("label")
            if isinstance(node, NamedNode):
                text = label.value if isinstance(label, Literal) else compact(node.value)
                commons.append((Link(self.linker.href(node.value), text, node.value), ""))
        page.sections.append(Section("commons_under", commons))

    def _licence_link(self, licence_id: str) -> Link:
        iri = self.linker.resource_iri("licence/" + licence_id)
        return Link(self.linker.href(iri), licence_id, iri)

    def _verdict(self, step: Step) -> Verdict:
        rule = step.rule
        name = rule.name.removeprefix("compatibility/")
        return Verdict(
            answer=step.verdict,
            rule=Link(self.linker.href(rule.iri), name, rule.iri),
            reason=pick_text(rule.reason, self.languages),
            condition=pick_text(rule.condition, self.languages),
        )

    def _territory(self, description: Description, page: Page) -> None:
        rows = self.store.select(
            """SELECT DISTINCT ?p ?label ?lat ?long WHERE {
                 ?p a cg:TiersLieu ; schema:containedInPlace+ ?t ; rdfs:label ?label .
                 OPTIONAL { ?p wgs:lat ?lat ; wgs:long ?long }
               } LIMIT 2000""",
            {"t": description.iri},
        )
        places = []
        for row in rows:
            place, label = row.get("p"), row.get("label")
            if not isinstance(place, NamedNode) or not isinstance(label, Literal):
                continue
            link = Link(self.linker.href(place.value), label.value, place.value)
            places.append((link, ""))
            lat, long = row.get("lat"), row.get("long")
            if isinstance(lat, Literal) and isinstance(long, Literal):
                page.features.append(
                    _feature(
                        place.value, label.value, float(long.value), float(lat.value), link.href
                    )
                )
        page.sections.insert(
            0, Section("places_in", sorted(places, key=lambda item: item[0].label.lower()))
        )

    def _term(self, description: Description, page: Page) -> None:
        page.definition = self.text(description, SKOS.definition) or self.text(
            description, RDFS.comment
        )
        page.domain = self._links(description, RDFS.domain) + self._links(
            description, SCHEMA.domainIncludes
        )
        page.range = self._links(description, RDFS.range) + self._links(
            description, SCHEMA.rangeIncludes
        )


def pick_text(texts: dict[str, str], languages: tuple[str, str]) -> str:
    return next((texts[lang] for lang in languages if lang in texts), "")


def _graph(quad: Quad) -> NamedNode | None:
    return quad.graph_name if isinstance(quad.graph_name, NamedNode) else None


def _feature(iri: str, title: str, long: float, lat: float, href: str) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [long, lat]},
        "properties": {"iri": iri, "title": title, "href": href},
    }
