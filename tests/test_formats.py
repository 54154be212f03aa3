"""The format registry (`commonsgraph.formats`) and content negotiation over it, table-driven."""

from __future__ import annotations

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat

from commonsgraph import formats, negotiation
from commonsgraph.errors import InputError

JSON, XML, CSV, TSV = (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV,
                       QueryResultsFormat.TSV)  # fmt: skip
TURTLE, NT, JSONLD, RDFXML, NQ, TRIG = formats.GRAPH_FORMATS


def test_every_alias_names_an_offered_format() -> None:
    for media in formats.GRAPH_ALIASES:
        assert formats.rdf_format(media) in formats.TRIPLE_FORMATS, media
    for media in formats.RESULTS_ALIASES:
        assert formats.results_format(media) in formats.RESULTS_FORMATS, media


def test_every_format_has_a_name_that_names_it_back() -> None:
    for rdf in formats.GRAPH_FORMATS:
        assert formats.rdf_named(formats.name(rdf)) == rdf
        assert formats.rdf_named(rdf.file_extension) == rdf
        assert formats.rdf_extension("." + rdf.file_extension.upper()) == rdf
    for results in formats.RESULTS_FORMATS:
        assert formats.results_named(formats.name(results)) == results
        assert formats.results_named(results.file_extension) == results
    for name, rdf in formats.GRAPH_NAMES.items():
        assert rdf in formats.GRAPH_FORMATS, name


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("text/turtle", TURTLE),
        ("Text/Turtle ; charset=UTF-8", TURTLE),
        ("application/x-turtle", TURTLE),
        ("text/plain", NT),
        ("application/json", JSONLD),
        ("application/xml", RDFXML),
        ("application/n-quads", NQ),
        ("application/pdf", None),
        ("", None),
        (None, None),
    ],
)
def test_rdf_formats_by_media_type(media_type: str | None, expected: RdfFormat | None) -> None:
    assert formats.rdf_format(media_type) == expected


@pytest.mark.parametrize(
    ("extension", "expected"),
    [("ttl", TURTLE), (".nt", NT), ("owl", RDFXML), ("xml", RDFXML), ("json", JSONLD),
     ("html", None), ("", None)],
)  # fmt: skip
def test_rdf_formats_by_extension(extension: str, expected: RdfFormat | None) -> None:
    assert formats.rdf_extension(extension) == expected


@pytest.mark.parametrize(
    ("chosen", "text"),
    [(TURTLE, True), (NT, True), (RDFXML, True), (CSV, True), (TSV, True), (JSON, False),
     (JSONLD, False)],
)  # fmt: skip
def test_text_formats_say_their_charset(chosen: RdfFormat | QueryResultsFormat, text: bool) -> None:
    assert formats.is_text(chosen.media_type) is text


@pytest.mark.parametrize(
    ("accept", "name", "expected"),
    [
        (None, None, JSON),
        ("application/json", None, JSON),
        ("text/xml", None, XML),
        ("text/*", None, CSV),
        ("application/sparql-results+xml;q=0.5, text/tab-separated-values", None, TSV),
        ("text/turtle", None, None),
        ("text/turtle", "srx", XML),
        (None, "CSV", CSV),
        (None, "application/sparql-results+json", JSON),
    ],
)
def test_results_negotiation(
    accept: str | None, name: str | None, expected: QueryResultsFormat | None
) -> None:
    assert negotiation.results_format(accept, name) == expected


@pytest.mark.parametrize(
    ("accept", "name", "offered", "expected"),
    [
        (None, None, formats.GRAPH_FORMATS, TURTLE),
        ("application/json", None, formats.GRAPH_FORMATS, JSONLD),
        ("text/plain", None, formats.GRAPH_FORMATS, NT),
        ("application/trig", None, formats.TRIPLE_FORMATS, None),
        (None, "n3", formats.GRAPH_FORMATS, TURTLE),
        (None, "nq", formats.GRAPH_FORMATS, NQ),
        (None, "nq", formats.TRIPLE_FORMATS, None),
        (None, "rdf+xml", formats.GRAPH_FORMATS, RDFXML),
        (None, "application/ld+json", formats.GRAPH_FORMATS, JSONLD),
    ],
)
def test_graph_negotiation(
    accept: str | None, name: str | None, offered: tuple[RdfFormat, ...], expected: RdfFormat | None
) -> None:
    assert negotiation.graph_format(accept, name, offered) == expected


def test_an_unknown_name_says_which_are_known() -> None:
    with pytest.raises(InputError, match="ttl"):
        negotiation.graph_format(None, "yaml")
    with pytest.raises(InputError, match="srj"):
        negotiation.results_format(None, "yaml")
