"""Benchmark: our /sparql against `oxigraph serve` with the BSBM explore use case, like real
clients, side by side in one run.

A BSBM-shaped dataset (`bsbm.py`) is generated, loaded into a commonsgraph data directory and
into an Oxigraph directory, and both servers are started on loopback. The BSBM explore query mix
(the V3 templates, `bsbm_explore.rq`, parameters drawn from the data) runs against each:

- with a new connection per request (`Connection: close`: SPARQLWrapper, rdflib, curl) and with
  one kept-alive connection per client (the BSBM test driver);
- asking for XML (SPARQL XML results, RDF/XML graphs: what the BSBM driver asks) and for JSON
  (SPARQL JSON results, JSON-LD graphs);
- from 1 and from 8 concurrent clients (each from its own loopback address, so that the
  service's per-client scheduling sees several clients).

Each configuration runs `--rounds` rounds of `--seconds` per system, the systems alternating
within the round (a shared machine's speed drifts: ratios are read within one run only). Then a
trivial query runs at 1 client in interleaved batches, also against a bare ASGI app under
granian and under uvicorn (`floor.py`: what an HTTP exchange costs with this client, whatever is
served).

`commonsgraph serve` runs the app under uvicorn; `--embedded` adds our service in granian's
embedded server, in one process like `serve` (`embedded.py`), `--granian` under granian's own
command (the app in a worker process).

`--variant NAME:VAR=VALUE,…` adds our service again with other settings (e.g. the result cache
off, `COMMONSGRAPH_QUERY_CACHE_BYTES=0`), on a copy of the same store.

    .venv/bin/python bench/sparql.py [--products 10000] [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from pyoxigraph import NamedNode, RdfFormat, Store
from rich.console import Console
from rich.table import Table

from bsbm import Dataset, ExploreMix
from common import (
    BIN,
    HERE,
    Client,
    Request,
    cpu_seconds,
    free_port,
    load,
    percentile,
    serving,
    uvicorn,
)

GRAPH = "http://bsbm.example.org/graph"
OXIGRAPH = "oxigraph serve"
OURS = "commonsgraph"
FORMATS = {  # results format name: (SELECT/ASK media type, CONSTRUCT/DESCRIBE media type)
    "XML": ("application/sparql-results+xml", "application/rdf+xml"),
    "JSON": ("application/sparql-results+json", "application/ld+json"),
}
MODES = {"new connection": False, "keep-alive": True}
TRIVIAL = "SELECT ?label WHERE { <http://www4.wiwiss.fu-berlin.de/bizer/bsbm/v01/instances/ProductType7> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
FLOOR = "bare ASGI app, uvicorn (HTTP floor)"
GRANIAN = "commonsgraph under granian (worker process)"
EMBEDDED = "commonsgraph in embedded granian"
GRANIAN_FLOOR = "bare ASGI app, granian"


@dataclass(frozen=True)
class Config:
    mode: str
    results: str
    clients: int


Key = tuple[Config, str]
"""(configuration, system)"""


def mix_requests(
    mix: ExploreMix, path: str, results: str
) -> Callable[[random.Random], list[Request]]:
    select, graph = FORMATS[results]

    def requests(rng: random.Random) -> list[Request]:
        return [
            (f"{path}?query={quote(query)}", graph if number in (9, 12) else select)
            for number, query in mix.mix(rng)
        ]

    return requests


def prepare(root: Path, products: int, variants: int, console: Console) -> tuple[Dataset, int]:
    """Generate the data and load it for Oxigraph and for each of our services (unless `root`
    holds them from an earlier run with as many products)."""
    dataset = Dataset()
    started = time.perf_counter()
    ready = root / f"loaded-{products}"
    if ready.exists():
        count = sum(1 for _ in dataset.generate(products))  # the parameters' sources
    else:
        shutil.rmtree(root / "ours0", ignore_errors=True)
        shutil.rmtree(root / "oxigraph", ignore_errors=True)
        data = root / "bsbm.nt"
        with data.open("w") as output:
            count = sum(1 for line in dataset.generate(products) if output.write(line + "\n"))
        (root / "ours0" / "store").mkdir(parents=True)
        store = Store(str(root / "ours0" / "store"))
        store.bulk_load(path=str(data), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH))
        store.flush()
        del store
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(root / "oxigraph"),
             "--file", str(data), "--graph", GRAPH],
            check=True, capture_output=True,
        )  # fmt: skip
        data.unlink()
        ready.touch()
    for n in range(1, variants):
        shutil.rmtree(root / f"ours{n}", ignore_errors=True)
        shutil.copytree(root / "ours0", root / f"ours{n}")
    console.print(
        f"{count:,} statements ({products:,} products) ready in {time.perf_counter() - started:.0f} s"
    )
    return dataset, count


def granian(port: int, target: str, *options: str) -> list[str]:
    return [
        str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--no-ws", "--log-level", "warning", "--working-dir", str(HERE),
        *options, target,
    ]  # fmt: skip


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, settings = text.partition(":")
    env = dict(item.split("=", 1) for item in settings.split(",") if item)
    return name, env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--results", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    parser.add_argument(
        "--data", type=Path, help="keep the loaded stores in this directory, for the next runs"
    )
    parser.add_argument(
        "--granian",
        action="store_true",
        help="also our service under granian's command (the app in a worker process)",
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="also our service in granian's embedded server (one process, as `serve`)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME:VAR=VALUE,… another instance of our service, with these settings",
    )
    args = parser.parse_args()
    console = Console(width=140)
    variants = [(OURS, {}), *(parse_variant(v) for v in args.variant)]
    if args.granian:
        variants.append((GRANIAN, {}))
    if args.embedded:
        variants.append((EMBEDDED, {}))
    configs = [
        Config(mode, results, clients)
        for mode in args.modes
        for results in args.results
        for clients in args.clients
    ]
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        root = args.data or Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        dataset, count = prepare(root, args.products, len(variants), console)
        mix = ExploreMix(dataset)
        urls: dict[str, str] = {}
        servers = {}
        ask = f"?query={quote('ASK {}')}"
        port = free_port()
        urls[OXIGRAPH] = f"http://127.0.0.1:{port}/query"
        oxigraph = [
            str(BIN / "oxigraph"), "serve-read-only", "--location", str(root / "oxigraph"),
            "--bind", f"127.0.0.1:{port}", "--union-default-graph",
        ]  # fmt: skip
        servers[OXIGRAPH] = stack.enter_context(
            serving(oxigraph, urls[OXIGRAPH] + ask, root / "oxigraph.log")
        )
        for n, (name, settings) in enumerate(variants):
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}/sparql"
            env = {
                **os.environ,
                "COMMONSGRAPH_DATA_DIR": str(root / f"ours{n}"),
                "COMMONSGRAPH_PORT": str(port),
                **settings,
            }
            command = [str(BIN / "commonsgraph"), "serve"]
            if name == GRANIAN:
                command = granian(port, "service_app:app", "--factory")
            elif name == EMBEDDED:
                command = [str(BIN / "python"), str(HERE / "embedded.py")]
            servers[name] = stack.enter_context(
                serving(command, urls[name] + ask, root / f"{n}.log", env)
            )
        port = free_port()
        floor = f"http://127.0.0.1:{port}/sparql"
        stack.enter_context(serving(uvicorn(port, "floor:app"), floor + ask, root / "floor.log"))
        floors = {FLOOR: floor}
        port = free_port()
        floors[GRANIAN_FLOOR] = f"http://127.0.0.1:{port}/sparql"
        stack.enter_context(
            serving(granian(port, "floor:app"), floors[GRANIAN_FLOOR] + ask, root / "gf.log")
        )

        systems = list(urls)
        for name in systems:  # warm up: caches, workers
            requests = mix_requests(mix, urlsplit(urls[name]).path, "JSON")
            asyncio.run(load(urls[name], requests, 2, 1.0, seed=10_000))
        latencies: dict[Key, list[float]] = {}
        cpu: dict[Key, float] = {}
        started = time.perf_counter()
        for index, config in enumerate(configs):
            for round_ in range(args.rounds):
                order = systems if round_ % 2 == 0 else systems[::-1]
                for name in order:
                    requests = mix_requests(mix, urlsplit(urls[name]).path, config.results)
                    used = cpu_seconds(servers[name])
                    measured = asyncio.run(
                        load(
                            urls[name],
                            requests,
                            config.clients,
                            args.seconds,
                            keep_alive=MODES[config.mode],
                            # the same queries for every system, new ones for each round
                            seed=1000 * (index * args.rounds + round_),
                        )
                    )
                    cpu[(config, name)] = cpu.get((config, name), 0.0) + (
                        cpu_seconds(servers[name]) - used
                    )
                    latencies.setdefault((config, name), []).extend(measured)
        trivial = asyncio.run(trivial_latencies({**urls, **floors}))
        elapsed = time.perf_counter() - started

    table = Table(
        "requests",
        "results",
        "clients",
        "system",
        "queries/s",
        "p50 ms",
        "p90 ms",
        "server CPU ms/query",
        "queries/s ÷ Oxigraph",
        "p50 ÷ Oxigraph",
        title=(
            f"SPARQL, BSBM explore mix (Q1-Q12 but Q6), {count:,} statements: {args.rounds} "
            f"rounds × {args.seconds:g} s per system and configuration, the systems alternating "
            f"within each round ({elapsed:.0f} s in all)"
        ),
    )
    seconds = args.seconds * args.rounds
    for config in configs:
        base = latencies[(config, OXIGRAPH)]
        for name in systems:
            values = latencies[(config, name)]
            table.add_row(
                config.mode,
                config.results,
                str(config.clients),
                name,
                f"{len(values) / seconds:,.0f}",
                f"{statistics.median(values) * 1000:.2f}",
                f"{percentile(values, 0.9) * 1000:.2f}",
                f"{cpu[(config, name)] / len(values) * 1000:.2f}",
                "" if name == OXIGRAPH else f"{len(values) / len(base):.2f}",
                ""
                if name == OXIGRAPH
                else f"{statistics.median(values) / statistics.median(base):.2f}",
            )
        table.add_section()
    for (mode, name), values in trivial.items():
        base = trivial[(mode, OXIGRAPH)]
        table.add_row(
            mode,
            "JSON",
            "1",
            f"trivial query, {name}",
            "",
            f"{statistics.median(values) * 1000:.3f}",
            f"{percentile(values, 0.9) * 1000:.3f}",
            "",
            "",
            ""
            if name == OXIGRAPH
            else f"{statistics.median(values) / statistics.median(base):.2f}",
        )
    console.print(table)


async def trivial_latencies(urls: dict[str, str]) -> dict[tuple[str, str], list[float]]:
    """Latencies of a trivial query at 1 client, on each system and in each connection mode:
    400 in a row on one, then the next, five times round (the speed of a shared machine drifts
    within seconds)."""
    latencies: dict[tuple[str, str], list[float]] = {}
    for _ in range(5):
        for mode, keep_alive in MODES.items():
            for name, url in urls.items():
                client = Client(url, keep_alive=keep_alive)
                target = f"{urlsplit(url).path}?query={quote(TRIVIAL)}"
                for count in range(400):
                    started = time.perf_counter()
                    status, _ = await client.get(target, "application/sparql-results+json")
                    assert status == 200
                    if count >= 50:  # the first ones warm up
                        latencies.setdefault((mode, name), []).append(time.perf_counter() - started)
                await client.close()
    return latencies


if __name__ == "__main__":
    main()
