"""One real-world thing, one hit: resources linked by owl:sameAs (the seed's place and its census
row, one of ours and a partner's record) are one hit in search, suggestions, facets, totals and
reconciliation, under the member no other names (the description kept); the grouping follows
links added and removed, without rebuilding the index."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph.config import Settings
from commonsgraph.reconcile.service import ReconciliationService
from commonsgraph.store import LocalStore
from commonsgraph.textindex import SearchIndex
from commonsgraph.textindex.clusters import group
from commonsgraph.textindex.entries import Entry
from commonsgraph.vocab import CG, OWL, RDF, RDFS, SCHEMA
from commonsgraph.web import create_app
from tests.conftest import BASE

GRAPH = NamedNode(BASE + "graph/test-same")
COMMUNE = NamedNode(BASE + "commune/99002")
SEED = NamedNode(BASE + "tiers-lieu/la-mynezz")
CENSUS = NamedNode(BASE + "tiers-lieu/cget-2019-99999")
PARTNER = NamedNode("https://partner.example/places/42")


def place(iri: NamedNode, name: str, typology: str | None = None) -> list[Triple]:
    triples = [
        Triple(iri, RDF.type, CG.TiersLieu),
        Triple(iri, RDFS.label, Literal(name)),
        Triple(iri, SCHEMA.containedInPlace, COMMUNE),
    ]
    if typology:
        triples.append(Triple(iri, CG.typology, NamedNode(BASE + "typology/" + typology)))
    return triples


TWO_SOURCES = [
    Triple(COMMUNE, RDF.type, NamedNode("http://rdf.insee.fr/def/geo#Commune")),
    Triple(COMMUNE, RDFS.label, Literal("Villeurbannezz")),
    *place(SEED, "La Mynezz", "fablab"),
    *place(CENSUS, "LA MYNEZZ", "coworking"),
    Triple(CENSUS, SCHEMA.alternateName, Literal("Manufacture des idées zzz")),
    *place(NamedNode(BASE + "tiers-lieu/other"), "La Mynezz bis"),
    Triple(SEED, OWL.sameAs, CENSUS),
]
LINK = Quad(SEED, OWL.sameAs, CENSUS, GRAPH)


@pytest.fixture
def index(seeded: LocalStore, tmp_path: Path) -> Iterator[SearchIndex]:
    seeded.add_to_graph(GRAPH, TWO_SOURCES)
    index = SearchIndex(seeded, tmp_path / "search")
    yield index
    index.close()


def test_a_group_is_one_hit_under_the_description_kept(index: SearchIndex) -> None:
    results = index.search("mynezz")
    assert results.total == 2  # the group and "La Mynezz bis"
    first = results.hits[0]
    assert (first.iri, first.label, first.place) == (SEED.value, "La Mynezz", "Villeurbannezz")
    assert first.same == (CENSUS.value,)
    assert [h.iri for h in index.suggest("la mynez")] == [SEED.value, BASE + "tiers-lieu/other"]
    # the census row's other name still finds the thing, as the seed's
    assert [h.iri for h in index.search("manufacture idees").hits] == [SEED.value]
    # facets count it once, with what either source says of it
    facets = {f.name: f.values for f in results.facets}
    assert facets["kind"] == [(CG.TiersLieu.value, "", 2)]
    typologies = {value.rsplit("/", 1)[-1]: n for value, _, n in facets["typology"]}
    assert typologies == {"fablab": 1, "coworking": 1}
    filtered = index.search("mynezz", filters={"typology": [BASE + "typology/coworking"]})
    assert [h.iri for h in filtered.hits] == [SEED.value]
    # each member keeps its own entry, for pages and previews
    got = index.get([CENSUS.value])
    assert got[CENSUS.value].label == "LA MYNEZZ"
    assert got[CENSUS.value].same == (SEED.value,)
    assert index.canonical([CENSUS.value, SEED.value]) == {
        CENSUS.value: SEED.value,
        SEED.value: SEED.value,
    }
    assert len(index) - index.things() >= 1


def test_links_added_and_removed_regroup_without_a_rebuild(
    seeded: LocalStore, index: SearchIndex
) -> None:
    assert index.search("mynezz").total == 2
    seeded.change([LINK], [])  # a contribution withdraws the link
    refreshed = index.refresh()
    assert refreshed is not None
    assert not refreshed.rebuilt
    assert {h.iri for h in index.search("mynezz").hits} == {
        SEED.value,
        CENSUS.value,
        BASE + "tiers-lieu/other",
    }
    assert [h.iri for h in index.search("manufacture").hits] == [CENSUS.value]
    assert index.search("mynezz").hits[0].same == ()
    # a partner's record, linked from the census row: the three are one thing again
    seeded.change(
        [],
        [
            *(Quad(t.subject, t.predicate, t.object, GRAPH) for t in place(PARTNER, "Mynezz (p)")),
            Quad(CENSUS, OWL.sameAs, PARTNER, GRAPH),
            LINK,
        ],
    )
    refreshed = index.refresh()
    assert refreshed is not None
    assert not refreshed.rebuilt
    results = index.search("mynezz")
    assert results.total == 2
    assert results.hits[0].iri == SEED.value
    assert set(results.hits[0].same) == {CENSUS.value, PARTNER.value}
    # renaming a member that is not the canonical one shows in the group's names
    seeded.change(
        [Quad(PARTNER, RDFS.label, Literal("Mynezz (p)"), GRAPH)],
        [Quad(PARTNER, RDFS.label, Literal("Quokkazz"), GRAPH)],
    )
    assert [h.iri for h in index.search("quokkazz").hits] == [SEED.value]
    # a full rebuild groups the same way
    seeded.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:p> 1 } }")
    rebuilt = index.refresh()
    assert rebuilt is not None
    assert rebuilt.rebuilt
    assert [h.iri for h in index.search("quokkazz").hits] == [SEED.value]
    assert index.search("mynezz").total == 2


def test_the_canonical_member_is_the_one_no_other_names() -> None:
    place, commune = CG.TiersLieu.value, "http://rdf.insee.fr/def/geo#Commune"
    entries = {
        iri: Entry(iri, names=[(f"n{i}", "") for i in range(count)], kinds={kind})
        for iri, count, kind in (
            ("a", 1, place),
            ("b", 3, place),
            ("c", 1, place),
            ("d", 1, commune),
        )
    }
    assert group(entries, [("a", "b")]) == {"a": "a", "b": "a"}  # the subject, whatever names
    assert group(entries, [("b", "a"), ("c", "a")]) == {"a": "b", "b": "b", "c": "b"}  # most names
    assert group(entries, [("a", "c"), ("c", "a")]) == {"a": "a", "c": "a"}  # a cycle: IRI order
    assert group(entries, [("a", "d")]) == {}  # a place is not a commune: no group
    assert group(entries, [("a", "x"), ("x", "c")]) == {}  # nor through what has no name
    assert group(entries, [("a", "a")]) == {}


def test_a_link_to_a_thing_of_another_kind_hides_nothing(
    seeded: LocalStore, index: SearchIndex
) -> None:
    assert [h.iri for h in index.search("villeurbannezz").hits] == [COMMUNE.value]
    seeded.change([], [Quad(SEED, OWL.sameAs, COMMUNE, GRAPH)])
    assert [h.iri for h in index.search("villeurbannezz").hits] == [COMMUNE.value]
    assert index.search("mynezz").hits[0].same == (CENSUS.value,)


def test_reconciliation_proposes_one_candidate_per_thing(
    seeded: LocalStore, index: SearchIndex
) -> None:
    service = ReconciliationService(seeded, index)
    answer = service.reconcile({"q0": {"query": "La Mynezz", "type": CG.TiersLieu.value}})
    ids = [candidate["id"] for candidate in answer["q0"]["result"]]
    assert ids[0] == SEED.value
    assert CENSUS.value not in ids
    assert len(ids) == len(set(ids))
    assert answer["q0"]["result"][0]["match"]  # not held back by its own twin
    by_other_name = service.reconcile({"q0": {"query": "Manufacture des idées zzz"}})
    assert [c["id"] for c in by_other_name["q0"]["result"]][:1] == [SEED.value]


@pytest.fixture
def client(seeded: LocalStore) -> Iterator[TestClient]:
    seeded.add_to_graph(GRAPH, TWO_SOURCES)
    app = create_app(Settings(data_dir=None, base_iri=BASE, tile_url=""), seeded)
    built = threading.Event()
    app.state.search.before_swap = built.set
    with TestClient(app, raise_server_exceptions=False) as client:
        assert built.wait(timeout=120)
        yield client


def test_suggest_and_search_over_http_show_the_thing_once(client: TestClient) -> None:
    found = client.get("/suggest", params={"prefix": "La Mynezz"}).json()["result"]
    assert [h["iri"] for h in found] == [SEED.value, BASE + "tiers-lieu/other"]
    assert found[0]["same"] == [CENSUS.value]
    body = client.get("/search", params={"q": "mynezz", "format": "json"}).json()
    assert body["total"] == 2
    page = client.get("/search", params={"q": "mynezz", "lang": "en"}).text
    assert page.count(">La Mynezz<") == 1
