"""Benchmark: our /sparql against `oxigraph serve` on the same ~1M-statement dataset, in one run.

A BSBM-style dataset (products, producers, features, offers, vendors, reviews) is generated,
loaded into a commonsgraph data directory and into an Oxigraph server directory; both servers
are started on loopback; a mix of BSBM explore queries (point lookups, filtered joins, OPTIONAL,
ORDER BY/LIMIT, DESCRIBE, aggregates) runs against each at 1 and 8 concurrent clients (each
from its own loopback address, with the service's default scheduling). Prints
throughput, p50 and p90 per system, the CPU time each server (with the processes it started)
used per query, the ratios ours/Oxigraph, and the latency a trivial query adds over the same
query run in-process.

Each system runs the mix in turn, for `--rounds` rounds of `--seconds` (so that both see the
same noise of a shared machine); the trivial query runs in interleaved batches, in process
(pyoxigraph on Oxigraph's directory, read-only), on both systems, and against a bare ASGI app
under uvicorn (the cost of an HTTP exchange with this client, whatever it serves).

    .venv/bin/python bench/sparql.py [--products 16000] [--seconds 2] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

from pyoxigraph import NamedNode, QueryResultsFormat, QuerySolutions, RdfFormat, Store
from rich.console import Console
from rich.table import Table

from common import BIN, Client, Request, cpu_seconds, free_port, load, percentile, serving

HERE = Path(__file__).resolve().parent
BSBM = "http://bsbm.example.org/"
INST = BSBM + "instances/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GRAPH = "http://bsbm.example.org/graph"


def generate(products: int, seed: int = 7) -> Iterator[str]:
    """N-Triples lines of a BSBM-like dataset: ~85 statements per product."""
    rng = random.Random(seed)
    types, features, producers = 60, 600, max(10, products // 50)
    vendors = max(5, products // 100)
    for t in range(types):
        yield f"<{INST}ProductType{t}> <{RDF_TYPE}> <{BSBM}ProductType> ."
        yield f'<{INST}ProductType{t}> <{RDFS}label> "product type {t}" .'
    for f in range(features):
        yield f'<{INST}ProductFeature{f}> <{RDFS}label> "feature {f}" .'
    for p in range(producers):
        yield f"<{INST}Producer{p}> <{RDF_TYPE}> <{BSBM}Producer> ."
        yield f'<{INST}Producer{p}> <{RDFS}label> "producer {p}" .'
        yield f'<{INST}Producer{p}> <{BSBM}country> "FR" .'
    for v in range(vendors):
        yield f"<{INST}Vendor{v}> <{RDF_TYPE}> <{BSBM}Vendor> ."
        yield f'<{INST}Vendor{v}> <{RDFS}label> "vendor {v}" .'
    review = 0
    for n in range(products):
        product = f"<{INST}Product{n}>"
        yield f"{product} <{RDF_TYPE}> <{BSBM}Product> ."
        yield f"{product} <{RDF_TYPE}> <{INST}ProductType{rng.randrange(types)}> ."
        yield f'{product} <{RDFS}label> "product {n} {rng.choice(["alpha", "beta", "gamma", "delta"])}" .'
        yield f'{product} <{RDFS}comment> "a product for the benchmark, number {n}" .'
        yield f"{product} <{BSBM}producer> <{INST}Producer{rng.randrange(producers)}> ."
        for f in rng.sample(range(features), 8):
            yield f"{product} <{BSBM}productFeature> <{INST}ProductFeature{f}> ."
        for k in range(1, 6):
            yield f'{product} <{BSBM}productPropertyNumeric{k}> "{rng.randrange(2000)}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
        for k in range(1, 4):
            yield f'{product} <{BSBM}productPropertyTextual{k}> "text {k} of product {n}" .'
        for o in range(4):
            offer = f"<{INST}Offer{n}_{o}>"
            yield f"{offer} <{RDF_TYPE}> <{BSBM}Offer> ."
            yield f"{offer} <{BSBM}product> {product} ."
            yield f"{offer} <{BSBM}vendor> <{INST}Vendor{rng.randrange(vendors)}> ."
            yield f'{offer} <{BSBM}price> "{rng.randrange(100, 10000) / 100:.2f}"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
            yield f'{offer} <{BSBM}deliveryDays> "{rng.randrange(1, 10)}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
            yield f'{offer} <{BSBM}validTo> "2027-0{rng.randrange(1, 10)}-01"^^<http://www.w3.org/2001/XMLSchema#date> .'
        for _ in range(rng.randrange(2, 6)):
            node = f"<{INST}Review{review}>"
            review += 1
            yield f"{node} <{RDF_TYPE}> <{BSBM}Review> ."
            yield f"{node} <{BSBM}reviewFor> {product} ."
            yield f'{node} <{BSBM}title> "review {review}" .'
            yield f'{node} <{BSBM}text> "what a product, number {n}" .'
            if rng.random() < 0.7:
                yield f'{node} <{BSBM}rating1> "{rng.randrange(1, 11)}"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def query_mix(products: int, rng: random.Random) -> list[tuple[str, str]]:
    """One round of the explore mix, with random parameters: (name, query)."""
    product = f"<{INST}Product{rng.randrange(products)}>"
    ptype = f"<{INST}ProductType{rng.randrange(60)}>"
    f1, f2 = (f"<{INST}ProductFeature{rng.randrange(600)}>" for _ in range(2))
    prefix = f"PREFIX bsbm: <{BSBM}> PREFIX rdfs: <{RDFS}> "
    return [
        (
            "1 filtered join, ORDER BY/LIMIT",
            prefix
            + f"SELECT DISTINCT ?p ?label WHERE {{ ?p a {ptype} ; rdfs:label ?label ; bsbm:productFeature ?f ; bsbm:productPropertyNumeric1 ?v . FILTER(?v > 1000) }} ORDER BY ?label LIMIT 10",
        ),
        (
            "2 point lookup",
            prefix
            + f"SELECT ?label ?comment ?producer ?pl ?f ?n1 WHERE {{ {product} rdfs:label ?label ; rdfs:comment ?comment ; bsbm:producer ?producer ; bsbm:productFeature ?f ; bsbm:productPropertyNumeric1 ?n1 . ?producer rdfs:label ?pl }}",
        ),
        (
            "3 OPTIONAL, !bound",
            prefix
            + f"SELECT ?p ?label WHERE {{ ?p bsbm:productFeature {f1} ; rdfs:label ?label . OPTIONAL {{ ?p bsbm:productFeature {f2} . BIND(true AS ?has) }} FILTER(!bound(?has)) }} ORDER BY ?label LIMIT 10",
        ),
        (
            "4 offers by price",
            prefix
            + f"SELECT ?offer ?price ?vendor WHERE {{ ?offer bsbm:product {product} ; bsbm:price ?price ; bsbm:vendor ?v . ?v rdfs:label ?vendor }} ORDER BY ?price LIMIT 10",
        ),
        (
            "5 reviews, OPTIONAL",
            prefix
            + f"SELECT ?review ?title ?rating WHERE {{ ?review bsbm:reviewFor {product} ; bsbm:title ?title . OPTIONAL {{ ?review bsbm:rating1 ?rating }} }}",
        ),
        ("6 DESCRIBE", f"DESCRIBE {product}"),
        (
            "7 aggregate",
            prefix
            + f"SELECT ?vendor (COUNT(?offer) AS ?offers) (AVG(?price) AS ?avg) WHERE {{ ?p a {ptype} . ?offer bsbm:product ?p ; bsbm:price ?price ; bsbm:vendor ?vendor }} GROUP BY ?vendor ORDER BY DESC(?offers) LIMIT 10",
        ),
        (
            "8 features of similar",
            prefix
            + f"SELECT DISTINCT ?other WHERE {{ {product} bsbm:productFeature ?f . ?other bsbm:productFeature ?f ; a {ptype} }} LIMIT 20",
        ),
    ]


def mix_requests(products: int, path: str) -> Callable[[random.Random], list[Request]]:
    def requests(rng: random.Random) -> list[Request]:
        return [
            (
                f"{path}?query={quote(query)}",
                "text/turtle"
                if query.startswith("DESCRIBE")
                else "application/sparql-results+json",
            )
            for _, query in query_mix(products, rng)
        ]

    return requests


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=16_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        data = root / "bsbm.nt"
        started = time.perf_counter()
        with data.open("w") as output:
            count = sum(1 for line in generate(args.products) if output.write(line + "\n"))
        console.print(f"generated {count:,} statements in {time.perf_counter() - started:.1f} s")

        ours_dir = root / "commonsgraph"
        (ours_dir / "store").mkdir(parents=True)
        store = Store(str(ours_dir / "store"))
        store.bulk_load(path=str(data), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH))
        del store
        subprocess.run(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(root / "oxigraph"),
                "--file",
                str(data),
                "--graph",
                GRAPH,
            ],
            check=True,
            capture_output=True,
        )

        ours_port, oxigraph_port, floor_port = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "COMMONSGRAPH_DATA_DIR": str(ours_dir),
            "COMMONSGRAPH_PORT": str(ours_port),
        }
        ours = f"http://127.0.0.1:{ours_port}/sparql"
        theirs = f"http://127.0.0.1:{oxigraph_port}/query"
        floor = f"http://127.0.0.1:{floor_port}/sparql"
        oxigraph = [
            str(BIN / "oxigraph"), "serve-read-only", "--location", str(root / "oxigraph"),
            "--bind", f"127.0.0.1:{oxigraph_port}", "--union-default-graph",
        ]  # fmt: skip
        uvicorn = [
            str(BIN / "uvicorn"), "--app-dir", str(HERE), "floor:app", "--port", str(floor_port),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        ask = f"?query={quote('ASK {}')}"
        commonsgraph = [str(BIN / "commonsgraph"), "serve"]
        with (
            serving(commonsgraph, ours + ask, root / "ours.log", env) as ours_server,
            serving(oxigraph, theirs + ask, root / "oxigraph.log") as oxigraph_server,
            serving(uvicorn, floor + ask, root / "floor.log"),
        ):
            urls = {"commonsgraph": ours, "oxigraph serve": theirs}
            servers = {"commonsgraph": ours_server, "oxigraph serve": oxigraph_server}
            results: dict[tuple[str, int], list[float]] = {}
            cpu: dict[tuple[str, int], float] = {}
            for clients in (1, 8):
                for round_ in range(args.rounds):  # side by side: the same noise for both
                    for name, url in urls.items():
                        mix = mix_requests(args.products, urlsplit(url).path)
                        if round_ == 0:
                            asyncio.run(load(url, mix, 2, 1))  # warm up
                        used = cpu_seconds(servers[name])
                        latencies = asyncio.run(load(url, mix, clients, args.seconds))
                        used = cpu_seconds(servers[name]) - used
                        results.setdefault((name, clients), []).extend(latencies)
                        cpu[(name, clients)] = cpu.get((name, clients), 0.0) + used
            trivial_http = asyncio.run(
                trivial_latencies(
                    {**urls, "bare uvicorn ASGI app (HTTP floor)": floor},
                    Store.read_only(str(root / "oxigraph")),
                )
            )

    seconds = args.seconds * args.rounds
    cpu_per_query = {key: used / len(results[key]) for key, used in cpu.items()}
    table = Table(
        "system",
        "clients",
        "queries",
        "queries/s",
        "p50 ms",
        "p90 ms",
        "server CPU ms/query",
        title=f"SPARQL, BSBM-style explore mix, {count:,} statements, "
        f"{args.rounds} × {args.seconds:g} s per system, interleaved",
    )
    for (name, clients), latencies in results.items():
        table.add_row(
            name,
            str(clients),
            f"{len(latencies):,}",
            f"{len(latencies) / seconds:,.0f}",
            f"{statistics.median(latencies) * 1000:.2f}",
            f"{percentile(latencies, 0.9) * 1000:.2f}",
            f"{cpu_per_query[(name, clients)] * 1000:.2f}",
        )
    console.print(table)
    ratios = Table(
        "clients",
        "throughput ours/oxigraph",
        "p50 ours/oxigraph",
        "p90 ours/oxigraph",
        "CPU per query ours/oxigraph",
        title="ratios",
    )
    for clients in (1, 8):
        mine, theirs_ = results[("commonsgraph", clients)], results[("oxigraph serve", clients)]
        ratios.add_row(
            str(clients),
            f"{len(mine) / len(theirs_):.2f}",
            f"{statistics.median(mine) / statistics.median(theirs_):.2f}",
            f"{percentile(mine, 0.9) / percentile(theirs_, 0.9):.2f}",
            f"{cpu_per_query[('commonsgraph', clients)] / cpu_per_query[('oxigraph serve', clients)]:.2f}",
        )
    console.print(ratios)
    trivial_table = Table(
        "trivial query",
        "p50 ms",
        "added over in-process, ms",
        "added over in-process and the HTTP floor, ms",
        title="latency of a trivial query at 1 client",
    )
    in_process = trivial_http.pop(IN_PROCESS)
    base = statistics.median(in_process)
    floor_p50 = statistics.median(trivial_http["bare uvicorn ASGI app (HTTP floor)"])
    trivial_table.add_row("in-process (pyoxigraph)", f"{base * 1000:.3f}", "", "")
    for name, latencies in trivial_http.items():
        p50 = statistics.median(latencies)
        trivial_table.add_row(
            f"HTTP, {name}",
            f"{p50 * 1000:.3f}",
            f"{(p50 - base) * 1000:.3f}",
            f"{(p50 - floor_p50 - base) * 1000:.3f}" if "floor" not in name else "",
        )
    console.print(trivial_table)


TRIVIAL = f"SELECT ?label WHERE {{ <{INST}Product7> <{RDFS}label> ?label }}"
IN_PROCESS = "in-process"


async def trivial_latencies(urls: dict[str, str], store: Store) -> dict[str, list[float]]:
    """Latencies of a trivial query in process (on `store`) and on each system: 500 in a row
    on one, then the next, six times round (the speed of a shared machine drifts within
    seconds)."""
    latencies: dict[str, list[float]] = {name: [] for name in [IN_PROCESS, *urls]}
    for _ in range(6):
        for _ in range(600):
            started = time.perf_counter()
            results = store.query(TRIVIAL, use_default_graph_as_union=True)
            assert isinstance(results, QuerySolutions)
            results.serialize(format=QueryResultsFormat.JSON)
            latencies[IN_PROCESS].append(time.perf_counter() - started)
        for name, url in urls.items():
            client = Client(url)
            target = f"{urlsplit(url).path}?query={quote(TRIVIAL)}"
            for count in range(600):
                started = time.perf_counter()
                await client.get(target, "application/sparql-results+json")
                if count >= 100:  # the first ones warm up
                    latencies[name].append(time.perf_counter() - started)
            await client.close()
    return latencies


if __name__ == "__main__":
    main()
