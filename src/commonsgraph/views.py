"""What pages show: plain data built from descriptions and a few queries per kind of resource.

Templates receive these objects and nothing else; every IRI comes with a label in the reader's
language and the address to follow on this deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from commonsgraph import geojson, i18n, kinds, lists
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
    LOCN,
    OWL,
    PREFIXES,
    PROV,
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
    kind: str | None = None
    """The name of its kind (`kinds`), in the reader's language."""
    timeline: list[StageStep] = field(default_factory=list)
    """For a project: its stages, oldest first."""
    feed: str | None = None
    """The address of the Atom feed of the articles about it (a theme)."""
    icon: str = ""
    template: str = "resource.html"
    lists: list[lists.ItemList] = field(default_factory=list)
    """The first page of each browsable list it has (`lists.LISTINGS`: its places, members,
    commons), each linking to the whole list."""


@dataclass(frozen=True)
class StageStep:
    """A stage a project reached: when, and the sources that say so."""

    stage: list[Link | str]
    date: str
    sources: list[Link | str]


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


def part_name(said: Mapping[NamedNode, object], name: Callable[[str], str]) -> str | None:
    """What a part without a label of its own (`…#address`, `…#role-1`, `…#geometry`) shows
    instead of its IRI, from what it says (one value per predicate): its full address, its
    agent and role (named by `name`), its WKT."""
    if isinstance(address := said.get(LOCN.fullAddress), Literal):
        return address.value
    agent, role = said.get(CG.agent), said.get(CG.role)
    if isinstance(agent, NamedNode):
        if isinstance(role, NamedNode):
            return f"{name(agent.value)} ({name(role.value)})"
        return name(agent.value)
    if isinstance(wkt := said.get(GEO.asWKT), Literal):
        return wkt.value
    return None


