"""The formats the service reads and writes: one table per concept, every surface uses them.

pyoxigraph knows media types and file extensions (`RdfFormat.from_media_type` reads
`text/plain`, `application/json`, `application/x-turtle`, `text/xml`… and drops parameters;
`from_extension` reads `ttl`, `json`, `srj`…): its answer is taken wherever it has one, so that
no table here repeats what it knows. What is left is ours to decide:
- which formats each kind of answer is offered in, in order of preference
  (`RESULTS_FORMATS`, `GRAPH_FORMATS`, `TRIPLE_FORMATS`) and which are read (`READ_FORMATS`);
- the media types clients ask for besides each format's own (`RESULTS_ALIASES`,
  `GRAPH_ALIASES`: offered in content negotiation, mapped back by pyoxigraph);
- the names clients put in `format=`/`output=` that are not file extensions
  (`RESULTS_NAMES`, `GRAPH_NAMES`; the first name of a format is the one we write);
- the file extensions pyoxigraph does not know (`EXTRA_EXTENSIONS`).
Pages are named `{path}.{format.file_extension}` (pyoxigraph's own extensions).
"""

from __future__ import annotations

from pyoxigraph import QueryResultsFormat, RdfFormat

RESULTS_FORMATS: tuple[QueryResultsFormat, ...] = (
    QueryResultsFormat.JSON,
    QueryResultsFormat.XML,
    QueryResultsFormat.CSV,
    QueryResultsFormat.TSV,
)
"""SELECT and ASK results, offered in this order (the first is the default)."""
GRAPH_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.N_TRIPLES,
    RdfFormat.JSON_LD,
    RdfFormat.RDF_XML,
    RdfFormat.N_QUADS,
    RdfFormat.TRIG,
)
"""RDF written by the service (CONSTRUCT and DESCRIBE answers, pages), in this order."""
TRIPLE_FORMATS: tuple[RdfFormat, ...] = GRAPH_FORMATS[:4]
"""The formats of one graph without named graphs (a Graph Store graph, a named query's)."""
READ_FORMATS: tuple[RdfFormat, ...] = TRIPLE_FORMATS
"""RDF the service reads from clients (contributions, the Graph Store): one graph each."""

RESULTS_ALIASES: tuple[str, ...] = ("application/json", "text/xml", "application/xml")
"""Media types offered for results besides the formats' own."""
GRAPH_ALIASES: tuple[str, ...] = (
    "application/x-turtle",
    "text/plain",
    "application/json",
    "application/xml",
    "text/xml",
)
"""Media types offered for RDF besides the formats' own."""

RESULTS_NAMES: dict[str, QueryResultsFormat] = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
"""`format=` names of results (YASGUI, SPARQLWrapper, Virtuoso habits); `srj`, `srx` are
pyoxigraph's extensions."""
GRAPH_NAMES: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "n3": RdfFormat.TURTLE,  # what clients mean by it; Turtle is N3's subset
    "n-triples": RdfFormat.N_TRIPLES,
    "json-ld": RdfFormat.JSON_LD,
    "rdf+xml": RdfFormat.RDF_XML,
    "n-quads": RdfFormat.N_QUADS,
}
"""`format=` names of RDF besides pyoxigraph's extensions (`ttl`, `nt`, `json`, `rdf`, `xml`…)."""
EXTRA_EXTENSIONS: dict[str, RdfFormat] = {"owl": RdfFormat.RDF_XML}
"""File extensions of RDF that pyoxigraph does not know."""


def _bare(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


TEXT_OUTSIDE_TEXT = frozenset(
    {
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "application/xml",
        "application/xhtml+xml",
        "application/sparql-results+xml",
        "application/sparql-query",
        "application/sparql-update",
        "application/javascript",
    }
)
"""Media types of text that are not under `text/` (JSON needs no charset: RFC 8259 §11)."""


def is_text(media_type: str) -> bool:
    """Whether a response of this media type says its charset (`web.semantics` adds it)."""
    bare = _bare(media_type)
    return bare.startswith("text/") or bare in TEXT_OUTSIDE_TEXT


def rdf_format(media_type: str | None) -> RdfFormat | None:
    """The RDF format of a media type (a Content-Type, parameters allowed), None if not RDF."""
    return RdfFormat.from_media_type(_bare(media_type)) if media_type else None


def results_format(media_type: str | None) -> QueryResultsFormat | None:
    """The results format of a media type, None if not SPARQL results."""
    return QueryResultsFormat.from_media_type(_bare(media_type)) if media_type else None


def rdf_extension(extension: str) -> RdfFormat | None:
    """The RDF format of a file extension (with or without its dot)."""
    key = extension.strip().lower().lstrip(".")
    return EXTRA_EXTENSIONS.get(key) or (RdfFormat.from_extension(key) if key else None)


def rdf_named(name: str) -> RdfFormat | None:
    """The RDF format a `format=` name names (a name of ours, or an extension)."""
    key = name.strip().lower()
    return GRAPH_NAMES.get(key) or rdf_extension(key)


def results_named(name: str) -> QueryResultsFormat | None:
    """The results format a `format=` name names (a name of ours, or an extension)."""
    key = name.strip().lower()
    return RESULTS_NAMES.get(key) or (QueryResultsFormat.from_extension(key) if key else None)


def name(chosen: RdfFormat | QueryResultsFormat) -> str:
    """The `format=` name we write for a format (the first of its names)."""
    names: dict[str, object] = {**RESULTS_NAMES, **GRAPH_NAMES}
    return next(key for key, value in names.items() if value == chosen)


def results_names() -> list[str]:
    """Every `format=` name of results, for messages."""
    return sorted({*RESULTS_NAMES, *(f.file_extension for f in RESULTS_FORMATS)})


def graph_names(offered: tuple[RdfFormat, ...] = GRAPH_FORMATS) -> list[str]:
    """Every `format=` name of the `offered` RDF formats, for messages."""
    names = [n for n, f in GRAPH_NAMES.items() if f in offered]
    return sorted({*names, *(f.file_extension for f in offered)})
