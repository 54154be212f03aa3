"""The store protocol, on both backends: embedded pyoxigraph and a real Oxigraph server."""

import asyncio
from pathlib import Path

import pytest
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
)

from commonsgraph.errors import QuerySyntaxError, StoreLocked
from commonsgraph.store import LocalStore, QueryRequest, Store, lexical

EX = "http://example.org/"
G = NamedNode(EX + "graph")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def t(s: str, p: str, o: str | Literal) -> Triple:
    obj = o if isinstance(o, Literal) else NamedNode(EX + o)
    return Triple(NamedNode(EX + s), NamedNode(EX + p), obj)


def test_queries_see_the_union_of_named_graphs(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    any_store.replace_graph(NamedNode(EX + "other"), [t("b", "p", "c")])
    rows = any_store.select(
        "SELECT ?x ?z WHERE { ?x <http://example.org/p> ?y . ?y <http://example.org/p> ?z }"
    )
    assert rows == [{"x": NamedNode(EX + "a"), "z": NamedNode(EX + "c")}]


def test_select_ask_construct_and_bindings(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "name", Literal("Alpha")), t("b", "name", Literal("Beta"))])
    rows = any_store.select(
        "SELECT ?s WHERE { ?s <http://example.org/name> ?n }", {"n": Literal("Beta")}
    )
    assert rows == [{"s": NamedNode(EX + "b")}]
    assert any_store.ask("ASK { ?s ?p ?n }", {"n": Literal("Alpha")})
    assert not any_store.ask("ASK { ?s ?p ?n }", {"n": Literal("Gamma")})
    triples = any_store.construct(
        "CONSTRUCT { ?s a ?n } WHERE { ?s ?p ?n }", {"n": Literal("Alpha")}
    )
    assert triples == [Triple(NamedNode(EX + "a"), RDF_TYPE, Literal("Alpha"))]


def test_unbound_variables_are_absent_from_rows(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    rows = any_store.select(
        "SELECT ?s ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://nothing> ?missing } }"
    )
    assert rows == [{"s": NamedNode(EX + "a")}]


def test_project_prefixes_are_predeclared(any_store: Store) -> None:
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    any_store.replace_graph(G, [Triple(NamedNode(EX + "a"), label, Literal("A"))])
    assert any_store.ask("ASK { ?s rdfs:label 'A' }")


def test_syntax_errors_say_line_and_column(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        any_store.select("SELECT *\nWHERE { ?s ?p }")
    assert caught.value.line == 2
    assert caught.value.column is not None
    assert caught.value.column >= 14


def test_syntax_errors_on_the_first_line_are_placed_in_the_query(any_store: Store) -> None:
    """The client's prologue (the project's prefixes) stands before the query on its first
    line: the place is the query's own."""
    with pytest.raises(QuerySyntaxError) as caught:
        any_store.select("SELECT * WHERE { ?s ?p }")
    assert caught.value.line == 1
    assert caught.value.column is not None
    assert 23 <= caught.value.column <= 26


def test_serialize_query_for_each_form(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    json = any_store.serialize_query(
        "SELECT * WHERE { ?s ?p ?o }",
        results_format=QueryResultsFormat.JSON,
        graph_format=RdfFormat.TURTLE,
    )
    assert json.media_type == "application/sparql-results+json"
    assert b'"http://example.org/a"' in json.body
    ntriples = any_store.serialize_query(
        "CONSTRUCT WHERE { ?s ?p ?o }",
        results_format=QueryResultsFormat.JSON,
        graph_format=RdfFormat.N_TRIPLES,
    )
    assert ntriples.media_type == "application/n-triples"
    # read back: N-Triples may part terms with tabs (Virtuoso does)
    assert list(parse(ntriples.body, RdfFormat.N_TRIPLES)) == [
        Quad(NamedNode(EX + "a"), NamedNode(EX + "p"), NamedNode(EX + "b"), DefaultGraph())
    ]


async def test_execute_serializes_in_the_requested_format(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    request = QueryRequest("SELECT ?o WHERE { ?s ?p ?o }", QueryResultsFormat.CSV, RdfFormat.TURTLE)
    result = await any_store.execute(request)
    assert result.media_type.startswith("text/csv")
    assert result.body.splitlines() == [b"o", b"http://example.org/b"]
    graph = await any_store.execute(
        QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", QueryResultsFormat.JSON, RdfFormat.N_TRIPLES)
    )
    assert next(iter(parse(graph.body, RdfFormat.N_TRIPLES))).object == NamedNode(EX + "b")


async def test_execute_honours_the_dataset(any_store: Store) -> None:
    other = NamedNode(EX + "other")
    any_store.replace_graph(G, [t("a", "p", "b")])
    any_store.replace_graph(other, [t("c", "p", "d")])
    request = QueryRequest(
        "SELECT ?s WHERE { ?s ?p ?o }",
        QueryResultsFormat.CSV,
        RdfFormat.TURTLE,
        default_graphs=(other,),
    )
    assert (await any_store.execute(request)).body.splitlines() == [b"s", b"http://example.org/c"]
    request = QueryRequest(
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        QueryResultsFormat.CSV,
        RdfFormat.TURTLE,
        named_graphs=(G,),
    )
    assert (await any_store.execute(request)).body.splitlines() == [
        b"g",
        b"http://example.org/graph",
    ]


def test_replace_graph_makes_the_graph_hold_exactly_the_triples(any_store: Store) -> None:
    first = any_store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    assert (first.total, first.created) == (2, True)
    again = any_store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    assert (again.total, again.created) == (2, False)
    any_store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "d")])
    assert any_store.triple_count(G) == 2
    assert any_store.ask("ASK { <http://example.org/a> ?p <http://example.org/d> }")
    assert not any_store.ask("ASK { <http://example.org/a> ?p <http://example.org/c> }")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x1c", "\x0b"])
def test_literals_holding_what_python_takes_for_a_line_break_are_written(
    any_store: Store, separator: str
) -> None:
    """N-Triples lines end at a line feed; pyoxigraph writes U+2028, U+2029 and U+0085 as they
    are, and str.splitlines() broke a statement at each (a 503 on a Graph Store PUT, a failed
    harvest, for a label pasted from a web page)."""
    label = Literal(f"one{separator}two")
    any_store.replace_graph(G, [t("a", "p", label), t("a", "q", "b")])
    any_store.replace_graph(G, [t("a", "p", label), t("a", "q", "c")])
    change = any_store.add_to_graph(G, [t("b", "p", label)])
    assert change.total == 3
    assert any_store.ask("ASK { ?s ?p ?o }", {"o": label})


def test_add_to_graph_merges(any_store: Store) -> None:
    any_store.add_to_graph(G, [t("a", "p", "b")])
    change = any_store.add_to_graph(G, [t("a", "p", "c")])
    assert (change.total, change.created) == (2, False)


def test_graphs_exist_and_are_dumped(any_store: Store) -> None:
    assert not any_store.has_graph(G)
    assert any_store.graph_data(G, RdfFormat.N_TRIPLES) is None
    any_store.replace_graph(G, [t("a", "p", "b")])
    assert any_store.has_graph(G)
    assert G in any_store.graphs()
    data = any_store.graph_data(G, RdfFormat.N_TRIPLES)
    assert data is not None
    assert b"<http://example.org/a>" in data


def test_replace_leaves_other_graphs_alone(any_store: Store) -> None:
    other = NamedNode(EX + "other")
    any_store.replace_graph(other, [t("x", "p", "y")])
    any_store.replace_graph(G, [t("a", "p", "b")])
    any_store.replace_graph(G, [])
    assert any_store.triple_count(other) == 1
    assert any_store.triple_count(G) == 0


def test_drop_graph(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    assert any_store.drop_graph(G)
    assert not any_store.drop_graph(G)
    assert any_store.graphs() == []


def test_a_failed_update_writes_nothing(any_store: Store) -> None:
    any_store.replace_graph(G, [t("a", "p", "b")])
    with pytest.raises(QuerySyntaxError):
        any_store.update(
            "INSERT DATA { GRAPH <http://example.org/graph> { <http://x> <http://y> <http://z> } } ; DROP GRAPH"
        )
    assert any_store.triple_count(G) == 1


def test_the_default_graph_is_a_graph_too(any_store: Store) -> None:
    """In the standard setting (in the default one it is the merge of the named graphs, which
    is not written directly: tests/test_union.py)."""
    store = LocalStore(union=None) if isinstance(any_store, LocalStore) else any_store
    store.replace_graph(DefaultGraph(), [t("a", "p", "b")])
    data = store.graph_data(DefaultGraph(), RdfFormat.N_TRIPLES)
    assert data is not None
    assert b"<http://example.org/b>" in data


# -- the embedded backend ------------------------------------------------------------------------


def test_a_diff_is_applied_when_a_graph_is_replaced(store: LocalStore) -> None:
    store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    again = store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "c")])
    assert (again.added, again.removed) == (0, 0)
    changed = store.replace_graph(G, [t("a", "p", "b"), t("a", "p", "d")])
    assert (changed.added, changed.removed, changed.total) == (1, 1, 2)


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
    assert (
        lexical(store.select("SELECT ?n WHERE { ?c <http://example.org/n> ?n }")[0]["n"]) == "200"
    )
    store.close()


