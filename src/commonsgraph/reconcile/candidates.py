"""Finding candidate owl:sameAs links between harvested resources and ours.

*Ours* are the resources of the census import, the seed and accepted contributions; *harvested*
ones live in the graphs `graph/harvest/{source}`. Two kinds of candidates:

- **organisations** with the same SIRET (score 1), or the same SIREN — given as `cg:siren` or
  as the first nine digits of a `cg:siret` — (score 0.9): the same legal unit;
- **places** (`cg:TiersLieu`) at most `max_distance` metres apart whose names are alike
  (`names.similarity` at least `min_name`). Score: `name_weight` × name similarity +
  (1 − `name_weight`) × (1 − distance / max_distance), so 1 for the same name at the same spot.

Places are found in three steps. Two SELECTs read the coordinates (`wgs:lat`, `wgs:long`) and
labels of both sides; a grid of cells as wide as `max_distance` gives, for each harvested
place, the bounding box of ours around it (a join on computed cell keys inside SPARQL is a
nested loop in Oxigraph: 9 s for 10,000 × 1,500 places, against 50 ms here); names are
compared in the box; the distance of the pairs left is computed by the store with GeoSPARQL's
`geof:distance`, in metres.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from commonsgraph import i18n
from commonsgraph.reconcile.names import best
from commonsgraph.sparqltext import term_text
from commonsgraph.store import Row, Store, Term
from commonsgraph.vocab import GEO, Minter

HARVESTED = "graph/harvest/"
"""Where harvested graphs are, under the base."""
OURS = ("graph/import/census", "graph/seed")
CONTRIBUTED = "graph/contribution/"
KINDS = ("place", "organisation")
METRE = NamedNode("http://www.opengis.net/def/uom/OGC/1.0/metre")
METRES_PER_DEGREE = 111_195.0
"""Along a meridian, on the sphere of mean radius that GeoSPARQL's distance uses."""
SAME_SIRET, SAME_SIREN = 1.0, 0.9
CHUNK = 2000
"""Pairs per query when the store computes distances."""

_OUR_GRAPH = "(?g IN (?census, ?seed) || STRSTARTS(STR(?g), ?contributed))"
_OUR_PLACES = f"""
SELECT ?r ?lat ?long ?label WHERE {{
  GRAPH ?g {{ ?r a cg:TiersLieu ; wgs:lat ?lat ; wgs:long ?long }}
  FILTER{_OUR_GRAPH}
  OPTIONAL {{ ?r rdfs:label ?label }}
}}"""
_HARVESTED_PLACES = """
SELECT ?r ?g ?lat ?long ?label WHERE {
  GRAPH ?g { ?r a cg:TiersLieu ; wgs:lat ?lat ; wgs:long ?long OPTIONAL { ?r rdfs:label ?label } }
  FILTER(STRSTARTS(STR(?g), ?harvested))
}"""
_OUR_IDENTIFIERS = f"""
SELECT ?r ?kind ?id ?label WHERE {{
  GRAPH ?g {{ {{ ?r cg:siret ?id BIND("siret" AS ?kind) }}
             UNION {{ ?r cg:siren ?id BIND("siren" AS ?kind) }} }}
  FILTER{_OUR_GRAPH}
  OPTIONAL {{ ?r rdfs:label ?label }}
}}"""
_HARVESTED_IDENTIFIERS = """
SELECT ?r ?g ?kind ?id ?label WHERE {
  GRAPH ?g { { ?r cg:siret ?id BIND("siret" AS ?kind) }
             UNION { ?r cg:siren ?id BIND("siren" AS ?kind) }
             OPTIONAL { ?r rdfs:label ?label } }
  FILTER(STRSTARTS(STR(?g), ?harvested))
}"""
_DISTANCES = """
SELECT ?a ?b ?d WHERE {
  VALUES (?a ?pa ?b ?pb) { {pairs} }
  BIND(geof:distance(?pa, ?pb, {metre}) AS ?d)
}"""


@dataclass(frozen=True)
class Options:
    """What makes two places candidates, and how they are scored."""

    max_distance: float = 1000.0
    """Metres."""
    min_name: float = 0.75
    """The least name similarity, in [0, 1]."""
    name_weight: float = 0.7
    """The share of the name in a place's score (the rest is proximity)."""


@dataclass(frozen=True)
class Evidence:
    """Why two resources may be the same."""

    similarity: float | None = None
    """How alike the names are (places)."""
    distance: float | None = None
    """Metres apart (places)."""
    siret: str | None = None
    """The SIRET both have (organisations)."""
    siren: str | None = None
    """The SIREN both have, when their SIRETs differ or one has none (organisations)."""

    def reasons(self, lang: str = "en") -> list[str]:
        """The evidence in words, in `lang` (fr or en)."""
        words = i18n.words(lang)
        found = []
        if self.siret is not None:
            found.append(words["reason_siret"].format(value=self.siret))
        if self.siren is not None:
            found.append(words["reason_siren"].format(value=self.siren))
        if self.similarity is not None and self.distance is not None:
            alike = f"{self.similarity:.2f}"
            found.append(
                words["reason_names"].format(
                    similarity=alike.replace(".", ",") if lang == "fr" else alike,
                    distance=f"{self.distance:.0f}",
                )
            )
        return found


