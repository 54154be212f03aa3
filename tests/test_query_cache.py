"""The cache of query answers (`store/cache.py`): a repeated query is answered from it, and
never once the data changed, whichever way it changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, Serialized
from commonsgraph.store.cache import ResultCache, ResultKey, cacheable
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

BASE = "https://w3id.org/commonsgraph/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/p> ?o }"
JSON = {"Accept": "application/sparql-results+json"}


def key(text: str = COUNT, results: str = "application/sparql-results+json") -> ResultKey:
    return ResultKey(text, None, None, results, "text/turtle")


class Evaluations:
    """Answers numbered by how many evaluations were made so far."""

    def __init__(self, size: int = 10) -> None:
        self.count = 0
        self.size = size

    async def __call__(self) -> Serialized:
        self.count += 1
        return Serialized(str(self.count).encode().ljust(self.size), "text/plain")


async def test_a_repeated_query_is_answered_once_per_data_version() -> None:
    cache, evaluate = ResultCache(10_000), Evaluations()
    version = "v1"
    first = await cache.answer(lambda: version, key(), evaluate)
    again = await cache.answer(lambda: version, key(), evaluate)
    assert again == first
    assert evaluate.count == 1
    other_format = await cache.answer(lambda: version, key(results="text/csv"), evaluate)
    assert other_format != first
    version = "v2"
    fresh = await cache.answer(lambda: version, key(), evaluate)
    assert fresh != first
    assert evaluate.count == 3
    assert len(cache) == 1  # the older version's answers are gone


async def test_an_answer_computed_across_a_write_is_not_served_after_it() -> None:
    cache = ResultCache(10_000)
    version = "v1"

    async def across_a_write() -> Serialized:
        nonlocal version
        version = "v2"  # a write commits while the query runs, and another query sees it
        await cache.answer(lambda: version, key("ASK {}"), Evaluations())
        return await Evaluations()()

    await cache.answer(lambda: version, key(), across_a_write)
    evaluate = Evaluations()
    await cache.answer(lambda: version, key(), evaluate)
    assert evaluate.count == 1  # computed on the data before the write: not kept


@pytest.mark.parametrize(
    "text",
    [
        "SELECT (RAND() AS ?r) WHERE {}",
        "SELECT (now() AS ?t) WHERE {}",
        "SELECT (UUID() AS ?u) WHERE {}",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "SELECT (BNODE() AS ?b) WHERE {}",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1NOW",  # a keyword right after a number
    ],
)
async def test_answers_that_can_change_without_the_data_are_not_kept(text: str) -> None:
    assert not cacheable(text)
    cache, evaluate = ResultCache(10_000), Evaluations()
    for _ in range(2):
        await cache.answer(lambda: "v1", key(text), evaluate)
    assert evaluate.count == 2


def test_names_that_only_contain_those_words_are_kept() -> None:
    assert cacheable("SELECT ?nowhere WHERE { ?s <http://example.org/randomness> ?nowhere }")


async def test_the_cache_holds_its_capacity_and_no_large_answer() -> None:
    cache, evaluate = ResultCache(8 * 1000), Evaluations(size=300)
    for n in range(30):
        await cache.answer(lambda: "v1", key(f"{COUNT} LIMIT {n}"), evaluate)
    assert 0 < cache.size <= 8000
    assert len(cache) < 30  # the least recently used went first
    large = Evaluations(size=1200)  # more than an eighth of the capacity
    for _ in range(2):
        await cache.answer(lambda: "v1", key("ASK {}"), large)
    assert large.count == 2
    off, evaluate = ResultCache(0), Evaluations()
    for _ in range(2):
        await off.answer(lambda: "v1", key(), evaluate)
    assert evaluate.count == 2


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, ResultCache, str]]:
    store = LocalStore(tmp_path / "var" / "store", query_workers=2)
    tokens = TokenStore(Database.memory())
    secret = tokens.create("curator", "test")[1]
    settings = Settings(data_dir=tmp_path / "var", base_iri=BASE, tile_url="")
    app = create_app(settings, store, tokens)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app.endpoint.results, secret  # type: ignore[attr-defined]
    store.close()


def count(client: TestClient) -> int:
    response = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    assert response.status_code == 200
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_after_each_write_the_same_query_sees_it(
    served: tuple[TestClient, ResultCache, str],
) -> None:
    client, cache, secret = served
    writer = {"Authorization": f"Bearer {secret}"}
    assert count(client) == 0
    assert count(client) == 0
    assert cache.hits == 1
    response = client.post(
        "/sparql",
        data={
            "update": "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> 1 } }"
        },
        headers=writer,
    )
    assert response.status_code == 204
    assert count(client) == 1  # by SPARQL Update
    response = client.put(
        "/graph-store",
        params={"graph": "http://example.org/g2"},
        content=b"<http://example.org/b> <http://example.org/p> 2 , 3 .",
        headers={**writer, "Content-Type": "text/turtle"},
    )
    assert response.status_code in (201, 204)
    assert count(client) == 3  # by the Graph Store
    assert count(client) == 3
    assert cache.hits == 2


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "var" / "store", query_workers=1)
    settings = Settings(data_dir=tmp_path / "var", base_iri=BASE, tile_url="", query_cache_bytes=0)
    app = create_app(settings, store, TokenStore(Database.memory()))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert count(client) == count(client) == 0
        assert app.endpoint.results.hits == 0  # type: ignore[attr-defined]
    store.close()
