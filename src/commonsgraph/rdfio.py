"""Reading RDF into triples, with parse errors translated once (file, line, column)."""

from __future__ import annotations

from pathlib import Path
from xml.parsers import expat

from pyoxigraph import DefaultGraph, RdfFormat, Triple, parse

from commonsgraph.errors import DataSyntaxError, UnknownFormat

_EXTENSIONS = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "n3": RdfFormat.N3,
}


def format_for_path(path: Path) -> RdfFormat:
    """The RDF format of a file, from its extension."""
    found = _EXTENSIONS.get(path.suffix.lstrip(".").lower())
    if found is None:
        raise UnknownFormat(f"{path.name}: cannot tell the RDF format from the extension")
    return found


def parse_triples(
    data: bytes | Path,
    *,
    format: RdfFormat | None = None,
    base_iri: str | None = None,
    source: str | None = None,
) -> list[Triple]:
    """Parse RDF (a file or bytes) into triples; quads outside the default graph are refused.

    `source` names the input in error messages (defaults to the file name).
    """
    if isinstance(data, Path):
        name = source or data.name
        format = format or format_for_path(data)
        kwargs: dict[str, object] = {"path": str(data)}
    else:
        if format is None:
            raise UnknownFormat("the RDF format of the input is not known")
        name = source or "input"
        kwargs = {"input": data}
    try:
        triples = []
        for quad in parse(format=format, base_iri=base_iri, **kwargs):  # type: ignore[arg-type]
            if not isinstance(quad.graph_name, DefaultGraph):
                raise DataSyntaxError(name, "named graphs are not accepted here")
            triples.append(Triple(quad.subject, quad.predicate, quad.object))
    except SyntaxError as error:
        line, column = error.lineno, error.offset
        if line is None and format == RdfFormat.RDF_XML:
            line, column = _xml_position(data)
        raise DataSyntaxError(name, _reason(error), line, column) from None
    except OSError as error:
        raise DataSyntaxError(name, f"cannot be read ({error.strerror or error})") from None
    return triples


def _xml_position(data: bytes | Path) -> tuple[int | None, int | None]:
    """Where an XML document stops being well-formed (pyoxigraph's RDF/XML errors say nowhere)."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(data.read_bytes() if isinstance(data, Path) else data, True)
    except expat.ExpatError as error:
        return error.lineno, error.offset + 1
    except OSError:
        pass
    return None, None


def _reason(error: SyntaxError) -> str:
    """The message without pyoxigraph's own position prefix (DataSyntaxError states it)."""
    message = error.msg or str(error)
    head, separator, rest = message.partition(": ")
    return rest if separator and ("line" in head or head.startswith("error")) else message
