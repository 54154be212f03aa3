"""Import the 2019 national census of tiers-lieux (CGET / ANCT, "Mission Coworking").

Each row becomes a `cg:TiersLieu` with its name, address (`locn:Address`), coordinates (WGS84
and a WKT point), commune, typology, web and social links, and its source. Rows whose INSEE
commune code is `0` are resolved from their postcode and name, their name and département, a
postcode shared by no other commune, or the commune the census itself derived from the
coordinates (column INSEEMETRO); the rest keep no commune and are counted in the report.

`CensusMapper` is also what turns contributed CSV files in the census layout into RDF.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode

from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import (
    ImportReport,
    Progress,
    TripleBuilder,
    chunks,
    decimal_literal,
    no_progress,
    read_csv,
)
from commonsgraph.importers.communes import CommuneIndex, Division
from commonsgraph.store import Store
from commonsgraph.vocab import CG, DCT, FOAF, GEO, LOCN, RDF, RDFS, SCHEMA, WGS, Minter

COLUMNS = (
    "ID", "NOM_TL", "ADRESSE", "CP", "COMINIT", "INSEECOM", "NOMCOM", "WEB", "TWITTER",
    "FACEBOOK", "TYPO", "LAT", "LONG",
)  # fmt: skip
"""The columns the importer reads; the census has more (geocoding, metropolis, zones…)."""

TYPOLOGIES = {
    "Tiers lieux à dominante coworking": "coworking",
    "Tiers lieux à dominante fablab": "fablab",
}

WKT = GEO.wktLiteral


_HANDLE = re.compile(r"@?[\w-]+")


def web_iri(value: str, host: str | None = None) -> NamedNode | None:
    """An http(s) IRI from a census link, or None.

    The census writes links as full URLs, as "www.x.fr", and, in its social columns (`host`),
    as bare handles ("CoworkingWigwam", "@handle") or paths ("/groups/x").
    """
    value = value.split("|", 1)[0].strip()  # wiki-style "url|label"
    if not value:
        return None
    first = value.lstrip("@/").split("/", 1)[0]
    if host is not None and "://" not in value and (_HANDLE.fullmatch(first) and "." not in first):
        value = f"https://{host}/{value.lstrip('@/')}"
    if "://" not in value:
        value = "http://" + value
    try:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
            return None
        return NamedNode(value)
    except ValueError:  # urlsplit and NamedNode both refuse malformed IRIs with ValueError
        return None


class CensusMapper:
    """Maps census rows to RDF, resolving communes with a `CommuneIndex`.

    A row's place IRI and identifier follow the census (`tiers-lieu/cget-2019-{ID}`);
    subclasses map other files in the same layout to other IRIs.
    """

    def __init__(self, minter: Minter, communes: CommuneIndex, source: NamedNode | None) -> None:
        self.minter = minter
        self.communes = communes
        self.source = source

    def place_iri(self, row: dict[str, str]) -> NamedNode:
        return self.minter.tiers_lieu(f"cget-2019-{row['ID'].strip()}")

    def identifier(self, row: dict[str, str]) -> str:
        return f"CGET-2019-{row['ID'].strip()}"

    def typologies(self, row: dict[str, str], note: Callable[[str], None]) -> list[NamedNode]:
        """The typology concepts of a row (the census's TYPO column)."""
        typology = TYPOLOGIES.get(row["TYPO"].strip())
        if typology is not None:
            return [self.minter.concept("typology", typology)]
        note(
            f"unknown typology {row['TYPO'].strip()!r}"
            if row["TYPO"].strip()
            else "no typology in the source"
        )
        return []

    @staticmethod
    def unusable(row: dict[str, str]) -> str | None:
        """Why a row cannot describe a place at all, or None."""
        if not row["ID"].strip():
            return "no identifier (column ID)"
        if not row["NOM_TL"].strip():
            return "no name (column NOM_TL)"
        return None

    def add_row(
        self,
        row: dict[str, str],
        out: TripleBuilder,
        note: Callable[[str], None],
        count: Callable[[str], None],
    ) -> None:
        """Add the statements of one usable row.

        `note` records what the row lacks, `count` how its commune was resolved.
        """
        name = row["NOM_TL"].strip()
        place = self.place_iri(row)
        out.typed(place, CG.TiersLieu, "tiers-lieux")
        if name:  # a feed's record may have none: the shapes then quarantine it
            out.add(place, RDFS.label, Literal(name))
        out.add(place, DCT.identifier, Literal(self.identifier(row)))
        if self.source is not None:
            out.add(place, DCT.source, self.source)
        for concept in self.typologies(row, note):
            out.add(place, CG.typology, concept)
        self._address(place, row, out)
        self._coordinates(place, row, out, note)
        commune, how = self.commune(row)
        count(how)
        if commune is not None:
            out.add(place, SCHEMA.containedInPlace, commune.iri)
        else:
            note(
                "no commune: the INSEE code is 0 and neither the postcode, the name "
                "nor the coordinates identify one"
            )
        for column, predicate, host in (
            ("WEB", FOAF.homepage, None),
            ("TWITTER", SCHEMA.sameAs, "twitter.com"),
            ("FACEBOOK", SCHEMA.sameAs, "www.facebook.com"),
        ):
            value = row[column].strip()
            # A few cells list several URLs separated by spaces.
            parts = value.split() if all("://" in p for p in value.split()) else [value]
            for part in filter(None, parts):
                link = web_iri(part, host)
                if link is None:
                    note(f"{column} is not a web address: {part!r}")
                else:
                    out.add(place, predicate, link)

    def _address(self, place: NamedNode, row: dict[str, str], out: TripleBuilder) -> None:
        address = Minter.part(place, "address")
        street = row["ADRESSE"].strip()
        postcode = row["CP"].strip() if row["CP"].strip() not in ("", "0") else ""
        town = row["COMINIT"].strip() or row["NOMCOM"].strip()
        full = ", ".join(part for part in (street, f"{postcode} {town}".strip()) if part)
        out.add(place, LOCN.address, address)
        out.add(address, RDF.type, LOCN.Address)
        out.add(address, LOCN.fullAddress, Literal(full))
        if street:
            out.add(address, LOCN.thoroughfare, Literal(street))
        if postcode:
            out.add(address, LOCN.postCode, Literal(postcode))
        if town:
            out.add(address, LOCN.postName, Literal(town))
        out.add(address, LOCN.adminUnitL1, Literal("FR"))

    def _coordinates(
        self, place: NamedNode, row: dict[str, str], out: TripleBuilder, note: Callable[[str], None]
    ) -> None:
        lat, long = decimal_literal(row["LAT"]), decimal_literal(row["LONG"])
        if lat is None or long is None:
            note(f"no usable coordinates ({row['LAT']!r}, {row['LONG']!r})")
            return
        if not (-90 <= float(lat.value) <= 90 and -180 <= float(long.value) <= 180):
            note(f"coordinates out of range ({lat.value}, {long.value})")
            return
        out.add(place, WGS.lat, lat)
        out.add(place, WGS.long, long)
        geometry = Minter.part(place, "geometry")
        out.add(place, GEO.hasGeometry, geometry)
        out.add(geometry, RDF.type, GEO.Geometry)
        out.add(geometry, GEO.asWKT, Literal(f"POINT({long.value} {lat.value})", datatype=WKT))

    def commune(self, row: dict[str, str]) -> tuple[Division | None, str]:
        """The commune of a row, and how it was found."""
        code = row["INSEECOM"].strip()
        if code and code != "0":
            division, merged = self.communes.current(code)
            if division is None:
                return None, "unknown INSEE code"
            return division, "by INSEE code, via a merged commune" if merged else "by INSEE code"
        postcode = row["CP"].strip()
        names = {n.strip() for n in (row["COMINIT"], row["NOMCOM"]) if n.strip()}
        departement = row.get("INSEEDEP", "").strip() or None
        candidates = self.communes.by_postcode(postcode) if postcode not in ("", "0") else []
        for name in names:
            matches = [d for d in candidates if d in self.communes.by_name(name)]
            if len(matches) == 1:
                return matches[0], "code 0: by postcode and name"
        for name in names:
            matches = self.communes.by_name(name, departement)
            if len(matches) == 1:
                return matches[0], "code 0: by name and département"
        if len(candidates) == 1:
            return candidates[0], "code 0: by postcode"
        derived = row.get("INSEEMETRO", "").strip()
        if derived and (departement is None or derived.startswith(departement)):
            division, _ = self.communes.current(derived)
            if division is not None:
                return division, "code 0: from the coordinates (the census's INSEEMETRO)"
        return None, "code 0: unresolved"


def import_census(
    store: Store, minter: Minter, path: Path, progress: Progress = no_progress
) -> ImportReport:
    """Import the census CSV into the graph `graph/import/census`."""
    report = ImportReport("census", files=[path.name])
    _, rows = read_csv(path, COLUMNS)
    report.rows_read = len(rows)
    communes = CommuneIndex.from_store(store, minter)
    mapper = CensusMapper(minter, communes, minter.source("cget-tiers-lieux-2019"))
    out = TripleBuilder(report)
    seen: set[str] = set()
    for index in chunks(len(rows), progress, every=100):
        line, row = rows[index]
        reason = mapper.unusable(row)
        if reason is None and row["ID"].strip() in seen:
            reason = f"duplicate ID {row['ID'].strip()}: the first row with it is kept"
        if reason is not None:
            report.skip(path.name, line, reason)
            continue
        seen.add(row["ID"].strip())
        mapper.add_row(
            row,
            out,
            note=partial(report.warn, path.name, line),
            count=lambda how: report.count(f"commune {how}"),
        )
    origin = GraphSource(
        name="import/census",
        title_fr="Recensement national des tiers-lieux (2019)",
        title_en="National census of tiers-lieux (2019)",
        source=minter.source("cget-tiers-lieux-2019"),
        licence=minter.licence("etalab-2.0"),
        used=path.name,
    )
    report.changes.append(publish(store, minter, origin, out.triples))
    return report
