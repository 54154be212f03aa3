"""Reading an upload: RDF in the formats we read, or CSV in the census layout, within limits.

Some inputs cost little to send and much to read, and a parser that crashes takes the service
down with it. Before pyoxigraph sees an upload:
- JSON-LD is read by Python's JSON parser first (pyoxigraph's JSON-LD parser recurses on nesting
  and crashes the process near depth 5,000; it is quadratic long before), and refused beyond
  `max_depth` levels;
- RDF/XML is read by expat first, which refuses entity expansion bombs (pyoxigraph expands
  "billion laughs" entities) and tells how deep the elements nest;
- after parsing, the statements and every literal's length are counted against their caps.
Turtle and N-Triples parse in linear time at any nesting depth.

Blank nodes become skolem IRIs (`{base}.well-known/genid/{key}/{n}`, RDF 1.1 §3.5) so that
every node of a contribution can be compared, diffed and removed one by one.
"""

from __future__ import annotations

import json
import pyexpat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from commonsgraph.errors import DataSyntaxError, TooLarge, UnknownFormat
from commonsgraph.importers.base import ImportReport, TripleBuilder, decode_text, parse_csv
from commonsgraph.importers.census import COLUMNS, CensusMapper
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import Term
from commonsgraph.vocab import slug

CSV = "text/csv"
RDF_FORMATS = (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.JSON_LD, RdfFormat.RDF_XML)
MEDIA_TYPES = (*(f.media_type for f in RDF_FORMATS), CSV)
ALIASES = {
    "application/x-turtle": RdfFormat.TURTLE,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/json": RdfFormat.JSON_LD,
    "application/xml": RdfFormat.RDF_XML,
    "text/xml": RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class UploadLimits:
    max_triples: int = 100_000
    max_literal: int = 100_000
    """Characters in one literal."""
    max_depth: int = 64
    """Nesting levels of JSON-LD objects and arrays, or of RDF/XML elements."""


@dataclass(frozen=True)
class Upload:
    """What an upload holds, and what reading it noticed (CSV rows left incomplete)."""

    triples: list[Triple]
    notes: list[str]


def upload_format(media_type: str) -> RdfFormat | None:
    """The RDF format of a Content-Type, None for CSV; UnknownFormat (415) for anything else."""
    media = media_type.split(";")[0].strip().lower()
    if media == CSV:
        return None
    found = ALIASES.get(media) or (RdfFormat.from_media_type(media) if media else None)
    if found not in RDF_FORMATS:
        raise UnknownFormat(
            f"unsupported Content-Type {media or '(none)'!r}: send {', '.join(MEDIA_TYPES)}"
        )
    assert found is not None
    return found


def read_rdf(body: bytes, rdf_format: RdfFormat, base_iri: str, limits: UploadLimits) -> Upload:
    if rdf_format == RdfFormat.JSON_LD:
        _check_json(body, limits.max_depth)
    elif rdf_format == RdfFormat.RDF_XML:
        _check_xml(body, limits.max_depth)
    triples = parse_triples(body, format=rdf_format, base_iri=base_iri, source="upload")
    check_size(triples, limits)
    return Upload(triples, [])


def read_census_csv(
    body: bytes, mapper_factory: Callable[[], CensusMapper], limits: UploadLimits
) -> Upload:
    """Places from a CSV file in the census's columns (exactly those), one per row; the
    mapper (which needs the communes) is made once the file is known to be well-formed."""
    _, rows = parse_csv(decode_text(body, "upload"), "upload", COLUMNS, exact=True)
    mapper = mapper_factory()
    report = ImportReport("upload")
    out = TripleBuilder(report)
    notes: list[str] = []
    for line, row in rows:
        reason = mapper.unusable(row)
        if reason is not None:
            raise DataSyntaxError("upload", reason, line)
        mapper.add_row(row, out, note=partial(_note, notes, line), count=report.count)
    check_size(out.triples, limits)
    return Upload(out.triples, notes)


class ContributedCensusMapper(CensusMapper):
    """Census-layout rows from a contributor: the place is named after its name and commune
    code (`tiers-lieu/{name}-{INSEE code or postcode}`), so that sending the same list again
    describes the same places; the row's ID is kept as the place's identifier."""

    def place_iri(self, row: dict[str, str]) -> NamedNode:
        where = row["INSEECOM"].strip() if row["INSEECOM"].strip() not in ("", "0") else ""
        return self.minter.tiers_lieu(slug(f"{row['NOM_TL']} {where or row['CP']}"))

    def identifier(self, row: dict[str, str]) -> str:
        return row["ID"].strip()


def _note(notes: list[str], line: int, message: str) -> None:
    notes.append(f"line {line}: {message}")


def check_size(triples: list[Triple], limits: UploadLimits) -> None:
    if len(triples) > limits.max_triples:
        raise TooLarge(
            f"the upload holds {len(triples):,} statements; the limit is {limits.max_triples:,}"
        )
    for triple in triples:
        value = triple.object
        if isinstance(value, Literal) and len(value.value) > limits.max_literal:
            raise TooLarge(
                f"a literal of {len(value.value):,} characters (on {triple.subject} "
                f"{triple.predicate}) exceeds the limit of {limits.max_literal:,}"
            )


def skolemize(triples: list[Triple], prefix: str) -> list[Triple]:
    """The triples with each blank node named.

    A blank node that belongs to one resource alone (it hangs, directly or through other blank
    nodes, from one subject IRI) becomes a part of it, `{resource}#b{n}` in order of
    appearance, so that describing the resource again replaces its parts; any other becomes
    `{prefix}{n}`.
    """
    holders: dict[str, set[Term]] = defaultdict(set)
    for triple in triples:
        if isinstance(triple.object, BlankNode):
            holders[triple.object.value].add(triple.subject)
    roots: dict[str, str | None] = {}

    def root(node: BlankNode) -> str | None:
        chain, current, found = [], node, None
        while current.value not in roots:
            chain.append(current.value)
            held = holders.get(current.value, set())
            holder = next(iter(held)) if len(held) == 1 else None
            if isinstance(holder, NamedNode):
                found = holder.value.split("#", 1)[0]
                break
            if not isinstance(holder, BlankNode) or holder.value in chain:
                break
            current = holder
        else:
            found = roots[current.value]
        for value in chain:
            roots[value] = found
        return found

    names: dict[str, NamedNode] = {}
    parts: dict[str, int] = defaultdict(int)
    loose = 0

    def term(node: Term) -> Any:
        nonlocal loose
        if not isinstance(node, BlankNode):
            return node
        if node.value not in names:
            resource = root(node)
            if resource is None:
                loose += 1
                names[node.value] = NamedNode(f"{prefix}{loose}")
            else:
                parts[resource] += 1
                names[node.value] = NamedNode(f"{resource}#b{parts[resource]}")
        return names[node.value]

    return [Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]


def _check_json(body: bytes, max_depth: int) -> None:
    try:
        document = json.loads(decode_text(body, "upload"))
    except json.JSONDecodeError as error:
        raise DataSyntaxError("upload", error.msg, error.lineno, error.colno) from None
    except RecursionError:
        raise TooLarge(f"the JSON-LD nests deeper than {max_depth} levels") from None
    if _json_depth(document) > max_depth:
        raise TooLarge(f"the JSON-LD nests deeper than {max_depth} levels")


def _json_depth(document: object) -> int:
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children: list[object] = (
            list(value.values())
            if isinstance(value, dict)
            else value
            if isinstance(value, list)
            else []
        )
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _check_xml(body: bytes, max_depth: int) -> None:
    parser = pyexpat.ParserCreate()
    depth = [0]

    def start(name: str, attributes: dict[str, str]) -> None:
        depth[0] += 1
        if depth[0] > max_depth:
            raise TooLarge(f"the RDF/XML nests deeper than {max_depth} elements")

    def end(name: str) -> None:
        depth[0] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except pyexpat.ExpatError as error:
        reason = pyexpat.ErrorString(error.code) if error.code else str(error)
        raise DataSyntaxError(
            "upload", reason or "not well-formed", error.lineno, error.offset + 1
        ) from None
