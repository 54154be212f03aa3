"""Benchmark: the reuse help and the value shares, against main's versions of the same named
queries in the same run. Prints a table.

The store holds the project's graphs, the real imports (census, licences, geography) and
synthetic commons: a derivation chain of `--chain` works (each with two authors) and a commons
with `--contributions` contributions in hours, days, euros and unknown units. Each query runs
`--runs` times per version, the two in turn; p50 and p90, and the ratio of this branch's p50 to
main's (main's text is read with `git show`; the anchor is main, timed in this very run).

    .venv/bin/python bench/reuse.py [--data ../shared/data] [--chain 200] [--contributions 2000]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from pyoxigraph import NamedNode
from rich.console import Console
from rich.table import Table

from common import percentile
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.importers.census import import_census
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.licences import import_licences
from commonsgraph.queries import NamedQuery, load_queries
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import LocalStore
from commonsgraph.vocab import Minter

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/commonsgraph/"
NAMES = ("reuse-obligations", "contribution-shares")
UNITS = ('schema:unitText "heures"@fr', 'schema:unitCode "DAY"', 'schema:unitText "€"',
         'schema:unitText "semaines"@fr', "")  # fmt: skip
PREFIXES = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
"""


def synthetic(chain: int, contributions: int) -> str:
    """A chain bench-0 <- bench-1 <- … and a commons with many contributions, as Turtle."""
    licences = ("CC-BY-4.0", "CC-BY-SA-4.0", "MIT", "GPL-3.0-only")
    parts = [PREFIXES]
    for n in range(chain):
        parent = f"prov:wasDerivedFrom <commons/bench-{n - 1}> ;" if n else ""
        parts.append(
            f"""<commons/bench-{n}> a cg:Commons ; rdfs:label "Bench {n}" ; {parent}
            dct:license <licence/{licences[n % 4]}> ;
            prov:wasAttributedTo <organisation/bench-{n}>, <organisation/bench-{n + 1}> .
            <organisation/bench-{n}> a org:Organization ; rdfs:label "Atelier {n}" ."""
        )
    parts.append(
        f"""<commons/bench-{chain}> a cg:Commons ; rdfs:label "Bench {chain}" ;
        cg:referenceHourlyRate 40 ; cg:hoursPerDay 7 ."""
    )
    for n in range(contributions):
        parts.append(
            f"""<commons/bench-{chain}#contribution-{n}> a cg:Contribution ;
            cg:contributor <organisation/bench-{n % 50}> ; cg:contributesTo <commons/bench-{chain}> ;
            cg:contributionKind <scheme/contribution-kind/time> ;
            schema:value {1 + n % 9} ; {UNITS[n % len(UNITS)]} ."""
        )
    return "\n".join(parts)


def mains(directory: Path) -> dict[str, NamedQuery]:
    """main's versions of the queries, read from git."""
    for name in NAMES:
        text = subprocess.run(
            ["git", "show", f"main:queries/{name}.rq"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        (directory / f"{name}.rq").write_text(text)
    return {q.name: q for q in load_queries(directory)}


def timed(store: LocalStore, texts: tuple[str, str], runs: int) -> list[tuple[list[float], int]]:
    """Each query's times in ms and its row count; the two run in turn, so that whatever else
    the machine does weighs on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    counts = [len(store.select(text)) for text in texts]  # warm
    for _ in range(runs):
        for text, kept in zip(texts, times, strict=True):
            start = time.perf_counter()
            store.select(text)
            kept.append((time.perf_counter() - start) * 1000)
    return [(kept, count) for kept, count in zip(times, counts, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--contributions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        settings = Settings(data_dir=directory, base_iri=BASE)
        store = LocalStore(settings.store_path)
        load_bundled(store, settings)
        minter = Minter(BASE)
        limits = ReadLimits.files(settings)
        import_geo(store, minter, [arguments.data / "geo"])
        import_licences(store, minter, [arguments.data / "licences"], limits=limits)
        import_census(store, minter, arguments.data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
        bench = directory / "bench.ttl"
        bench.write_text(synthetic(arguments.chain, arguments.contributions))
        store.replace_graph(
            NamedNode(BASE + "graph/bench"), parse_triples(bench, base_iri=BASE, limits=limits)
        )
        fixtures = ROOT / "tests" / "fixtures"
        for name in ("legal-chain", "reuse-and-units"):
            triples = parse_triples(fixtures / f"{name}.ttl", base_iri=BASE, limits=limits)
            store.replace_graph(NamedNode(f"{BASE}graph/test/{name}"), triples)
        store.optimize()
        (directory / "main").mkdir()
        old = mains(directory / "main")
        new = {q.name: q for q in load_queries(ROOT / "queries")}
        cases = [
            ("reuse-obligations", {"commons": "kit-c"}, "fixture chain of 3"),
            ("reuse-obligations", {"commons": f"bench-{arguments.chain - 1}"},
             f"chain of {arguments.chain}"),
            ("contribution-shares", {"commons": "kit-c"}, "4 contributions"),
            ("contribution-shares", {"commons": f"bench-{arguments.chain}"},
             f"{arguments.contributions:,} contributions"),
        ]  # fmt: skip
        table = Table(title=f"This branch vs main ({store.triple_count():,} statements)")
        for column in ("query", "case", "main p50", "p50", "p90", "rows", "ratio"):
            table.add_column(column, justify="left" if column in ("query", "case") else "right")
        for name, given, case in cases:
            texts = (old[name].prepared(given, BASE), new[name].prepared(given, BASE))
            (before, before_rows), (after, after_rows) = timed(store, texts, arguments.runs)
            anchor = percentile(before, 0.5)
            rows = (
                f"{after_rows:,}" if before_rows == after_rows else f"{before_rows} → {after_rows}"
            )
            table.add_row(
                name, case, f"{anchor:.1f} ms", f"{percentile(after, 0.5):.1f} ms",
                f"{percentile(after, 0.9):.1f} ms", rows, f"{percentile(after, 0.5) / anchor:.2f}",
            )  # fmt: skip
        console.print(table)
        store.close()


if __name__ == "__main__":
    main()
