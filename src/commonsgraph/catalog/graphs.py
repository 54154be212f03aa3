"""What the store says of its named graphs for the catalogue: titles, provenance, licence, the
extent of their places and the régions and countries they cover."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.store import Store, lexical
from commonsgraph.vocab import DCAT, DCT, GEO, RDF, SKOS, Minter


@dataclass(frozen=True)
class GraphEntry:
    """A named graph as the catalogue needs it."""

    graph: NamedNode
    name: str
    titles: dict[str, str]
    """Title per language ("fr", "en")."""
    modified: datetime | None
    issued: datetime | None
    """When the graph was first loaded (`graphs.first_issued`)."""
    licence: NamedNode | None


def graph_entries(store: Store, minter: Minter) -> list[GraphEntry]:
    rows = store.select(
        """SELECT ?g ?title ?at ?issued ?licence WHERE { GRAPH ?g {
             OPTIONAL { ?g dct:title ?title }
             OPTIONAL { ?g prov:generatedAtTime ?at }
             OPTIONAL { ?g dct:issued ?issued }
             OPTIONAL { ?g dct:license ?licence FILTER(isIRI(?licence)) }
           } } ORDER BY ?g"""
    )
    found: dict[str, GraphEntry] = {}
    prefix = minter.graph("").value
    for row in rows:
        graph = row["g"]
        assert isinstance(graph, NamedNode)
        entry = found.get(graph.value)
        if entry is None:
            licence = row.get("licence")
            entry = found[graph.value] = GraphEntry(
                graph,
                graph.value.removeprefix(prefix),
                {},
                _moment(row.get("at")),
                _moment(row.get("issued")) or _moment(row.get("at")),
                licence if isinstance(licence, NamedNode) else None,
            )
        title = row.get("title")
        if isinstance(title, Literal) and (title.language or "") not in entry.titles:
            entry.titles[title.language or ""] = title.value
    return list(found.values())


def _moment(term: object) -> datetime | None:
    return datetime.fromisoformat(term.value) if isinstance(term, Literal) else None


@dataclass(frozen=True)
class Extent:
    """Where the points (`wgs:lat`, `wgs:long`) of a graph lie: their bounding box and mean."""

    south: float
    north: float
    west: float
    east: float
    latitude: float
    longitude: float
    count: int

    @staticmethod
    def merged(extents: Iterable[Extent]) -> Extent | None:
        parts = list(extents)
        count = sum(e.count for e in parts)
        if not count:
            return None
        return Extent(
            min(e.south for e in parts),
            max(e.north for e in parts),
            min(e.west for e in parts),
            max(e.east for e in parts),
            sum(e.latitude * e.count for e in parts) / count,
            sum(e.longitude * e.count for e in parts) / count,
            count,
        )

    def statements(self, dataset: NamedNode) -> list[Triple]:
        """The dataset's `dct:spatial` extent: bounding box and centroid in WKT (CRS84)."""
        node = Minter.part(dataset, "extent")
        w, s, e, n = self.west, self.south, self.east, self.north
        box = f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"
        centre = f"POINT({self.longitude:.5f} {self.latitude:.5f})"
        return [
            Triple(dataset, DCT.spatial, node),
            Triple(node, RDF.type, DCT.Location),
            Triple(node, DCAT.bbox, Literal(box, datatype=GEO.wktLiteral)),
            Triple(node, DCAT.centroid, Literal(centre, datatype=GEO.wktLiteral)),
        ]


def extents(store: Store) -> dict[NamedNode, Extent]:
    """The extent of every graph that holds points."""
    rows = store.select(
        """SELECT ?g (MIN(?lat) AS ?s) (MAX(?lat) AS ?n) (MIN(?long) AS ?w) (MAX(?long) AS ?e)
                  (AVG(?lat) AS ?y) (AVG(?long) AS ?x) (COUNT(*) AS ?count)
           WHERE { GRAPH ?g { ?place wgs:lat ?lat ; wgs:long ?long }
                   FILTER(isNumeric(?lat) && isNumeric(?long)
                          && ?lat >= -90 && ?lat <= 90 && ?long >= -180 && ?long <= 180) }
           GROUP BY ?g"""
    )
    found = {}
    for row in rows:
        graph = row["g"]
        if isinstance(graph, NamedNode) and "s" in row:
            s, n, w, e, y, x = (float(lexical(row[k])) for k in ("s", "n", "w", "e", "y", "x"))
            found[graph] = Extent(s, n, w, e, y, x, int(lexical(row["count"])))
    return found


@dataclass(frozen=True)
class Coverage:
    """The places the graphs cover, as IRIs a portal can name: the régions (the geography's
    own IRIs, `igeo:Region`s with their INSEE code) their places or communes lie in, and the
    EU countries of their addresses."""

    places: dict[NamedNode, set[NamedNode]]
    """Per graph, its régions and countries."""
    regions: dict[NamedNode, Literal | None]
    """Each région, with its name."""

    def statements(self, dataset: NamedNode, graphs: Iterable[NamedNode]) -> list[Triple]:
        """The dataset's `dct:spatial` for what `graphs` cover."""
        out: list[Triple] = []
        for place in sorted({p for g in graphs for p in self.places.get(g, ())}, key=str):
            out.append(Triple(dataset, DCT.spatial, place))
            if place in self.regions:
                out.append(Triple(place, RDF.type, DCT.Location))
                name = self.regions[place]
                if name is not None:
                    out.append(Triple(place, SKOS.prefLabel, Literal(name.value, language="fr")))
        return out


def coverage(store: Store, countries: dict[str, NamedNode], france: NamedNode) -> Coverage:
    """What each graph covers: the régions its places (`schema:containedInPlace`) or communes
    (`cg:programme`) lie in, through the geography's hierarchy, with France; and the countries
    (`countries`, by ISO 3166-1 code) its addresses' `locn:adminUnitL1` name."""
    places: dict[NamedNode, set[NamedNode]] = defaultdict(set)
    regions: dict[NamedNode, Literal | None] = {}
    rows = store.select(
        """SELECT DISTINCT ?g ?region ?name WHERE {
             { SELECT ?in ?region ?name WHERE { GRAPH ?geo {
                 ?region a igeo:Region . OPTIONAL { ?region rdfs:label ?name }
                 ?in schema:containedInPlace* ?region } } }
             GRAPH ?g { { ?place schema:containedInPlace ?in } UNION { ?in cg:programme ?p } }
           }"""
    )
    for row in rows:
        graph, region, name = row["g"], row["region"], row.get("name")
        if isinstance(graph, NamedNode) and isinstance(region, NamedNode):
            places[graph] |= {region, france}
            regions[region] = name if isinstance(name, Literal) else None
    rows = store.select(
        "SELECT DISTINCT ?g ?code WHERE { GRAPH ?g { ?address locn:adminUnitL1 ?code } }"
    )
    for row in rows:
        graph, code = row["g"], row["code"]
        if isinstance(graph, NamedNode) and isinstance(code, Literal) and code.value in countries:
            places[graph].add(countries[code.value])
    return Coverage(dict(places), regions)