class PageBuilder:
    """Builds the page of a resource in one language."""

    def __init__(
        self, store: Store, linker: Linker, language: str, engine: Engine | None = None
    ) -> None:
        self.store = store
        self.linker = linker
        self.languages = i18n.preferring(language)
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
        return part_name(said, lambda iri: description.label(iri, self.languages) or compact(iri))

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
            summary=self.text(description, RDFS.comment, DCT.description, SCHEMA.description),
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
        classes = set(description.types)
        page.is_class = bool(classes & {OWL.Class, RDFS.Class})
        built: set[str] = set()
        for kind in kinds.of_types([t.value for t in description.types]):
            if page.kind is None:
                page.kind, page.template = kind.name(self.languages[0]), kind.template
                page.icon = kind.icon
            if kind.builder is not None and kind.builder not in built:
                built.add(kind.builder)
                self.BUILDERS[kind.builder](self, description, page)
            self._shown(description, page, kind)
        if iri.value.startswith(CG_ONTOLOGY_PREFIX) or page.is_class:
            self._term(description, page)
        self._lists(description, page)
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

    def _lists(self, description: Description, page: Page) -> None:
        """The first page of each of its lists that has items; when the page has no map of its
        own, the points of the first list that has some (a territory: all its places)."""
        types = [t.value for t in description.types]
        for listing, path in lists.listings_of(types):
            if not lists.has_items(self.store, listing, description.iri, path):
                continue
            found = lists.item_list(
                self.store, listing, description.iri, path, lists.ListRequest({}),
                self.languages[0],
            )  # fmt: skip
            page.lists.append(found)
            if not page.features:
                page.features = found.features(self.linker.href)

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

    def _shown(self, description: Description, page: Page, kind: kinds.Kind) -> None:
        """The facts and sections the kind's entry names, each value labelled."""
        for shown, sections in [(s, False) for s in kind.facts] + [
            (s, True) for s in kind.sections
        ]:
            values = self._reached(description.iri, shown.path, shown.of)
            if sections:
                page.sections.append(
                    Section(shown.key, [(v, "") for v in values if isinstance(v, Link)])
                )
            elif values:
                page.facts.append((shown.key, values))

    def _reached(
        self, iri: NamedNode | BlankNode, path: str, of: str | None = None
    ) -> list[Link | str]:
        """What `path` (a property path of the kinds table) reaches from `iri` (only resources
        of the class `of`, when given): links labelled in the reader's language, literals as
        text, sorted by label. A link to a page elsewhere with no label here is that page's
        address."""
        typed = "" if of is None else "?x a ?of ."
        bindings: dict[str, NamedNode | BlankNode | Literal] = {
            "r": iri,
            "lang": Literal(self.languages[0]),
        }
        if of is not None:
            bindings["of"] = NamedNode(of)
        rows = self.store.select(
            f"""SELECT ?x (SAMPLE(?l1) AS ?own) (SAMPLE(?l2) AS ?other) WHERE {{
                  ?r {path} ?x . {typed}
                  OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?l1 FILTER(lang(?l1) = ?lang) }}
                  OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?l2 }}
                }} GROUP BY ?x LIMIT 2000""",
            bindings,
        )
        found: list[tuple[str, Link | str]] = []
        for row in rows:
            x = row.get("x")
            if isinstance(x, Literal):
                found.append((x.value, x.value))
            elif isinstance(x, NamedNode):
                label = row.get("own") or row.get("other")
                if isinstance(label, Literal):
                    link = Link(self.linker.href(x.value), label.value, x.value)
                elif x.value.startswith(self.linker.base):
                    link = Link(self.linker.href(x.value), compact(x.value), x.value)
                else:  # a page elsewhere (a homepage, a source): followed as it is
                    link = Link(x.value, x.value, x.value)
                found.append((link.label.lower(), link))
        return [value for _, value in sorted(found, key=lambda item: item[0])]

    def _project(self, description: Description, page: Page) -> None:
        """Its stage history, oldest first (by the date each change gives)."""
        steps = []
        for change in description.values(CG.stageChange):
            if not isinstance(change, NamedNode | BlankNode):
                continue
            dates = [
                d.value for d in description.values(PROV.atTime, change) if isinstance(d, Literal)
            ]
            steps.append(
                StageStep(
                    self._reached(change, "cg:stage"),
                    dates[0] if dates else "",
                    self._reached(change, "dct:source"),
                )
            )
        page.timeline = sorted(steps, key=lambda step: (step.date == "", step.date))

    def _offer(self, description: Description, page: Page) -> None:
        low, high = self._number(description, CG.minAmount), self._number(description, CG.maxAmount)
        if low or high:
            page.facts.insert(0, ("amount_range", [f"{low or '…'} – {high or '…'} €"]))
        start, end = (
            self._plain(description, SCHEMA.validFrom),
            self._plain(description, SCHEMA.validThrough),
        )
        if start or end:
            page.facts.insert(1, ("period", [f"{start or '…'} – {end or '…'}"]))

    def _grant(self, description: Description, page: Page) -> None:
        amount = self._number(description, SCHEMA.amount)
        if amount:
            currency = self._plain(description, SCHEMA.currency) or "EUR"
            page.facts.insert(0, ("amount", [f"{amount} {'€' if currency == 'EUR' else currency}"]))

    def _article(self, description: Description, page: Page) -> None:
        page.summary = self.text(description, SCHEMA.abstract, SCHEMA.description) or page.summary

    def _dossier(self, description: Description, page: Page) -> None:
        """Its articles in their order (`schema:itemListElement`), then any other part."""
        page.summary = self.text(description, SCHEMA.description) or page.summary
        rows = self.store.select(
            """SELECT ?item (MIN(?n) AS ?position) (SAMPLE(?l) AS ?label) WHERE {
                 { ?d schema:itemListElement ?entry . ?entry schema:item ?item .
                   OPTIONAL { ?entry schema:position ?n } }
                 UNION { ?d schema:hasPart ?item
                         FILTER NOT EXISTS { ?d schema:itemListElement/schema:item ?item } }
                 OPTIONAL { ?item rdfs:label ?l FILTER(lang(?l) = ?lang || lang(?l) = "") }
               } GROUP BY ?item""",
            {"d": description.iri, "lang": Literal(self.languages[0])},
        )
        items = []
        for row in rows:
            item, position, label = row.get("item"), row.get("position"), row.get("label")
            if not isinstance(item, NamedNode):
                continue
            text = label.value if isinstance(label, Literal) else compact(item.value)
            rank = _integer(position)
            note = "" if rank is None else f"{rank}."
            order = (rank is None, rank or 0, text.lower())
            items.append((order, (Link(self.linker.href(item.value), text, item.value), note)))
        page.sections.append(Section("dossier_items", [item for _, item in sorted(items)]))

    def _concept(self, description: Description, page: Page) -> None:
        """A theme's page links the feed of the articles about it."""
        themes = self.linker.base + "scheme/theme/"
        if description.iri.value.startswith(themes):
            page.feed = "/feed.atom?theme=" + quote(description.iri.value[len(themes) :], safe="")

    @staticmethod
    def _plain(description: Description, predicate: NamedNode) -> str | None:
        found = [t.value for t in description.values(predicate) if isinstance(t, Literal)]
        return min(found) if found else None

    def _number(self, description: Description, predicate: NamedNode) -> str | None:
        """An amount written as the reader's language writes numbers (`150 000`, `150,000`)."""
        text = self._plain(description, predicate)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        if not value.is_finite():
            return text
        return i18n.number(value, self.languages[0])

    BUILDERS: ClassVar[dict[str, Callable[[PageBuilder, Description, Page], None]]] = {
        "tiers_lieu": _tiers_lieu,
        "licence": _licence,
        "project": _project,
        "offer": _offer,
        "grant": _grant,
        "article": _article,
        "dossier": _dossier,
        "concept": _concept,
    }
    """What only some kinds show, by the name their entry in `kinds` gives."""


def pick_text(texts: dict[str, str], languages: tuple[str, ...]) -> str:
    return next((texts[lang] for lang in languages if lang in texts), "")


def _integer(term: object) -> int | None:
    if isinstance(term, Literal):
        try:
            return int(term.value)
        except ValueError:
            return None
    return None


def _graph(quad: Quad) -> NamedNode | None:
    return quad.graph_name if isinstance(quad.graph_name, NamedNode) else None


def _feature(iri: str, title: str, long: float, lat: float, href: str) -> dict[str, object]:
    return geojson.point(lat, long, {"iri": iri, "title": title, "href": href})
