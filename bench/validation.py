"""Benchmark: validating contributions of 100, 1,000 and 10,000 statements against a store of
over a million statements (the real open data and synthetic places), and validating the whole
imported census. Prints a table.

An upload is checked the way `POST /contributions/validate` does it: parsed, its blank nodes
named, set against the public graph (the resources it describes, their parts), validated with
the shapes together with the neighbourhood it refers to; uploads of 5,000 statements or more
are validated by two worker processes. Each step is also timed on its own, SHACL both in one
process and shared between two workers.

    .venv/bin/python bench/validation.py [--data ../shared/data] [--statements 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import RdfFormat
from rich.console import Console
from rich.table import Table

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.contributions import Contributions, Ledger
from commonsgraph.contributions.changes import plan
from commonsgraph.database import Database
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.census import import_census
from commonsgraph.importers.communes import CommuneIndex
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.licences import import_licences
from commonsgraph.importers.programmes import import_programme
from commonsgraph.rdfio import ReadLimits
from commonsgraph.store import LocalStore
from commonsgraph.tokens import Token
from commonsgraph.uploads import read_rdf, skolemize
from commonsgraph.validation import ValidationPool, Validator, neighbourhood
from commonsgraph.vocab import Minter
from imports import synthetic

ROOT = Path(__file__).resolve().parents[1]
PLACE = """<tiers-lieu/bench-upload-{n}> a cg:TiersLieu ;
    rdfs:label "Lieu contribué n°{n}" ;
    cg:typology <scheme/typology/{typology}> ;
    schema:containedInPlace <commune/{commune}> ;
    wgs:lat "{lat}"^^xsd:decimal ; wgs:long "{long}"^^xsd:decimal ;
    foaf:homepage <https://lieu-{n}.example.org/> ;
    locn:address [ a locn:Address ; locn:fullAddress "{n} rue des Communs" ;
                   locn:postCode "23000" ; locn:adminUnitL1 "FR" ] .
"""
PREFIXES = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix locn: <http://www.w3.org/ns/locn#> .
"""
PER_PLACE = 13


def upload(statements: int) -> bytes:
    """Census-like places, `PER_PLACE` statements each, in communes of the geo import."""
    communes = ["23096", "69266", "34172", "38185", "33063", "75056", "93048"]
    places = [
        PLACE.format(
            n=n,
            typology=("fablab", "coworking")[n % 2],
            commune=communes[n % len(communes)],
            lat=f"{45 + (n % 100) / 100:.2f}",
            long=f"{2 + (n % 100) / 100:.2f}",
        )
        for n in range(max(1, statements // PER_PLACE))
    ]
    return (PREFIXES + "".join(places)).encode()


def build(directory: Path, data: Path, statements: int) -> tuple[LocalStore, Settings]:
    settings = Settings(data_dir=directory, base_iri="https://w3id.org/commonsgraph/")
    store = LocalStore(settings.store_path)
    load_bundled(store, settings)
    minter = Minter(settings.base_iri)
    import_geo(store, minter, [data / "geo"])
    communes = CommuneIndex.from_store(store, minter)
    for path in sorted((data / "programmes").iterdir()):
        import_programme(store, minter, path, communes)
    import_licences(store, minter, [data / "licences"], limits=ReadLimits.files(settings))
    import_census(store, minter, data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
    origin = GraphSource("import/bench", "Synthétique", "Synthetic")
    publish(store, minter, origin, synthetic(statements, minter))
    store.optimize()
    return store, settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--statements", type=int, default=1_000_000)
    args = parser.parse_args()
    console = Console(width=130)
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        store, settings = build(Path(directory), args.data, args.statements)
        total = store.triple_count()
        console.print(
            f"store: {total:,} statements, built in {time.perf_counter() - started:.0f} s"
        )
        validator = Validator.of_project(settings)
        pool = ValidationPool(validator, workers=2)  # as the service has it
        shared = ValidationPool(validator, workers=2, threshold=0)  # always in two workers
        workflow = Contributions(store, settings, Ledger(Database.memory()), pool)
        token = Token("bench0000", "contributor", "bench", datetime.now(UTC))
        table = Table(
            "upload", "runs", "p50 total", "p90 total", "parse", "plan", "neighbourhood",
            "SHACL, 1 process", "SHACL, 2 workers", "verdict",
            title="Validating an upload (POST /contributions/validate), p50 of each step",
        )  # fmt: skip
        for size, runs in ((100, 50), (1_000, 50), (10_000, 10)):
            body = upload(size)
            totals: list[float] = []
            parts: dict[str, list[float]] = {
                "parse": [], "plan": [], "neighbourhood": [], "shacl": [], "pool": []
            }  # fmt: skip
            review = workflow.check(body, "text/turtle", token)  # warm caches once
            for _ in range(runs):
                t0 = time.perf_counter()
                triples = read_rdf(
                    body, RdfFormat.TURTLE, settings.base_iri, ReadLimits.upload(settings)
                ).triples
                triples = skolemize(triples, settings.base_iri + ".well-known/genid/bench/")
                t1 = time.perf_counter()
                planned = plan(store, triples, lambda graph: False)
                t2 = time.perf_counter()
                context = neighbourhood(store, planned.description)
                t3 = time.perf_counter()
                validator.validate(planned.description, context)
                t4 = time.perf_counter()
                shared.validate(planned.description, context)
                t5 = time.perf_counter()
                steps = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
                for key, value in zip(parts, steps, strict=True):
                    parts[key].append(value)
                started = time.perf_counter()
                review = workflow.check(body, "text/turtle", token)
                totals.append(time.perf_counter() - started)
            table.add_row(
                f"{len(review.triples):,} statements",
                str(runs),
                _ms(statistics.median(totals)),
                _ms(statistics.quantiles(totals, n=10)[-1]),
                *(_ms(statistics.median(parts[key])) for key in parts),
                "conforms" if review.conforms else "violations",
            )
        console.print(table)
        census = store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
            {"g": workflow.minter.graph("import/census")},
        )
        started = time.perf_counter()
        context = neighbourhood(store, census)
        middle = time.perf_counter()
        report = validator.validate(census, context)
        ended = time.perf_counter()
        shared.validate(census, context)
        pooled = time.perf_counter() - ended
        counts = report.counts()
        console.print(
            f"whole census ({len(census):,} statements): neighbourhood {middle - started:.2f} s, "
            f"SHACL {ended - middle:.2f} s in one process, {pooled:.2f} s with 2 workers: "
            f"{counts['Violation']} violations, {counts['Warning']} warnings"
        )
        pool.close()
        shared.close()
        store.close()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    main()
