"""What the graph says about one resource: a concise bounded description, for pages and for
machines.

A description holds the resource's own statements and those of its parts (blank nodes, and
hash IRIs such as `…#address` or `…#role-1`), the labels of everything it links to, a page of
incoming links, and the named graphs all of these come from, with their provenance.

A resource that curators linked to others with `owl:sameAs` (in the reconciliation graph) is
described *merged*: the statements of the resources it is the same as come with its own, each
in the graph it comes from, so that a page shows every value with its source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Triple

from commonsgraph.graphs import GraphInfo
from commonsgraph.store import Row, Store, Term
from commonsgraph.vocab import DCT, PROV, RDF, RDFS, SKOS, Namespace

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LABELS = (RDFS.label, SKOS.prefLabel)

_OWN = """
SELECT ?s ?p ?o ?g WHERE {
  { GRAPH ?g { ?r ?p ?o } BIND(?r AS ?s) }
  UNION
  { GRAPH ?g { ?r ?q ?s . ?s ?p ?o } FILTER(isBlank(?s) || STRSTARTS(STR(?s), ?hash)) }
  UNION
  { GRAPH ?g { ?r ?q ?b . ?b ?q2 ?s . ?s ?p ?o } FILTER(isBlank(?b) && isBlank(?s)) }
}"""

_SAME = """
SELECT DISTINCT ?same WHERE {
  GRAPH ?links { { ?r owl:sameAs ?same } UNION { ?same owl:sameAs ?r } }
  FILTER(isIRI(?same) && ?same != ?r)
}"""

# No ORDER BY: sorting a popular resource's incoming links costs tens of milliseconds, and the
# store's index order is stable between two writes, which is what paging needs.
_INCOMING = """
SELECT ?s ?p ?g WHERE {
  GRAPH ?g { ?s ?p ?r }
  FILTER(!isBlank(?s) && !STRSTARTS(STR(?s), ?hash))
} LIMIT {limit} OFFSET {offset}"""


@dataclass
class Description:
    """A resource as the graph describes it."""

    iri: NamedNode
    quads: list[Quad]
    """Its own statements and those of its parts, each in the graph it comes from (and those
    of the resources it is the same as)."""
    incoming: list[Quad] = field(default_factory=list)
    """One page of the statements that point to it."""
    page: int = 1
    page_size: int = 50
    has_next: bool = False
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """Labels of the resources it mentions: IRI -> language ('' without) -> label."""
    label_quads: list[Quad] = field(default_factory=list)
    graphs: list[GraphInfo] = field(default_factory=list)
    same_as: list[NamedNode] = field(default_factory=list)
    """The resources linked to it by confirmed `owl:sameAs` links, merged into it."""

    def is_itself(self, term: object) -> bool:
        """Whether `term` is the resource or one it is the same as."""
        return term == self.iri or term in self.same_as

    def values(
        self, predicate: NamedNode, subject: NamedNode | BlankNode | None = None
    ) -> list[Term]:
        """The objects of `predicate` on the resource, merged with those it is the same as (or
        on one of its parts)."""
        seen: list[Term] = []
        for quad in self.quads:
            on = quad.subject == subject if subject is not None else self.is_itself(quad.subject)
            if on and quad.predicate == predicate and quad.object not in seen:
                seen.append(quad.object)
        return seen

    @property
    def types(self) -> list[NamedNode]:
        return [t for t in self.values(RDF.type) if isinstance(t, NamedNode)]

    def label(self, iri: str, languages: tuple[str, ...] = ("en", "fr")) -> str | None:
        return pick(self.labels.get(iri, {}), languages)


def pick(labels: dict[str, str], languages: tuple[str, ...]) -> str | None:
    """The label in the first language available, then one without language, then any."""
    for language in (*languages, ""):
        if language in labels:
            return labels[language]
    return next(iter(labels.values()), None)


def _quad(row: Row, subject: Term | None = None) -> Quad | None:
    s, p, o, g = subject or row.get("s"), row.get("p"), row.get("o"), row.get("g")
    if not isinstance(s, NamedNode | BlankNode) or not isinstance(p, NamedNode):
        return None
    if not isinstance(g, NamedNode) or o is None:
        return None
    return Quad(s, p, o, g)


def describe(
    store: Store,
    iri: NamedNode,
    graphs: dict[NamedNode, GraphInfo] | None = None,
    page: int = 1,
    page_size: int = 50,
    links: NamedNode | None = None,
) -> Description | None:
    """The description of `iri`, or None when the graph holds nothing about it; merged with
    the resources the graph `links` says it is the same as."""
    hash_prefix = Literal(iri.value + "#")
    quads = _own(store, iri)
    same_as: list[NamedNode] = []
    if links is not None and quads:
        rows = store.select(_SAME, {"r": iri, "links": links})
        same_as = sorted((s for r in rows if isinstance(s := r["same"], NamedNode)), key=str)
        for other in same_as:
            quads += _own(store, other)
    offset = (page - 1) * page_size
    incoming_rows = store.select(
        _INCOMING.replace("{limit}", str(page_size + 1)).replace("{offset}", str(offset)),
        {"r": iri, "hash": hash_prefix},
    )
    incoming = [q for row in incoming_rows[:page_size] if (q := _quad({**row, "o": iri}))]
    if not quads and not incoming and page == 1:
        return None
    description = Description(
        iri, quads, incoming, page, page_size, has_next=len(incoming_rows) > page_size,
        same_as=same_as,
    )  # fmt: skip
    _add_labels(store, description)
    if graphs is not None:
        used = {q.graph_name for q in (*quads, *incoming)}
        description.graphs = [graphs[g] for g in sorted(used, key=str) if g in graphs]  # type: ignore[index]
    return description


def _own(store: Store, iri: NamedNode) -> list[Quad]:
    """The statements of a resource and of its parts."""
    rows = store.select(_OWN, {"r": iri, "hash": Literal(iri.value + "#")})
    return [q for row in rows if (q := _quad(row))]


def labels_of(store: Store, iris: Iterable[NamedNode]) -> dict[str, dict[str, str]]:
    """The labels (`rdfs:label`, else `skos:prefLabel`) of `iris`, per language; one query."""
    wanted = sorted(set(iris), key=lambda t: t.value)
    if not wanted:
        return {}
    branches = " UNION ".join(
        f"{{ GRAPH ?g {{ {term} ?p ?l }} BIND({term} AS ?x) }}" for term in wanted
    )
    rows = store.select(
        f"SELECT ?x ?p ?l WHERE {{ {{ {branches} }} FILTER(?p IN (rdfs:label, skos:prefLabel)) }}"
    )
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        x, label, p = row["x"], row["l"], row["p"]
        if isinstance(x, NamedNode) and isinstance(label, Literal):
            language = label.language or ""
            if p == RDFS.label or language not in labels[x.value]:
                labels[x.value][language] = label.value
    return dict(labels)


def _add_labels(store: Store, description: Description) -> None:
    mentioned = {description.iri}
    for quad in (*description.quads, *description.incoming):
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, NamedNode):
                mentioned.add(term)
    # One UNION branch per resource: the store looks each up by subject (a VALUES block of
    # resources would be joined after scanning every label).
    branches = " UNION ".join(
        f"{{ GRAPH ?g {{ {term} ?p ?l }} BIND({term} AS ?x) }}"
        for term in sorted(mentioned, key=lambda t: t.value)
    )
    rows = store.select(
        f"SELECT ?x ?p ?l ?g WHERE {{ {{ {branches} }} "
        "FILTER(?p IN (rdfs:label, skos:prefLabel)) }"
    )
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    own = {(q.subject, q.predicate, q.object) for q in description.quads}
    for row in rows:
        x, label, p, g = row["x"], row["l"], row["p"], row["g"]
        if not isinstance(x, NamedNode) or not isinstance(label, Literal):
            continue
        language = label.language or ""
        if p == RDFS.label or language not in labels[x.value]:
            labels[x.value][language] = label.value
        mentioned_elsewhere = x != description.iri and (x, p, label) not in own
        if mentioned_elsewhere and isinstance(p, NamedNode) and isinstance(g, NamedNode):
            description.label_quads.append(Quad(x, p, label, g))
    description.labels = dict(labels)


def page_address(address: str, page: int) -> NamedNode:
    """The page `page` of a description read at `address` (a URL, perhaps with a query)."""
    joiner = "&" if "?" in address else "?"
    return NamedNode(f"{address}{joiner}page={page}")


def description_quads(description: Description, address: str | None = None) -> list[Quad]:
    """Everything a machine representation holds: every statement in the default graph (a
    client reading only the default graph reads the whole description), and again in the named
    graph it comes from (its provenance), with the graphs' metadata and the paging links.

    `address`: the URL the description is read at (by default its IRI), which paging links
    (`hydra:view`, a `hydra:PartialCollectionView` with `first`, `next`, `previous`) follow.
    """
    sourced = [*description.quads, *description.label_quads, *description.incoming]
    statements: dict[Triple, None] = {}
    for quad in sourced:
        statements.setdefault(Triple(quad.subject, quad.predicate, quad.object), None)
    statements.update(dict.fromkeys(_metadata(description, address or description.iri.value)))
    return [*(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in statements), *sourced]


def _metadata(description: Description, address: str) -> list[Triple]:
    """Where the description comes from, and how its incoming links are paged."""
    paged = bool(description.incoming) or description.page > 1
    view = page_address(address, description.page)
    document = view if description.page > 1 else description.iri
    meta: list[Triple] = []
    for info in description.graphs:
        meta.append(Triple(document, PROV.wasDerivedFrom, info.graph))
        if info.title:
            meta.append(Triple(info.graph, DCT.title, Literal(info.title, language="en")))
        if info.generated is not None:
            meta.append(
                Triple(
                    info.graph,
                    PROV.generatedAtTime,
                    Literal(
                        info.generated.isoformat(),
                        datatype=NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
                    ),
                )
            )
        if info.source is not None:
            meta.append(Triple(info.graph, DCT.source, info.source))
        if info.licence is not None:
            meta.append(Triple(info.graph, DCT.license, info.licence))
    if paged:
        meta += [
            Triple(description.iri, HYDRA.view, view),
            Triple(view, RDF.type, HYDRA.PartialCollectionView),
            Triple(view, HYDRA.first, page_address(address, 1)),
        ]
        if description.has_next:
            meta.append(Triple(view, HYDRA.next, page_address(address, description.page + 1)))
        if description.page > 1:
            meta.append(Triple(view, HYDRA.previous, page_address(address, description.page - 1)))
    return meta


def description_triples(description: Description, address: str | None = None) -> list[Triple]:
    """The same statements as `description_quads`, without graphs (duplicates merged)."""
    seen: dict[Triple, None] = {}
    for quad in description_quads(description, address):
        seen.setdefault(Triple(quad.subject, quad.predicate, quad.object), None)
    return list(seen)
