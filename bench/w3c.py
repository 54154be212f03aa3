"""The W3C SPARQL 1.1 query and update suites over HTTP: our service and `oxigraph serve`, side
by side, both in the standard default-graph setting (the store's own default graph, which the
suites' data and updates write: in our default setting it is the merge of the named graphs).

Every test of tests/w3c (the manifests of w3c/rdf-tests, evaluation and syntax tests) runs
against each system with the runner of tests/test_w3c_evaluation.py (tests/w3c/suite.py); the
table gives the tests passed by kind, then the tests one system passes and the other does not.

    .venv/bin/python bench/w3c.py [--failures]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.servers import oxigraph_server
from tests.w3c import suite
from tests.w3c.targets import Oxigraph, Service

KINDS = {
    "query": "query evaluation",
    "update": "update evaluation",
    "query-syntax": "query syntax",
    "update-syntax": "update syntax",
}


def outcomes(target: suite.Target, cases: list[suite.Case]) -> tuple[dict[str, str | None], float]:
    """Each case's failure (None: passed), and the seconds the whole run took."""
    started = time.perf_counter()
    found = {case.id: suite.run(case, target) for case in cases}
    return found, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--failures", action="store_true", help="print why each test fails")
    args = parser.parse_args()
    console = Console(width=140)
    cases = suite.cases()
    results: dict[str, tuple[dict[str, str | None], float]] = {}
    with Service() as ours:
        results["commonsgraph"] = outcomes(ours, cases)
    with (
        tempfile.TemporaryDirectory() as directory,
        oxigraph_server(Path(directory), union=False) as url,
    ):
        theirs = Oxigraph(url)
        try:
            results["oxigraph serve"] = outcomes(theirs, cases)
        finally:
            theirs.close()
    table = Table(title="W3C SPARQL 1.1 query and update suites over HTTP (tests passed)")
    table.add_column("tests")
    for name in results:
        table.add_column(name, justify="right")
    for kind, label in [*KINDS.items(), ("", "all")]:
        chosen = [c for c in cases if not kind or c.kind == kind]
        row = [f"{label} ({len(chosen)})"]
        for found, _ in results.values():
            row.append(str(sum(1 for c in chosen if found[c.id] is None)))
        table.add_row(*row)
    table.add_row("seconds", *(f"{seconds:.1f}" for _, seconds in results.values()))
    console.print(table)
    ours_found, theirs_found = results["commonsgraph"][0], results["oxigraph serve"][0]
    for title, who in (
        ("passed by oxigraph serve only", lambda i: ours_found[i] and not theirs_found[i]),
        ("passed by commonsgraph only", lambda i: theirs_found[i] and not ours_found[i]),
        ("failed by both", lambda i: ours_found[i] and theirs_found[i]),
    ):
        ids = [c.id for c in cases if who(c.id)]
        console.print(f"[bold]{title}[/bold] ({len(ids)}): {', '.join(ids) or '-'}")
    if args.failures:
        for name, (found, _) in results.items():
            for ident, failure in found.items():
                if failure:
                    console.print(f"[bold]{name} {ident}[/bold]: {failure[:400]}", markup=False)


if __name__ == "__main__":
    main()