@dataclass(frozen=True)
class Found:
    """A candidate link: a harvested resource that may be one of ours."""

    kind: str
    """place or organisation"""
    theirs: NamedNode
    ours: NamedNode
    source: NamedNode
    """The harvested graph that describes `theirs`."""
    theirs_label: str
    ours_label: str
    score: float
    evidence: Evidence


@dataclass
class Search:
    """What a search found, and what it cost."""

    found: list[Found]
    harvested: int
    """Harvested resources considered (places with coordinates, organisations with an id)."""
    ours: int
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step."""


@dataclass
class _Resource:
    source: NamedNode | None
    labels: list[str] = field(default_factory=list)
    lat: float = 0.0
    long: float = 0.0
    sirets: set[str] = field(default_factory=set)
    sirens: set[str] = field(default_factory=set)

    def label(self, fallback: NamedNode) -> str:
        return self.labels[0] if self.labels else fallback.value


class Finder:
    """Finds candidate links in a store (the store is read, never written)."""

    def __init__(self, store: Store, minter: Minter, options: Options | None = None) -> None:
        self.store = store
        self.options = options or Options()
        self._ours: dict[str, Term] = {
            "census": minter.iri(OURS[0]),
            "seed": minter.iri(OURS[1]),
            "contributed": Literal(minter.iri(CONTRIBUTED).value),
        }
        self._harvested: dict[str, Term] = {"harvested": Literal(minter.iri(HARVESTED).value)}

    def search(self) -> Search:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        ours = _places(self.store.select(_OUR_PLACES, self._ours), with_source=False)
        theirs = _places(self.store.select(_HARVESTED_PLACES, self._harvested), with_source=True)
        for iri in set(theirs) & set(ours):  # a partner describing one of our own resources
            del theirs[iri]
        timings["read places"] = _lap(started)
        places = self._places(theirs, ours, timings)
        started = time.perf_counter()
        our_ids = _identified(self.store.select(_OUR_IDENTIFIERS, self._ours), False)
        their_ids = _identified(self.store.select(_HARVESTED_IDENTIFIERS, self._harvested), True)
        for iri in set(their_ids) & set(our_ids):
            del their_ids[iri]
        organisations = list(_same_identifiers(their_ids, our_ids))
        timings["organisations"] = _lap(started)
        found = sorted(
            [*places, *organisations], key=lambda f: (-f.score, f.theirs.value, f.ours.value)
        )
        return Search(found, len(theirs) + len(their_ids), len(ours) + len(our_ids), timings)

    def _places(
        self,
        theirs: dict[NamedNode, _Resource],
        ours: dict[NamedNode, _Resource],
        timings: dict[str, float],
    ) -> list[Found]:
        options = self.options
        started = time.perf_counter()
        boxed = list(_nearby(theirs, ours, options.max_distance))
        timings["bounding boxes"] = _lap(started)
        started = time.perf_counter()
        alike: dict[tuple[NamedNode, NamedNode], tuple[float, str, str]] = {}
        for their, our in boxed:
            names = best(theirs[their].labels, ours[our].labels)
            if names[0] >= options.min_name:
                alike[(their, our)] = names
        timings["names"] = _lap(started)
        started = time.perf_counter()
        distances = self._distances(list(alike), theirs, ours)
        timings["geof:distance"] = _lap(started)
        found = []
        for (their, our), (similarity, their_label, our_label) in alike.items():
            distance = distances.get((their, our))
            if distance is None or distance > options.max_distance:
                continue
            proximity = 1 - distance / options.max_distance
            score = options.name_weight * similarity + (1 - options.name_weight) * proximity
            source = theirs[their].source
            assert source is not None
            found.append(
                Found(
                    "place", their, our, source, their_label, our_label, round(score, 4),
                    Evidence(similarity=round(similarity, 4), distance=round(distance, 1)),
                )
            )  # fmt: skip
        return found

    def _distances(
        self,
        pairs: list[tuple[NamedNode, NamedNode]],
        theirs: dict[NamedNode, _Resource],
        ours: dict[NamedNode, _Resource],
    ) -> dict[tuple[NamedNode, NamedNode], float]:
        """Metres between the places of each pair, as the store's geof:distance says."""
        distances = {}
        for start in range(0, len(pairs), CHUNK):
            rows = " ".join(
                f"({term_text(a)} {term_text(_point(theirs[a]))} "
                f"{term_text(b)} {term_text(_point(ours[b]))})"
                for a, b in pairs[start : start + CHUNK]
            )
            query = _DISTANCES.replace("{metre}", term_text(METRE)).replace("{pairs}", rows)
            for row in self.store.select(query):
                a, b, d = row.get("a"), row.get("b"), row.get("d")
                if isinstance(a, NamedNode) and isinstance(b, NamedNode) and isinstance(d, Literal):
                    distances[(a, b)] = float(d.value)
        return distances


