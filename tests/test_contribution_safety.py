"""What a contributor may change is decided on IRIs in normal form, and a curator does not
review their own upload (unless the operator allows it).

`…/tiers-lieu/../ns#TiersLieu rdfs:subClassOf owl:Nothing` read as a place (its path starts
with `tiers-lieu/`) passed the ownership check and was published on acceptance; so did other
spellings that resolve elsewhere or to another contributor's resource. They are refused with
a report that names each IRI and what it resolves to, and nothing is staged or published."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Triple

from commonsgraph.config import Settings
from commonsgraph.contributions import Contribution, Ledger
from commonsgraph.database import Database
from commonsgraph.store import lexical
from commonsgraph.vocab import RDFS

from .conftest import BASE
from .test_contributions import PLACE, Site, make_site, place

OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
HOST = "https://w3id.org/"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from make_site(tmp_path)


ABNORMAL = [
    pytest.param(BASE + "tiers-lieu/../ns#TiersLieu", "ns#TiersLieu", id="dot-dot"),
    pytest.param(BASE + "tiers-lieu/%2E%2E/ns#TiersLieu", "ns#TiersLieu", id="encoded-dot-dot"),
    pytest.param(BASE + "tiers-lieu/%2e%2e/ns#TiersLieu", "ns#TiersLieu", id="lower-encoded"),
    pytest.param(BASE + "tiers-lieu/./../ns#TiersLieu", "ns#TiersLieu", id="dot"),
    pytest.param(BASE + "tiers-lieu/x/../../ns#TiersLieu", "ns#TiersLieu", id="deeper"),
    pytest.param(BASE + "tiers-lieu/%6Ees", "tiers-lieu/nes", id="encoded-unreserved"),
    pytest.param(BASE + "tiers-lieu/caf%c3%a9", "tiers-lieu/caf%C3%A9", id="lower-hex"),
    pytest.param(
        "HTTPS://W3ID.ORG/commonsgraph/tiers-lieu/x", "tiers-lieu/x", id="upper-scheme-host"
    ),
    pytest.param(
        "https://w3id.org:443/commonsgraph/tiers-lieu/x", "tiers-lieu/x", id="default-port"
    ),
    pytest.param(BASE + "tiers-lieu//x", "empty segment", id="empty-segment"),
    pytest.param(BASE + "tiers-lieu/x%2F..%2F..%2Fns", "encoded '/'", id="encoded-slash"),
]


@pytest.mark.parametrize(("iri", "resolved"), ABNORMAL)
@pytest.mark.parametrize("position", ["subject", "object"])
def test_an_iri_not_in_normal_form_is_refused_and_nothing_staged(
    site: Site, iri: str, resolved: str, position: str
) -> None:
    before = site.store.triple_count()
    statement = (
        f"<{iri}> <{RDFS.subClassOf.value}> <{OWL_NOTHING}> ."
        if position == "subject"
        else f"<{PLACE}> <{RDFS.seeAlso.value}> <{iri}> ."
    )
    body = place() + statement.encode() if position == "object" else statement.encode()
    for route in ("/contributions", "/contributions/validate"):
        response = site.client.post(
            route, content=body, headers={**site.contributor, "Content-Type": "text/turtle"}
        )
        assert response.status_code == 400, response.text
        detail = response.json()["detail"]
        assert f"<{iri}>" in detail
        assert "normal form" in detail
        assert resolved in detail
    assert site.client.get("/contributions", headers=site.curator).json() == []
    assert site.store.triple_count() == before
    assert not site.ask(f"ASK {{ ?s ?p <{OWL_NOTHING}> }}")


def test_the_exact_attack_in_n_triples_and_json_ld(site: Site) -> None:
    iri = BASE + "tiers-lieu/../ns#TiersLieu"
    bodies = {
        "application/n-triples": f"<{iri}> <{RDFS.subClassOf.value}> <{OWL_NOTHING}> .\n",
        "application/ld+json": (
            f'{{"@id": "{iri}", "{RDFS.subClassOf.value}": {{"@id": "{OWL_NOTHING}"}}}}'
        ),
    }
    for media_type, body in bodies.items():
        response = site.client.post(
            "/contributions",
            content=body.encode(),
            headers={**site.contributor, "Content-Type": media_type},
        )
        assert response.status_code == 400, (media_type, response.text)
    assert not site.ask(f"ASK {{ ?s ?p <{OWL_NOTHING}> }}")


def test_another_contributors_resource_is_not_reached_by_another_spelling(site: Site) -> None:
    site.review(str(site.upload(place())["id"]), "accept")
    spelled = PLACE.replace("projets", "%70rojets")
    response = site.client.post(
        "/contributions",
        content=place("Mine").replace(
            b"<tiers-lieu/la-fabrique-a-projets>", f"<{spelled}>".encode()
        ),
        headers={**site.other, "Content-Type": "text/turtle"},
    )
    assert response.status_code == 400, response.text
    assert f"resolves to <{PLACE}>" in response.json()["detail"]
    labels = site.store.select(
        f"SELECT ?l WHERE {{ ?s rdfs:label ?l FILTER(?s = <{PLACE}> || ?s = <{spelled}>) }}"
    )
    assert [lexical(row["l"]) for row in labels] == ["La Fabrique à projets"]


def test_a_contribution_staged_before_the_check_is_not_published(
    site: Site, tmp_path: Path
) -> None:
    """One staged by an older version: accepting it is refused (409), nothing published."""
    ledger = Ledger(Database.open(Settings(data_dir=tmp_path)))
    triple = Triple(
        NamedNode(BASE + "tiers-lieu/../ns#TiersLieu"), RDFS.subClassOf, NamedNode(OWL_NOTHING)
    )
    ledger.add(
        Contribution(
            id="0ld5ta9e", status="pending", contributor="someone", contributor_label="Someone",
            submitted=datetime.now(UTC), source=None, licence=BASE + "licence/CC-BY-4.0",
            media_type="text/turtle", statements=1,
        ),
        [triple],
    )  # fmt: skip
    ledger.database.close()
    response = site.client.post("/contributions/0ld5ta9e/accept", headers=site.curator)
    assert response.status_code == 409, response.text
    assert "normal form" in response.json()["detail"]
    assert not site.ask(f"ASK {{ ?s ?p <{OWL_NOTHING}> }}")
    status = site.client.get("/contributions/0ld5ta9e", headers=site.curator).json()["status"]
    assert status == "pending"


def test_iris_in_normal_form_pass(site: Site) -> None:
    body = place() + f"<{PLACE}> <{RDFS.seeAlso.value}> <https://example.org/a/../b> .".encode()
    contribution = site.upload(body)  # not ours: others' IRIs are theirs to write
    assert contribution["status"] == "pending"
    unicode_place = place().replace(b"la-fabrique-a-projets", "la-fabrique-à-projets".encode())
    assert site.upload(unicode_place, who=site.other)["status"] == "pending"


# -- a second reviewer -----------------------------------------------------------------------


def test_a_curator_does_not_review_their_own_upload(site: Site) -> None:
    own = site.upload(place(), who=site.curator)
    for action, fields in (("accept", None), ("reject", {"reason": "mine"})):
        response = site.client.post(
            f"/contributions/{own['id']}/{action}", json=fields, headers=site.curator
        )
        assert response.status_code == 403, response.text
        assert "another curator" in response.json()["detail"]
    assert not site.ask(f"ASK {{ <{PLACE}> ?p ?o }}")
    listed = site.client.get(f"/contributions/{own['id']}", headers=site.curator).json()
    assert listed["status"] == "pending"


def test_one_curator_may_review_their_own_upload_when_the_operator_allows_it(
    tmp_path: Path,
) -> None:
    for alone in make_site(tmp_path, require_second_reviewer=False):
        own = alone.upload(place(), who=alone.curator)
        assert alone.review(str(own["id"]), "accept")["status"] == "accepted"
        assert alone.ask(f"ASK {{ <{PLACE}> ?p ?o }}")
