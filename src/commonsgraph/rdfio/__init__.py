"""Reading RDF from outside: the one way every route does it, within limits given explicitly.

Contributions, the Graph Store, harvests (dumps, and the answers of CONSTRUCT queries) and the
command line all call `parse_triples` with the `ReadLimits` of their route; nothing else in the
project hands outside input to pyoxigraph. Small inputs must not cost much, nor kill the
process, so before the parser sees the input:
- JSON-LD has its nesting measured (a linear scan of its brackets), then is parsed in a child
  process under a memory limit and a deadline (`jsonld`): its parser recurses in ways no scan
  bounds, and crashes the process when it recurses too deep;
- RDF/XML is read by expat and written again with its entities expanded under bounds and its
  nesting checked, and pyoxigraph parses that (`xml`);
- the other formats (Turtle, N-Triples, N-Quads, TriG, N3) parse in linear time at any nesting,
  except RDF 1.2 triple terms nested in one another (30,000 deep crash the process): a text
  with more `<<` than `MAX_OPENERS` is refused unread (each one could open a triple term;
  fewer cannot nest deeply enough to matter, and are refused as statements).
Then, as the statements stream out, each is checked (`statements`): the one over the cap stops
the reading, a literal over its cap, a named graph or a triple term is refused. Errors are
translated once, here: `DataSyntaxError` (source, line, column) or `TooLarge`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pyoxigraph import Quad, RdfFormat, Triple, parse

from commonsgraph import formats
from commonsgraph.errors import DataSyntaxError, InputError, TooLarge, UnknownFormat
from commonsgraph.rdfio.jsonld import parse_jsonld
from commonsgraph.rdfio.limits import ReadLimits
from commonsgraph.rdfio.statements import checked
from commonsgraph.rdfio.xml import ExpandedXml

__all__ = ["MAX_OPENERS", "ReadLimits", "format_for_path", "parse_triples", "syntax_error"]

MAX_OPENERS = 1_000
"""`<<` a text may hold (a triple term nested 10,000 deep parses; 30,000 crash)."""


def format_for_path(path: Path) -> RdfFormat:
    """The RDF format of a file, from its extension."""
    found = formats.rdf_extension(path.suffix)
    if found is None:
        raise UnknownFormat(f"{path.name}: cannot tell the RDF format from the extension")
    return found


def parse_triples(
    data: bytes | Path,
    *,
    limits: ReadLimits,
    format: RdfFormat | None = None,
    base_iri: str | None = None,
    source: str | None = None,
) -> list[Triple]:
    """Read RDF (a file or bytes) into triples, within `limits`; quads outside the default
    graph are refused. `source` names the input in error messages (the file name by default).
    """
    if isinstance(data, Path):
        name = source or data.name
        format = format or format_for_path(data)
        body = _read_file(data, limits, name)
    else:
        if format is None:
            raise UnknownFormat("the RDF format of the input is not known")
        name = source or "input"
        body = data
    if len(body) > limits.size:
        raise TooLarge(f"{name} is larger than {limits.size:,} bytes")
    if format == RdfFormat.RDF_XML:
        document = ExpandedXml(body, limits, name)
        try:
            stream = io.BufferedReader(document)
            triples = list(checked(_parsed(stream, format, base_iri, name), limits, name))
        except InputError:
            if document.error is None:
                raise
        if document.error is not None:  # expat stopped: pyoxigraph saw a document cut short
            raise document.error
        return triples
    if format == RdfFormat.JSON_LD:
        quads = parse_jsonld(body, base_iri, limits, name)
        try:
            return list(checked(quads, limits, name))
        finally:
            quads.close()  # the child, stopped at once if a check failed
    openers = body.count(b"<<")
    if openers > MAX_OPENERS:
        raise DataSyntaxError(
            name,
            f"{openers:,} '<<' found, more than {MAX_OPENERS:,}: RDF 1.2 triple terms are not "
            "accepted, and so many could nest deep enough to crash the parser (in a string, "
            "write '<' as \\u003C)",
        )
    return list(checked(_parsed(body, format, base_iri, name), limits, name))


def _parsed(
    data: bytes | IO[bytes], format: RdfFormat, base_iri: str | None, name: str
) -> Iterator[Quad]:
    """pyoxigraph's statements, its syntax errors translated."""
    try:
        yield from parse(data, format=format, base_iri=base_iri)
    except SyntaxError as error:
        raise syntax_error(error, name) from None


def _read_file(path: Path, limits: ReadLimits, name: str) -> bytes:
    try:
        if path.stat().st_size > limits.size:
            raise TooLarge(f"{name} is larger than {limits.size:,} bytes")
        return path.read_bytes()
    except OSError as error:
        raise DataSyntaxError(name, f"cannot be read ({error.strerror or error})") from None


def syntax_error(error: SyntaxError, name: str) -> DataSyntaxError:
    """A pyoxigraph syntax error as ours, with its position."""
    return DataSyntaxError(name, _reason(error), error.lineno, error.offset)


def _reason(error: SyntaxError) -> str:
    """The message without pyoxigraph's own position prefix (DataSyntaxError states it)."""
    message = error.msg or str(error)
    head, separator, rest = message.partition(": ")
    return rest if separator and ("line" in head or head.startswith("error")) else message
