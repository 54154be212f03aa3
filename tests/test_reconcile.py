"""Reconciliation: a partner's place that duplicates a census place is proposed, a curator
confirms it, and both pages show the merged description with each statement's source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.harvest import Source
from commonsgraph.partners import Partners
from commonsgraph.reconcile import Options, Reconciliation
from commonsgraph.reconcile.candidates import Finder
from commonsgraph.reconcile.names import similarity
from commonsgraph.store import LocalStore
from commonsgraph.tokens import TokenStore
from commonsgraph.validation import Validator
from commonsgraph.vocab import CG, RDF, RDFS, WGS, XSD, Minter
from commonsgraph.web import create_app

from .conftest import BASE
from .servers import oxigraph_server

CENSUS_ALZIRE = f"{BASE}tiers-lieu/cget-2019-161"  # L'Alzire, Jarnages (46.181267, 2.084577)
THEIRS = "https://reseau-creuse.example/places/alzire"
PAIR = f"""@prefix pair: <http://virtual-assembly.org/ontologies/pair#> .
<{THEIRS}> a pair:PhysicalPlace ;
    pair:label "Tiers-lieu L'Alzire" ; pair:description "Café associatif et coworking" ;
    pair:latitude "46.1815" ; pair:longitude "2.0849" ;
    pair:hasPostalAddress <https://reseau-creuse.example/addresses/alzire> .
<https://reseau-creuse.example/addresses/alzire> a pair:PostalAddress ;
    pair:addressZipCode "23140" ; pair:addressLocality "Jarnages" .
<https://reseau-creuse.example/places/ailleurs> a pair:PhysicalPlace ;
    pair:label "Un lieu sans double" ; pair:latitude "45.0" ; pair:longitude "3.0" .
