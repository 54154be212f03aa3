import pytest
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
)

from commonsgraph.errors import QuerySyntaxError
from commonsgraph.sparqlcheck import query_form
from commonsgraph.sparqllex import tokens
from commonsgraph.sparqltext import bind

LANG = {"lang": Literal("en")}


@pytest.fixture
def store() -> Store:
    store = Store()
    store.update('INSERT DATA { <http://a> <http://b> "hello"@en, "bonjour"@fr }')
    return store


def solutions(store: Store, query: str) -> list[QuerySolution]:
    """The rows of a SELECT query."""
    results = store.query(query)
    assert isinstance(results, QuerySolutions)
    return list(results)


def triples(store: Store, query: str) -> list[Triple]:
    """The statements of a CONSTRUCT query."""
    results = store.query(query)
    assert isinstance(results, QueryTriples)
    return list(results)


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("PREFIX x: <http://x/> PREFIX : <http://y/> BASE <http://z/> ask { }", "ASK"),
        ("# a comment\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://a>", "DESCRIBE"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", None),
        ("not sparql at all", None),
    ],
)
def test_query_form(query: str, form: str | None) -> None:
    assert query_form(query) == form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { ?s ?p ?o FILTER(lang(?o) = ?lang) }",
        "SELECT ?o { ?s ?p ?o FILTER(lang(?o) = ?lang) }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(lang(?o) = ?lang) }",
        "ASK { ?s ?p ?o FILTER(lang(?o) = ?lang) }",
        "DESCRIBE ?s WHERE { ?s ?p ?o OPTIONAL { ?s ?p ?x FILTER(lang(?x) = ?lang) } }",
    ],
)
def test_bound_variables_are_seen_by_filters_in_every_query_form(store: Store, query: str) -> None:
    results = store.query(bind(query, LANG))
    if isinstance(results, QueryBoolean):
        assert bool(results)
    else:
        assert len(list(results)) == 1 or query.startswith("DESCRIBE")


def test_braces_and_keywords_in_strings_and_comments_are_not_structure(store: Store) -> None:
    query = 'SELECT ?o WHERE { # WHERE {\n ?s ?p ?o FILTER(?o != "}{ WHERE" && lang(?o) = ?lang) }'
    assert len(solutions(store, bind(query, LANG))) == 1


def test_a_hostile_value_stays_one_literal(store: Store) -> None:
    hostile = Literal('en") } ; DROP ALL ; SELECT * { ?s ?p ?o FILTER("x')
    query = bind("SELECT ?o WHERE { ?s ?p ?o FILTER(lang(?o) = ?lang) }", {"lang": hostile})
    assert solutions(store, query) == []
    assert len(store) == 2


def test_iri_values_are_bound(store: Store) -> None:
    query = bind("SELECT ?o WHERE { ?s ?p ?o }", {"s": NamedNode("http://a")})
    assert len(solutions(store, query)) == 2


def test_projections_and_conditions_keep_their_variables(store: Store) -> None:
    query = "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY ?s"
    rows = solutions(store, bind(query, {"s": NamedNode("http://a")}))
    assert rows[0]["s"] == NamedNode("http://a")
    assert rows[0]["n"].value == "2"


def test_construct_short_form_and_subqueries_are_bound(store: Store) -> None:
    constructed = triples(store, bind("CONSTRUCT WHERE { ?s ?p ?o }", {"s": NamedNode("http://a")}))
    assert len(constructed) == 2
    nested = "SELECT ?o WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o } } }"
    assert len(solutions(store, bind(nested, {"s": NamedNode("http://a")}))) == 2


def test_an_assigned_variable_cannot_be_bound() -> None:
    with pytest.raises(QuerySyntaxError, match="assigned in the query"):
        bind("SELECT (1 AS ?lang) WHERE { }", LANG)


def test_invalid_variable_names_are_refused() -> None:
    with pytest.raises(ValueError, match="variable name"):
        bind("SELECT * { ?s ?p ?o }", {"s } . ?x": NamedNode("http://a")})


def test_tokens_skip_comments_and_keep_strings() -> None:
    kinds = [t.kind for t in tokens('SELECT "a # b" # c\n<http://x> ?v')]
    assert kinds == ["word", "string", "iri", "var"]
