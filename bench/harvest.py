"""Benchmark: harvesting 10,000 partner records (fetch, map, validate, publish) and reconciling
them with the census. Prints two tables.

The store holds the project's graphs, the communes and the real census (1,512 places). Two
partners, started on loopback, publish the same 10,000 places: a GoGoCarto-style JSON export
(a small HTTP server) and a SemApps endpoint (`oxigraph serve` with the places in PAIR). About
one place in ten is a census place under another spelling of its name, a few dozen metres away
(a planted duplicate); one in fifty has no name (the shapes quarantine it); the others are new
places a few kilometres from a census place. Each partner is harvested three times: first,
again with nothing changed (the feed answers 304; the endpoint is asked for changes since the
last harvest), and after one record changed. Then the reconciliation looks for candidate links
between the 20,000 harvested places and the census, and counts how many planted duplicates it
found.

    .venv/bin/python bench/harvest.py [--data ../shared/data] [--records 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import httpx
from rich.console import Console
from rich.table import Table

import common  # noqa: F401  (puts the project on the path: tests/, with the partners' servers)
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.harvest import HarvestReport, Source
from commonsgraph.importers.census import import_census
from commonsgraph.importers.geo import import_geo
from commonsgraph.partners import Partners
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import ValidationPool, Validator
from commonsgraph.vocab import Minter
from tests.partners import Partner, Route, feed_server
from tests.servers import oxigraph_server

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/commonsgraph/"
METRE = 1 / 111_195
TYPOLOGIES = ["Coworking", "Fablab", "Tiers-lieu culturel", "Atelier partagé"]


class Place(TypedDict):
    """A census place, as the partners' records are made from it."""

    iri: str
    label: str
    lat: float
    long: float
    zip: str
    town: str


class Geo(TypedDict):
    latitude: float
    longitude: float


class PostalAddress(TypedDict):
    streetAddress: str
    postalCode: str
    addressLocality: str


class Record(TypedDict):
    """A GoGoCarto-style record."""

    id: str
    name: str
    geo: Geo
    address: PostalAddress
    categories: list[str]
    description: str
    website: str
    updatedAt: str


def census_places(store: LocalStore) -> list[Place]:
    rows = store.select(
        """SELECT ?p ?label ?lat ?long ?zip ?town WHERE {
             GRAPH ?g { ?p a cg:TiersLieu ; rdfs:label ?label ; wgs:lat ?lat ; wgs:long ?long ;
                           locn:address ?a . ?a locn:postCode ?zip . OPTIONAL { ?a locn:postName ?town } }
           } ORDER BY ?p""",
        {"g": Minter(BASE).graph("import/census")},
    )
    return [
        Place(
            iri=lexical(row["p"]),
            label=lexical(row["label"]),
            lat=float(lexical(row["lat"])),
            long=float(lexical(row["long"])),
            zip=lexical(row["zip"]),
            town=lexical(row["town"]) if "town" in row else "",
        )
        for row in rows
    ]


def partner_records(census: list[Place], count: int) -> tuple[list[Record], dict[str, str]]:
    """GoGoCarto-style records, and the planted duplicates: record id -> census IRI."""
    rng = random.Random(7)
    records: list[Record] = []
    planted: dict[str, str] = {}
    for n in range(count):
        near = census[rng.randrange(len(census))]
        lat, long = near["lat"], near["long"]
        if n % 10 == 0:  # the census place, spelled otherwise, a few dozen metres away
            name = f"Tiers-lieu {near['label'].upper()}"
            lat += rng.uniform(-40, 40) * METRE
            long += rng.uniform(-40, 40) * METRE
            planted[f"p{n}"] = near["iri"]
        else:
            name = f"Atelier partagé n°{n}"
            lat += rng.choice((-1, 1)) * rng.uniform(2000, 6000) * METRE
            long += rng.choice((-1, 1)) * rng.uniform(2000, 6000) * METRE
        records.append(
            {
                "id": f"p{n}",
                "name": "" if n % 50 == 7 else name,
                "geo": {"latitude": round(lat, 6), "longitude": round(long, 6)},
                "address": {
                    "streetAddress": f"{n} rue des Communs",
                    "postalCode": near["zip"],
                    "addressLocality": near["town"],
                },
                "categories": [TYPOLOGIES[n % len(TYPOLOGIES)]],
                "description": f"Un lieu partagé ({n})",
                "website": f"https://lieu-{n}.example.org/",
                "updatedAt": "2026-01-01T00:00:00+00:00",
            }
        )
    return records, planted


