"""Import the French administrative divisions (Etalab's `decoupage-administratif` JSON files).

Régions, départements, communes (current ones, their arrondissements municipaux, communes
déléguées and associées) and EPCI, with INSEE codes (`igeo:codeINSEE`), names, populations,
postcodes and their hierarchy (`schema:containedInPlace`).
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode

from commonsgraph.errors import DataSyntaxError
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import (
    ImportReport,
    Progress,
    Record,
    TripleBuilder,
    chunks,
    int_field,
    integer_literal,
    list_field,
    no_progress,
    read_json,
    text_field,
)
from commonsgraph.store import Store
from commonsgraph.vocab import CG, IGEO, ORG, RDFS, SCHEMA, Minter

FILES = ("regions.json", "departements.json", "communes.json", "epci.json")

COMMUNE_KINDS: dict[str, tuple[str, NamedNode, str]] = {
    "commune-actuelle": ("commune", IGEO.Commune, "communes"),
    "arrondissement-municipal": (
        "arrondissement-municipal",
        IGEO.ArrondissementMunicipal,
        "arrondissements municipaux",
    ),
    "commune-deleguee": ("commune-deleguee", IGEO.CommuneDeleguee, "communes déléguées"),
    "commune-associee": ("commune-associee", IGEO.CommuneAssociee, "communes associées"),
}

EPCI_LEGAL_FORMS = {"CC": "7346", "CA": "7348", "CU": "7343", "METRO": "7344", "MET69": "7229"}


def find_files(paths: list[Path]) -> dict[str, Path]:
    """The four JSON files, from the paths given (the files, or a folder holding them)."""
    found: dict[str, Path] = {}
    for path in paths:
        for candidate in [path / name for name in FILES] if path.is_dir() else [path]:
            if candidate.name in FILES and candidate.is_file():
                found[candidate.name] = candidate
    missing = [name for name in FILES if name not in found]
    if missing:
        given = ", ".join(str(p) for p in paths)
        raise DataSyntaxError(given, f"missing geo file(s): {', '.join(missing)}")
    return found


def _records(path: Path, required: tuple[str, ...]) -> list[Record]:
    data = read_json(path)
    if not isinstance(data, list):
        raise DataSyntaxError(path.name, "expected a JSON array of records")
    for index, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise DataSyntaxError(path.name, f"record {index} is not a JSON object")
        missing = [key for key in required if text_field(record, key) is None]
        if missing:
            code = text_field(record, "code") or "?"
            raise DataSyntaxError(path.name, f"record {index} ({code}) lacks {', '.join(missing)}")
    return data


class _GeoGraph:
    """Builds the statements of the geo graph."""

    def __init__(self, minter: Minter, report: ImportReport) -> None:
        self.minter = minter
        self.report = report
        self.out = TripleBuilder(report)

    def division(self, kind: str, record: Record, cls: NamedNode, label: str) -> NamedNode:
        code = str(record["code"])
        iri = self.minter.division(kind, code)
        self.out.typed(iri, cls, label)
        self.out.add(iri, RDFS.label, Literal(str(record["nom"])))
        self.out.add(iri, IGEO.codeINSEE, Literal(code))
        return iri

    def within(self, iri: NamedNode, kind: str, code: str | None, known: set[str]) -> None:
        if code is not None and code in known:
            self.out.add(iri, SCHEMA.containedInPlace, self.minter.division(kind, code))

    def population(self, iri: NamedNode, value: int | None) -> None:
        if value is not None:
            self.out.add(iri, CG.population, integer_literal(value))


def import_geo(
    store: Store, minter: Minter, paths: list[Path], progress: Progress = no_progress
) -> ImportReport:
    """Import the four geo files into the graph `graph/import/geo`."""
    files = find_files(paths)
    report = ImportReport("geo", files=[p.name for p in files.values()])
    regions = _records(files["regions.json"], ("code", "nom"))
    departements = _records(files["departements.json"], ("code", "nom"))
    communes = _records(files["communes.json"], ("code", "nom", "type"))
    epcis = _records(files["epci.json"], ("code", "nom", "type"))
    report.rows_read = len(regions) + len(departements) + len(communes) + len(epcis)
    geo = _GeoGraph(minter, report)

    region_codes = {str(r["code"]) for r in regions}
    for record in regions:
        geo.division("region", record, IGEO.Region, "régions")
    departement_codes = {str(d["code"]) for d in departements}
    for record in departements:
        iri = geo.division("departement", record, IGEO.Departement, "départements")
        geo.within(iri, "region", text_field(record, "region"), region_codes)

    current = {str(c["code"]) for c in communes if c["type"] == "commune-actuelle"}
    for index in chunks(len(communes), progress):
        record = communes[index]
        kind = COMMUNE_KINDS.get(str(record["type"]))
        if kind is None:
            report.skip(
                "communes.json", index + 1, f"{record['code']}: unknown type {record['type']!r}"
            )
            continue
        segment, cls, label = kind
        iri = geo.division(segment, record, cls, label)
        if segment == "commune":
            geo.within(iri, "departement", text_field(record, "departement"), departement_codes)
        else:
            parent = text_field(record, "commune") or text_field(record, "chefLieu")
            geo.within(iri, "commune", parent, current)
        geo.population(iri, int_field(record, "population"))
        for postcode in list_field(record, "codesPostaux"):
            geo.out.add(iri, SCHEMA.postalCode, Literal(str(postcode)))
        siren = text_field(record, "siren")
        if siren is not None:
            geo.out.add(iri, CG.siren, Literal(siren))

    for index, record in enumerate(epcis, start=1):
        iri = geo.division("epci", record, IGEO.Intercommunalite, "EPCI")
        geo.out.add(iri, CG.siren, Literal(str(record["code"])))
        legal_form = EPCI_LEGAL_FORMS.get(str(record["type"]))
        if legal_form is not None:
            geo.out.add(iri, ORG.classification, minter.concept("legal-form", legal_form))
        geo.population(iri, int_field(record, "populationMunicipale"))
        for member in list_field(record, "membres"):
            code = text_field(member, "code") if isinstance(member, dict) else None
            if code is not None and code in current:
                geo.out.add(minter.commune(code), SCHEMA.containedInPlace, iri)
            else:
                report.skip(
                    "epci.json",
                    index,
                    f"EPCI {record['code']}: member {code} is not a current commune",
                )

    origin = GraphSource(
        name="import/geo",
        title_fr="Découpage administratif de la France",
        title_en="Administrative divisions of France",
        source=minter.source("decoupage-administratif"),
        licence=minter.licence("etalab-2.0"),
        used=", ".join(report.files),
    )
    report.changes.append(publish(store, minter, origin, geo.out.triples))
    return report
