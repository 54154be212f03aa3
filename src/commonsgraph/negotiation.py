"""Content negotiation: from `Accept` or a `format`/`output` parameter to a serialization.
Pure functions over the formats of `commonsgraph.formats`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

from commonsgraph import formats
from commonsgraph.errors import InputError
from commonsgraph.formats import GRAPH_FORMATS, RESULTS_FORMATS

# The registry's offers, named here too for the routes that negotiate (not tables of their own).
__all__ = [
    "GRAPH_FORMATS",
    "RESULTS_FORMATS",
    "MediaRange",
    "choose",
    "graph_format",
    "graph_media_types",
    "parse_accept",
    "results_format",
]


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


def _unknown(name: str, kind: str, names: list[str]) -> InputError:
    return InputError(f"unknown {kind} format {name!r}; use one of {', '.join(names)}")


@functools.lru_cache(maxsize=256)
def results_format(accept: str | None, name: str | None = None) -> QueryResultsFormat | None:
    """The format of SELECT/ASK results, from `format`/`output` if given (a name or a media
    type), else from Accept; None when nothing offered is acceptable (406)."""
    if name:
        found = formats.results_named(name)
        if found is not None:
            return found if found in RESULTS_FORMATS else None
        if "/" not in name:
            raise _unknown(name, "results", formats.results_names())
        accept = name
    offered = (*(f.media_type for f in RESULTS_FORMATS), *formats.RESULTS_ALIASES)
    return formats.results_format(choose(offered, accept))


@functools.lru_cache(maxsize=256)
def graph_format(
    accept: str | None,
    name: str | None = None,
    offered: tuple[RdfFormat, ...] = GRAPH_FORMATS,
) -> RdfFormat | None:
    """The RDF format of a graph (CONSTRUCT results, a resource, a named graph), from
    `format`/`output` if given (a name or a media type), else from Accept; None when nothing
    `offered` is acceptable (406)."""
    if name:
        found = formats.rdf_named(name)
        if found is not None:
            return found if found in offered else None
        if "/" not in name:
            raise _unknown(name, "RDF", formats.graph_names(offered))
        accept = name
    return formats.rdf_format(choose(graph_media_types(offered), accept))


def graph_media_types(offered: tuple[RdfFormat, ...]) -> tuple[str, ...]:
    """The media types offered for `offered`: their own, then the aliases that name them."""
    aliases = (m for m in formats.GRAPH_ALIASES if formats.rdf_format(m) in offered)
    return (*(f.media_type for f in offered), *aliases)
