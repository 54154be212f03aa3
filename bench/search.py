"""Benchmark: search, suggest and reconciliation over the full imported data, next to the linear
scan of labels the service searched with before the index (the anchor), in one run.

- search and suggest latencies (p50, p90) at 1 and 8 concurrent clients (threads of this
  process calling the index, as the service's worker threads do);
- the index brought up to date after a contribution of 1,000 statements (100 places), against a
  full rebuild;
- reconciliation of 1,000 census rows (names, postcodes, INSEE codes) in batches of 10.

Import the open data first (stop `serve`: one process owns the store):

    .venv/bin/commonsgraph --data-dir /tmp/cg-bench import all ../shared/data
    .venv/bin/python bench/search.py --data-dir /tmp/cg-bench [--seconds 5]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple
from rich.console import Console
from rich.table import Table

from commonsgraph.reconcile.service import ReconciliationService
from commonsgraph.store import LocalStore
from commonsgraph.textindex import SearchIndex
from commonsgraph.vocab import CG, RDF, RDFS, SCHEMA, WGS, fold

BASE = "https://w3id.org/commonsgraph/"
WORDS = [
    "fablab", "coworking", "tiers", "lieu", "nantes", "lyon", "atelier", "casemate", "gueret",
    "paris", "bordeaux", "maison", "cowork", "lab", "ecole", "marseille", "campus", "la fabrique",
    "fab", "numerique", "grenoble", "espace", "licence", "mit", "creative", "commons",
]  # fmt: skip


class LinearScan:
    """The search the service had before the index: every label folded in a list, scanned for
    each query (the anchor)."""

    def __init__(self, store: LocalStore) -> None:
        rows = store.select(
            """SELECT ?x ?label WHERE { ?x rdfs:label|skos:prefLabel ?label FILTER(isIRI(?x)) }"""
        )
        self.entries = [(fold(row["label"].value), row["x"].value) for row in rows]  # type: ignore[union-attr]

    def search(self, query: str) -> list[str]:
        needle = fold(query)
        words = needle.split()
        found = [
            (0 if folded == needle else 1 if folded.startswith(needle) else 2, len(folded), iri)
            for folded, iri in self.entries
            if all(word in folded for word in words)
        ]
        return [iri for *_, iri in sorted(found)[:50]]


def latencies(call: Callable[[str], object], clients: int, seconds: float) -> list[float]:
    """Latencies of `call` on random words from `clients` threads for `seconds`."""
    measured: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        while time.perf_counter() < deadline:
            word = rng.choice(WORDS)
            started = time.perf_counter()
            call(word)
            mine.append(time.perf_counter() - started)
        with lock:
            measured.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return measured


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def contribution(n: int) -> list[Triple]:
    """A contribution of 10 statements per place, `n` places."""
    triples = []
    for i in range(n):
        place = NamedNode(f"{BASE}tiers-lieu/bench-{i}")
        triples += [
            Triple(place, RDF.type, CG.TiersLieu),
            Triple(place, RDFS.label, Literal(f"Atelier partagé numéro {i}", language="fr")),
            Triple(place, RDFS.label, Literal(f"Shared workshop number {i}", language="en")),
            Triple(place, SCHEMA.containedInPlace, NamedNode(f"{BASE}commune/38185")),
            Triple(place, CG.typology, NamedNode(f"{BASE}scheme/typology/fablab")),
            Triple(place, WGS.lat, Literal(str(45.18 + i / 1e4))),
            Triple(place, WGS.long, Literal(str(5.72 + i / 1e4))),
            Triple(place, SCHEMA.description, Literal(f"Un atelier de test, le {i}e.")),
            Triple(place, SCHEMA.alternateName, Literal(f"ATP {i}")),
            Triple(place, CG.stage, NamedNode(f"{BASE}scheme/stage/open")),
        ]
    return triples


def census_rows(path: Path, count: int) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as sheet:
        return list(csv.DictReader(sheet))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--census", type=Path, default=Path("../shared/data/tiers-lieux/cget-tiers-lieux-2019.csv")
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    arguments = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="cg-bench-search-") as scratch:
        copy = Path(scratch) / "store"  # the contribution is written to a copy
        shutil.copytree(arguments.data_dir / "store", copy)
        marker = arguments.data_dir / "store.default-graph"  # what its default graph holds
        if marker.exists():
            shutil.copy(marker, copy.with_name(marker.name))
        store = LocalStore(copy, query_workers=0)
        started = time.perf_counter()
        scan = LinearScan(store)
        scan_build = time.perf_counter() - started
        index = SearchIndex(store, Path(scratch) / "search")
        built = index.refresh()
        assert built is not None
        console.print(
            f"{len(index):,} entries ({index.things():,} things: owl:sameAs groups once); "
            f"full index build {built.seconds:.2f} s; "
            f"the linear scan's list {scan_build:.2f} s"
        )

        table = Table(title="search and suggest: latency (ms), ratio to the linear scan")
        for column in ("what", "clients", "requests", "p50", "p90", "p50 ÷ scan p50"):
            table.add_column(column, justify="right" if column != "what" else "left")
        for clients in (1, 8):
            anchor = latencies(scan.search, clients, arguments.seconds)
            anchor_p50 = statistics.median(anchor)
            for name, measured in (
                ("linear scan (before)", anchor),
                ("search (index, facets)", latencies(
                    lambda q: index.search(q, limit=20), clients, arguments.seconds)),
                ("suggest", latencies(
                    lambda q: index.suggest(q[:4]), clients, arguments.seconds)),
            ):  # fmt: skip
                table.add_row(
                    name, str(clients), f"{len(measured):,}",
                    f"{percentile(measured, 0.5) * 1000:.2f}",
                    f"{percentile(measured, 0.9) * 1000:.2f}",
                    f"{statistics.median(measured) / anchor_p50:.3f}",
                )  # fmt: skip
        console.print(table)

        updates = Table(title="bringing the index up to date after a write (s)")
        for column in ("write", "statements", "update", "rebuilt", "÷ full build"):
            updates.add_column(column)
        triples = contribution(100)
        store.add_to_graph(NamedNode(f"{BASE}graph/contribution/bench"), triples)
        refreshed = index.refresh()
        assert refreshed is not None
        updates.add_row(
            "contribution (add_to_graph)", f"{len(triples):,}", f"{refreshed.seconds:.3f}",
            str(refreshed.rebuilt), f"{refreshed.seconds / built.seconds:.3f}",
        )  # fmt: skip
        assert index.search("atelier partage numero 42").total >= 1
        console.print(updates)

        service = ReconciliationService(store, index)
        rows = census_rows(arguments.census, 1000)
        right = 0
        started = time.perf_counter()
        for start in range(0, len(rows), 10):
            batch = {
                f"q{i}": {
                    "query": row["NOM_TL"],
                    "type": str(CG.TiersLieu.value),
                    "properties": [{"pid": "postcode", "v": row["CP"]}]
                    + ([{"pid": "insee", "v": row["INSEECOM"]}] if row["INSEECOM"] != "0" else []),
                }
                for i, row in enumerate(rows[start : start + 10])
            }
            answers = service.reconcile(batch)
            for i, row in enumerate(rows[start : start + 10]):
                result = answers[f"q{i}"]["result"]
                census = f"{BASE}tiers-lieu/cget-2019-{row['ID']}"
                # its census row, or the thing it is one with (owl:sameAs: the seed's place)
                kept = index.canonical([census]).get(census, census)
                right += bool(result) and result[0]["id"] == kept
        seconds = time.perf_counter() - started
        reconciled = Table(title="reconciliation of census rows in batches of 10")
        for column in ("rows", "seconds", "rows/s", "right top candidates (exact names)"):
            reconciled.add_column(column)
        reconciled.add_row(
            f"{len(rows):,}", f"{seconds:.2f}", f"{len(rows) / seconds:.0f}", f"{right:,}"
        )
        console.print(reconciled)
        index.close()
        store.close()


if __name__ == "__main__":
    main()
