"""The checks every statement read from outside passes as it streams out of the parser.

Nothing is gathered first: the statement over the cap stops the reading, and a literal over its
cap is refused as soon as it is read. RDF 1.2 triple terms (`<<( s p o )>>`, and the reifying
`<< s p o >>` and `{| … |}` that stand for them) are refused: the store and its queries, the
SHACL shapes and the pages know RDF 1.1 only, and such a statement would otherwise be staged
and only fail later, when a curator accepts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import DefaultGraph, Literal, Quad, Triple

from commonsgraph.errors import DataSyntaxError, TooLarge, TooManyStatements
from commonsgraph.rdfio.limits import ReadLimits

SHOWN = 80
"""Characters of a term shown in an error message."""


def checked(quads: Iterable[Quad], limits: ReadLimits, source: str) -> Iterator[Triple]:
    """The statements of `quads` as triples, each checked as it comes."""
    for number, quad in enumerate(quads, start=1):
        if number > limits.statements:
            raise TooManyStatements(
                f"{source} holds more than {limits.statements:,} statements (the limit)"
            )
        if not isinstance(quad.graph_name, DefaultGraph):
            raise DataSyntaxError(source, "named graphs are not accepted here")
        subject, predicate, value = quad.subject, quad.predicate, quad.object
        if isinstance(subject, Triple) or isinstance(value, Triple):
            raise DataSyntaxError(
                source,
                f"statement {number:,} ({shown(subject)} {shown(predicate)} …) holds an "
                "RDF 1.2 triple term, which is not accepted: send RDF 1.1",
            )
        if isinstance(value, Literal) and len(value.value) > limits.literal_chars:
            raise TooLarge(
                f"{source}: a literal of {len(value.value):,} characters (statement "
                f"{number:,}, on {shown(subject)} {shown(predicate)}) exceeds the limit of "
                f"{limits.literal_chars:,}"
            )
        yield Triple(subject, predicate, value)


def shown(term: object) -> str:
    """A term as N-Triples, cut short for a message."""
    text = str(term)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
