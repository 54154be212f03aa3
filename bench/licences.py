"""Benchmark: legal answers. Prints one table.

- one answer of the named query `licence-compatibility` through HTTP (`commonsgraph serve`),
  for random ordered pairs of the catalogue's licences and a random question (adapt, combine),
  at 1 and 8 clients, beside the cheapest query the same server answers (`ASK {}` on /sparql,
  the anchor);
- every ordered pair of the catalogue answered in process (use=adapt);
- start-up: a fresh interpreter loading the project's graphs into an empty store and (here)
  building the engine and answering once, for this tree and for `--anchor` (default `main`,
  extracted with `git archive`) in the same run, the median of `--runs`.

    .venv/bin/python bench/licences.py [--seconds 10] [--anchor main] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from rich.console import Console
from rich.table import Table

from common import BIN, Request, free_port, load, serving, summary
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.legal.engine import Engine
from commonsgraph.legal.expressions import Leaf
from commonsgraph.store import LocalStore

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/commonsgraph/"
JSON = "application/sparql-results+json"

START_UP = """
import sys, tempfile, time
started = time.perf_counter()
from pathlib import Path
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.store import LocalStore
store = LocalStore()
load_bundled(store, Settings(data_dir=Path(tempfile.mkdtemp()), base_iri=sys.argv[1]))
try:
    from commonsgraph.legal.engine import Engine
except ImportError:  # a tree without the engine
    pass
else:
    Engine.from_store(store, sys.argv[1]).answer("MPL-2.0", "Apache-2.0", "combine")
print(time.perf_counter() - started)
"""


def start_up(src: Path, runs: int) -> float:
    """The median seconds a fresh interpreter takes to load the graphs (and the engine)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", START_UP, BASE],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def pairs(ids: list[str]) -> Callable[[random.Random], list[Request]]:
    def requests(rng: random.Random) -> list[Request]:
        given = {
            "source": rng.choice(ids),
            "target": rng.choice(ids),
            "use": rng.choice(("adapt", "combine")),
        }
        return [(f"/api/queries/licence-compatibility?{urlencode(given)}", JSON)]

    return requests


def anchor(rng: random.Random) -> list[Request]:
    return [("/sparql?" + urlencode({"query": "ASK {}"}), JSON)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--anchor", default="main", help="the git revision to compare with")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    console = Console(width=120)
    table = Table(title="Legal answers (p50 / p90 in ms)")
    for column in ("what", "clients", "requests", "per second", "p50", "p90", "p50 / anchor"):
        table.add_column(column, justify="left" if column == "what" else "right")

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        store = LocalStore()
        load_bundled(store, Settings(data_dir=root / "probe", base_iri=BASE))
        engine = Engine.from_store(store, BASE)
        ids = sorted(engine.catalogue.licences)
        started = time.perf_counter()
        for a in ids:
            for b in ids:
                engine.step(Leaf(a), Leaf(b), "adapt")
        every = time.perf_counter() - started
        store.close()

        tree = root / "anchor"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.anchor], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        ours_start, anchor_start = (
            start_up(ROOT / "src", args.runs),
            start_up(tree / "src", args.runs),
        )

        port = free_port()
        env = {
            **os.environ,
            "COMMONSGRAPH_DATA_DIR": str(root / "serve"),
            "COMMONSGRAPH_PORT": str(port),
            "COMMONSGRAPH_TILE_URL": "",
        }
        url = f"http://127.0.0.1:{port}"
        with serving(
            [str(BIN / "commonsgraph"), "serve"], f"{url}/health", root / "serve.log", env
        ):
            asyncio.run(load(url, pairs(ids), 1, 1.0))  # the engine is built on first use
            for clients in (1, 8):
                base = asyncio.run(load(url, anchor, clients, args.seconds))
                found = asyncio.run(load(url, pairs(ids), clients, args.seconds))
                ratio = statistics.median(found) / statistics.median(base)
                table.add_row("ASK {} (anchor)", str(clients), *summary(base, args.seconds), "1.0")
                table.add_row(
                    "licence-compatibility, random pair",
                    str(clients),
                    *summary(found, args.seconds),
                    f"{ratio:.1f}",
                )

    console.print(table)
    console.print(
        f"{len(ids):,} licences; every ordered pair ({len(ids) ** 2:,}) answered in process in "
        f"{every:.1f} s ({len(ids) ** 2 / every:,.0f} per second)."
    )
    console.print(
        f"Start-up (fresh interpreter, graphs loaded into an empty store, median of {args.runs}): "
        f"this tree {ours_start:.2f} s (engine built and one answer included), "
        f"{args.anchor} {anchor_start:.2f} s: {ours_start - anchor_start:+.2f} s."
    )


if __name__ == "__main__":
    main()
