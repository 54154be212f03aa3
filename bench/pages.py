"""Benchmark: the page of a tiers-lieu, as HTML and as Turtle, next to a plain DESCRIBE of the
same IRI sent to `oxigraph serve` holding the same data, in one run, at 1 and 8 clients.

The open data is imported into a commonsgraph data directory and dumped into an Oxigraph server
directory; every request asks for a random place of the 2019 census. Our representations are
cached until the data changes: the first request of each place (cold) is reported apart from the
steady state (warm).

    .venv/bin/python bench/pages.py [--data ../shared/data] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import RdfFormat
from rich.console import Console
from rich.table import Table

from common import BIN, Client, Request, free_port, load, serving, summary
from commonsgraph.config import Settings
from commonsgraph.store import LocalStore

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/commonsgraph/"
PLACES = 1512


def ours(kind: str) -> Callable[[random.Random], list[Request]]:
    accept = "text/html" if kind == "html" else "text/turtle"

    def requests(rng: random.Random) -> list[Request]:
        return [(f"/tiers-lieu/cget-2019-{rng.randrange(1, PLACES + 1)}", accept)]

    return requests


def oxigraph_describe(rng: random.Random) -> list[Request]:
    iri = f"{BASE}tiers-lieu/cget-2019-{rng.randrange(1, PLACES + 1)}"
    return [(f"/query?query={quote(f'DESCRIBE <{iri}>')}", "text/turtle")]


async def cold(url: str, accept: str) -> list[float]:
    """Every place once, in order: the latency of a representation not yet cached."""
    import time

    client = Client(url)
    latencies = []
    for number in range(1, PLACES + 1):
        started = time.perf_counter()
        await client.get(f"/tiers-lieu/cget-2019-{number}", accept)
        latencies.append(time.perf_counter() - started)
    await client.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        data_dir = root / "commonsgraph"
        subprocess.run(
            [
                str(BIN / "commonsgraph"),
                "--data-dir",
                str(data_dir),
                "import",
                "all",
                str(args.data),
            ],
            check=True,
            capture_output=True,
        )
        store = LocalStore(Settings(data_dir=data_dir).store_path)
        dump = root / "dump.nq"
        with dump.open("wb") as output:
            store.dump(output, RdfFormat.N_QUADS)
        statements = store.triple_count()
        store.close()
        subprocess.run(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(root / "oxigraph"),
                "--file",
                str(dump),
            ],
            check=True,
            capture_output=True,
        )

        ours_port, oxigraph_port = free_port(), free_port()
        env = {
            **os.environ,
            "COMMONSGRAPH_DATA_DIR": str(data_dir),
            "COMMONSGRAPH_PORT": str(ours_port),
            "COMMONSGRAPH_TILE_URL": "",
        }
        results: dict[tuple[str, int], list[float]] = {}
        colds: dict[str, list[float]] = {}
        ours_url = f"http://127.0.0.1:{ours_port}"
        with serving(
            [str(BIN / "commonsgraph"), "serve"], f"{ours_url}/health", root / "ours.log", env
        ):
            for kind, accept in (("html", "text/html"), ("turtle", "text/turtle")):
                colds[kind] = asyncio.run(cold(ours_url, accept))
            for kind in ("html", "turtle"):
                for clients in (1, 8):
                    results[(f"commonsgraph {kind}", clients)] = asyncio.run(
                        load(ours_url, ours(kind), clients, args.seconds)
                    )
        oxigraph_url = f"http://127.0.0.1:{oxigraph_port}"
        command = [
            str(BIN / "oxigraph"),
            "serve-read-only",
            "--location",
            str(root / "oxigraph"),
            "--bind",
            f"127.0.0.1:{oxigraph_port}",
            "--union-default-graph",
        ]
        with serving(
            command, f"{oxigraph_url}/query?query={quote('ASK {}')}", root / "oxigraph.log"
        ):
            asyncio.run(load(oxigraph_url, oxigraph_describe, 2, 2))
            for clients in (1, 8):
                results[("oxigraph DESCRIBE", clients)] = asyncio.run(
                    load(oxigraph_url, oxigraph_describe, clients, args.seconds)
                )

    table = Table(
        "system",
        "clients",
        "requests",
        "requests/s",
        "p50 ms",
        "p90 ms",
        title=f"a tiers-lieu page, {statements:,} statements, random places of the census",
    )
    for (name, clients), latencies in results.items():
        table.add_row(name, str(clients), *summary(latencies, args.seconds))
    console.print(table)
    ratios = Table(
        "clients",
        "Turtle p50 / DESCRIBE p50",
        "Turtle throughput / DESCRIBE",
        "HTML p50 ms",
        title="targets: Turtle within 1.5× of DESCRIBE; HTML p50 < 5 ms at 1 client",
    )
    for clients in (1, 8):
        turtle, describe = (
            results[("commonsgraph turtle", clients)],
            results[("oxigraph DESCRIBE", clients)],
        )
        ratios.add_row(
            str(clients),
            f"{statistics.median(turtle) / statistics.median(describe):.2f}",
            f"{len(turtle) / len(describe):.2f}",
            f"{statistics.median(results[('commonsgraph html', clients)]) * 1000:.2f}",
        )
    console.print(ratios)
    first = Table(
        "representation",
        "p50 ms",
        "p90 ms",
        title="cold: the first request of each place (rendered, then cached)",
    )
    for kind, latencies in colds.items():
        first.add_row(
            kind,
            f"{statistics.median(latencies) * 1000:.2f}",
            f"{sorted(latencies)[int(0.9 * len(latencies))] * 1000:.2f}",
        )
    console.print(first)


if __name__ == "__main__":
    main()
