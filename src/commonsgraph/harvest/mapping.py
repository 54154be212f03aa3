"""From what partners publish to our model.

- SPARQL endpoints and RDF dumps are mapped by a CONSTRUCT query: a built-in one (`pair`, for
  SemApps platforms, in data/mappings/) or the source's own file. The query may use `?since`,
  bound to the time of the last harvest, to ask only for what changed.
- Feeds (GoGoCarto exports, GeoJSON, JSON, CSV) are mapped field by field: each record becomes
  a place `tiers-lieu/{source}-{id}` laid out as the census's (name, address, coordinates,
  commune found from its INSEE code or its postcode and name, web links), so the census's
  mapper does the work, plus a description, an e-mail, typologies and a modification date.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
)

from commonsgraph.errors import DataSyntaxError, PartnerError, TooLarge
from commonsgraph.harvest.sources import BUILT_IN_MAPPINGS, Source
from commonsgraph.importers.base import ImportReport, TripleBuilder, decode_text
from commonsgraph.importers.census import CensusMapper
from commonsgraph.importers.communes import CommuneIndex
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.rdfio.jsonld import json_depth
from commonsgraph.sparqltext import bind
from commonsgraph.vocab import DCT, PREFIXES, SCHEMA, XSD, Minter, fold, slug

GOGOCARTO_FIELDS = {
    "id": "id", "label": "name", "description": "description", "homepage": "website",
    "email": "email", "street": "address.streetAddress", "postcode": "address.postalCode",
    "locality": "address.addressLocality", "latitude": "geo.latitude",
    "longitude": "geo.longitude", "typology": "categories", "modified": "updatedAt",
}  # fmt: skip
FEED_FORMATS = {"geojson", "gogocarto", "json", "csv"}
EPOCH = "1970-01-01T00:00:00Z"
Record = dict[str, Any]


def mapping_query(source: Source, mappings: Path, base_iri: str, since: str | None) -> str:
    """The CONSTRUCT query of a SPARQL or RDF source, `?since` bound, our base declared."""
    built_in = source.mapping in BUILT_IN_MAPPINGS
    path = mappings / f"{source.mapping}.rq" if built_in else Path(str(source.mapping))
    text = path.read_text(encoding="utf-8")
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    bound = bind(text, {"since": Literal(since or EPOCH, datatype=XSD.dateTime)})
    return f"BASE <{base_iri}>\n{prologue}{bound}"


def map_dump(
    body: bytes, rdf_format: RdfFormat, query: str | None, url: str, limits: ReadLimits
) -> list[Triple]:
    """The triples of an RDF dump (or of a CONSTRUCT answer), read within the harvest limits,
    through the mapping query when there is one; `url`, the dump's (its credentials masked):
    its relative IRIs resolve against it."""
    try:
        triples = parse_triples(body, limits=limits, format=rdf_format, base_iri=url, source=url)
    except DataSyntaxError as error:
        where = f" (line {error.line})" if error.line else ""
        raise PartnerError(f"{url} sent RDF that does not parse: {error.reason}{where}") from None
    except TooLarge as error:
        raise PartnerError(str(error)) from None  # it names the partner's URL
    if query is None:
        return triples
    scratch = Store()
    scratch.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    results = scratch.query(query)
    assert isinstance(results, QueryTriples)
    return list(results)


def feed_records(source: Source, body: bytes, limits: ReadLimits) -> list[Record]:
    """The records of a feed, as flat-or-nested mappings, bounded before they are read (Python
    holds each value as an object: a 100 MB feed of empty objects is gigabytes): CSV rows no
    more than the statements a harvest may read, JSON values ten times as many, JSON no deeper
    than the limit (Python's parser recurses too)."""
    what, most = (
        ("rows", limits.statements) if source.kind == "csv" else ("values", 10 * limits.statements)
    )
    if body.count(b"\n" if source.kind == "csv" else b",") > most:
        raise PartnerError(f"{source.shown_url} sent a feed of more than {most:,} {what}")
    text = decode_text(body, source.shown_url)
    if source.kind == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if json_depth(body) > limits.depth:
        raise PartnerError(f"{source.shown_url} sent JSON nested deeper than {limits.depth} levels")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PartnerError(
            f"{source.shown_url} sent JSON that does not parse: {error.msg} (line {error.lineno})"
        ) from None
    if source.kind == "geojson":
        if not isinstance(document, dict) or not isinstance(document.get("features"), list):
            raise PartnerError(f"{source.shown_url} sent no GeoJSON FeatureCollection")
        return [_feature(feature) for feature in document["features"] if isinstance(feature, dict)]
    path = source.records or ("data" if source.kind == "gogocarto" else "")
    records = _at(document, path) if path else document
    if isinstance(document, list) and source.kind == "gogocarto":
        records = document
    if not isinstance(records, list):
        raise PartnerError(f"{source.shown_url}: no list of records at {path or 'the top'!r}")
    return [r for r in records if isinstance(r, dict)]


def _feature(feature: dict[str, Any]) -> Record:
    record: Record = dict(feature.get("properties") or {})
    record.setdefault("id", feature.get("id"))
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Point" and isinstance(geometry.get("coordinates"), list):
        longitude, latitude = (geometry["coordinates"] + [None, None])[:2]
        record["geometry.longitude"], record["geometry.latitude"] = longitude, latitude
    return record


def _at(record: Any, path: str) -> Any:
    """The value at a dotted path (`address.postalCode`), or None."""
    if isinstance(record, dict) and path in record:  # flat keys may hold dots themselves
        return record[path]
    value = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


class FeedMapper(CensusMapper):
    """Feed records as places, laid out as the census's."""

    def __init__(
        self, source: Source, minter: Minter, communes: CommuneIndex, typologies: dict[str, str]
    ) -> None:
        """`typologies`: our typology notations by their folded names and labels."""
        super().__init__(minter, communes, NamedNode(source.shown_url))
        self.feed = source
        self.fields = {**(GOGOCARTO_FIELDS if source.kind == "gogocarto" else {}), **source.fields}
        if source.kind == "geojson":
            self.fields.setdefault("latitude", "geometry.latitude")
            self.fields.setdefault("longitude", "geometry.longitude")
        self.known = {**typologies, **{fold(k): v for k, v in source.typologies.items()}}

    def place_iri(self, row: dict[str, str]) -> NamedNode:
        return self.minter.tiers_lieu(f"{self.feed.name}-{slug(row['ID'])}")

    def identifier(self, row: dict[str, str]) -> str:
        return row["ID"].strip()

    def typologies(self, row: dict[str, str], note: Callable[[str], None]) -> list[NamedNode]:
        concepts = []
        for value in filter(None, (v.strip() for v in row["TYPO"].split("|"))):
            notation = self.known.get(fold(value))
            if notation is None:
                note(f"typology {value!r} is not mapped ([sources.{self.feed.name}.typologies])")
            else:
                concepts.append(self.minter.concept("typology", notation))
        return concepts

    def value(self, record: Record, name: str) -> Any:
        return _at(record, self.fields[name]) if name in self.fields else None

    def row(self, record: Record) -> dict[str, str]:
        """A record in the census's columns."""
        code = _text(self.value(record, "commune"))
        typology = self.value(record, "typology")
        values = typology if isinstance(typology, list) else [typology]
        return {
            "ID": _text(self.value(record, "id")),
            "NOM_TL": _text(self.value(record, "label")),
            "ADRESSE": _text(self.value(record, "street")),
            "CP": _text(self.value(record, "postcode")),
            "COMINIT": _text(self.value(record, "locality")),
            "INSEECOM": code or "0",
            "NOMCOM": "",
            "WEB": _text(self.value(record, "homepage")),
            "TWITTER": "",
            "FACEBOOK": "",
            "TYPO": "|".join(_text(v) for v in values if _text(v)),
            "COUNTRY": _text(self.value(record, "country")),
            "LAT": _text(self.value(record, "latitude")),
            "LONG": _text(self.value(record, "longitude")),
        }

    def map(self, records: Iterable[Record]) -> tuple[list[Triple], list[str]]:
        """The statements of every record with an id, and what reading them noticed."""
        report = ImportReport(self.feed.name)
        out = TripleBuilder(report)
        notes: list[str] = []
        for number, record in enumerate(records, start=1):
            row = self.row(record)
            if not row["ID"]:
                notes.append(f"record {number}: no id (field {self.fields['id']!r}): skipped")
                continue
            note = _noting(notes, row["ID"])
            self.add_row(row, out, note=note, count=report.count)
            place = self.place_iri(row)
            description = _text(self.value(record, "description"))
            if description:
                out.add(place, DCT.description, Literal(description))
            email = _text(self.value(record, "email"))
            if email:
                out.add(place, SCHEMA.email, Literal(email))
            modified = _moment(_text(self.value(record, "modified")))
            if modified is not None:
                out.add(place, DCT.modified, modified)
        return out.triples, notes


def _noting(notes: list[str], identifier: str) -> Callable[[str], None]:
    def note(message: str) -> None:
        notes.append(f"record {identifier}: {message}")

    return note


def _moment(value: str) -> Literal | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    text = moment.isoformat()
    # the store's own lexical form (UTC as Z), so that harvesting again changes nothing
    return Literal(text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text,
                   datatype=XSD.dateTime)  # fmt: skip