def pair_turtle(records: list[Record]) -> bytes:
    lines = [
        "@prefix pair: <http://virtual-assembly.org/ontologies/pair#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for record in records:
        place = f"<https://semapps.example/places/{record['id']}>"
        address = f"<https://semapps.example/addresses/{record['id']}>"
        geo, postal = record["geo"], record["address"]
        lines.append(
            f"{place} a pair:PhysicalPlace ; pair:label {json.dumps(record['name'])} ; "
            f"pair:description {json.dumps(record['description'])} ; "
            f'pair:homePage "{record["website"]}" ; '
            f'pair:latitude "{geo["latitude"]}" ; pair:longitude "{geo["longitude"]}" ; '
            f"pair:hasPostalAddress {address} ; "
            f'dct:modified "{record["updatedAt"]}"^^xsd:dateTime .\n'
            f"{address} a pair:PostalAddress ; pair:addressStreet {json.dumps(postal['streetAddress'])} ; "
            f'pair:addressZipCode "{postal["postalCode"]}" ; '
            f"pair:addressLocality {json.dumps(postal['addressLocality'])} ."
        )
    return "\n".join(lines).encode()


def change(name: str, records: list[Record], feed: Partner, endpoint: str) -> None:
    """One record changed at the partner `name` (modified now)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if name == "carte":
        records[1]["description"] = "Changed"
        records[1]["updatedAt"] = now
        export = {"licence": "ODbL-1.0", "data": records}
        feed.routes["/api/elements.json"] = Route(body=json.dumps(export).encode())
        return
    update = f"""PREFIX pair: <http://virtual-assembly.org/ontologies/pair#>
        PREFIX dct: <http://purl.org/dc/terms/>
        DELETE {{ ?p pair:description ?d ; dct:modified ?m }}
        INSERT {{ ?p pair:description "Changed" ;
                  dct:modified "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> }}
        WHERE {{ BIND(<https://semapps.example/places/p1> AS ?p) ?p pair:description ?d ;
                 dct:modified ?m }}"""
    httpx.post(
        f"{endpoint}/update", content=update, headers={"Content-Type": "application/sparql-update"}
    ).raise_for_status()


def row(label: str, report: HarvestReport) -> list[str]:
    if report.error:
        raise RuntimeError(f"{report.source}: {report.error}")
    steps = [report.timings.get(step) for step in ("fetch", "map", "validate", "publish")]
    change = report.change
    return [
        label,
        f"{report.records:,}",
        f"{report.published:,}",
        f"{report.quarantined:,}",
        "unchanged"
        if report.unchanged
        else f"+{change.added:,} −{change.removed:,}"
        if change
        else "",
        *("" if s is None else f"{s:.2f}" for s in steps),
        f"{report.seconds:.2f}",
        f"{report.records / report.seconds:,.0f}" if report.records else "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    console = Console(width=160)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(data_dir=directory / "var", base_iri=BASE)
        store = LocalStore(directory / "var" / "store")
        minter = Minter(BASE)
        load_bundled(store, settings)
        import_geo(store, minter, [args.data / "geo"])
        import_census(store, minter, args.data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
        store.optimize()
        census = census_places(store)
        records, planted = partner_records(census, args.records)
        export = {"licence": "ODbL-1.0", "data": records}
        pool = ValidationPool(Validator.of_project(settings))
        partners = Partners.open(store, settings, pool, Database.open(settings))
        registry = partners.harvester.registry
        table = Table(
            "harvest", "records", "published", "quarantined", "statements", "fetch s", "map s",
            "validate s", "publish s", "total s", "records/s",
            title=f"Harvesting {args.records:,} partner records into a store of "
            f"{store.triple_count():,} statements",
        )  # fmt: skip
        (directory / "partner").mkdir()
        with feed_server() as feed, oxigraph_server(directory / "partner") as endpoint:
            feed.routes["/api/elements.json"] = Route(body=json.dumps(export).encode())
            httpx.post(
                f"{endpoint}/store?default",
                content=pair_turtle(records),
                headers={"Content-Type": "text/turtle"},
                timeout=120,
            ).raise_for_status()
            registry.add(
                Source("carte", "gogocarto", f"{feed.url}/api/elements.json", licence="ODbL-1.0",
                       typologies={"Atelier partagé": "shared-craft-workshop"})
            )  # fmt: skip
            registry.add(Source("semapps", "sparql", f"{endpoint}/query", mapping="pair"))
            for name, kind in (("carte", "GoGoCarto JSON"), ("semapps", "SemApps SPARQL (PAIR)")):
                harvester = partners.harvester
                table.add_row(*row(f"{kind}: first", harvester.run(name)))
                table.add_row(*row(f"{kind}: again, nothing changed", harvester.run(name)))
                change(name, records, feed, endpoint)
                table.add_row(*row(f"{kind}: one record changed", harvester.run(name)))
        console.print(table)

        started = time.perf_counter()
        search = partners.reconciliation.search()
        seconds = time.perf_counter() - started
        found = search.search.found
        by_partner: dict[str, dict[str, str]] = {"carte": {}, "semapps": {}}
        for f in found:
            partner = "semapps" if "semapps.example" in f.theirs.value else "carte"
            record = f.theirs.value.rsplit("/", 1)[-1].removeprefix("carte-")
            by_partner[partner][record] = f.ours.value
        recalled = {
            partner: sum(links.get(record) == iri for record, iri in planted.items())
            for partner, links in by_partner.items()
        }
        steps = Table(
            "step", "seconds",
            title=f"Reconciling {search.search.harvested:,} harvested resources with "
            f"{search.search.ours:,} of ours: {len(found):,} candidates in {seconds:.2f} s",
        )  # fmt: skip
        for step, value in search.search.timings.items():
            steps.add_row(step, f"{value:.3f}")
        steps.add_row(
            "recording the report", f"{seconds - sum(search.search.timings.values()):.3f}"
        )
        console.print(steps)
        for partner, count in recalled.items():
            console.print(f"planted duplicates found in {partner}: {count:,} of {len(planted):,}")
        partners.harvester.ledger.database.close()
        pool.close()
        store.close()


if __name__ == "__main__":
    main()
