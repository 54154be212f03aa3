"""Harvesting partners run by real servers on loopback: a SemApps-style SPARQL endpoint
(`oxigraph serve` with PAIR data), feeds (GoGoCarto, GeoJSON, CSV) and misbehaving partners."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Triple

from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.errors import PartnerError
from commonsgraph.harvest import Harvester, HarvestLedger, Source, SourceRegistry
from commonsgraph.harvest.mapping import feed_records
from commonsgraph.rdfio import ReadLimits
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator
from commonsgraph.web import create_app

from .conftest import BASE
from .partners import Partner, Route, feed_server
from .servers import oxigraph_server

PAIR = """@prefix pair: <http://virtual-assembly.org/ontologies/pair#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix p: <https://reseau-x.example/> .
p:places\\/la-ruche a pair:PhysicalPlace ;
    pair:label "La Ruche" ; pair:description "Un tiers-lieu rural" ;
    pair:homePage "https://laruche.example/" ;
    pair:latitude "46.17" ; pair:longitude "1.87" ;
    pair:hasPostalAddress p:addresses\\/la-ruche ;
    pair:operatedBy p:orgs\\/asso-ruche ;
    dct:modified "2026-01-01T00:00:00Z"^^xsd:dateTime .
p:addresses\\/la-ruche a pair:PostalAddress ; pair:addressStreet "1 rue des Abeilles" ;
    pair:addressZipCode "23000" ; pair:addressLocality "Guéret" .
p:orgs\\/asso-ruche a pair:Organization ; pair:label "Association La Ruche" .
p:places\\/le-hangar a pair:PhysicalPlace ; pair:label "Le Hangar" ;
    pair:latitude "45.77" ; pair:longitude "4.88" ;
    dct:modified "2026-01-01T00:00:00Z"^^xsd:dateTime .
p:places\\/nulle-part a pair:PhysicalPlace ; pair:label "Nulle part" ;
    pair:latitude "123.0" ; pair:longitude "2.0" .