def _lap(started: float) -> float:
    return time.perf_counter() - started


def _point(resource: _Resource) -> Literal:
    return Literal(f"POINT({resource.long!r} {resource.lat!r})", datatype=GEO.wktLiteral)


def _places(rows: list[Row], with_source: bool) -> dict[NamedNode, _Resource]:
    """Places by IRI, with their coordinates (the first readable pair) and labels."""
    places: dict[NamedNode, _Resource] = {}
    for row in rows:
        iri, graph = row.get("r"), row.get("g")
        if not isinstance(iri, NamedNode):
            continue
        place = places.get(iri)
        if place is None:
            try:
                lat, long = float(row["lat"].value), float(row["long"].value)  # type: ignore[union-attr]
            except ValueError:
                continue
            if not (-90 <= lat <= 90 and -180 <= long <= 180):
                continue
            source = graph if with_source and isinstance(graph, NamedNode) else None
            place = places[iri] = _Resource(source, lat=lat, long=long)
        label = row.get("label")
        if isinstance(label, Literal) and label.value not in place.labels:
            place.labels.append(label.value)
    return places


def _nearby(
    theirs: dict[NamedNode, _Resource], ours: dict[NamedNode, _Resource], metres: float
) -> Iterator[tuple[NamedNode, NamedNode]]:
    """The pairs whose places are in each other's bounding box of `metres` (a grid of cells
    `metres` high: each harvested place looks in the cells its box overlaps)."""
    cell = metres / METRES_PER_DEGREE
    grid: dict[tuple[int, int], list[tuple[NamedNode, _Resource]]] = defaultdict(list)
    for iri, place in ours.items():
        grid[(math.floor(place.lat / cell), math.floor(place.long / cell))].append((iri, place))
    for iri, place in theirs.items():
        half_height = cell
        half_width = cell / max(math.cos(math.radians(place.lat)), 0.01)
        for row in range(
            math.floor((place.lat - half_height) / cell),
            math.floor((place.lat + half_height) / cell) + 1,
        ):
            for column in range(
                math.floor((place.long - half_width) / cell),
                math.floor((place.long + half_width) / cell) + 1,
            ):
                for other_iri, other in grid.get((row, column), ()):
                    if (
                        abs(other.lat - place.lat) <= half_height
                        and abs(other.long - place.long) <= half_width
                    ):
                        yield iri, other_iri


_DIGITS = re.compile(r"[\s.\-]")


def _identified(rows: list[Row], with_source: bool) -> dict[NamedNode, _Resource]:
    """Resources with a SIRET or a SIREN (spaces and dots dropped; malformed ones ignored)."""
    found: dict[NamedNode, _Resource] = {}
    for row in rows:
        iri, graph, kind, value = row.get("r"), row.get("g"), row.get("kind"), row.get("id")
        if not (
            isinstance(iri, NamedNode) and isinstance(value, Literal) and isinstance(kind, Literal)
        ):
            continue
        number = _DIGITS.sub("", value.value)
        source = graph if with_source and isinstance(graph, NamedNode) else None
        resource = found.setdefault(iri, _Resource(source))
        if kind.value == "siret" and re.fullmatch(r"[0-9]{14}", number):
            resource.sirets.add(number)
            resource.sirens.add(number[:9])
        elif kind.value == "siren" and re.fullmatch(r"[0-9]{9}", number):
            resource.sirens.add(number)
        label = row.get("label")
        if isinstance(label, Literal) and label.value not in resource.labels:
            resource.labels.append(label.value)
    return {iri: r for iri, r in found.items() if r.sirens}


def _same_identifiers(
    theirs: dict[NamedNode, _Resource], ours: dict[NamedNode, _Resource]
) -> Iterator[Found]:
    by_siret: dict[str, list[NamedNode]] = defaultdict(list)
    by_siren: dict[str, list[NamedNode]] = defaultdict(list)
    for iri, resource in ours.items():
        for siret in resource.sirets:
            by_siret[siret].append(iri)
        for siren in resource.sirens:
            by_siren[siren].append(iri)
    for iri, resource in theirs.items():
        matched: set[NamedNode] = set()
        assert resource.source is not None
        for siret in sorted(resource.sirets):
            for our in by_siret.get(siret, []):
                if our not in matched:
                    matched.add(our)
                    yield _organisation(iri, resource, our, ours[our], SAME_SIRET, siret=siret)
        for siren in sorted(resource.sirens):
            for our in by_siren.get(siren, []):
                if our not in matched:
                    matched.add(our)
                    yield _organisation(iri, resource, our, ours[our], SAME_SIREN, siren=siren)


def _organisation(
    iri: NamedNode,
    resource: _Resource,
    our: NamedNode,
    ours: _Resource,
    score: float,
    siret: str | None = None,
    siren: str | None = None,
) -> Found:
    assert resource.source is not None
    return Found(
        "organisation", iri, our, resource.source, resource.label(iri), ours.label(our), score,
        Evidence(siret=siret, siren=siren),
    )  # fmt: skip
