"""Content negotiation: from `Accept`, a `format`/`output` parameter or a file extension to a
serialization. Pure functions; media types are mapped by pyoxigraph's own tables where it has them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

from commonsgraph.errors import InputError

RESULTS_FORMATS: tuple[QueryResultsFormat, ...] = (
    QueryResultsFormat.JSON,
    QueryResultsFormat.XML,
    QueryResultsFormat.CSV,
    QueryResultsFormat.TSV,
)
GRAPH_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.N_TRIPLES,
    RdfFormat.JSON_LD,
    RdfFormat.RDF_XML,
    RdfFormat.N_QUADS,
    RdfFormat.TRIG,
)
TRIPLE_FORMATS: tuple[RdfFormat, ...] = GRAPH_FORMATS[:4]

# Names that clients put in `format=` / `output=` (YASGUI, SPARQLWrapper, Virtuoso habits).
RESULTS_NAMES = {
    "json": QueryResultsFormat.JSON,
    "srj": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "srx": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH_NAMES = {
    "turtle": RdfFormat.TURTLE,
    "ttl": RdfFormat.TURTLE,
    "n3": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "n-triples": RdfFormat.N_TRIPLES,
    "nt": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "json-ld": RdfFormat.JSON_LD,
    "json": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
    "rdf+xml": RdfFormat.RDF_XML,
    "rdf": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
    "nquads": RdfFormat.N_QUADS,
    "n-quads": RdfFormat.N_QUADS,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
}
EXTENSIONS = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
}
RESULTS_ALIASES = {
    "application/json": QueryResultsFormat.JSON,
    "text/xml": QueryResultsFormat.XML,
    "application/xml": QueryResultsFormat.XML,
}
GRAPH_ALIASES = {
    "application/x-turtle": RdfFormat.TURTLE,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/json": RdfFormat.JSON_LD,
    "application/xml": RdfFormat.RDF_XML,
    "text/xml": RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    quality: float
    order: int

    def matches(self, media_type: str) -> bool:
        if self.type in ("*/*", media_type):
            return True
        return self.type.endswith("/*") and media_type.startswith(self.type[:-1])

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*/*" else 1 if self.type.endswith("/*") else 2


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; an absent or empty header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*/*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(media, quality, order))
    return ranges


def _quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int, int]:
    """How much `media_type` is wanted: the most specific matching range decides."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0, 0, 0
    best = max(matching, key=lambda r: (r.specificity, r.quality))
    return best.quality, best.specificity, -best.order


def choose(offered: Sequence[str], accept: str | None) -> str | None:
    """The offered media type the client prefers (offer order breaks ties), or None for 406."""
    return _choose(tuple(offered), accept)


@functools.lru_cache(maxsize=512)
def _choose(offered: tuple[str, ...], accept: str | None) -> str | None:
    ranges = parse_accept(accept)
    scored = [
        (_quality(ranges, media.split(";")[0].strip()), -index, media)
        for index, media in enumerate(offered)
    ]
    best = max(scored, default=None)
    if best is None or best[0][0] <= 0:
        return None
    return best[2]


def _named(name: str, names: dict[str, object], kind: str) -> object:
    key = name.strip().lower()
    if key in names:
        return names[key]
    if "/" in key:  # a full media type
        return key
    raise InputError(f"unknown {kind} format {name!r}; use one of {', '.join(sorted(names))}")


@functools.lru_cache(maxsize=256)
def results_format(accept: str | None, name: str | None = None) -> QueryResultsFormat | None:
    """The format of SELECT/ASK results, from `format`/`output` if given, else from Accept."""
    if name:
        found = _named(name, dict(RESULTS_NAMES), "results")
        if isinstance(found, QueryResultsFormat):
            return found
        accept = str(found)
    chosen = choose([f.media_type for f in RESULTS_FORMATS] + list(RESULTS_ALIASES), accept)
    if chosen is None:
        return None
    return RESULTS_ALIASES.get(chosen) or QueryResultsFormat.from_media_type(chosen)


@functools.lru_cache(maxsize=256)
def graph_format(
    accept: str | None, name: str | None = None, offered: tuple[RdfFormat, ...] = GRAPH_FORMATS
) -> RdfFormat | None:
    """The RDF format of a graph (CONSTRUCT results, a resource, a named graph)."""
    if name:
        found = _named(name, dict(GRAPH_NAMES), "RDF")
        if isinstance(found, RdfFormat):
            return found if found in offered else None
        accept = str(found)
    media = [f.media_type for f in offered]
    extra = [m for m, f in GRAPH_ALIASES.items() if f in offered]
    chosen = choose(media + extra, accept)
    if chosen is None:
        return None
    return GRAPH_ALIASES.get(chosen) or RdfFormat.from_media_type(chosen)


def extension_format(extension: str) -> RdfFormat | None:
    return EXTENSIONS.get(extension.lower().lstrip("."))
