"""Reading an upload: RDF in the formats we read, or CSV in the census layout, within limits.

RDF is read the one way every route reads it (`commonsgraph.rdfio.parse_triples`, with the
limits of uploads): nesting, entities and sizes bounded before the parser sees the input,
statements and literals counted as they stream out of it. CSV rows are mapped to statements,
then counted against the same caps.

Blank nodes become skolem IRIs (`{base}.well-known/genid/{key}/{n}`, RDF 1.1 §3.5) so that
every node of a contribution can be compared, diffed and removed one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from commonsgraph.errors import DataSyntaxError, TooLarge, UnknownFormat
from commonsgraph.formats import READ_FORMATS, rdf_format
from commonsgraph.importers.base import ImportReport, TripleBuilder, decode_text, parse_csv
from commonsgraph.importers.census import COLUMNS, CensusMapper
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import Term
from commonsgraph.vocab import slug

CSV = "text/csv"
MEDIA_TYPES = (*(f.media_type for f in READ_FORMATS), CSV)


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
    found = rdf_format(media)
    if found is None or found not in READ_FORMATS:
        raise UnknownFormat(
            f"unsupported Content-Type {media or '(none)'!r}: send {', '.join(MEDIA_TYPES)}"
        )
    return found


def read_rdf(body: bytes, rdf_format: RdfFormat, base_iri: str, limits: ReadLimits) -> Upload:
    triples = parse_triples(
        body, limits=limits, format=rdf_format, base_iri=base_iri, source="upload"
    )
    return Upload(triples, [])


def read_census_csv(
    body: bytes, mapper_factory: Callable[[], CensusMapper], limits: ReadLimits
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


def check_size(triples: list[Triple], limits: ReadLimits) -> None:
    """The statements a CSV upload was mapped to, against the caps RDF is read within."""
    if len(triples) > limits.statements:
        raise TooLarge(
            f"the upload holds {len(triples):,} statements; the limit is {limits.statements:,}"
        )
    for triple in triples:
        value = triple.object
        if isinstance(value, Literal) and len(value.value) > limits.literal_chars:
            raise TooLarge(
                f"a literal of {len(value.value):,} characters (on {triple.subject} "
                f"{triple.predicate}) exceeds the limit of {limits.literal_chars:,}"
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
        """The resource a blank node hangs from, walking up its holders once: every node on
        the way is remembered (a dict keeps the chain in order and answers `in` at once), so
        that the walks over all the nodes cost as many steps as there are nodes."""
        chain: dict[str, None] = {}
        current, found = node, None
        while current.value not in roots:
            chain[current.value] = None
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
