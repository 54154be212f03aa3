"""What the store says of its named graphs for the catalogue: titles, provenance, licence, and
the extent of their places."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.store import Store, lexical
from commonsgraph.vocab import DCAT, DCT, GEO, RDF, Minter


@dataclass(frozen=True)
class GraphEntry:
    """A named graph as the catalogue needs it."""

    graph: NamedNode
    name: str
    titles: dict[str, str]
    """Title per language ("fr", "en")."""
    modified: datetime | None
    licence: NamedNode | None


def graph_entries(store: Store, minter: Minter) -> list[GraphEntry]:
    rows = store.select(
        """SELECT ?g ?title ?at ?licence WHERE { GRAPH ?g {
             OPTIONAL { ?g dct:title ?title }
             OPTIONAL { ?g prov:generatedAtTime ?at }
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
            at, licence = row.get("at"), row.get("licence")
            entry = found[graph.value] = GraphEntry(
                graph,
                graph.value.removeprefix(prefix),
                {},
                datetime.fromisoformat(lexical(at)) if at is not None else None,
                licence if isinstance(licence, NamedNode) else None,
            )
        title = row.get("title")
        if isinstance(title, Literal) and (title.language or "") not in entry.titles:
            entry.titles[title.language or ""] = title.value
    return list(found.values())


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