p:projects\\/x a pair:Project ; pair:label "Not a place" .
"""
RUCHE = "https://reseau-x.example/places/la-ruche"
LONG_AGO = "2020-01-01T00:00:00Z"


def cli(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args])
    return result.exit_code, result.output


def harvested(data: Path, graph: str) -> set[Triple]:
    """The statements of a harvest graph, less its provenance."""
    store = LocalStore(data / "store")
    try:
        triples = store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(graph)}
        )
    finally:
        store.close()
    return {t for t in triples if not lexical(t.subject).startswith(graph)}


@pytest.fixture
def semapps(tmp_path: Path) -> Iterator[str]:
    """A SemApps-style partner: `oxigraph serve` holding PAIR data."""
    (tmp_path / "partner").mkdir()
    with oxigraph_server(tmp_path / "partner") as url:
        response = httpx.post(
            f"{url}/store?default",
            content=PAIR.encode(),
            headers={"Content-Type": "text/turtle"},
            timeout=120,
        )
        assert response.status_code in (200, 201, 204), response.text
        yield url


def test_a_semapps_partner_is_harvested_and_a_change_changes_only_that_record(
    tmp_path: Path, semapps: str
) -> None:
    data = tmp_path / "var"
    code, output = cli(
        data, "source", "add", "reseau-x", "--kind", "sparql", "--url", f"{semapps}/query",
        "--mapping", "pair", "--licence", "etalab-2.0", "--title", "Réseau X",
    )  # fmt: skip
    assert code == 0, output
    code, output = cli(data, "harvest", "reseau-x")
    assert code == 0, output
    assert "4 record(s), 3 published, 1 quarantined" in output  # 3 places, 1 operator
    graph = BASE + "graph/harvest/reseau-x"
    first = harvested(data, graph)
    places = {
        lexical(t.subject)
        for t in first
        if t.object == NamedNode(BASE.replace("commonsgraph/", "commonsgraph/ns#") + "TiersLieu")
    }
    assert places == {RUCHE, "https://reseau-x.example/places/le-hangar"}
    store = LocalStore(data / "store")
    try:
        provenance = store.select(
            f"""SELECT ?source ?licence ?when ?entities WHERE {{ GRAPH <{graph}> {{
                  <{graph}> dct:source ?source ; dct:license ?licence ;
                            prov:generatedAtTime ?when ; void:entities ?entities }} }}"""
        )
        assert {k: lexical(v) for k, v in provenance[0].items() if k != "when"} == {
            "source": f"{semapps}/query",
            "licence": BASE + "licence/etalab-2.0",
            "entities": "3",
        }
        assert store.ask(
            f"ASK {{ <{RUCHE}> cg:actorRole/cg:agent ?org . ?org rdfs:label"
            ' "Association La Ruche" }'
        )
        # first issued long ago: the harvests below must keep it
        store.update(
            f"""DELETE {{ GRAPH <{graph}> {{ <{graph}> dct:issued ?at }} }}
                INSERT {{ GRAPH <{graph}> {{ <{graph}> dct:issued "{LONG_AGO}"^^xsd:dateTime }} }}
                WHERE {{ GRAPH <{graph}> {{ <{graph}> dct:issued ?at }} }}"""
        )
    finally:
        store.close()
    # the quarantined record, with its report
    code, output = cli(data, "source", "list")
    assert "reseau-x" in output
    ledger = HarvestLedger(Database.open(Settings(data_dir=data)))
    [quarantined] = ledger.quarantine("reseau-x")
    ledger.database.close()
    assert quarantined.record == "https://reseau-x.example/places/nulle-part"
    assert any("lat" in (f.path or "") for f in quarantined.findings)

    # the partner changes one record
    update = f"""PREFIX pair: <http://virtual-assembly.org/ontologies/pair#>
        PREFIX dct: <http://purl.org/dc/terms/>
        DELETE {{ <{RUCHE}> pair:label ?old ; dct:modified ?when }}
        INSERT {{ <{RUCHE}> pair:label "La Ruche rurale" ;
                  dct:modified "2099-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> }}
        WHERE {{ <{RUCHE}> pair:label ?old ; dct:modified ?when }}"""
    response = httpx.post(
        f"{semapps}/update",
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update"},
        timeout=120,
    )
    assert response.status_code == 204, response.text
    code, output = cli(data, "harvest", "reseau-x")
    assert code == 0, output
    assert "changes since the last harvest" in output  # incremental: only what changed
    second = harvested(data, graph)
    changed = {lexical(t.subject).split("#")[0] for t in first ^ second}
    assert changed == {RUCHE}
    assert {lexical(t.object) for t in second - first} == {
        "La Ruche rurale",
        "2099-01-01T00:00:00Z",
    }
    incremental = counts(data, graph)
    # a full harvest finds the same, and counts the same
    code, output = cli(data, "harvest", "reseau-x", "--full")
    assert code == 0, output
    assert harvested(data, graph) == second
    assert counts(data, graph) == incremental == {"triples": len(second) + 1, "entities": 3}
    assert issued(data, graph) == LONG_AGO


def issued(data: Path, graph: str) -> str:
    store = LocalStore(data / "store")
    try:
        [row] = store.select(
            f"SELECT ?at WHERE {{ GRAPH <{graph}> {{ <{graph}> dct:issued ?at }} }}"
        )
        return lexical(row["at"])
    finally:
        store.close()


def counts(data: Path, graph: str) -> dict[str, int]:
    """What the graph's provenance says it holds."""
    store = LocalStore(data / "store")
    try:
        [row] = store.select(
            f"SELECT ?triples ?entities WHERE {{ GRAPH <{graph}> {{ <{graph}> void:triples ?triples ;"
            " void:entities ?entities } }"
        )
    finally:
        store.close()
    return {k: int(lexical(v)) for k, v in row.items()}


@pytest.fixture
def partner() -> Iterator[Partner]:
    with feed_server() as server:
        yield server


GOOD_TURTLE = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
<{BASE}tiers-lieu/dump-1> a cg:TiersLieu ; <http://www.w3.org/2000/01/rdf-schema#label> "Depuis un dump" ;
    cg:typology <{BASE}scheme/typology/coworking> .
""".encode()


@pytest.mark.parametrize(
    ("route", "fragment"),
    [
        (Route(status=500, body=b"oops"), "answered HTTP 500"),
        (Route(body=GOOD_TURTLE[:-30], content_type="text/turtle"), "does not parse"),
        (
            Route(body=GOOD_TURTLE + b"# " + b"x" * 3000 + b"\n", content_type="text/turtle"),
            "more than",
        ),
        (Route(body=GOOD_TURTLE, content_type="text/turtle", hang=5), "did not answer within"),
        (Route(body=b"<html>maintenance</html>", content_type="text/html"), "not RDF"),
    ],
)
def test_a_misbehaving_partner_leaves_the_previous_harvest_intact(
    tmp_path: Path, partner: Partner, route: Route, fragment: str
) -> None:
    data = tmp_path / "var"
    (data).mkdir()
    (data / "sources.toml").write_text(
        f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump.ttl"\nlicence = "CC0-1.0"\n'
    )
    partner.routes["/dump.ttl"] = Route(body=GOOD_TURTLE, content_type="text/turtle")
    code, output = cli(data, "harvest", "dump")
    assert code == 0, output
    before = harvested(data, BASE + "graph/harvest/dump")
    assert before
    partner.routes["/dump.ttl"] = route
    env = {
        "COMMONSGRAPH_HARVEST_TIMEOUT": "1",
        "COMMONSGRAPH_MAX_HARVEST_BYTES": str(len(GOOD_TURTLE) + 100),
    }
    result = CliRunner(env=env).invoke(main, ["--data-dir", str(data), "harvest", "dump", "--full"])
    assert result.exit_code == 1, result.output
    assert fragment in result.output
    assert harvested(data, BASE + "graph/harvest/dump") == before
    ledger = HarvestLedger(Database.open(Settings(data_dir=data)))
    status = ledger.status("dump")
    ledger.database.close()
    assert not status.healthy
    assert fragment in (status.last_error or "")
    assert status.published == 1


def test_an_unchanged_feed_is_not_harvested_again(tmp_path: Path, partner: Partner) -> None:
    data = tmp_path / "var"
    data.mkdir()
    (data / "sources.toml").write_text(
        f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump.ttl"\n'
    )
    partner.routes["/dump.ttl"] = Route(body=GOOD_TURTLE, content_type="text/turtle")
    assert cli(data, "harvest", "dump")[0] == 0
    code, output = cli(data, "harvest", "--all")
    assert code == 0
    assert "unchanged since the last harvest" in output
    assert partner.requests[-1][1].get("If-None-Match") == Route(body=GOOD_TURTLE).etag


@pytest.fixture(scope="module")
def feeds(imported: LocalStore) -> Iterator[tuple[LocalStore, Settings]]:
    """The real census and communes; harvest graphs dropped afterwards."""
    settings = Settings(data_dir=None, base_iri=BASE)
    yield imported, settings
    for graph in imported.graphs():
        if graph.value.startswith(BASE + "graph/harvest/"):
            imported.drop_graph(graph)


def harvester(store: LocalStore, settings: Settings, tmp_path: Path) -> Harvester:
    database = Database.memory()
    registry = SourceRegistry(database, tmp_path / "sources.toml")
    return Harvester(
        store, settings, registry, HarvestLedger(database), Validator.of_project(settings)
    )


GOGOCARTO = {
    "licence": "https://opendatacommons.org/licenses/odbl/summary/",
    "data": [
        {
            "id": "abc1",
            "name": "La Fabrique du Coin",
            "geo": {"latitude": 46.168, "longitude": 1.871},
            "address": {"streetAddress": "5 place Bonnyaud", "postalCode": "23000",
                        "addressLocality": "Guéret", "addressCountry": "FR"},
            "categories": ["Fablab", "Tiers-lieu nourricier"],
            "description": "Atelier partagé",
            "website": "lafabriqueducoin.example.org",
            "updatedAt": "2026-03-01T10:00:00+01:00",
        },
        {
            "id": "abc2",
            "name": "Le Bureau Partagé",
            "geo": {"latitude": 45.77, "longitude": 4.88},
            "address": {"postalCode": "69100", "addressLocality": "Villeurbanne"},
            "categories": ["Coworking"],
        },
        {"id": "abc3", "geo": {"latitude": 45.0, "longitude": 4.0}, "categories": []},
    ],
}  # fmt: skip


def test_a_gogocarto_export(
    tmp_path: Path, partner: Partner, feeds: tuple[LocalStore, Settings]
) -> None:
    store, settings = feeds
    partner.routes["/api/elements.json"] = Route(body=json.dumps(GOGOCARTO).encode())
    harvest = harvester(store, settings, tmp_path)
    harvest.registry.add(
        Source("carte", "gogocarto", f"{partner.url}/api/elements.json", licence="ODbL-1.0",
               typologies={"Tiers-lieu nourricier": "food-third-place"})
    )  # fmt: skip
    report = harvest.run("carte")
    assert report.ok, report.error
    assert (report.records, report.published, report.quarantined) == (3, 2, 1)  # abc3: no name
    first = f"{BASE}tiers-lieu/carte-abc1"
    assert store.ask(
        f"""ASK {{ GRAPH <{BASE}graph/harvest/carte> {{
              <{first}> rdfs:label "La Fabrique du Coin" ;
                  schema:containedInPlace <{BASE}commune/23096> ;
                  cg:typology <{BASE}scheme/typology/fablab>, <{BASE}scheme/typology/food-third-place> ;
                  foaf:homepage <http://lafabriqueducoin.example.org> ;
                  dct:modified ?when ; wgs:lat ?lat }} }}"""
    )
    assert store.ask(  # the postcode and the name give the commune
        f"ASK {{ <{BASE}tiers-lieu/carte-abc2> schema:containedInPlace <{BASE}commune/69266> }}"
    )
    [quarantined] = harvest.ledger.quarantine("carte")
    assert quarantined.record == f"{BASE}tiers-lieu/carte-abc3"


def test_geojson_and_csv_feeds_with_declared_fields(
    tmp_path: Path, partner: Partner, feeds: tuple[LocalStore, Settings]
) -> None:
    store, settings = feeds
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.88, 43.61]},
             "properties": {"ref": "m1", "nom": "Le Mas", "cp": "34000", "ville": "Montpellier",
                            "genre": "Coworking"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.389, 50.607]},
             "properties": {"ref": "b1", "nom": "La Halle", "cp": "7500", "ville": "Tournai",
                            "pays": "BE", "genre": "Coworking"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.4025, 51.2194]},
             "properties": {"ref": "b2", "nom": "Het Dok", "ville": "Antwerpen",
                            "genre": "Coworking"}},
        ],
    }  # fmt: skip
    partner.routes["/lieux.geojson"] = Route(body=json.dumps(geojson).encode())
    partner.routes["/lieux.csv"] = Route(
        body="code;nom\n".replace(";", ",").encode() + b"c1,Le Relais\n",
        content_type="text/csv",
    )
    harvest = harvester(store, settings, tmp_path)
    fields = {
        "id": "ref",
        "label": "nom",
        "postcode": "cp",
        "locality": "ville",
        "typology": "genre",
        "country": "pays",
    }
    harvest.registry.add(Source("carto", "geojson", f"{partner.url}/lieux.geojson", fields=fields))
    harvest.registry.add(
        Source("tableur", "csv", f"{partner.url}/lieux.csv", fields={"id": "code", "label": "nom"})
    )
    reports = harvest.run_all()
    assert [r.ok for r in reports] == [True, True], [r.error for r in reports]
    assert store.ask(
        f"""ASK {{ <{BASE}tiers-lieu/carto-m1> rdfs:label "Le Mas" ;
                 cg:typology <{BASE}scheme/typology/coworking> ;
                 schema:containedInPlace <{BASE}commune/34172> ; wgs:lat 43.61 }}"""
    )
    assert store.ask(f'ASK {{ <{BASE}tiers-lieu/tableur-c1> rdfs:label "Le Relais" }}')
    # a place in Belgium, said so by the feed: in Belgium, with its coordinates
    assert store.ask(
        f"""ASK {{ <{BASE}tiers-lieu/carto-b1> locn:address/locn:adminUnitL1 "BE" ;
                 schema:containedInPlace <{BASE}country/BE> ; wgs:lat 50.607 }}"""
    )
    # a place in Antwerp whose feed gives no country: taken as in France, its coordinates (north
    # of France's box) are left out and said so
    assert not store.ask(f"ASK {{ <{BASE}tiers-lieu/carto-b2> wgs:lat ?lat }}")
    [carto] = [r for r in reports if r.source == "carto"]
    assert any("outside France (FR)" in note and "they fall in Belgium (BE)" in note
               for note in carto.notes), carto.notes  # fmt: skip


def test_source_declarations_are_checked(tmp_path: Path) -> None:
    data = tmp_path / "var"
    code, output = cli(data, "source", "add", "Bad Name", "--kind", "rdf", "--url", "http://x/")
    assert code == 2
    assert "lowercase" in output
    code, output = cli(data, "source", "add", "feed", "--kind", "geojson", "--url", "http://x/")
    assert code == 2
    assert "id and label" in output
    code, output = cli(data, "source", "add", "feed", "--kind", "rdf", "--url", "ftp://x/")
    assert code == 2
    code, output = cli(data, "harvest", "nothing")
    assert code == 2
    assert "source list" in output
    (data / "sources.toml").write_text("[sources.x\n")
    code, output = cli(data, "source", "list")
    assert code == 2


def test_the_service_harvests_on_a_schedule(
    tmp_path: Path, partner: Partner, seeded: LocalStore
) -> None:
    data = tmp_path / "var"
    data.mkdir()
    (data / "sources.toml").write_text(
        f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump.ttl"\n'
    )
    partner.routes["/dump.ttl"] = Route(body=GOOD_TURTLE, content_type="text/turtle")
    settings = Settings(data_dir=data, base_iri=BASE, harvest_every=0.2)
    with TestClient(create_app(settings, seeded)) as client:
        deadline = time.monotonic() + 120
        while client.get("/sources/dump").json()["status"]["last_success"] is None:
            assert time.monotonic() < deadline, "no scheduled harvest"
            time.sleep(0.1)
        assert seeded.ask(f'ASK {{ <{BASE}tiers-lieu/dump-1> rdfs:label "Depuis un dump" }}')


def test_a_record_that_refers_to_a_quarantined_one_is_quarantined_too(
    tmp_path: Path, partner: Partner, seeded: LocalStore
) -> None:
    dump = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}organisation/dump-asso> a org:Organization ; rdfs:label "Asso" ; cg:siret "12345678901234" .
<{BASE}tiers-lieu/dump-a> a cg:TiersLieu ; rdfs:label "A" ; cg:actorRole <{BASE}tiers-lieu/dump-a#role> .
<{BASE}tiers-lieu/dump-a#role> a cg:ActorRole ; cg:agent <{BASE}organisation/dump-asso> ;
    cg:role <{BASE}scheme/role/operator> .
<{BASE}tiers-lieu/dump-b> a cg:TiersLieu ; rdfs:label "B" .
"""
    partner.routes["/dump.ttl"] = Route(body=dump.encode(), content_type="text/turtle")
    settings = Settings(data_dir=None, base_iri=BASE)
    harvest = harvester(seeded, settings, tmp_path)
    harvest.registry.add(Source("dump", "rdf", f"{partner.url}/dump.ttl"))
    report = harvest.run("dump")
    assert report.ok, report.error
    assert (report.records, report.published, report.quarantined) == (3, 1, 2)
    quarantined = {q.record: q for q in harvest.ledger.quarantine("dump")}
    assert set(quarantined) == {f"{BASE}organisation/dump-asso", f"{BASE}tiers-lieu/dump-a"}
    assert any(
        "SIRET" in f.message("en") for f in quarantined[f"{BASE}organisation/dump-asso"].findings
    )
    assert seeded.ask(f"ASK {{ <{BASE}tiers-lieu/dump-b> rdfs:label 'B' }}")
    assert not seeded.ask(f"ASK {{ <{BASE}tiers-lieu/dump-a> ?p ?o }}")


def test_a_partner_describes_only_its_own_resources(
    tmp_path: Path, partner: Partner, seeded: LocalStore
) -> None:
    """A harvest is published without review: it may not restate our ontology, schemes or
    places, whatever the IRI's spelling."""
    dump = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}tiers-lieu/dump-ok> a cg:TiersLieu ; rdfs:label "Ours by name" .
<https://reseau-x.example/places/p> a cg:TiersLieu ; rdfs:label "Theirs" .
cg:TiersLieu rdfs:subClassOf owl:Nothing .
<{BASE}tiers-lieu/../ns#Commons> rdfs:subClassOf owl:Nothing .
<{BASE}tiers-lieu/dump-x/%2E%2E/%2E%2E/ns#Network> rdfs:subClassOf owl:Nothing .
<{BASE}tiers-lieu/la-myne> rdfs:label "Not theirs" .
<{BASE}scheme/typology/fablab> rdfs:label "Not theirs either" .
"""
    partner.routes["/dump.ttl"] = Route(body=dump.encode(), content_type="text/turtle")
    settings = Settings(data_dir=None, base_iri=BASE)
    harvest = harvester(seeded, settings, tmp_path)
    harvest.registry.add(Source("dump", "rdf", f"{partner.url}/dump.ttl"))
    report = harvest.run("dump")
    assert report.ok, report.error
    assert (report.published, report.quarantined) == (2, 5)
    quarantined = {q.record: q for q in harvest.ledger.quarantine("dump")}
    assert f"{BASE}tiers-lieu/la-myne" in quarantined
    assert all(
        "may describe only its own" in q.findings[0].message("en") for q in quarantined.values()
    )
    assert not seeded.ask("ASK { ?c rdfs:subClassOf owl:Nothing }")
    assert not seeded.ask(f"ASK {{ <{BASE}tiers-lieu/la-myne> rdfs:label 'Not theirs' }}")
    assert seeded.ask(f"ASK {{ <{BASE}tiers-lieu/dump-ok> rdfs:label 'Ours by name' }}")


def test_a_csv_feed_of_more_rows_than_a_harvest_reads_is_refused_unread() -> None:
    source = Source("csv", "csv", "http://partner.example/feed.csv")
    limits = ReadLimits.harvest(Settings(data_dir=None, max_harvest_statements=10))
    assert len(feed_records(source, b"id,name\n" + b"1,a\n" * 9, limits)) == 9
    with pytest.raises(PartnerError, match="a feed of more than 10 rows"):
        feed_records(source, b"id,name\n" + b"1,a\n" * 10, limits)
