"""Benchmark: the four imports of the real open data, their idempotent re-import, and a
1M-statement load — on an on-disk store, in one run. Prints a table.

    .venv/bin/python bench/imports.py [--data ../shared/data] [--statements 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple
from rich.console import Console
from rich.table import Table

from commonsgraph.config import Settings
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.census import import_census
from commonsgraph.importers.communes import CommuneIndex
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.licences import import_licences
from commonsgraph.importers.programmes import import_programme
from commonsgraph.rdfio import ReadLimits
from commonsgraph.store import GraphChange, LocalStore
from commonsgraph.vocab import CG, RDF, RDFS, WGS, XSD, Minter

ROOT = Path(__file__).resolve().parents[1]


def synthetic(count: int, minter: Minter) -> list[Triple]:
    """`count` statements shaped like the census: places with labels, coordinates, links."""
    triples: list[Triple] = []
    per_place = 8
    for index in range(count // per_place):
        place = minter.tiers_lieu(f"bench-{index}")
        lat = Literal(f"{43 + (index % 700) / 100:.2f}", datatype=XSD.decimal)
        long = Literal(f"{-1 + (index % 900) / 100:.2f}", datatype=XSD.decimal)
        triples += [
            Triple(place, RDF.type, CG.TiersLieu),
            Triple(place, RDFS.label, Literal(f"Tiers-lieu n°{index}")),
            Triple(place, WGS.lat, lat),
            Triple(place, WGS.long, long),
            Triple(
                place, CG.typology, minter.concept("typology", ("fablab", "coworking")[index % 2])
            ),
            Triple(place, CG.theme, minter.concept("theme", "culture")),
            Triple(place, CG.network, minter.organisation(f"network-{index % 50}")),
            Triple(
                place,
                NamedNode("http://schema.org/containedInPlace"),
                minter.commune(f"{10000 + index % 30000}"),
            ),
        ]
    return triples


class Timings:
    """Rows of the result table."""

    def __init__(self) -> None:
        self.table = Table("operation", "seconds", "statements", "statements/s", title="imports")

    def add(self, label: str, start: float, change: GraphChange | None = None) -> None:
        seconds = time.perf_counter() - start
        statements = f"{change.total:,}" if change else ""
        rate = f"{change.total / seconds:,.0f}" if change else ""
        self.table.add_row(label, f"{seconds:.2f}", statements, rate)


def imports(store: LocalStore, minter: Minter, data: Path, label: str, timings: Timings) -> None:
    start = time.perf_counter()
    timings.add(f"geo ({label})", start, import_geo(store, minter, [data / "geo"]).changes[0])
    start = time.perf_counter()
    communes = CommuneIndex.from_store(store, minter)
    timings.add(f"commune index ({label})", start)
    for name in ("petites-villes-de-demain-2020.csv", "action-coeur-de-ville.geojson"):
        start = time.perf_counter()
        report = import_programme(store, minter, data / "programmes" / name, communes)
        timings.add(f"programmes {name} ({label})", start, report.changes[0])
    start = time.perf_counter()
    report = import_licences(
        store, minter, [data / "licences"], limits=ReadLimits.files(Settings(data_dir=None))
    )
    timings.add(f"licences ({label})", start, report.changes[0])
    start = time.perf_counter()
    report = import_census(store, minter, data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
    timings.add(f"census, with its commune index ({label})", start, report.changes[0])


def load(store: LocalStore, minter: Minter, statements: int, timings: Timings) -> None:
    triples = synthetic(statements, minter)
    origin = GraphSource("bench/synthetic", "Banc d'essai", "Benchmark")
    for label, data in (
        ("first load (bulk)", triples),
        ("same again (diff)", triples),
        ("minus 8,000 statements (diff)", triples[: -8 * 1000]),
    ):
        start = time.perf_counter()
        change = publish(store, minter, origin, data)
        timings.add(f"{len(triples):,} synthetic statements, {label}", start, change)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--statements", type=int, default=1_000_000)
    args = parser.parse_args()
    minter = Minter(Settings().base_iri)
    timings = Timings()
    with tempfile.TemporaryDirectory() as directory:
        store = LocalStore(Path(directory) / "store")
        imports(store, minter, args.data, "first", timings)
        imports(store, minter, args.data, "again", timings)
        load(store, minter, args.statements, timings)
        store.close()
    console = Console(width=120)
    console.print(timings.table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