"""


@dataclass
class Site:
    client: TestClient
    partners: Partners
    store: LocalStore
    curator: dict[str, str]
    reader: dict[str, str]


@pytest.fixture
def site(imported: LocalStore, tmp_path: Path) -> Iterator[Site]:
    """The service over the real census, with a SemApps-style partner declared."""
    (tmp_path / "partner").mkdir()
    settings = Settings(data_dir=tmp_path / "var", base_iri=BASE, tile_url="")
    assert settings.data_dir is not None
    tokens = TokenStore(Database.open(Settings(data_dir=settings.data_dir)))
    headers = {
        role: {"Authorization": f"Bearer {tokens.create(role, f'a {role}')[1]}"}
        for role in ("curator", "reader")
    }
    with oxigraph_server(tmp_path / "partner") as url:
        loaded = httpx.post(
            f"{url}/store?default",
            content=PAIR.encode(),
            headers={"Content-Type": "text/turtle"},
            timeout=120,
        )
        assert loaded.is_success, loaded.text
        app = create_app(settings, imported, tokens)
        with TestClient(app, raise_server_exceptions=False) as client:
            partners: Partners = app.state.partners
            partners.harvester.registry.add(
                Source("creuse", "sparql", f"{url}/query", "Réseau creusois", "etalab-2.0", "pair")
            )
            yield Site(client, partners, imported, headers["curator"], headers["reader"])
    for graph in imported.graphs():
        if graph.value.startswith((BASE + "graph/harvest/", BASE + "graph/reconciliation")):
            imported.drop_graph(graph)


def test_a_harvested_duplicate_is_proposed_and_a_confirmation_links_both_pages(
    site: Site,
) -> None:
    harvested = site.partners.harvest("creuse")
    assert not harvested.failed, harvested.reports
    assert harvested.search is not None
    [candidate] = site.partners.reconciliation.candidates("proposed")
    assert (candidate.ours.value, candidate.theirs.value) == (CENSUS_ALZIRE, THEIRS)
    assert candidate.score > 0.9
    assert candidate.evidence.distance is not None
    assert candidate.evidence.distance < 100
    assert "36 m" in candidate.evidence.reasons("fr")[0]

    # the report is the curators'
    assert site.client.get("/reconciliation").status_code == 401
    assert site.client.get("/reconciliation", headers=site.reader).status_code == 403
    listed = site.client.get("/reconciliation?status=proposed", headers=site.curator).json()
    assert [c["id"] for c in listed] == [candidate.id]
    assert (
        listed[0]["theirs"]["page"]
        == "/lookup?iri=https%3A%2F%2Freseau-creuse.example%2Fplaces%2Falzire"
    )
    page = site.client.get(
        "/reconciliation?lang=en", headers={**site.curator, "Accept": "text/html"}
    )
    assert f'data-candidate="{candidate.id}"' in page.text

    ours = site.client.get("/tiers-lieu/cget-2019-161?lang=en", headers={"Accept": "text/html"})
    assert "Also described as" not in ours.text

    confirmed = site.client.post(f"/reconciliation/{candidate.id}/confirm", headers=site.curator)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["decision"]["by"]["label"] == "a curator"
    again = site.client.post(f"/reconciliation/{candidate.id}/confirm", headers=site.curator)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"

    links = NamedNode(BASE + "graph/reconciliation")
    link = NamedNode(f"{BASE}link/{candidate.id}")
    store = site.store
    assert store.ask(
        "ASK { GRAPH ?g { ?a owl:sameAs ?b } }",
        {"g": links, "a": NamedNode(CENSUS_ALZIRE), "b": NamedNode(THEIRS)},
    )
    assert store.ask(
        "ASK { GRAPH ?g { ?l rdf:subject ?a ; rdf:object ?b ; cg:matchScore ?s ;"
        " prov:wasAttributedTo ?who ; prov:wasDerivedFrom ?harvest . ?who rdfs:label ?name } }",
        {"g": links, "l": link, "a": NamedNode(CENSUS_ALZIRE), "b": NamedNode(THEIRS),
         "harvest": NamedNode(BASE + "graph/harvest/creuse"), "name": Literal("a curator")},
    )  # fmt: skip

    # both pages show the link and the merged description, each value with its source
    ours = site.client.get("/tiers-lieu/cget-2019-161?lang=en", headers={"Accept": "text/html"})
    assert "Also described as" in ours.text
    assert 'href="/lookup?iri=https%3A%2F%2Freseau-creuse.example%2Fplaces%2Falzire"' in ours.text
    assert "Café associatif et coworking" in ours.text  # the partner's description
    assert "Harvest of &#39;Réseau creusois&#39;" in ours.text
    assert "National census of tiers-lieux" in ours.text
    theirs = site.client.get(f"/lookup?iri={THEIRS}&lang=en", headers={"Accept": "text/html"})
    assert 'href="/tiers-lieu/cget-2019-161"' in theirs.text
    assert "Also described as" in theirs.text
    trig = site.client.get("/tiers-lieu/cget-2019-161", headers={"Accept": "application/trig"})
    quads = set(parse(trig.content, format=RdfFormat.TRIG))
    assert Quad(
        NamedNode(THEIRS), NamedNode("http://purl.org/dc/terms/description"),
        Literal("Café associatif et coworking"), NamedNode(BASE + "graph/harvest/creuse"),
    ) in quads  # fmt: skip

    # dismissed: the link is withdrawn, and a new search does not propose it again
    dismissed = site.client.post(
        f"/reconciliation/{candidate.id}/dismiss",
        data={"reason": "deux lieux distincts"},
        headers=site.curator,
        follow_redirects=False,
    )
    assert dismissed.status_code == 303  # a form: back to the report
    assert site.partners.reconciliation.get(candidate.id).reason == "deux lieux distincts"
    assert not store.ask(
        "ASK { ?a owl:sameAs ?b }", {"a": NamedNode(CENSUS_ALZIRE), "b": NamedNode(THEIRS)}
    )
    searched = site.client.post("/reconciliation/search", headers=site.curator)
    assert searched.json()["new"] == 0
    assert site.partners.reconciliation.candidates("proposed") == []


def test_sources_show_their_status_and_curators_harvest_on_demand(site: Site) -> None:
    [source] = site.client.get("/sources").json()
    assert source["status"]["last_success"] is None
    assert site.client.post("/sources/creuse/harvest").status_code == 401
    assert site.client.post("/sources/creuse/harvest", headers=site.reader).status_code == 403
    harvested = site.client.post("/sources/creuse/harvest", headers=site.curator)
    assert harvested.status_code == 200, harvested.text
    assert harvested.json()["published"] == 2
    assert harvested.json()["reconciliation"]["new"] == 1
    [source] = site.client.get("/sources").json()
    assert source["status"]["healthy"]
    assert source["status"]["published"] == 2
    page = site.client.get("/sources?lang=en", headers={"Accept": "text/html"})
    assert 'data-source="creuse"' in page.text
    assert "healthy" in page.text
    assert site.client.get("/sources/nowhere").status_code == 404
    assert site.client.get("/sources/creuse/quarantine").status_code == 401
    assert site.client.get("/sources/creuse/quarantine", headers=site.curator).json() == []


# -- the finder on small stores --------------------------------------------------------------


def _place(iri: str, label: str, lat: float, long: float) -> list[Triple]:
    node = NamedNode(iri)
    return [
        Triple(node, RDF.type, CG.TiersLieu),
        Triple(node, RDFS.label, Literal(label)),
        Triple(node, WGS.lat, Literal(str(lat), datatype=XSD.decimal)),
        Triple(node, WGS.long, Literal(str(long), datatype=XSD.decimal)),
    ]


def test_places_need_alike_names_within_the_distance(store: LocalStore) -> None:
    minter = Minter(BASE)
    store.replace_graph(
        minter.graph("import/census"), _place(BASE + "tiers-lieu/ruche", "La Ruche", 46.0, 2.0)
    )
    metres = 1 / 111_195  # degrees of latitude per metre
    store.replace_graph(
        minter.graph("harvest/p"),
        [
            *_place("https://p.example/a", "Tiers-lieu la Ruche", 46.0 + 20 * metres, 2.0),
            *_place("https://p.example/far", "La Ruche", 46.0 + 5000 * metres, 2.0),
            *_place("https://p.example/other", "Le Garage", 46.0, 2.0),
        ],
    )
    found = Finder(store, minter, Options(max_distance=1000)).search().found
    assert [(f.theirs.value, f.ours.value) for f in found] == [
        ("https://p.example/a", BASE + "tiers-lieu/ruche")
    ]
    assert found[0].evidence.distance == pytest.approx(20, abs=1)
    assert similarity("Le Hangar – FabLab", "hangar") == 1.0
    assert similarity("Le Hangar", "La Ruche") < 0.5


def test_organisations_with_the_same_siret_or_siren(store: LocalStore) -> None:
    minter = Minter(BASE)

    def organisation(iri: str, label: str, siret: str) -> list[Triple]:
        node = NamedNode(iri)
        return [Triple(node, RDFS.label, Literal(label)), Triple(node, CG.siret, Literal(siret))]

    store.replace_graph(
        minter.graph("contribution/c1"),
        organisation(BASE + "organisation/asso", "Association du Lieu", "732 829 320 00074"),
    )
    store.replace_graph(
        minter.graph("harvest/p"),
        [
            *organisation("https://p.example/orgs/1", "Asso du lieu", "73282932000074"),
            *organisation("https://p.example/orgs/2", "Un autre établissement", "73282932000090"),
        ],
    )
    found = {f.theirs.value: f for f in Finder(store, minter).search().found}
    assert found["https://p.example/orgs/1"].score == 1.0
    assert found["https://p.example/orgs/1"].evidence.siret == "73282932000074"
    assert found["https://p.example/orgs/2"].score == 0.9
    assert found["https://p.example/orgs/2"].evidence.siren == "732829320"


def test_a_confirmation_left_unpublished_by_a_stopped_process_is_published_on_start(
    store: LocalStore, tmp_path: Path
) -> None:
    minter = Minter(BASE)
    settings = Settings(data_dir=tmp_path, base_iri=BASE)
    store.replace_graph(
        minter.graph("import/census"), _place(BASE + "tiers-lieu/ruche", "La Ruche", 46.0, 2.0)
    )
    store.replace_graph(
        minter.graph("harvest/p"), _place("https://p.example/a", "La Ruche", 46.0, 2.0)
    )
    reconciliation = Reconciliation.open(store, settings, Database.open(settings))
    reconciliation.search()
    [candidate] = reconciliation.candidates()
    # the decision reached the report, and the process stopped before publishing it
    reconciliation.ledger.decide(
        candidate.id, "confirmed", expected=("proposed",), by="t1", by_label="Camille",
        moment=candidate.found,
    )  # fmt: skip
    reconciliation.ledger.database.close()
    assert not store.ask("ASK { ?a owl:sameAs ?b }")
    partners = Partners.open(
        store, settings, Validator.of_project(settings), Database.open(settings)
    )
    partners.harvester.ledger.database.close()
    assert store.ask(
        "ASK { GRAPH ?g { ?a owl:sameAs ?b } }",
        {"g": minter.graph("reconciliation"), "a": NamedNode(BASE + "tiers-lieu/ruche")},
    )
