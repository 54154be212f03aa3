"""A graph's provenance across reloads: `dct:issued` is its first load and stays, while
`prov:generatedAtTime` and `dct:modified` follow each load."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph.graphs import GraphSource, publish
from commonsgraph.store import LocalStore, lexical
from commonsgraph.vocab import DCT, PROV, RDFS, XSD, Minter

from .conftest import BASE

LONG_AGO = Literal("2020-01-01T00:00:00Z", datatype=XSD.dateTime)
MINTER = Minter(BASE)
ORIGIN = GraphSource("import/test", "Essai", "Test")
GRAPH = MINTER.graph("import/test")


def said(store: LocalStore, predicate: NamedNode) -> list[str]:
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?g ?p ?o } }", {"g": GRAPH, "p": predicate})
    return [lexical(row["o"]) for row in rows]


def backdate(store: LocalStore, predicate: NamedNode) -> None:
    """Say the graph's `predicate` happened long ago (a reload later cannot be mistaken for it)."""
    [old] = said(store, predicate)
    old_quad = Quad(GRAPH, predicate, Literal(old, datatype=XSD.dateTime), GRAPH)
    store.change(delete=[old_quad], insert=[Quad(GRAPH, predicate, LONG_AGO, GRAPH)])


def statements(n: int) -> list[Triple]:
    return [Triple(MINTER.iri(f"x/{i}"), RDFS.label, Literal(str(i))) for i in range(n)]


def test_a_reload_keeps_the_first_issued_time() -> None:
    store = LocalStore()
    publish(store, MINTER, ORIGIN, statements(1))
    assert said(store, DCT.issued) == said(store, PROV.generatedAtTime)
    backdate(store, DCT.issued)
    publish(store, MINTER, ORIGIN, statements(2))
    assert said(store, DCT.issued) == [LONG_AGO.value]
    [generated] = said(store, PROV.generatedAtTime)
    assert generated > LONG_AGO.value
    store.close()


def test_a_graph_loaded_before_issued_was_kept_takes_its_last_load() -> None:
    """A graph from an older version has no `dct:issued`: the earliest time known is its
    `prov:generatedAtTime`."""
    store = LocalStore()
    publish(store, MINTER, ORIGIN, statements(1))
    backdate(store, PROV.generatedAtTime)
    [issued] = said(store, DCT.issued)
    store.change(
        delete=[Quad(GRAPH, DCT.issued, Literal(issued, datatype=XSD.dateTime), GRAPH)], insert=[]
    )
    publish(store, MINTER, ORIGIN, statements(2))
    assert said(store, DCT.issued) == [LONG_AGO.value]
    store.close()


def test_a_dropped_graph_loaded_again_is_issued_anew() -> None:
    store = LocalStore()
    publish(store, MINTER, ORIGIN, statements(1))
    backdate(store, DCT.issued)
    store.drop_graph(GRAPH)
    publish(store, MINTER, ORIGIN, statements(1))
    [issued] = said(store, DCT.issued)
    assert issued > LONG_AGO.value
    store.close()
