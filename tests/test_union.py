"""The default graph as the merge (a set) of the named graphs, kept by every write; and the
standard setting, where it is the store's own graph (store/union.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
)

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.errors import ConfigError, NotAllowed
from commonsgraph.store import LocalStore, QueryRequest, Union, lexical, union_of
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

EX = "http://example.org/"
G1, G2, G3 = (NamedNode(f"{EX}g{n}") for n in (1, 2, 3))
A, P, Q = NamedNode(f"{EX}a"), NamedNode(f"{EX}p"), NamedNode(f"{EX}q")


def merge_is_kept(store: LocalStore, members: frozenset[str] | None = None) -> None:
    """The default graph holds exactly the statements of the member graphs, once each."""
    ox = store._store
    merged = {
        (q.subject, q.predicate, q.object)
        for q in ox.quads_for_pattern(None, None, None, DefaultGraph())
    }
    expected = {
        (q.subject, q.predicate, q.object)
        for graph in ox.named_graphs()
        if isinstance(graph, NamedNode) and (members is None or graph.value in members)
        for q in ox.quads_for_pattern(None, None, None, graph)
    }
    assert merged == expected
    assert not [g for g in ox.named_graphs() if str(g).startswith("<urn:commonsgraph:union:")]


def count(store: LocalStore, pattern: str = "?s ?p ?o") -> int:
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    return int(lexical(rows[0]["n"]))


@pytest.fixture
def union_store() -> LocalStore:
    store = LocalStore()
    store.update(
        f"""INSERT DATA {{
          GRAPH <{G1.value}> {{ <{EX}a> <{EX}p> "x" . <{EX}a> <{EX}q> 1 . _:b <{EX}p> "blank" }}
          GRAPH <{G2.value}> {{ <{EX}a> <{EX}p> "x" . <{EX}c> <{EX}p> "only in g2" }}
        }}"""
    )
    merge_is_kept(store)
    return store


def test_a_statement_in_two_graphs_counts_once(union_store: LocalStore) -> None:
    assert count(union_store, f'?s <{EX}p> "x"') == 1
    assert count(union_store) == 4
    assert count(union_store, "GRAPH ?g { ?s ?p ?o }") == 5  # the graphs themselves are intact
    assert union_store.triple_count() == 5


UPDATES = [
    f'INSERT DATA {{ GRAPH <{G3.value}> {{ <{EX}a> <{EX}p> "x" . _:n <{EX}p> _:n }} }}',
    f'DELETE DATA {{ GRAPH <{G1.value}> {{ <{EX}a> <{EX}p> "x" }} }}',
    f'DELETE DATA {{ GRAPH <{G1.value}> {{ <{EX}a> <{EX}p> "x" }} GRAPH <{G2.value}> {{ <{EX}a> <{EX}p> "x" }} }}',
    f"DELETE WHERE {{ GRAPH <{G2.value}> {{ ?s ?p ?o }} }}",
    f"DELETE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }}",
    f"DELETE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} INSERT {{ GRAPH ?g {{ ?s <{EX}q> ?o }} }} "
    f"WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }}",
    f"INSERT {{ GRAPH <{G3.value}> {{ ?s <{EX}r> [ <{EX}p> ?o ] }} }} WHERE {{ ?s <{EX}p> ?o }}",
    f"INSERT {{ GRAPH <{G3.value}> {{ _:x <{EX}r> ?o }} }} WHERE {{ ?s <{EX}p> ?o }}",
    f"WITH <{G1.value}> DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p 'new' }} WHERE {{ ?s ?p ?o }}",
    f"WITH <{G2.value}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"DELETE {{ GRAPH <{G1.value}> {{ ?s ?p ?o }} }} USING <{G2.value}> WHERE {{ ?s ?p ?o }}",
    f"CLEAR GRAPH <{G1.value}>",
    f"DROP SILENT GRAPH <{G2.value}>",
    "CLEAR NAMED",
    "DROP ALL",
    f"ADD <{G1.value}> TO <{G3.value}>",
    f"ADD DEFAULT TO GRAPH <{G3.value}>",
    f"COPY <{G1.value}> TO <{G2.value}>",
    f"COPY DEFAULT TO <{G2.value}>",
    f"MOVE <{G1.value}> TO <{G2.value}>",
    f"MOVE GRAPH <{G2.value}> TO <{G3.value}>",
    f"CREATE GRAPH <{G3.value}> ; INSERT DATA {{ GRAPH <{G3.value}> {{ <{EX}c> <{EX}p> 'only in g2' }} }}",
    f"PREFIX ex: <{EX}> DELETE DATA {{ GRAPH ex:g2 {{ ex:c ex:p 'only in g2' }} }} ; "
    f"INSERT DATA {{ GRAPH ex:g1 {{ ex:c ex:p 'moved' }} }}",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_kind_of_update_keeps_the_merge(union_store: LocalStore, update: str) -> None:
    union_store.update(update)
    merge_is_kept(union_store)


@pytest.mark.parametrize("update", UPDATES)
def test_a_subset_of_the_graphs_is_merged_too(update: str) -> None:
    members = frozenset({G1.value, G3.value})
    store = LocalStore(union=Union(members))
    store.update(UPDATE_SEED)
    merge_is_kept(store, members)
    store.update(update)
    merge_is_kept(store, members)


UPDATE_SEED = f"""INSERT DATA {{
  GRAPH <{G1.value}> {{ <{EX}a> <{EX}p> "x" . <{EX}b> <{EX}p> "y" }}
  GRAPH <{G2.value}> {{ <{EX}a> <{EX}p> "x" . <{EX}c> <{EX}p> "z" }}
}}"""


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}a> <{EX}p> 'x' }}",
        f"DELETE DATA {{ <{EX}a> <{EX}p> 'x' }}",
        f"DELETE WHERE {{ <{EX}a> ?p ?o }}",
        f"INSERT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }}",
        "CLEAR DEFAULT",
        "DROP DEFAULT",
        f"COPY <{G1.value}> TO DEFAULT",
        f"MOVE DEFAULT TO <{G1.value}>",
        "LOAD <http://example.org/data.ttl>",
    ],
)
def test_writing_the_merge_itself_is_refused(union_store: LocalStore, update: str) -> None:
    with pytest.raises(NotAllowed, match="merge of the named graphs"):
        union_store.update(update)
    merge_is_kept(union_store)


def test_graph_writes_keep_the_merge(union_store: LocalStore) -> None:
    blank = BlankNode()
    union_store.replace_graph(G3, [Triple(A, P, Literal("x")), Triple(blank, P, blank)])
    merge_is_kept(union_store)
    union_store.replace_graph(G3, [Triple(A, Q, Literal("y"))])  # blank nodes: replaced whole
    merge_is_kept(union_store)
    union_store.replace_graph(G1, [Triple(A, Q, Literal("y"))])  # by difference
    merge_is_kept(union_store)
    union_store.add_to_graph(G2, [Triple(A, Q, Literal("z"))])
    merge_is_kept(union_store)
    assert union_store.drop_graph(G3)
    merge_is_kept(union_store)
    assert count(union_store, f"<{EX}a> <{EX}q> ?o") == 2
    with pytest.raises(NotAllowed):
        union_store.replace_graph(DefaultGraph(), [])


def test_exact_changes_keep_the_merge(union_store: LocalStore) -> None:
    """Contributions and harvests write exact quads (`Store.change`)."""
    x = Literal("x")
    node = BlankNode()
    union_store.change(
        delete=[Quad(A, P, x, G1)],
        insert=[Quad(A, Q, Literal("new"), G1), Quad(node, P, node, G3)],
    )
    merge_is_kept(union_store)
    assert count(union_store, f'<{EX}a> <{EX}p> "x"') == 1  # still held by g2
    union_store.change(delete=[Quad(A, P, x, G2)], insert=[])
    merge_is_kept(union_store)
    assert count(union_store, f'<{EX}a> <{EX}p> "x"') == 0
    with pytest.raises(NotAllowed):
        union_store.change(delete=[], insert=[Quad(A, P, x, DefaultGraph())])


def test_the_standard_setting_is_the_stores_own_default_graph() -> None:
    store = LocalStore(union=None)
    store.update(UPDATE_SEED)
    store.update(f"INSERT DATA {{ <{EX}d> <{EX}p> 'default' }}")  # no GRAPH: the default graph
    request = QueryRequest(
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", QueryResultsFormat.CSV, RdfFormat.TURTLE
    )
    assert asyncio.run(store.execute(request)).body == b"n\r\n1\r\n"  # what /sparql runs
    assert store.replace_graph(DefaultGraph(), [Triple(A, P, Literal("x"))]).total == 1


def test_settings_name_the_standard_setting() -> None:
    standard = Settings.from_env({"COMMONSGRAPH_DEFAULT_GRAPHS": "DEFAULT"})
    assert standard.standard_default_graph
    assert union_of(standard) is None
    listed = Settings.from_env({"COMMONSGRAPH_DEFAULT_GRAPHS": f"{G1.value} {G2.value}"})
    assert union_of(listed) == Union(frozenset({G1.value, G2.value}))
    assert union_of(Settings()) == Union()
    with pytest.raises(ConfigError, match="stands alone"):
        Settings.from_env({"COMMONSGRAPH_DEFAULT_GRAPHS": f"default {G1.value}"})
    with pytest.raises(ConfigError, match="absolute IRIs"):
        Settings.from_env({"COMMONSGRAPH_DEFAULT_GRAPHS": "g1"})


def test_a_store_opened_with_another_setting_is_settled(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = LocalStore(path, union=None)
    store.update(UPDATE_SEED)
    store.close()
    union = LocalStore(path)  # the merge is built from the named graphs
    merge_is_kept(union)
    assert count(union) == 3
    union.close()
    standard = LocalStore(path, union=None)  # the merge leaves: the default graph is empty
    assert not list(standard._store.quads_for_pattern(None, None, None, DefaultGraph()))
    standard.update(f"INSERT DATA {{ <{EX}d> <{EX}p> 'default' }}")
    standard.close()
    with pytest.raises(ConfigError, match="statements of its own"):
        LocalStore(path)


def test_the_service_description_says_which_default_graph() -> None:
    union_feature = b"UnionDefaultGraph"
    for settings, expected in (
        (Settings(data_dir=None), True),
        (Settings(data_dir=None, default_graphs=("default",)), False),
        (Settings(data_dir=None, default_graphs=(G1.value,)), False),
    ):
        app = create_app(
            settings, LocalStore(union=union_of(settings)), TokenStore(Database.memory())
        )
        with TestClient(app) as client:
            response = client.get("/sparql", headers={"Accept": "application/n-triples"})
        assert (union_feature in response.content) is expected


def test_sparql_counts_a_statement_of_two_graphs_once(tmp_path: Path) -> None:
    """Over HTTP, with the queries in the worker pool (an on-disk store), as the issue had it:
    `<a> <p> "x"` in g1 and g2, COUNT(*) is 1."""
    settings = Settings(data_dir=tmp_path)
    store = LocalStore(tmp_path / "store", query_workers=1)
    try:
        store.update(UPDATE_SEED)
        with TestClient(create_app(settings, store, TokenStore(Database.memory()))) as client:
            response = client.get(
                "/sparql",
                params={"query": f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> "x" }}'},
                headers={"Accept": "text/csv"},
            )
        assert response.text.splitlines() == ["n", "1"]
    finally:
        store.close()
