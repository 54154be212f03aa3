"""The store protocol on the embedded backend (the remote one joins with the SPARQL issue)."""

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat, Triple

from commonsgraph.errors import QuerySyntaxError, StoreLocked
from commonsgraph.store import LocalStore

EX = "http://example.org/"
G = NamedNode(EX + "graph")


def t(s: str, p: str, o: str | Literal) -> Triple:
    obj = o if isinstance(o, Literal) else NamedNode(EX + o)
    return Triple(NamedNode(EX + s), NamedNode(EX + p), obj)


def test_queries_see_the_union_of_named_graphs(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b")])
    store.replace_graph(NamedNode(EX + "other"), [t("b", "p", "c")])
    rows = store.select(
        "SELECT ?x ?z WHERE { ?x <http://example.org/p> ?y . ?y <http://example.org/p> ?z }"
    )
    assert rows == [{"x": NamedNode(EX + "a"), "z": NamedNode(EX + "c")}]


def test_select_ask_construct_and_bindings(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "name", Literal("Alpha")), t("b", "name", Literal("Beta"))])
    rows = store.select(
        "SELECT ?s WHERE { ?s <http://example.org/name> ?n }", {"n": Literal("Beta")}
    )
    assert rows == [{"s": NamedNode(EX + "b")}]
    assert store.ask("ASK { ?s ?p ?n }", {"n": Literal("Alpha")})
    assert not store.ask("ASK { ?s ?p ?n }", {"n": Literal("Gamma")})
    triples = store.construct("CONSTRUCT { ?s a ?n } WHERE { ?s ?p ?n }", {"n": Literal("Alpha")})
    assert triples == [
        Triple(
            NamedNode(EX + "a"),
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            Literal("Alpha"),
        )
    ]


def test_unbound_variables_are_absent_from_rows(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b")])
    rows = store.select(
        "SELECT ?s ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://nothing> ?missing } }"
    )
    assert rows == [{"s": NamedNode(EX + "a")}]


def test_project_prefixes_are_predeclared(store: LocalStore) -> None:
    store.replace_graph(
        G,
        [
            Triple(
                NamedNode(EX + "a"),
                NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                Literal("A"),
            )
        ],
    )
    assert store.ask("ASK { ?s rdfs:label 'A' }")


def test_syntax_errors_say_line_and_column(store: LocalStore) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        store.select("SELECT *\nWHERE { ?s ?p }")
    assert caught.value.line == 2
    assert caught.value.column is not None
    assert caught.value.column >= 14


def test_serialize_query_for_each_form(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b")])
    json = store.serialize_query(
        "SELECT * WHERE { ?s ?p ?o }",
        results_format=QueryResultsFormat.JSON,
        graph_format=RdfFormat.TURTLE,
    )
    assert json.media_type == "application/sparql-results+json"
    assert b'"http://example.org/a"' in json.body
    turtle = store.serialize_query(
        "CONSTRUCT WHERE { ?s ?p ?o }",
        results_format=QueryResultsFormat.JSON,
        graph_format=RdfFormat.N_TRIPLES,
    )
    assert turtle.media_type == "application/n-triples"
    assert (
        turtle.body.strip()
        == b"<http://example.org/a> <http://example.org/p> <http://example.org/b> ."
    )


def test_replace_graph_applies_a_diff(store: LocalStore) -> None:
    first = store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    assert (first.added, first.removed, first.total) == (2, 0, 2)
    again = store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    assert (again.added, again.removed, again.total) == (0, 0, 2)
    changed = store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "d")])
    assert (changed.added, changed.removed, changed.total) == (1, 1, 2)
    assert store.triple_count(G) == 2
    assert store.ask("ASK { <http://example.org/a> ?p <http://example.org/d> }")


def test_replace_graph_with_blank_nodes_swaps_the_whole_graph(store: LocalStore) -> None:
    node = BlankNode()
    triples = [
        Triple(NamedNode(EX + "a"), NamedNode(EX + "address"), node),
        Triple(node, NamedNode(EX + "city"), Literal("Lyon")),
    ]
    store.replace_graph(G, triples)
    store.replace_graph(G, triples)
    assert store.triple_count(G) == 2
    assert store.triple_count() == 2


def test_replace_leaves_other_graphs_alone(store: LocalStore) -> None:
    other = NamedNode(EX + "other")
    store.replace_graph(other, [t("x", "p", "y")])
    store.replace_graph(G, [t("a", "p", "b")])
    store.replace_graph(G, [])
    assert store.triple_count(other) == 1
    assert store.triple_count(G) == 0


def test_drop_graph(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b")])
    assert store.drop_graph(G)
    assert not store.drop_graph(G)
    assert store.graphs() == []


def test_a_failed_update_writes_nothing(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b")])
    with pytest.raises(QuerySyntaxError):
        store.update(
            "INSERT DATA { GRAPH <http://example.org/graph> { <http://x> <http://y> <http://z> } } ; DROP GRAPH"
        )
    assert store.triple_count() == 1


def test_on_disk_store_persists_and_refuses_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = LocalStore(path)
    first.replace_graph(G, [t("a", "p", "b")])
    with pytest.raises(StoreLocked, match="already open in another process"):
        LocalStore(path)
    first.close()
    reopened = LocalStore(path)
    assert reopened.triple_count() == 1
    reopened.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Read-modify-write updates from many threads, funnelled through the single writer."""
    from concurrent.futures import ThreadPoolExecutor

    store = LocalStore(tmp_path / "store")
    store.update(
        "INSERT DATA { GRAPH <http://example.org/graph> { <http://example.org/c> <http://example.org/n> 0 } }"
    )
    increment = """DELETE { GRAPH ?g { ?c <http://example.org/n> ?n } }
                   INSERT { GRAPH ?g { ?c <http://example.org/n> ?m } }
                   WHERE { GRAPH ?g { ?c <http://example.org/n> ?n } BIND(?n + 1 AS ?m) }"""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: store.update(increment), range(200)))
    assert store.select("SELECT ?n WHERE { ?c <http://example.org/n> ?n }")[0]["n"].value == "200"
    store.close()
