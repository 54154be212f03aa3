"""Benchmark: the DCAT-AP catalogue over the real open data, next to /.well-known/void (the VoID
statistics, cached per data version) as the anchor, in one run, in process.

The first catalogue request of a data version writes every dump (the whole graph as gzipped
N-Quads, each graph as Turtle) to give their sizes and checksums: it is reported apart (cold).
Then each format of the catalogue and the anchor are asked `--rounds` times, alternating.

    .venv/bin/python bench/catalog.py [--data ../shared/data] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.importers.census import import_census
from commonsgraph.importers.communes import CommuneIndex
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.programmes import import_programme
from commonsgraph.store import LocalStore
from commonsgraph.vocab import Minter
from commonsgraph.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/commonsgraph/"
ANCHOR = ("VoID (anchor)", "/.well-known/void", "text/turtle")
ASKED = (
    ("catalogue, Turtle", "/catalog.ttl", "*/*"),
    ("catalogue, RDF/XML", "/catalog.rdf", "*/*"),
    ("catalogue, JSON-LD", "/catalog.jsonld", "*/*"),
    ("catalogue, DCAT-AP 2.1.1", "/catalog.ttl?profile=dcat-ap-2", "*/*"),
    ("catalogue, 10 a page (page 2)", "/catalog.ttl?page_size=10&page=2", "*/*"),
    ("catalogue, HTML", "/catalog.html", "text/html"),
)


def timed(client: TestClient, path: str, accept: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path, headers={"Accept": accept})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:200]
    return elapsed, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        store = LocalStore(data_dir / "store")
        settings = Settings(data_dir=data_dir, base_iri=BASE, tile_url="")
        minter = Minter(BASE)
        load_bundled(store, settings)
        import_geo(store, minter, [args.data / "geo"])
        communes = CommuneIndex.from_store(store, minter)
        for name in ("petites-villes-de-demain-2020.csv", "action-coeur-de-ville.geojson"):
            import_programme(store, minter, args.data / "programmes" / name, communes)
        import_census(store, minter, args.data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
        with TestClient(create_app(settings, store)) as client:
            cold, cold_size = timed(client, "/catalog.ttl", "*/*")
            timed(client, ANCHOR[1], ANCHOR[2])  # the statistics, computed once
            times: dict[str, list[float]] = {name: [] for name, _, _ in (ANCHOR, *ASKED)}
            sizes: dict[str, int] = {}
            for _ in range(args.rounds):
                for name, path, accept in (ANCHOR, *ASKED):
                    elapsed, size = timed(client, path, accept)
                    times[name].append(elapsed)
                    sizes[name] = size
        store.close()
    anchor = statistics.median(times[ANCHOR[0]])
    table = Table(title=f"The catalogue over the open data: median of {args.rounds} requests")
    for column in ("document", "bytes", "median ms", "÷ anchor"):
        table.add_column(column, justify="left" if column == "document" else "right")
    table.add_row(
        "catalogue, Turtle, cold (writes the dumps)",
        f"{cold_size:,}",
        f"{cold * 1000:.0f}",
        f"{cold / anchor:.1f}",
    )
    for name, values in times.items():
        median = statistics.median(values)
        table.add_row(name, f"{sizes[name]:,}", f"{median * 1000:.1f}", f"{median / anchor:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
