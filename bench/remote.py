"""Benchmark: commonsgraph on a remote store, side by side with the engine's own endpoint.

`oxigraph serve` and Virtuoso 7 (Debian's virtuoso-opensource, as the tests start it) are
started on loopback, and `commonsgraph serve` over each (COMMONSGRAPH_STORE and its profile;
start-up loads the project's graphs into the engine). From one client, for `--seconds` per
system and `--rounds` rounds, the systems alternating within a round:

- a trivial query (`ASK {}`, SPARQL JSON) straight to the engine's endpoint, and through
  commonsgraph's /sparql: repeated, it is answered from commonsgraph's cache of answers (kept
  until the shared data version changes); so a trivial query that differs at each request
  (`ASK { FILTER(n > 0) }`, n drawn anew: each one reaches the engine) is timed too, against
  the engine's time for the same queries;
- a page through commonsgraph (a licence's HTML page: served from the page cache while the
  shared data version stays, so what a page costs a reader once it was made);

with a new connection per request (`Connection: close`: curl, SPARQLWrapper, rdflib) and with
one kept-alive connection (a browser, the BSBM driver). The ratio is commonsgraph's p50 over the
engine's p50 for the same query in the same mode (target: within 3x). The HTTP floor is timed in
the same rounds: a bare ASGI app (`floor.py`) under uvicorn, as `commonsgraph serve` runs, that
answers every request with a fixed result and does nothing else: what any Python service in
front of the engine costs this client, before it does any work.

    .venv/bin/python bench/remote.py [--seconds 2] [--rounds 3] [--engines oxigraph virtuoso]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

from common import free_port, load, serving, uvicorn
from tests.servers import commonsgraph_server, oxigraph_server
from tests.virtuoso import virtuoso_server

TRIVIAL = f"?query={quote('ASK {}')}"
DISTINCT = "?query=" + quote("ASK { FILTER(NUMBER > 0) }").replace("NUMBER", "{}")
"""A trivial query that differs at each request (never answered from a cache)."""
NUMBERS = itertools.count(1)
JSON = "application/sparql-results+json"
PAGE = "/licence/MIT"
ENGINES = {"oxigraph": "/query", "virtuoso": "/sparql"}
"""Each engine: its query endpoint's path under its base URL."""


@contextmanager
def engine(name: str, directory: Path) -> Iterator[str]:
    if name == "oxigraph":
        directory.mkdir()
        with oxigraph_server(directory) as url:
            yield url
    else:
        with virtuoso_server() as url:
            yield url


def p50(url: str, target: str, accept: str, seconds: float, keep_alive: bool) -> float:
    """The median latency of GET `target`; a `{}` in it is replaced by a number never used
    before in the run, at each request."""

    def requests(_: object) -> list[tuple[str, str]]:
        if "{}" in target:
            return [(target.format(next(NUMBERS)), accept) for _ in range(100)]
        return [(target, accept)]

    latencies = asyncio.run(load(url, requests, 1, seconds, keep_alive=keep_alive))
    return statistics.median(latencies) * 1000


def measure(
    name: str, root: Path, floor: str, seconds: float, rounds: int
) -> list[tuple[str, ...]]:
    """The table's rows for the engine `name`: each connection mode."""
    rows: list[tuple[str, ...]] = []
    path = ENGINES[name]
    with ExitStack() as stack:
        store = stack.enter_context(engine(name, root / name))
        service = stack.enter_context(
            commonsgraph_server(root / f"var-{name}", store=store, store_profile=name)
        )
        for keep_alive in (False, True):
            measured: dict[str, list[float]] = {
                "engine": [], "cg": [], "engine-distinct": [], "cg-distinct": [], "page": [],
                "floor": [],
            }  # fmt: skip
            for _ in range(rounds):
                for suffix, query in (("", TRIVIAL), ("-distinct", DISTINCT)):
                    measured[f"engine{suffix}"].append(
                        p50(store, f"{path}{query}", JSON, seconds, keep_alive)
                    )
                    measured[f"cg{suffix}"].append(
                        p50(service, f"/sparql{query}", JSON, seconds, keep_alive)
                    )
                measured["page"].append(p50(service, PAGE, "text/html", seconds, keep_alive))
                measured["floor"].append(
                    p50(floor, f"/sparql{DISTINCT}", JSON, seconds, keep_alive)
                )
            best = {key: min(values) for key, values in measured.items()}
            rows.append(
                (
                    name,
                    "keep-alive" if keep_alive else "new connection",
                    f"{best['engine']:.2f}",
                    f"{best['cg']:.2f}",
                    f"{best['cg'] / best['engine']:.1f}x",
                    f"{best['engine-distinct']:.2f}",
                    f"{best['cg-distinct']:.2f}",
                    f"{best['cg-distinct'] / best['engine-distinct']:.1f}x",
                    f"{best['floor']:.2f}",
                    f"{best['floor'] / best['engine-distinct']:.1f}x",
                    f"{best['page']:.2f}",
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES), help="all by default"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="commonsgraph-bench-remote-") as temp:
        root = Path(temp)
        port = free_port()
        floor = f"http://127.0.0.1:{port}"
        with serving(uvicorn(port, "floor:app"), floor, root / "floor.log"):
            for name in args.engines:
                rows += measure(name, root, floor, args.seconds, args.rounds)
    header = ("engine", "connection", "engine ASK p50 ms", "commonsgraph ASK p50 ms", "ratio",
              "engine distinct ASK", "commonsgraph distinct ASK", "ratio",
              "HTTP floor p50 ms", "floor ÷ engine distinct", "commonsgraph page p50 ms")  # fmt: skip
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
