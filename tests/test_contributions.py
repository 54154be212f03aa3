"""Contributions and curation over HTTP: uploads validated, staged out of sight, reviewed,
published atomically with their provenance, reverted; bad input refused with nothing written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, parse

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, lexical
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

from .conftest import BASE

PLACE = BASE + "tiers-lieu/la-fabrique-a-projets"
NEW_PLACE = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<tiers-lieu/la-fabrique-a-projets> a cg:TiersLieu ;
    rdfs:label "{name}" ;
    cg:typology <scheme/typology/fablab> ;
    schema:containedInPlace <commune/23096> ;
    wgs:lat "46.17"^^xsd:decimal ; wgs:long "1.87"^^xsd:decimal ;
    locn:address [ a locn:Address ; locn:fullAddress "1 place Bonnyaud, 23000 Guéret" ;
                   locn:postCode "23000" ; locn:adminUnitL1 "FR" ] .
"""


def place(name: str = "La Fabrique à projets") -> bytes:
    return NEW_PLACE.replace("{name}", name).encode()


@dataclass
class Site:
    client: TestClient
    store: LocalStore
    contributor: dict[str, str]
    other: dict[str, str]
    curator: dict[str, str]
    reader: dict[str, str]

    def upload(
        self,
        body: bytes,
        media_type: str = "text/turtle",
        who: dict[str, str] | None = None,
        **params: str,
    ) -> dict[str, object]:
        response = self.client.post(
            "/contributions",
            content=body,
            params=params,
            headers={**(who or self.contributor), "Content-Type": media_type},
        )
        assert response.status_code == 201, response.text
        assert response.headers["location"].endswith(f"/contributions/{response.json()['id']}")
        return dict(response.json())

    def review(self, contribution: str, action: str, **fields: str) -> dict[str, object]:
        response = self.client.post(
            f"/contributions/{contribution}/{action}", json=fields or None, headers=self.curator
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ask(self, query: str) -> bool:
        return self.store.ask(query)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_site(path: Path, **overrides: Any) -> Iterator[Site]:
    """A site over the bundled data; `overrides` are `Settings` fields, checked by `Settings`."""
    settings = Settings(data_dir=path, base_iri=BASE, tile_url="", **overrides)
    store = LocalStore()
    load_bundled(store, settings)
    tokens = TokenStore(Database.open(Settings(data_dir=path)))
    secrets = {
        name: bearer(tokens.create(role, label)[1])
        for name, role, label in [
            ("contributor", "contributor", "Réseau Tela"),
            ("other", "contributor", "Another platform"),
            ("curator", "curator", "Camille"),
            ("reader", "reader", "A reader"),
        ]
    }
    with TestClient(create_app(settings, store, tokens), raise_server_exceptions=False) as client:
        yield Site(client, store, **secrets)
    store.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from make_site(tmp_path)


def found_by_search(client: TestClient, query: str) -> set[str]:
    """The IRIs the search's first page finds for `query`."""
    answer = client.get("/search", params={"q": query, "format": "json"}).json()
    return {hit["iri"] for hit in answer["hits"]}


def test_a_new_place_is_public_only_once_accepted(site: Site) -> None:
    contribution = site.upload(place(), source="https://tela.example/export.ttl")
    assert contribution["status"] == "pending"
    assert contribution["conforms"] is True
    # staged: nowhere public
    assert not site.ask(f"ASK {{ <{PLACE}> ?p ?o }}")
    sparql = site.client.get("/sparql", params={"query": f"ASK {{ <{PLACE}> ?p ?o }}"})
    assert sparql.json()["boolean"] is False
    assert (
        site.client.get(
            "/tiers-lieu/la-fabrique-a-projets", headers={"Accept": "text/turtle"}
        ).status_code
        == 404
    )
    assert PLACE not in found_by_search(site.client, "fabrique")

    accepted = site.review(str(contribution["id"]), "accept")
    assert accepted["status"] == "accepted"
    graph = f"{BASE}graph/contribution/{contribution['id']}"
    assert accepted["graph"] == graph
    assert site.client.get("/sparql", params={"query": f"ASK {{ <{PLACE}> ?p ?o }}"}).json()[
        "boolean"
    ]
    page = site.client.get(
        "/tiers-lieu/la-fabrique-a-projets?lang=fr", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert "La Fabrique à projets" in page.text
    assert PLACE in found_by_search(site.client, "fabrique")
    dump = site.client.get(f"/dumps/graph/contribution/{contribution['id']}.ttl")
    assert dump.status_code == 200
    assert "La Fabrique à projets" in dump.text
    # the provenance: who contributed, who accepted, when, from where, under which licence
    provenance = site.store.select(
        f"""SELECT ?who ?whoName ?curatorName ?licence ?source ?when WHERE {{ GRAPH <{graph}> {{
              <{graph}> prov:wasAttributedTo ?who ; dct:license ?licence ; dct:source ?source ;
                        prov:generatedAtTime ?when ; prov:wasGeneratedBy ?activity .
              ?who rdfs:label ?whoName .
              ?activity prov:wasAssociatedWith ?curator . ?curator rdfs:label ?curatorName .
              FILTER(?curator != ?who && ?curatorName != "commonsgraph") }} }}"""
    )
    assert len(provenance) == 1
    row = {k: lexical(v) for k, v in provenance[0].items()}
    assert row["whoName"] == "Réseau Tela"
    assert row["curatorName"] == "Camille"
    assert row["licence"] == BASE + "licence/CC-BY-4.0"
    assert row["source"] == "https://tela.example/export.ttl"
    # the address, a blank node in the upload, is a part of the place
    assert site.ask(f"ASK {{ <{PLACE}> locn:address <{PLACE}#b1> }}")


def test_missing_name_wrong_insee_code_and_unknown_licence_are_reported(site: Site) -> None:
    body = b"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        @prefix dct: <http://purl.org/dc/terms/> . @prefix schema: <http://schema.org/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <tiers-lieu/sans-nom> a cg:TiersLieu ; cg:typology <scheme/typology/coworking> ;
            schema:containedInPlace <commune/99999> .
        <commons/kit-x> a cg:Commons ; rdfs:label "Kit X" ; dct:license <licence/NOT-A-LICENCE> ."""
    before = site.store.triple_count()
    contribution = site.upload(body)
    assert contribution["status"] == "invalid"
    findings = contribution["findings"]
    assert isinstance(findings, list)
    violations = [f for f in findings if f["severity"] == "Violation"]
    by_path = {f["path"].rsplit("/", 1)[-1].rsplit("#", 1)[-1]: f for f in violations}
    assert set(by_path) >= {"label", "containedInPlace", "license"}
    assert by_path["label"]["messages"]["en"]
    assert by_path["label"]["messages"]["fr"]
    assert by_path["containedInPlace"]["value"] == BASE + "commune/99999"
    assert "licence" in by_path["license"]["messages"]["fr"]
    assert "licence" in by_path["license"]["messages"]["en"]
    assert site.store.triple_count() == before
    conflict = site.client.post(f"/contributions/{contribution['id']}/accept", headers=site.curator)
    assert conflict.status_code == 409
    report = site.client.get(
        f"/contributions/{contribution['id']}",
        headers={**site.contributor, "Accept": "text/turtle"},
    )
    results = list(parse(report.content, RdfFormat.TURTLE))
    assert any(q.object == NamedNode("http://www.w3.org/ns/shacl#Violation") for q in results)
    # a curator closes it, saying why; it stays out of the graph
    rejected = site.review(str(contribution["id"]), "reject", reason="commune 99999 unknown")
    assert rejected["status"] == "rejected"
    assert isinstance(rejected["review"], dict)
    assert rejected["review"]["reason"] == "commune 99999 unknown"
    again = site.client.post(
        f"/contributions/{contribution['id']}/reject",
        headers=site.curator,
        data={"reason": "twice"},
    )
    assert again.status_code == 409
    assert "only a pending or invalid one can be rejected" in again.json()["detail"]
    assert site.store.triple_count() == before


def test_a_dry_run_stores_nothing(site: Site) -> None:
    response = site.client.post(
        "/contributions/validate",
        content=place(),
        headers={**site.contributor, "Content-Type": "text/turtle"},
    )
    assert response.status_code == 200
    assert response.json()["conforms"] is True
    assert response.json()["changes"][0]["new"] is True
    assert site.client.get("/contributions", headers=site.curator).json() == []


BAD_INPUTS = [
    ("text/turtle", b"<tiers-lieu/x> <p> .", 400, "line 1"),
    ("image/png", b"\x89PNG", 415, "unsupported Content-Type"),
    ("application/trig", b"<g> { <a> <b> <c> }", 415, "unsupported Content-Type"),
    ("text/turtle", b'<tiers-lieu/x> <http://a/p> "caf\xe9" .', 400, "UTF-8"),
    ("text/turtle", b"", 400, "no statements"),
    ("text/turtle", b'<tiers-lieu/x> <http://a/p> "' + b"x" * 200_000 + b'" .', 413, "literal"),
    (
        "text/turtle",
        b"<tiers-lieu/x> <http://a/p> (" + b" 1" * 150_000 + b" ) .",
        413,
        "statements",
    ),
    (
        "application/ld+json",
        b'{"@id": "https://w3id.org/commonsgraph/tiers-lieu/x", "http://a/p": '
        + b'{"http://a/p": ' * 6000
        + b'"x"'
        + b"}" * 6001,
        413,
        "nests deeper",
    ),
    (
        "application/rdf+xml",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {n} "{("&" + p + ";") * 10}">'.encode()
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + b']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
        b'<rdf:Description rdf:about="https://w3id.org/commonsgraph/tiers-lieu/x"><e:p>&i;</e:p>'
        b"</rdf:Description></rdf:RDF>",
        400,
        "nested entities are refused",
    ),
    (
        "application/rdf+xml",
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
        b'<rdf:Description rdf:about="https://w3id.org/commonsgraph/tiers-lieu/x">'
        + b"<e:p><rdf:Description>" * 100
        + b"</rdf:Description></e:p>" * 100
        + b"</rdf:Description></rdf:RDF>",
        413,
        "nests deeper",
    ),
    (
        "text/turtle",
        b'<https://w3id.org/commonsgraph/ns#TiersLieu> <http://www.w3.org/2000/01/rdf-schema#label> "x" .',
        403,
        "may not change",
    ),
    (
        "text/turtle",
        b'<scheme/typology/fablab> <http://www.w3.org/2000/01/rdf-schema#label> "x" .',
        403,
        "may not change",
    ),
    (
        "text/turtle",
        b'<https://example.org/thing> <http://www.w3.org/2000/01/rdf-schema#label> "x" .',
        403,
        "may not change",
    ),
    (
        "text/turtle",
        b'<licence/MIT> <http://www.w3.org/2000/01/rdf-schema#label> "x" .',
        403,
        "may not change",
    ),
    ("text/csv", b"ID,NOM_TL\n1,Lieu\n", 400, "missing column"),
    (
        "text/csv",
        b"ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TWITTER,FACEBOOK,TYPO,LAT,LONG,EXTRA\n",
        400,
        "unexpected column",
    ),
    (
        "text/csv",
        b"ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TWITTER,FACEBOOK,TYPO,LAT,LONG\n"
        b"1,Lieu,rue,23000,Gueret,23096\n",
        400,
        "line 2",
    ),
]


@pytest.mark.parametrize(("media_type", "body", "status", "fragment"), BAD_INPUTS)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    site: Site, media_type: str, body: bytes, status: int, fragment: str
) -> None:
    before = site.store.triple_count()
    response = site.client.post(
        "/contributions", content=body, headers={**site.contributor, "Content-Type": media_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]
    assert site.store.triple_count() == before
    assert site.client.get("/contributions", headers=site.curator).json() == []


def test_a_body_over_the_cap_is_413(tmp_path: Path) -> None:
    for small in make_site(tmp_path, max_body_bytes=1000):
        response = small.client.post(
            "/contributions",
            content=place() + b" " * 2000,
            headers={**small.contributor, "Content-Type": "text/turtle"},
        )
        assert response.status_code == 413


def test_roles(site: Site) -> None:
    anonymous = site.client.post(
        "/contributions", content=place(), headers={"Content-Type": "text/turtle"}
    )
    assert anonymous.status_code == 401
    reader = site.client.post(
        "/contributions", content=place(), headers={**site.reader, "Content-Type": "text/turtle"}
    )
    assert reader.status_code == 403
    contribution = site.upload(place())
    identifier = contribution["id"]
    assert (
        site.client.post(
            f"/contributions/{identifier}/accept", headers=site.contributor
        ).status_code
        == 403
    )
    # contributors see their own contributions only
    assert [
        c["id"] for c in site.client.get("/contributions", headers=site.contributor).json()
    ] == [identifier]
    assert site.client.get("/contributions", headers=site.other).json() == []
    assert site.client.get(f"/contributions/{identifier}", headers=site.other).status_code == 404
    assert site.client.get(f"/contributions/{identifier}", headers=site.curator).status_code == 200
    queue = site.client.get("/contributions", params={"status": "pending"}, headers=site.curator)
    assert [c["id"] for c in queue.json()] == [identifier]
    bad = site.client.get("/contributions", params={"status": "lost"}, headers=site.curator)
    assert bad.status_code == 400
    assert bad.json()["parameter"] == "status"


def test_changes_to_public_resources_show_a_diff_and_revert_gives_them_back(site: Site) -> None:
    first = site.upload(place())
    site.review(str(first["id"]), "accept")
    second = site.upload(place("La Fabrique"))
    assert isinstance(second["changes"], list)
    changes = {c["resource"]: c for c in second["changes"]}
    assert changes[PLACE]["added"] == ['<http://www.w3.org/2000/01/rdf-schema#label> "La Fabrique"']
    assert changes[PLACE]["removed"] == [
        '<http://www.w3.org/2000/01/rdf-schema#label> "La Fabrique à projets"'
    ]
    assert changes[PLACE + "#b1"]["added"] == []  # the same address, unchanged
    # another contributor may not change it
    refused = site.client.post(
        "/contributions",
        content=place("Mine"),
        headers={**site.other, "Content-Type": "text/turtle"},
    )
    assert refused.status_code == 403
    assert "another contributor" in refused.json()["detail"]

    site.review(str(second["id"]), "accept")
    labels = site.store.select(f"SELECT ?l WHERE {{ <{PLACE}> rdfs:label ?l }}")
    assert [lexical(r["l"]) for r in labels] == ["La Fabrique"]
    # the first cannot be reverted before the second, which changed the same resource
    blocked = site.client.post(f"/contributions/{first['id']}/revert", headers=site.curator)
    assert blocked.status_code == 409
    site.review(str(second["id"]), "revert")
    labels = site.store.select(f"SELECT ?l WHERE {{ <{PLACE}> rdfs:label ?l }}")
    assert [lexical(r["l"]) for r in labels] == ["La Fabrique à projets"]
    site.review(str(first["id"]), "revert")
    assert not site.ask(f"ASK {{ <{PLACE}> ?p ?o }}")


def test_a_contribution_adds_to_a_seed_resource_and_the_seed_stays(site: Site) -> None:
    body = b"""<tiers-lieu/la-myne> <https://w3id.org/commonsgraph/ns#theme>
        <scheme/theme/digital-inclusion> ."""
    contribution = site.upload(body)
    assert isinstance(contribution["changes"], list)
    change = contribution["changes"][0]
    assert change["added"]
    assert not change["removed"]
    assert change["kept"] > 10
    site.review(str(contribution["id"]), "accept")
    assert site.ask(
        f"ASK {{ <{BASE}tiers-lieu/la-myne> cg:theme <{BASE}scheme/theme/digital-inclusion> ;"
        ' rdfs:label "La MYNE" }'
    )


def test_reject_needs_a_reason(site: Site) -> None:
    contribution = site.upload(place())
    identifier = contribution["id"]
    missing = site.client.post(f"/contributions/{identifier}/reject", headers=site.curator)
    assert missing.status_code == 400
    assert missing.json()["parameter"] == "reason"
    rejected = site.review(str(identifier), "reject", reason="doublon de la Quincaillerie")
    assert rejected["status"] == "rejected"
    assert isinstance(rejected["review"], dict)
    assert rejected["review"]["reason"] == "doublon de la Quincaillerie"
    assert (
        site.client.post(f"/contributions/{identifier}/accept", headers=site.curator).status_code
        == 409
    )
    assert not site.ask(f"ASK {{ <{PLACE}> ?p ?o }}")


def test_two_curators_accepting_at_once_lose_nothing(site: Site) -> None:
    same = site.upload(place())
    others = [
        site.upload(place().replace(b"la-fabrique-a-projets", f"lieu-{n}".encode()))
        for n in range(4)
    ]
    statuses: list[int] = []

    def accept(identifier: object) -> None:
        statuses.append(
            site.client.post(
                f"/contributions/{identifier}/accept", headers=site.curator
            ).status_code
        )

    threads = [threading.Thread(target=accept, args=(same["id"],)) for _ in range(2)]
    threads += [threading.Thread(target=accept, args=(c["id"],)) for c in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [409]
    for n in range(4):
        assert site.ask(f"ASK {{ <{BASE}tiers-lieu/lieu-{n}> rdfs:label ?l }}")
    assert site.ask(f"ASK {{ <{PLACE}> rdfs:label ?l }}")


def test_csv_in_the_census_layout(site: Site) -> None:
    header = b"ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TWITTER,FACEBOOK,TYPO,LAT,LONG\n"
    rows = (
        b"7,La Source,2 rue des Lilas,23000,Gu\xc3\xa9ret,23096,Gu\xc3\xa9ret,www.lasource.fr,,,"
        b'"Tiers lieux \xc3\xa0 dominante fablab",46.17,1.87\n'
    )
    # without the communes of the geo import, the census layout cannot be mapped
    response = site.client.post(
        "/contributions",
        content=header + rows,
        headers={**site.contributor, "Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert "import geo" in response.json()["detail"]


def test_csv_rows_become_places_with_their_commune(imported: LocalStore) -> None:
    from commonsgraph.contributions import Contributions, Ledger
    from commonsgraph.tokens import Token
    from commonsgraph.validation import Validator

    settings = Settings(data_dir=None, base_iri=BASE)
    workflow = Contributions(
        imported, settings, Ledger(Database.memory()), Validator.of_project(settings)
    )
    token = Token(
        "c0ffee00", "contributor", "Réseau Tela", created=__import__("datetime").datetime.now()
    )
    header = b"ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TWITTER,FACEBOOK,TYPO,LAT,LONG\n"
    rows = (
        b"7,La Source,2 rue des Lilas,23000,Gu\xc3\xa9ret,23096,Gu\xc3\xa9ret,www.lasource.fr,,,"
        b'"Tiers lieux \xc3\xa0 dominante fablab",46.17,1.87\n'
        b"8,Le Hangar,,69100,Villeurbanne,0,,,,,,45.77,4.88\n"
    )
    contribution, review = workflow.submit(header + rows, "text/csv; charset=utf-8", token)
    assert contribution.status == "pending", [f.message() for f in review.findings]
    places = {lexical(c.subject) for c in review.changes if "#" not in lexical(c.subject)}
    assert places == {BASE + "tiers-lieu/la-source-23096", BASE + "tiers-lieu/le-hangar-69100"}
    statements = {
        (lexical(t.subject), t.predicate.value, lexical(t.object)) for t in review.triples
    }
    assert (
        BASE + "tiers-lieu/le-hangar-69100",
        "http://schema.org/containedInPlace",
        BASE + "commune/69266",
    ) in statements  # code 0: resolved from the postcode and the name
    assert any("no typology" in note for note in contribution.notes)
    assert not imported.ask(f"ASK {{ <{BASE}tiers-lieu/la-source-23096> ?p ?o }}")


def signing_in(site: Site, **headers: str) -> httpx2.Response:
    secret = site.curator["Authorization"].removeprefix("Bearer ")
    return site.client.post(
        "/contributions/login",
        data={"token": secret, "next": "/contributions"},
        headers=headers,
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed frame, a data: page
        {"Origin": "http://127.0.0.1:8001"},  # another port is another origin
        {"Referer": "https://evil.example/login.html"},
        {},  # nothing says where it comes from
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(site: Site, headers: dict[str, str]) -> None:
    """Login CSRF: another site's page would sign its visitor in with the attacker's token."""
    response = signing_in(site, **headers)
    assert response.status_code == 403
    problem = response.json()
    assert problem["type"].endswith("/not-allowed")
    assert "must be posted from this site (http://127.0.0.1:8000)" in problem["detail"]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://127.0.0.1:8000"},
        {"Referer": "http://127.0.0.1:8000/contributions/login?next=/contributions"},
    ],
)
def test_a_sign_in_from_the_login_page_sets_a_strict_cookie(
    site: Site, headers: dict[str, str]
) -> None:
    response = signing_in(site, **headers)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    queue = site.client.get("/contributions", headers={"Accept": "text/html"})
    assert queue.status_code == 200
    assert "Camille" in queue.text


def test_behind_https_the_login_cookie_is_secure(tmp_path: Path) -> None:
    for site in make_site(tmp_path, public_url="https://graph.example.org/"):
        response = signing_in(site, Origin="https://graph.example.org")
        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()


def test_where_a_contribution_moves_places_on_a_map(store: LocalStore) -> None:
    """Each described place with a position before or after: added, moved, removed (its
    position taken back by the contribution), unchanged; positions that are not degrees
    (out of range, not numbers) are no position."""
    from pyoxigraph import Literal, NamedNode, Quad, Triple

    from commonsgraph.contributions.changes import ResourceChange, moves
    from commonsgraph.vocab import WGS

    def at(name: str) -> NamedNode:
        return NamedNode(f"{BASE}tiers-lieu/{name}")

    def degrees(value: str) -> Literal:
        return Literal(value, datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))

    earlier = NamedNode(f"{BASE}graph/contribution/earlier")
    public = [
        (at("moved"), "45.0", "4.0"),
        (at("removed"), "46.0", "2.0"),
        (at("same"), "47.0", "3.0"),
    ]
    store.change(
        delete=[],
        insert=[
            Quad(subject, predicate, degrees(value), earlier)
            for subject, lat, long in public
            for predicate, value in ((WGS.lat, lat), (WGS.long, long))
        ],
    )
    staged = [
        Triple(at("new"), WGS.lat, degrees("43.5")),
        Triple(at("new"), WGS.long, degrees("1.5")),
        Triple(at("moved"), WGS.lat, degrees("45.5")),
        Triple(at("moved"), WGS.long, degrees("4.0")),
        Triple(at("odd"), WGS.lat, degrees("123")),  # not a latitude
        Triple(at("odd"), WGS.long, Literal("east")),
    ]
    removed = [Quad(at("removed"), WGS.lat, degrees("46.0"), earlier)]
    changes = [
        ResourceChange(at("new")),
        ResourceChange(at("moved")),
        ResourceChange(at("removed"), removed=removed),
        ResourceChange(at("same"), unchanged=2),
        ResourceChange(at("odd")),
    ]
    found = {m.subject.value.rsplit("/", 1)[1]: m for m in moves(store, changes, staged)}
    assert set(found) == {"new", "moved", "removed", "same"}
    assert (found["new"].kind, found["new"].after) == ("added", (43.5, 1.5))
    assert (found["moved"].before, found["moved"].after) == ((45.0, 4.0), (45.5, 4.0))
    assert found["moved"].kind == "moved"
    assert (found["removed"].kind, found["removed"].before) == ("removed", (46.0, 2.0))
    assert found["same"].kind == "unchanged"