def test_query_workers_answer_one_event_loop_after_another(tmp_path: Path) -> None:
    """A store outlives the event loops that use it (each test client runs its own)."""
    store = LocalStore(tmp_path / "store", query_workers=1)
    store.replace_graph(G, [t("a", "p", "o")])
    ask = QueryRequest("ASK { ?s ?p ?o }", QueryResultsFormat.JSON, RdfFormat.TURTLE)
    try:
        for _ in range(2):
            answer = asyncio.run(asyncio.wait_for(store.execute(ask), timeout=120))
            assert b"true" in answer.body
    finally:
        store.close()


@pytest.mark.parametrize("busy_wait", [0.0, 0.002])
async def test_query_workers_answer_with_or_without_busy_waiting(
    tmp_path: Path, busy_wait: float
) -> None:
    store = LocalStore(tmp_path / "store", query_workers=2, busy_wait=busy_wait)
    many = [t("a", "p", f"o{n:06d}") for n in range(5_000)]  # an answer of several frames
    store.replace_graph(G, many)
    try:
        rows = await store.execute(
            QueryRequest("SELECT ?o WHERE { ?s ?p ?o }", QueryResultsFormat.CSV, RdfFormat.TURTLE)
        )
        assert len(rows.body) > 1 << 16
        assert len(rows.body.splitlines()) == 5_001
        # a predeclared prefix, and a syntax error read with the predeclared prefixes
        labels = QueryRequest(
            "SELECT ?s WHERE { ?s rdfs:label ?l }", QueryResultsFormat.CSV, RdfFormat.TURTLE
        )
        assert (await store.execute(labels)).body.splitlines() == [b"s"]
        with pytest.raises(QuerySyntaxError, match="1:32"):  # the missing brace
            await store.execute(
                QueryRequest(
                    "SELECT ?s WHERE { ?s rdfs:x ?l ", QueryResultsFormat.CSV, RdfFormat.TURTLE
                )
            )
    finally:
        store.close()
