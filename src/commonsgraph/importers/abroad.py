"""Import the countries the programme compares with, and the administrative units abroad.

Each country of `territories.COUNTRIES` becomes a `schema:Country` (`country/{ISO 3166-1}`);
each ISO 3166-2 unit of the countries other than France (whose divisions come from INSEE, see
`importers/geo`) a `schema:AdministrativeArea` (`subdivision/{ISO 3166-2}`) contained in its
parent unit or its country: Belgium's 3 regions and 10 provinces, Spain's 17 autonomous
communities, 2 autonomous cities and 50 provinces. Codes and names come from pycountry.
"""

from __future__ import annotations

from pyoxigraph import Literal

from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import ImportReport, Progress, TripleBuilder, no_progress
from commonsgraph.store import Store
from commonsgraph.territories import COUNTRIES, country_name, units
from commonsgraph.vocab import CG, DCT, RDFS, SCHEMA, Minter

FRANCE = "FR"
"""Its divisions are INSEE's, imported by `importers/geo`."""


def import_abroad(store: Store, minter: Minter, progress: Progress = no_progress) -> ImportReport:
    """Countries and units abroad into the graph `graph/import/abroad`."""
    report = ImportReport("abroad", files=["pycountry"])
    out = TripleBuilder(report)
    for done, code in enumerate(COUNTRIES):
        progress(done, len(COUNTRIES))
        country = minter.country(code)
        out.typed(country, SCHEMA.Country, "countries")
        out.add(country, RDFS.label, Literal(country_name(code, "fr"), language="fr"))
        out.add(country, RDFS.label, Literal(country_name(code), language="en"))
        out.add(country, CG.iso3166Code, Literal(code))
        if code == FRANCE:
            continue
        for unit in units(code):
            report.rows_read += 1
            iri = minter.unit(unit.code)
            out.typed(iri, SCHEMA.AdministrativeArea, f"units of {code}")
            out.add(iri, RDFS.label, Literal(unit.name))
            if unit.name_fr != unit.name:
                out.add(iri, RDFS.label, Literal(unit.name_fr, language="fr"))
            out.add(iri, CG.iso3166Code, Literal(unit.code))
            out.add(iri, DCT.type, Literal(unit.kind, language="en"))
            parent = minter.unit(unit.parent) if unit.parent else country
            out.add(iri, SCHEMA.containedInPlace, parent)
    progress(len(COUNTRIES), len(COUNTRIES))
    origin = GraphSource(
        name="import/abroad",
        title_fr="Pays et subdivisions à l'étranger (ISO 3166)",
        title_en="Countries and subdivisions abroad (ISO 3166)",
        source=minter.source("iso-3166"),
        licence=minter.licence("LGPL-2.1-only"),
        used="pycountry",
    )
    report.changes.append(publish(store, minter, origin, out.triples))
    return report
