"""The search index (SQLite FTS5): kept up to date from the store's journal, ranking, facets,
pages; /search and /suggest over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph.config import Settings
from commonsgraph.store import LocalStore
from commonsgraph.textindex import SearchIndex, match_expression
from commonsgraph.vocab import CG, RDF, RDFS, SCHEMA
from commonsgraph.web import create_app
from tests.conftest import BASE

GRAPH = NamedNode(BASE + "graph/test-search")
COMMUNE = NamedNode(BASE + "commune/99001")


def place(slug: str, name: str) -> list[Triple]:
    iri = NamedNode(BASE + "tiers-lieu/" + slug)
    return [
        Triple(iri, RDF.type, CG.TiersLieu),
        Triple(iri, RDFS.label, Literal(name)),
        Triple(iri, SCHEMA.containedInPlace, COMMUNE),
    ]


COMMUNE_TRIPLES = [
    Triple(COMMUNE, RDF.type, NamedNode("http://rdf.insee.fr/def/geo#Commune")),
    Triple(COMMUNE, RDFS.label, Literal("Villezzz")),
]


@pytest.fixture
def index(seeded: LocalStore, tmp_path: Path) -> Iterator[SearchIndex]:
    index = SearchIndex(seeded, tmp_path / "search")
    yield index
    index.close()


def test_the_index_follows_writes_without_rebuilding(
    seeded: LocalStore, index: SearchIndex
) -> None:
    first = index.refresh()
    assert first is not None
    assert first.rebuilt
    assert index.refresh() is None  # nothing changed
    seeded.add_to_graph(GRAPH, [*COMMUNE_TRIPLES, *place("a", "Atelier Quuxérie")])
    changed = index.refresh()
    assert changed is not None
    assert not changed.rebuilt
    assert changed.entries == 2  # the place and its commune, nothing else read again
    hits = index.search("quuxerie").hits
    assert [(h.label, h.place) for h in hits] == [("Atelier Quuxérie", "Villezzz")]
    # renaming the commune shows on the place: its entry is read again
    seeded.change(
        [Quad(COMMUNE, RDFS.label, Literal("Villezzz"), GRAPH)],
        [Quad(COMMUNE, RDFS.label, Literal("Villeyyy"), GRAPH)],
    )
    assert index.search("quuxerie").hits[0].place == "Villeyyy"
    seeded.replace_graph(GRAPH, [*COMMUNE_TRIPLES, *place("a", "Atelier Renommé")])
    assert index.search("quuxerie").total == 0
    assert index.search("atelier renomme").total == 1
    # an update given as text: the index cannot tell what changed, and rebuilds
    seeded.update(f"DROP GRAPH <{GRAPH.value}>")
    rebuilt = index.refresh()
    assert rebuilt is not None
    assert rebuilt.rebuilt
    assert index.search("renomme").total == 0


def test_a_rebuild_runs_aside_while_the_previous_index_answers(
    seeded: LocalStore, index: SearchIndex
) -> None:
    index.refresh()
    assert index.search("zorglub").total == 0
    written, release = threading.Event(), threading.Event()
    rebuilds: list[str] = []

    def hold() -> None:  # in the rebuilding thread, the new index written but not in place
        rebuilds.append(threading.current_thread().name)
        written.set()
        assert release.wait(timeout=120)

    index.before_swap = hold
    # an update given as text: the store cannot say what changed, a rebuild is needed
    seeded.update(
        f"""INSERT DATA {{ GRAPH <{GRAPH.value}> {{
              <{BASE}tiers-lieu/z> a <{CG.TiersLieu.value}> ;
                <{RDFS.label.value}> "Atelier Zorglub" }} }}"""
    )
    with ThreadPoolExecutor(max_workers=1) as reader:
        # a search does not wait: the previous index answers while the new one is written
        assert reader.submit(lambda: index.search("zorglub").total).result() == 0
        assert written.wait(timeout=120)
        assert index.search("zorglub").total == 0
        assert index.suggest("zorg") == []
        assert len(rebuilds) == 1  # one rebuild at a time, whatever the searches
        assert rebuilds[0] != threading.current_thread().name
        release.set()
        assert index.refresh() is None  # waits for the rebuild under way, finds it current
        # every thread reads the new index from then on
        assert reader.submit(lambda: index.search("zorglub").total).result() == 1
        assert [h.label for h in index.search("zorglub").hits] == ["Atelier Zorglub"]
    assert len(rebuilds) == 1
    assert index.path is not None  # the previous file is gone
    assert {p.name.split("-wal")[0].split("-shm")[0] for p in index.directory.iterdir()} == {
        index.path.name
    }


def test_a_failed_rebuild_leaves_the_previous_index(seeded: LocalStore, index: SearchIndex) -> None:
    seeded.add_to_graph(GRAPH, [*COMMUNE_TRIPLES, *place("a", "Atelier Quuxérie")])
    index.refresh()
    failed = threading.Event()

    def fail() -> None:
        failed.set()
        raise OSError("disk full")

    index.before_swap = fail
    seeded.update(f"DROP GRAPH <{GRAPH.value}>")
    assert index.search("quuxerie").total == 1  # the previous index, the rebuild started aside
    assert failed.wait(timeout=120)
    assert index.search("quuxerie").total == 1  # the failure is logged, the old index answers
    index.before_swap = None
    index.refresh()  # a rebuild here, in the caller's thread (or the one under way, awaited)
    assert index.search("quuxerie").total == 0
    assert index.refresh() is None


def test_ranking_prefers_exact_then_whole_words_then_kind(
    seeded: LocalStore, index: SearchIndex
) -> None:
    seeded.add_to_graph(
        GRAPH,
        [
            *COMMUNE_TRIPLES,
            *place("b", "Zorglub Labs"),
            *place("c", "Zorglub"),
            *place("d", "Le Zorglubien"),
            *place("e", "Chez Zorglub"),
        ],
    )
    labels = [h.label for h in index.search("zorglub").hits]
    assert labels == ["Zorglub", "Zorglub Labs", "Chez Zorglub", "Le Zorglubien"]
    # prefixes, accents and case
    assert {h.label for h in index.search("ZORG").hits} == set(labels)
    assert index.suggest("zorglub la")[0].label == "Zorglub Labs"


def test_pages_and_facets_count_every_match(seeded: LocalStore, index: SearchIndex) -> None:
    seeded.add_to_graph(
        GRAPH,
        [*COMMUNE_TRIPLES] + [t for n in range(45) for t in place(f"p{n}", f"Plopinette {n:02d}")],
    )
    first = index.search("plopinette", limit=20)
    assert first.total == 45
    assert len(first.hits) == 20
    last = index.search("plopinette", offset=40, limit=20)
    assert len(last.hits) == 5
    seen = {h.iri for h in first.hits} | {h.iri for h in last.hits}
    middle = index.search("plopinette", offset=20, limit=20)
    assert len(seen | {h.iri for h in middle.hits}) == 45
    kinds = next(f for f in first.facets if f.name == "kind")
    assert kinds.values == [(CG.TiersLieu.value, "", 45)]
    none = index.search("plopinette", filters={"kind": ["http://schema.org/Country"]})
    assert none.total == 0


@pytest.mark.parametrize(
    "query", ['"', "NEAR(a b)", "a OR b", "*", "x AND", "'; DROP TABLE entry; --", "\x00", "é" * 3]
)
def test_fts_syntax_never_gets_through(index: SearchIndex, query: str) -> None:
    expression = match_expression(query)
    assert expression is None or all(
        part.startswith('"') and part.endswith('"*') for part in expression.split(" ")
    )
    index.search(query)  # no error


@pytest.fixture
def client(seeded: LocalStore, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=None, base_iri=BASE, tile_url="")
    seeded.add_to_graph(
        GRAPH,
        [
            *COMMUNE_TRIPLES,
            *place("x", "<script>alert(1)</script> Fablabzz"),
            *[t for n in range(30) for t in place(f"f{n}", f"Fablabzz {n:02d}")],
        ],
    )
    app = create_app(settings, seeded)
    built = threading.Event()
    app.state.search.before_swap = built.set
    with TestClient(app, raise_server_exceptions=False) as client:
        assert built.wait(timeout=120)  # the service builds its index at start, unasked
        yield client


def test_search_as_json_and_as_a_page(client: TestClient) -> None:
    answer = client.get("/search", params={"q": "fablabzz", "format": "json", "lang": "en"})
    body = answer.json()
    assert body["total"] == 31
    assert len(body["hits"]) == 20
    assert body["hits"][0]["kind"] == "tiers-lieu"  # the kinds table's name
    assert body["hits"][0]["place"] == "Villezzz"
    second = client.get("/search", params={"q": "fablabzz", "format": "json", "page": "2"}).json()
    assert len(second["hits"]) == 11
    page = client.get("/search", params={"q": "fablabzz", "lang": "fr"})
    assert "tiers-lieu" in page.text
    assert 'rel="next"' in page.text
    assert "sur 31" in page.text
    last = client.get("/search", params={"q": "fablabzz", "lang": "fr", "page": "2"})
    assert "<script>alert" not in last.text
    assert "&lt;script&gt;alert" in last.text
    too_many = [("kind", str(n)) for n in range(51)]
    refused = client.get("/search", params=[("q", "fablabzz"), *too_many])
    assert refused.status_code == 400
    for bad in ({"page": "0"}, {"page": "x"}, {"page_size": "1000"}, {"q": "a" * 600}):
        refused = client.get("/search", params={"q": "fablabzz", **bad})
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_suggest_answers_names_of_the_kind_asked(client: TestClient) -> None:
    found = client.get("/suggest", params={"prefix": "villez"}).json()["result"]
    assert [h["label"] for h in found] == ["Villezzz"]
    typed = client.get("/suggest", params={"prefix": "villez", "type": CG.TiersLieu.value}).json()
    assert typed["result"] == []
    assert client.get("/suggest", params={"prefix": ""}).json()["result"] == []
