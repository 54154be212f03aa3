"""Import the communes of national programmes: Petites Villes de Demain (CSV, ANCT) and
Action Cœur de Ville (GeoJSON, ANCT), as `cg:programme` links from each commune to the programme.

Each file becomes its own graph; a CSV is read as Petites Villes de Demain, a GeoJSON
FeatureCollection as Action Cœur de Ville.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commonsgraph.errors import DataSyntaxError
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import (
    ImportReport,
    Progress,
    TripleBuilder,
    no_progress,
    read_csv,
    read_json,
    text_field,
)
from commonsgraph.importers.communes import CommuneIndex
from commonsgraph.store import Store
from commonsgraph.vocab import CG, Minter


@dataclass(frozen=True)
class Programme:
    slug: str
    name: str
    title_fr: str
    title_en: str


PVD = Programme(
    "petites-villes-de-demain",
    "Petites Villes de Demain",
    "Communes du programme Petites Villes de Demain",
    "Communes of the Petites Villes de Demain programme",
)
ACV = Programme(
    "action-coeur-de-ville",
    "Action Cœur de Ville",
    "Communes du programme Action Cœur de Ville",
    "Communes of the Action Cœur de Ville programme",
)

Member = tuple[int, str]
"""(line or feature number, INSEE code)."""


def _pvd_members(path: Path) -> Iterator[Member]:
    _, rows = read_csv(path, ("insee_com", "lib_com", "id_pvd"))
    for line, row in rows:
        yield line, row["insee_com"].strip()


def _acv_members(path: Path, data: dict[str, object]) -> Iterator[Member]:
    features = data.get("features")
    if not isinstance(features, list):
        raise DataSyntaxError(path.name, "a FeatureCollection needs a 'features' array")
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise DataSyntaxError(path.name, f"feature {number} has no properties")
        code = text_field(properties, "insee_com")
        if code is None:
            raise DataSyntaxError(path.name, f"feature {number} has no insee_com")
        # The GeoJSON stores most codes as numbers, which drops their leading zero.
        yield number, code.zfill(5)


def _recognise(path: Path) -> tuple[Programme, Iterator[Member]]:
    if path.suffix.lower() == ".csv":
        return PVD, _pvd_members(path)
    if path.suffix.lower() in (".geojson", ".json"):
        data = read_json(path)
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise DataSyntaxError(path.name, "expected a GeoJSON FeatureCollection")
        return ACV, _acv_members(path, data)
    raise DataSyntaxError(
        path.name,
        "not a programme file: expected the Petites Villes de Demain CSV or the "
        "Action Cœur de Ville GeoJSON",
    )


def import_programme(
    store: Store,
    minter: Minter,
    path: Path,
    communes: CommuneIndex | None = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import one programme file into the graph `graph/import/{programme}`."""
    programme, members = _recognise(path)
    report = ImportReport(f"programmes: {programme.name}", files=[path.name])
    rows = list(members)
    report.rows_read = len(rows)
    communes = communes or CommuneIndex.from_store(store, minter)
    iri = minter.programme(programme.slug)
    out = TripleBuilder(report)
    linked: set[str] = set()
    for done, (line, code) in enumerate(rows, start=1):
        progress(done, len(rows))
        commune, merged = communes.current(code)
        if commune is None or commune.kind != "commune":
            report.skip(path.name, line, f"INSEE code {code} is not a current commune")
            continue
        if commune.code in linked:
            report.skip(path.name, line, f"commune {code} is listed twice")
            continue
        linked.add(commune.code)
        out.add(commune.iri, CG.programme, iri)
        report.created["communes linked"] += 1
        if merged:
            report.count("linked through a commune that has since merged")
    origin = GraphSource(
        name=f"import/{programme.slug}",
        title_fr=programme.title_fr,
        title_en=programme.title_en,
        source=minter.source(programme.slug),
        licence=minter.licence("etalab-2.0") if programme is PVD else None,
        used=path.name,
    )
    report.changes.append(publish(store, minter, origin, out.triples))
    return report
