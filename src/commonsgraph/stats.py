"""What the store holds: statements per graph and resources per class."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from commonsgraph import kinds
from commonsgraph.graphs import GraphInfo, graph_infos
from commonsgraph.store import Store, lexical
from commonsgraph.vocab import compact


@dataclass(frozen=True)
class GraphCount:
    info: GraphInfo
    statements: int


@dataclass(frozen=True)
class ClassCount:
    cls: NamedNode
    label: str | None
    resources: int


def graph_counts(store: Store) -> list[GraphCount]:
    """Every named graph with the number of statements it holds."""
    infos = {info.graph: info for info in graph_infos(store)}
    counts = []
    for graph in store.graphs():
        info = infos.get(graph) or GraphInfo(graph, None, None, None, None, None)
        counts.append(GraphCount(info, store.triple_count(graph)))
    return counts


def class_counts(store: Store, language: str = "en") -> list[ClassCount]:
    """Distinct resources per class, most populated first."""
    rows = store.select(
        """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?l) AS ?label) WHERE {
             ?s a ?class .
             OPTIONAL { ?class rdfs:label ?l FILTER(langMatches(lang(?l), ?lang)) }
           } GROUP BY ?class ORDER BY DESC(?n) ?class""",
        {"lang": Literal(language)},
    )
    counts = []
    for row in rows:
        cls = row["class"]
        if isinstance(cls, NamedNode):
            label = row.get("label")
            text = lexical(label) if label is not None else None
            counts.append(ClassCount(cls, text, int(lexical(row["n"]))))
    return counts


@dataclass(frozen=True)
class HomeCounts:
    total: int
    classes: list[tuple[str, str, int]]
    """(class IRI, label, resources) for the classes people look for."""
    typologies: list[tuple[str, str, int]]
    regions: list[tuple[str, str, int]]
    countries: list[tuple[str, str, int]]


LABEL = """OPTIONAL { ?x rdfs:label ?l1 FILTER(lang(?l1) = ?lang) }
           OPTIONAL { ?x rdfs:label ?l2 FILTER(lang(?l2) = "") }
           BIND(COALESCE(?l1, ?l2) AS ?label)"""


def _counted(store: Store, pattern: str, language: str) -> list[tuple[str, str, int]]:
    """(?x, its label, how many ?s) for the solutions of `pattern`, most first. Counted first,
    labelled after: labelling every solution before counting took 25 times longer."""
    rows = store.select(
        f"""SELECT ?x (SAMPLE(?label) AS ?label) ?n WHERE {{
              {{ SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }} GROUP BY ?x }}
              {LABEL} }} GROUP BY ?x ?n ORDER BY DESC(?n) ?x""",
        {"lang": Literal(language)},
    )
    found = []
    for row in rows:
        iri, label, count = row.get("x"), row.get("label"), row.get("n")
        if isinstance(iri, NamedNode) and count is not None:
            text = lexical(label) if label is not None else compact(iri.value)
            found.append((iri.value, text, int(lexical(count))))
    return found


def once(cls: str, item: str = "?s") -> str:
    """A pattern (after the one binding `item` a `cls`) that leaves out a resource that another
    resource of its class names with owl:sameAs (the census row of a seed place, a partner's
    record of one of ours): the same thing, counted once, as the other. MINUS is six times
    faster here than FILTER NOT EXISTS."""
    return f"MINUS {{ ?seen owl:sameAs {item} . ?seen a {cls} }}"


def home_counts(store: Store, language: str) -> HomeCounts:
    """What the home page shows: resources per class, tiers-lieux per typology, region and
    country, each place counted once (`once`)."""
    classes = " ".join(f"<{c}>" for c in kinds.home_classes())
    place = f"?s a cg:TiersLieu . {once('cg:TiersLieu')}"
    return HomeCounts(
        total=store.triple_count(),
        classes=_counted(store, f"VALUES ?x {{ {classes} }} ?s a ?x . {once('?x')}", language),
        typologies=_counted(store, f"{place} ?s cg:typology ?x .", language),
        regions=_counted(
            store, f"{place} ?s schema:containedInPlace+ ?x . ?x a igeo:Region .", language
        ),
        countries=_counted(
            store,
            f"""{place} ?s locn:address/locn:adminUnitL1 ?code .
                ?x a schema:Country ; cg:iso3166Code ?code .""",
            language,
        ),
    )
