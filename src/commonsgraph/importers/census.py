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
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode

from commonsgraph.errors import DataSyntaxError
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
from commonsgraph.reconcile.names import core
from commonsgraph.store import Store, lexical
from commonsgraph.territories import check_coordinates, country_name, is_country, unit
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

_EMAIL = re.compile(r"(?:mailto:)?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)


def email_address(value: str) -> str | None:
    """The e-mail address a link cell holds instead of a web address ("x@laposte.fr"), or None."""
    found = _EMAIL.fullmatch(value.strip().removeprefix("http://").removeprefix("https://"))
    return found.group(1) if found else None


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
        if "@" in parts.netloc:  # "http://name@host": an e-mail address, not a web page
            return None
        return NamedNode(value)
    except ValueError:  # urlsplit and NamedNode both refuse malformed IRIs with ValueError
        return None


@dataclass(frozen=True)
class _Row:
    """One row being mapped: its place, its cells, where statements go, how it is reported."""

    place: NamedNode
    row: dict[str, str]
    out: TripleBuilder
    note: Callable[[str], None]
    count: Callable[[str], None]
    country: str
    """ISO 3166-1."""


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

        `note` records what the row lacks or contradicts, `count` how its commune was resolved
        and which data-quality rules it met.
        A row may name its country (COUNTRY, ISO 3166-1, FR by default) and, abroad, its unit
        (SUBDIVISION, ISO 3166-2): the census has no such columns, its corrections do.
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
        given = row.get("COUNTRY", "").strip()
        at = _Row(place, row, out, note, count, self.country(row))
        if given and at.country != given.upper():
            note(f"COUNTRY {given!r} is not an ISO 3166-1 code: France is assumed")
        self._address(at)
        self._coordinates(at)
        if at.country == "FR":
            self._commune(at)
        else:
            self._unit_abroad(at)
        self._links(at)

    @staticmethod
    def country(row: dict[str, str]) -> str:
        """The ISO 3166-1 code of a row's country: FR unless a COUNTRY column names another."""
        code = row.get("COUNTRY", "").strip().upper()
        return code if is_country(code) else "FR"

    def _commune(self, at: _Row) -> None:
        commune, how = self.commune(at.row)
        at.count(f"commune {how}")
        if commune is not None:
            at.out.add(at.place, SCHEMA.containedInPlace, commune.iri)
        else:
            at.note(
                "no commune: the INSEE code is 0 and neither the postcode, the name "
                "nor the coordinates identify one"
            )

    def _unit_abroad(self, at: _Row) -> None:
        """A place abroad is contained in its ISO 3166-2 unit (SUBDIVISION), else its country."""
        code, country = at.row.get("SUBDIVISION", "").strip().upper(), at.country
        found = unit(code) if code else None
        if code and (found is None or found.country != country):
            at.note(f"{code!r} is not an ISO 3166-2 unit of {country_name(country)} ({country})")
        if found is not None and found.country == country:
            at.out.add(at.place, SCHEMA.containedInPlace, self.minter.unit(found.code))
            at.count(f"abroad: in {country}, by ISO 3166-2 unit")
        else:
            at.out.add(at.place, SCHEMA.containedInPlace, self.minter.country(country))
            at.count(f"abroad: in {country}, by country only")

    @staticmethod
    def _links(at: _Row) -> None:
        for column, predicate, host in (
            ("WEB", FOAF.homepage, None),
            ("TWITTER", SCHEMA.sameAs, "twitter.com"),
            ("FACEBOOK", SCHEMA.sameAs, "www.facebook.com"),
        ):
            value = at.row[column].strip()
            # A few cells list several URLs separated by spaces.
            parts = value.split() if all("://" in p for p in value.split()) else [value]
            for part in filter(None, parts):
                link = web_iri(part, host)
                email = email_address(part) if column == "WEB" else None
                if email is not None:
                    at.out.add(at.place, SCHEMA.email, Literal(email))
                    at.count("e-mail address given as a web page (kept as schema:email)")
                    at.note(f"{column} is an e-mail address, not a web page: {part!r} is kept "
                            "as schema:email, not foaf:homepage")  # fmt: skip
                elif link is None:
                    at.note(f"{column} is not a web address: {part!r}")
                else:
                    at.out.add(at.place, predicate, link)

    @staticmethod
    def _address(at: _Row) -> None:
        row, out = at.row, at.out
        address = Minter.part(at.place, "address")
        street = row["ADRESSE"].strip()
        postcode = row["CP"].strip() if row["CP"].strip() not in ("", "0") else ""
        town = row["COMINIT"].strip() or row["NOMCOM"].strip()
        full = ", ".join(part for part in (street, f"{postcode} {town}".strip()) if part)
        out.add(at.place, LOCN.address, address)
        out.add(address, RDF.type, LOCN.Address)
        out.add(address, LOCN.fullAddress, Literal(full))
        if street:
            out.add(address, LOCN.thoroughfare, Literal(street))
        if postcode:
            out.add(address, LOCN.postCode, Literal(postcode))
        if town:
            out.add(address, LOCN.postName, Literal(town))
        out.add(address, LOCN.adminUnitL1, Literal(at.country))

    @staticmethod
    def _coordinates(at: _Row) -> None:
        lat, long = decimal_literal(at.row["LAT"]), decimal_literal(at.row["LONG"])
        if lat is None or long is None:
            at.note(f"no usable coordinates ({at.row['LAT']!r}, {at.row['LONG']!r})")
            return
        if not (-90 <= float(lat.value) <= 90 and -180 <= float(long.value) <= 180):
            at.note(f"coordinates out of range ({lat.value}, {long.value})")
            return
        problem = check_coordinates(at.country, float(lat.value), float(long.value))
        if problem is not None:
            at.note(f"{problem}: the coordinates are left out")
            at.count("coordinates outside the country of the address (left out)")
            if problem.swapped:
                at.count("coordinates with latitude and longitude swapped (left out)")
            return
        place, out = at.place, at.out
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


CORRECTIONS = Path(__file__).with_name("census-corrections.csv")
"""Curated corrections of census rows, each with its reason and source (see the file)."""

CORRECTABLE = (*COLUMNS, "COUNTRY", "SUBDIVISION")


def read_corrections(path: Path) -> dict[str, list[dict[str, str]]]:
    """The corrections of a file (columns ID, column, value, reason, source) by row ID."""
    _, rows = read_csv(path, ("ID", "column", "value", "reason", "source"))
    found: dict[str, list[dict[str, str]]] = {}
    for line, row in rows:
        if row["column"] not in CORRECTABLE:
            raise DataSyntaxError(path.name, f"column {row['column']!r} cannot be corrected", line)
        if not row["reason"].strip() or not row["source"].strip().startswith("https://"):
            raise DataSyntaxError(
                path.name, "a correction needs a reason and an https source", line
            )
        found.setdefault(row["ID"].strip(), []).append(row)
    return found


def _correct(
    row: dict[str, str], corrections: list[dict[str, str]], note: Callable[[str], None]
) -> None:
    for correction in corrections:
        column, value = correction["column"], correction["value"].strip()
        note(
            f"corrected {column} from {row.get(column, '')!r} to {value!r}: "
            f"{correction['reason'].strip()} ({correction['source'].strip()})"
        )
        row[column] = value


def _department(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _region_check(
    row: dict[str, str], communes: CommuneIndex, regions: dict[str, str]
) -> str | None:
    """Why the coordinates contradict the stated commune, or None.

    The census gives the commune its coordinates fall in (INSEEMETRO); the tolerance is the
    région: neighbouring communes, even across a département's border, are no contradiction
    (a geocoded address often lands next door), communes in two régions are."""
    stated, derived = row["INSEECOM"].strip(), row.get("INSEEMETRO", "").strip()
    if stated in ("", "0") or not derived:
        return None
    first, second = regions.get(_department(stated)), regions.get(_department(derived))
    if first is None or second is None or first == second:
        return None
    here, _ = communes.current(stated)
    there, _ = communes.current(derived)
    return (
        f"coordinates ({row['LAT'].strip()}, {row['LONG'].strip()}) lie in "
        f"{there.name if there else derived} ({derived}, région {second}) according to the "
        f"census, another région than the stated commune {here.name if here else stated} "
        f"({stated}, région {first})"
    )


def _regions(store: Store) -> dict[str, str]:
    """The région code of every département code."""
    rows = store.select(
        """SELECT ?d ?r WHERE { ?dep a igeo:Departement ; igeo:codeINSEE ?d ;
                                     schema:containedInPlace ?reg .
                                ?reg a igeo:Region ; igeo:codeINSEE ?r }"""
    )
    return {lexical(row["d"]): lexical(row["r"]) for row in rows}


def _linked(store: Store, graph: NamedNode) -> dict[NamedNode, tuple[NamedNode, NamedNode]]:
    """Census places that a place of another source names with owl:sameAs: that place, and
    the graph saying so."""
    rows = store.select(
        """SELECT ?place ?other ?g WHERE {
             GRAPH ?g { ?other owl:sameAs ?place } ?other a cg:TiersLieu .
             FILTER(?g != ?census) }""",
        {"census": graph},
    )
    linked = {}
    for row in rows:
        place, other, where = row["place"], row["other"], row["g"]
        if (
            isinstance(place, NamedNode)
            and isinstance(other, NamedNode)
            and isinstance(where, NamedNode)
        ):
            linked[place] = (other, where)
    return linked


def _elsewhere(
    store: Store, graph: NamedNode, linked: dict[NamedNode, tuple[NamedNode, NamedNode]]
) -> dict[tuple[tuple[str, ...], str], tuple[NamedNode, NamedNode]]:
    """Places of other sources by the core of their name and their commune, except those
    already linked to a census row."""
    rows = store.select(
        """SELECT ?other ?name ?commune ?g WHERE {
             GRAPH ?g { ?other a cg:TiersLieu ; rdfs:label ?name ;
                               schema:containedInPlace ?commune }
             FILTER(?g != ?census) }""",
        {"census": graph},
    )
    done = {other for other, _ in linked.values()}
    found = {}
    for row in rows:
        other, commune, where = row["other"], row["commune"], row["g"]
        if isinstance(other, NamedNode) and isinstance(where, NamedNode) and other not in done:
            found[(_words(lexical(row["name"])), lexical(commune))] = (other, where)
    return found


def _alike(
    row: dict[str, str],
    mapper: CensusMapper,
    elsewhere: dict[tuple[tuple[str, ...], str], tuple[NamedNode, NamedNode]],
) -> tuple[NamedNode, NamedNode] | None:
    commune, _ = mapper.commune(row) if mapper.country(row) == "FR" else (None, "")
    if commune is None:
        return None
    return elsewhere.get((_words(row["NOM_TL"]), commune.iri.value))


def _words(name: str) -> tuple[str, ...]:
    """What a name says once the words saying what kind of place it is are set aside, in any
    order ("Nomade – La Poste (coworking)" and "La Poste Nomade")."""
    return tuple(sorted(core(name)))


def import_census(
    store: Store,
    minter: Minter,
    path: Path,
    progress: Progress = no_progress,
    corrections: Path | None = CORRECTIONS,
) -> ImportReport:
    """Import the census CSV into the graph `graph/import/census`.

    Besides each row's own warnings, the report says, line by line, which rows were corrected
    (`corrections`), whose coordinates contradict their country or commune, which rows another
    source already describes (linked by owl:sameAs, so counted once), and which look like a
    place of another source (the same name, once the words saying what kind of place it is are
    set aside, in the same commune) without being linked to it.
    """
    report = ImportReport("census", files=[path.name])
    _, rows = read_csv(path, COLUMNS)
    report.rows_read = len(rows)
    fixes = read_corrections(corrections) if corrections is not None else {}
    communes = CommuneIndex.from_store(store, minter)
    regions = _regions(store)
    graph = minter.graph("import/census")
    linked = _linked(store, graph)
    elsewhere = _elsewhere(store, graph, linked)
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
        note = partial(report.warn, path.name, line)
        if row["ID"].strip() in fixes:
            _correct(row, fixes[row["ID"].strip()], note)
            report.count("rows corrected (census-corrections.csv)")
        contradiction = (
            _region_check(row, communes, regions) if mapper.country(row) == "FR" else None
        )
        if contradiction is not None:
            note(contradiction)
            report.count("coordinates in another région than the stated commune")
        mapper.add_row(row, out, note=note, count=report.count)
        place = mapper.place_iri(row)
        if place in linked:
            other, where = linked[place]
            note(
                f"the same place as {other.value} (graph {where.value}), which names it with "
                "owl:sameAs: counted once"
            )
            report.count("rows another source describes too (owl:sameAs)")
        elif (alike := _alike(row, mapper, elsewhere)) is not None:
            other, where = alike
            note(
                f"looks like {other.value} (graph {where.value}): the same name and commune, "
                "but no owl:sameAs links them, so both are counted"
            )
            report.count("rows that look like a place of another source (not linked)")
    for identifier in sorted(set(fixes) - seen):
        report.warn(
            path.name, None, f"a correction names row ID {identifier}, which is not in the file"
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
