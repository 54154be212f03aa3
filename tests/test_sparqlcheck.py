"""The checked text of queries and updates: what the engine evaluates is what the check read.

The attacks of issue 14 (a comment ended by a bare CR, a `#` after a prefixed name, a prefixed
name with a dot, dot segments past an allow-list prefix) and many generated variants are sent
to the endpoint while a canary listens on loopback: no connection may reach it, on the embedded
store and on a real Oxigraph server (which makes SERVICE calls itself).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, QueryBoolean, QuerySolutions, Store

from commonsgraph.bundled import load_bundled
from commonsgraph.config import DEFAULT_BASE_IRI, Settings, allowed
from commonsgraph.database import Database
from commonsgraph.errors import ConfigError, QuerySyntaxError
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import parse_named_query
from commonsgraph.sparqlcheck import (
    _PIECE,
    MAX_DEPTH,
    MAX_DESCRIBED,
    MAX_TERMS,
    _pieces,
    check,
    reemit,
)
from commonsgraph.sparqllex import tokens as lexed
from commonsgraph.store import LocalStore
from commonsgraph.store.remote import RemoteStore
from commonsgraph.tokens import TokenStore
from commonsgraph.vocab import PREFIXES
from commonsgraph.web import create_app

from .partners import Canary
from .partners import canary as listening

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def canary() -> Iterator[Canary]:
    with listening() as listener:
        yield listener


# -- the checked text -----------------------------------------------------------------------


def test_a_comment_ended_by_a_carriage_return_hides_nothing() -> None:
    checked = check("SELECT * WHERE { # x\r SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } \n}", {})
    assert [s.iri for s in checked.services] == ["http://127.0.0.1:9/s"]
    assert "#" not in checked.text


def test_a_hash_after_a_prefixed_name_starts_a_comment_as_for_the_engine() -> None:
    text = (
        "SELECT * WHERE { ?s rdfs:label# '''\nSERVICE <http://127.0.0.1:9/s> { ?s ?p ?o }\n#''' \n}"
    )
    checked = check(text, PREFIXES)
    assert [s.iri for s in checked.services] == ["http://127.0.0.1:9/s"]


def test_a_prefixed_name_is_expanded_whole_dots_included() -> None:
    checked = check("PREFIX ex: <http://h/> SELECT * { SERVICE ex:sparql.evil { } }", {})
    assert [s.iri for s in checked.services] == ["http://h/sparql.evil"]
    assert "<http://h/sparql.evil>" in checked.text


def test_endpoints_are_checked_and_written_in_normal_form() -> None:
    text = "SELECT * { SERVICE <HTTP://Partner:80/p/%2e%2E/../x> { } }"
    checked = check(text, {})
    assert [s.iri for s in checked.services] == ["http://partner/x"]
    assert "<http://partner/x>" in checked.text
    assert not allowed("http://partner/p/../../x", ("http://partner/p/*",))
    assert allowed("http://PARTNER:80/p/a/../b", ("http://partner/p/*",))


def test_relative_endpoints_are_resolved_against_the_texts_base() -> None:
    checked = check("BASE <http://h/a/> SELECT * { SERVICE <../s> { } }", {})
    assert [s.iri for s in checked.services] == ["http://h/s"]


def test_a_prefix_allow_list_entry_must_end_its_host() -> None:
    with pytest.raises(ConfigError, match="must end its host with a slash"):
        Settings(service_allowlist=("https://partner.example*",))
    with pytest.raises(ConfigError, match="not an absolute"):
        Settings(load_allowlist=("partner.example/*",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * { ?s ?p ?o } \\u0053ERVICE", "an escape cannot start"),
        ("SELECT * { ?s ?p ?o . DEFINE }", "unknown keyword"),
        ('PREFIX b: <bif:> SELECT (b:http_get("http://x/") AS ?x) {}', "engine.s own function"),
        ("SELECT * { ?s nope:p ?o SERVICE <http://x/> {} }", "prefix nope: is not declared"),
        ("SELECT * { SERVICE <http://x/\\u003E> {} }", "is not a valid IRI"),
        ("SELECT * { PREFIX ex: <http://x/> SERVICE ex:s {} }", "must open the text"),
        ("SELECT * { ?s ?p '\\uD800' } # load", "is not a character"),
    ],
)
def test_what_the_check_cannot_read_is_refused_with_its_position(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message) as caught:
        check(text, PREFIXES)
    assert caught.value.line == 1
    assert caught.value.column is not None


def test_nesting_is_bounded_before_the_engine_recurses() -> None:
    deep = "INSERT { <http://a> <http://b> " + "(" * 100_000 + "1" + ")" * 100_000 + " } WHERE {}"
    with pytest.raises(QuerySyntaxError, match=f"nests deeper than {MAX_DEPTH} levels"):
        check(deep, {})
    braces = "SELECT * " + "{" * 3000 + "}" * 3000
    with pytest.raises(QuerySyntaxError, match="nests deeper"):
        check(braces, {})
    fine = "SELECT * " + "{" * 50 + "}" * 50
    assert check(fine, {}).text == fine


CHAINS = {
    # chains the engine builds into trees as deep as they are long; each of these, 10,000 long,
    # overflowed the stack of the process evaluating it (SIGSEGV)
    "UNION": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + " }",
    "||": "ASK { ?s ?p ?o FILTER(" + " || ".join(["?o"] * 10_000) + ") }",
    "+": "SELECT (" + " + ".join(["1"] * 10_000) + " AS ?x) {}",
    "path": "ASK { ?s " + "/".join(["rdfs:label"] * 10_000) + " ?o }",
    "BIND": "SELECT * { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(3_000)) + " }",
    "object list": "ASK { ?s ?p " + ", ".join(f"?o{i}" for i in range(10_000)) + " }",
    "update": "INSERT { <http://a> <http://b> 1 } WHERE { "
    + " UNION ".join(["{ ?s ?p ?o }"] * 10_000)
    + " }",
}


@pytest.mark.parametrize("text", CHAINS.values(), ids=CHAINS.keys())
def test_long_chains_are_bounded_before_the_engine_recurses(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match=f"more than {MAX_TERMS} tokens") as caught:
        check(text, PREFIXES)
    assert caught.value.line == 1
    with pytest.raises(QuerySyntaxError, match=f"more than {MAX_TERMS} tokens"):
        reemit(text, PREFIXES)


def test_a_describe_names_a_bounded_number_of_resources() -> None:
    many = "DESCRIBE " + " ".join(f"<http://a/{i}>" for i in range(MAX_DESCRIBED + 1))
    with pytest.raises(QuerySyntaxError, match=f"at most {MAX_DESCRIBED} resources"):
        check(many, PREFIXES)
    few = "DESCRIBE " + " ".join(f"<http://a/{i}>" for i in range(MAX_DESCRIBED)) + " WHERE {}"
    assert check(few, PREFIXES).form == "DESCRIBE"
    assert check("DESCRIBE * WHERE { ?a ?b ?c . ?d ?e ?f }", PREFIXES).form == "DESCRIBE"


def test_data_blocks_are_flat_and_not_counted() -> None:
    statements = " ".join(f"<http://a/{i}> <http://b> {i} ." for i in range(10_000))
    text = f"INSERT DATA {{ GRAPH <http://g> {{ {statements} }} }} ; DELETE DATA {{ {statements} }}"
    assert check(text, PREFIXES).text == text
    assert reemit(text, PREFIXES).text.count("<http://a/9999>") == 2
    after = text + " ; INSERT { <http://a> <http://b> 1 } WHERE { " + "?s ?p ?o . " * 600 + "}"
    with pytest.raises(QuerySyntaxError, match="tokens outside its DATA and VALUES blocks"):
        check(after, PREFIXES)


def _engine_position(text: str) -> tuple[int, int]:
    with pytest.raises(SyntaxError) as caught:
        Store().query(text, prefixes=PREFIXES)
    line, column = str(caught.value).split("at ", 1)[1].split(":")[:2]
    return int(line), int(column)


@pytest.mark.parametrize(
    "text",
    [
        "# a comment\nSELECT ?x WHERE {\n  ?x rdfs:label 'é' .\n  ?x ?y ?z ?w }",
        "SELECT ?x WHERE {\n  ?x rdfs:label '''a\nb''' .\n  ?x ?y ?z . } LIMIT ?x",
        "PREFIX ex: <http://x/>\nSELECT * { ex:a ex:b ex:c FILTER(?x +) }",
    ],
)
def test_the_engines_errors_point_into_the_clients_text(text: str) -> None:
    checked = reemit(text, PREFIXES)
    line, column = _engine_position(checked.text)
    relocated = checked.relocate(QuerySyntaxError(f"error at {line}:{column}: x", line, column))
    assert (relocated.line, relocated.column) == _engine_position(text)
    assert str(relocated) == f"error at {relocated.line}:{relocated.column}: x"


# -- the re-emitted text means what the client's text meant ------------------------------------


def _results(store: Store, text: str) -> object:
    try:
        results = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        if isinstance(results, QueryBoolean):
            return bool(results)
        rows = (
            list(results)
            if isinstance(results, QuerySolutions)
            else [(q.subject, q.predicate, q.object) for q in results]
        )
    except (SyntaxError, OSError, RuntimeError) as error:
        return type(error).__name__
    return sorted(str([None if isinstance(v, BlankNode) else v for v in row]) for row in rows)


@pytest.fixture(scope="module")
def seeded() -> LocalStore:
    store = LocalStore()
    load_bundled(store, Settings(data_dir=None))
    return store


@pytest.fixture(scope="module")
def seeded_store(seeded: LocalStore) -> Store:
    return seeded._store


NAMED = sorted((ROOT / "queries").glob("*.rq"))
# the parameters an engine query is run with: its text alone lacks the rows the engine computes
ENGINE_EXAMPLES = {
    "licence-compatibility": {"source": "MPL-2.0", "target": "Apache-2.0"},
    "may-adapt": {"commons": "fab-manager", "target": "MIT"},
}


@pytest.mark.parametrize("path", NAMED, ids=[p.stem for p in NAMED])
def test_every_named_query_re_emitted_gives_the_same_results(
    seeded: LocalStore, seeded_store: Store, path: Path
) -> None:
    text = path.read_text()
    query = parse_named_query(text, path.name)
    if query.engine is not None:  # what runs: the text with the engine's rows
        legal = LegalQueries(seeded, DEFAULT_BASE_IRI)
        text = legal.prepared(query, ENGINE_EXAMPLES.get(query.name, {}))
        assert "VALUES" in text
    assert _results(seeded_store, reemit(text, PREFIXES).text) == _results(seeded_store, text)


TRICKY = [
    "SELECT (COALESCE(1) AS ?x) (CONCAT('a', \"b\") AS ?y) (BNODE() AS ?z) {}",
    'SELECT ?s WHERE { ?s ?p ?o . FILTER(?o != "}{ WHERE # not a comment") } LIMIT 3',
    'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, """Tiers\n"Lieux""")) }',
    "SELECT * { ?s ?p 1.5e3, -2, .5, +3 . ?s ?p 'it''s'@en-GB } LIMIT 1",
    "ASK { ?s rdfs:label|skos:prefLabel/^skos:prefLabel ?o }",
    'SELECT ("a\\tb\\u00e9\\U0001F600" AS ?x) {}',
    "SELECT * { ?s ?p ?o . FILTER(?s = <https://w3id.org/commonsgraph/tiers-lieu/la-myne>) }",
    "PREFIX : <https://w3id.org/commonsgraph/ns#> SELECT (COUNT(*) AS ?n) { ?x a :TiersLieu }",
    "SELECT * { ?s a cg:TiersLieu } ORDER BY ?s LIMIT 2 OFFSET 1",
    "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 5",
    "DESCRIBE <https://w3id.org/commonsgraph/licence/MIT>",
    "SELECT ?x { VALUES ?x { UNDEF 1 'a' <http://x> } }",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_re_emitted_give_the_same_results(seeded_store: Store, text: str) -> None:
    assert _results(seeded_store, reemit(text, PREFIXES).text) == _results(seeded_store, text)


def test_the_quick_path_and_the_whole_reading_agree() -> None:
    for text in [*(p.read_text() for p in NAMED), *TRICKY]:
        quick, whole = check(text, PREFIXES), reemit(text, PREFIXES)
        assert (quick.form, quick.declares_dataset) == (whole.form, whole.declares_dataset), text
        assert (quick.services, quick.loads) == (whole.services, whole.loads)


PIECES = [
    "1a1a1a 1e5a 1.5e3a ?x1?y2 $z9 _:b1_:b2 'a b c'@en-GB \"x\"^^xsd:int a:b1.c a:1 :x",
    "<http://x/y#z><u>1 2.0 .5 -3 +4 1E-5 true false UNDEF a",
    "SELECT*{?s?p?o.FILTER(?o>=1&&?o!=2||!?o)}LIMIT 10OFFSET 2",
    "é:ü ?ÿ 'ça' ex:l·m ex:x\\.y ex:%41b 0x1F 12abc34def",
    "# a comment 1a2b3c\nASK{}",
]


@pytest.mark.parametrize("text", [*PIECES, *TRICKY, *(p.read_text() for p in NAMED)])
def test_pieces_are_at_least_as_many_as_tokens(text: str) -> None:
    """The count `check` reads first (in C) is never below the tokens the lexer reads."""
    try:
        count = sum(1 for _ in lexed(text))
    except QuerySyntaxError:
        return
    assert _pieces(text) >= count


def test_the_pieces_of_an_ascii_text_are_counted_at_least_as_the_expression_does() -> None:
    """`_pieces` counts an ASCII text from its characters' kinds: never fewer than the
    expression's matches (which bound the tokens), on every ASCII character around digits,
    letters and white space, and on the BSBM-like texts of the project."""
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(128)]
    texts = [*PIECES, *TRICKY, *(p.read_text() for p in NAMED)]
    texts += ["".join(rng.choice("a0_ .\x1c\t<>:/é") for _ in range(40)) for _ in range(2000)]
    texts += ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(2000)]
    for text in texts:
        assert _pieces(text) >= _PIECE.subn("", text)[1], repr(text)
    assert (
        _pieces("?x1?y2 12ab <http://e/a>") == 15 == _PIECE.subn("", "?x1?y2 12ab <http://e/a>")[1]
    )


def test_a_long_text_of_many_tokens_is_still_counted_whole() -> None:
    """Past MAX_TERMS pieces the tokens are counted (and the text is refused past MAX_TERMS)."""
    few = "SELECT * { " + " ".join(f"<http://e/{'a/' * 20}{n}>" for n in range(100)) + " }"
    assert _pieces(few) > MAX_TERMS > sum(1 for _ in lexed(few))
    assert check(few, PREFIXES).text == few
    many = "SELECT * { " + " ".join(f"?v{n}" for n in range(MAX_TERMS)) + " }"
    with pytest.raises(QuerySyntaxError):
        check(many, PREFIXES)


BASE = "http://service.example/sparql"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("SELECT (<test> AS ?x) {}", "<http://service.example/test>"),
        ("SELECT * { FILTER(?x IN (1, <x>)) }", "<http://service.example/x>"),
        ("SELECT (<> AS ?x) {}", f"<{BASE}>"),
        ("BASE <d/> SELECT (<e> AS ?x) {}", "<http://service.example/d/e>"),
        ("INSERT DATA { <s> <p> 'o' }", "<http://service.example/s>"),
        ("SELECT * FROM <file> {}", "<http://service.example/file>"),
    ],
)
def test_relative_iris_are_written_against_the_base(text: str, written: str) -> None:
    checked = check(text, PREFIXES, BASE)
    assert written in checked.text
    assert written not in check(text, PREFIXES).text  # without a base, nothing is resolved


@pytest.mark.parametrize(
    "text",
    ["SELECT * { ?s ?p <http://example.org/o> }", "ASK { FILTER(1 < 2 && 3 > 2) }",
     "SELECT * { ?s <urn:x:y> ?o }"],
)  # fmt: skip
def test_absolute_texts_stay_on_the_quick_path(text: str) -> None:
    assert check(text, PREFIXES, BASE).text == text


def test_from_clauses_are_read_as_absolute_iris() -> None:
    checked = check(
        "PREFIX g: <http://example.org/g/> SELECT * FROM g:one FROM <two> "
        "FROM NAMED <http://example.org/three> { GRAPH ?g { ?s ?p ?o } }",
        PREFIXES,
        BASE,
    )
    assert checked.declares_dataset
    assert checked.from_graphs == ("http://example.org/g/one", "http://service.example/two")
    assert checked.from_named == ("http://example.org/three",)
    inner = check("SELECT * { { SELECT * { ?s ?p ?o } } }", PREFIXES, BASE)
    assert (inner.declares_dataset, inner.from_graphs) == (False, ())


# -- the endpoint, with a canary listening ------------------------------------------------------


def _hidings(endpoint: str) -> Iterator[str]:
    """Texts that hide a SERVICE call to `endpoint` in the ways lexers disagree about."""
    host, _, path = endpoint.removeprefix("http://").partition("/")
    spellings = [
        f"<{endpoint}>",
        f"<http://{host}/\\u0073{path[1:]}>",
        f"<HTTP://{host}/x/%2E%2E/{path}>",
        f"<http://{host}/p/../../{path}>",
        f"ex:{path}",
        f"ex:{path}.evil",
        f"<{path}>",
    ]
    keywords = ["SERVICE", "service", "Service Silent", "SERVICE SILENT"]
    clauses = [
        f"{keyword} {spelling} {{ ?a ?b ?c }}"
        for keyword, spelling in itertools.product(keywords, spellings)
    ]
    breaks = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\u2028"]
    wrappers = [
        *(f"# x{b}{{}}{b}" for b in breaks),
        *(f"rdfs:label# '''{b}{{}}{b}#'''" for b in breaks),
        "'''{}'''",
        '"""{}"""',
        "'\\' {} '",
        '"\\" {} "',
        "<http://x/#> {}",
        "?x#{}\n",
        "?o . FILTER(?o <x:a*'''>)\n?s ?p \"''') {} #\"",
        "'a' # '''\n{}\n'''",
        "{{{{ {} }}}}",
        '"' + "a" * 5000 + '" . {}',
        "{}",
    ]
    for wrapper, clause in itertools.product(wrappers, clauses):
        body = wrapper.replace("{}", clause) if "{}" in wrapper else wrapper
        yield (
            f"PREFIX ex: <http://{host}/> BASE <http://{host}/>\n"
            f"SELECT * WHERE {{ ?s ?p ?o . {body}\n}}"
        )


def _settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings for a test; `changes` are `Settings` fields, checked there."""
    return replace(Settings(data_dir=tmp_path / "var", query_timeout=20), **changes)


@pytest.fixture
def tokens() -> TokenStore:
    return TokenStore(Database.memory())


def test_no_generated_query_or_update_reaches_the_canary_on_the_embedded_store(
    tmp_path: Path, canary: Canary, tokens: TokenStore
) -> None:
    endpoint = f"http://127.0.0.1:{canary.port}/sparql"
    curator = tokens.create("curator", "curator")[1]
    store = LocalStore()  # queries in a thread: any call the check missed is made at once
    sent = 0
    with TestClient(create_app(_settings(tmp_path), store, tokens)) as http:
        for text in _hidings(endpoint):
            answer = http.post("/sparql", data={"query": text})
            assert answer.status_code in (200, 400, 403), answer.text
            update = text.replace("SELECT * WHERE", "DELETE { ?s ?p ?o } WHERE", 1)
            answer = http.post(
                "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {curator}"}
            )
            assert answer.status_code in (204, 400, 403), answer.text
            sent += 2
        loaded = http.post(
            "/sparql",
            data={"update": f"LOAD <{endpoint}>"},
            headers={"Authorization": f"Bearer {curator}"},
        )
        assert loaded.status_code == 403
    store.close()
    assert sent > 1000
    assert canary.connections == 0


def test_the_canary_does_hear_an_allowed_call(tmp_path: Path, canary: Canary) -> None:
    """The control: the canary counts what reaches it, so the test above can fail."""
    endpoint = f"http://127.0.0.1:{canary.port}/sparql"
    store = LocalStore()
    settings = _settings(tmp_path, service_allowlist=(endpoint,), service_timeout=5)
    with TestClient(create_app(settings, store, TokenStore(Database.memory()))) as http:
        text = f"SELECT * {{ SERVICE <{endpoint}> {{ ?a ?b ?c }} }}"
        assert http.post("/sparql", data={"query": text}).status_code == 502
    store.close()
    assert canary.connections == 1


def test_no_hidden_call_reaches_the_canary_through_a_remote_store(
    tmp_path: Path, canary: Canary, oxigraph_url: str
) -> None:
    """Oxigraph's server makes SERVICE calls itself: the checked text is all it sees."""
    endpoint = f"http://127.0.0.1:{canary.port}/sparql"
    store = RemoteStore.oxigraph(oxigraph_url)
    settings = _settings(tmp_path, store=oxigraph_url)
    with TestClient(create_app(settings, store, TokenStore(Database.memory()))) as http:
        for text in itertools.islice(_hidings(endpoint), 0, None, 7):
            answer = http.post("/sparql", data={"query": text})
            assert answer.status_code in (200, 400, 403), answer.text
    store.close()
    assert canary.connections == 0


def test_an_allow_list_is_not_escaped_through_a_remote_store(
    tmp_path: Path, canary: Canary, oxigraph_url: str
) -> None:
    """The issue's remote-store cases: `ex:sparql.evil` was checked as `…/sparql`, and
    `…/p/../../x` as under `…/p/`, while the server called what it read."""
    base = f"http://127.0.0.1:{canary.port}"
    store = RemoteStore.oxigraph(oxigraph_url)
    settings = _settings(
        tmp_path, store=oxigraph_url, service_allowlist=(f"{base}/sparql", f"{base}/p/*")
    )
    with TestClient(create_app(settings, store, TokenStore(Database.memory()))) as http:
        for text in [
            f"PREFIX ex: <{base}/> SELECT * {{ SERVICE ex:sparql.evil {{ ?a ?b ?c }} }}",
            f"SELECT * {{ SERVICE <{base}/p/../../x> {{ ?a ?b ?c }} }}",
            f"SELECT * {{ SERVICE <{base}/p/%2E%2E/x> {{ ?a ?b ?c }} }}",
            f"BASE <{base}/p/> SELECT * {{ SERVICE <../x> {{ ?a ?b ?c }} }}",
        ]:
            answer = http.post("/sparql", data={"query": text})
            assert answer.status_code == 403, answer.text
            assert "allow-list" in answer.json()["detail"]
    store.close()
    assert canary.connections == 0


def test_values_blocks_are_flat_and_not_counted() -> None:
    """Federating clients send long VALUES blocks (bind joins): the engine reads them flat."""
    rows = " ".join(f"(<http://x/{i}> {i})" for i in range(5_000))
    text = f"SELECT * WHERE {{ ?s ?p ?o }} VALUES (?s ?o) {{ {rows} }}"
    assert check(text, {}).text == text
    inline = " ".join(f"<http://x/{i}>" for i in range(5_000))
    text = f"SELECT * WHERE {{ VALUES ?s {{ {inline} }} SERVICE <http://p/s> {{ ?s ?p ?o }} }}"
    assert [s.iri for s in check(text, {}).services] == ["http://p/s"]
    unions = " UNION ".join("{ ?s ?p ?o }" for _ in range(1_000))
    with pytest.raises(QuerySyntaxError, match="tokens"):
        check(f"SELECT * WHERE {{ {unions} }} VALUES ?s {{ <http://x/> }}", {})


LONG_IRI = (
    "<http://www4.wiwiss.fu-berlin.de/bizer/bsbm/v01/instances/dataFromProducer11/Product484>"
)


def test_long_texts_of_few_tokens_are_evaluated_as_sent() -> None:
    """A BSBM query holds long IRIs (`dataFromProducer…`): it is neither lexed to count its
    tokens nor read for a FROM it does not have."""
    text = "SELECT * WHERE {\n" + f"  {LONG_IRI} ?p ?o .\n" * 40 + "}"
    assert len(text) > MAX_TERMS
    checked = check(text, PREFIXES)
    assert checked.text == text
    assert not checked.declares_dataset
    with_from = text.replace("SELECT * WHERE", f"SELECT * FROM {LONG_IRI} WHERE")
    assert check(with_from, PREFIXES).declares_dataset
    assert check(with_from.replace(" FROM ", "\nfrom\n"), PREFIXES).declares_dataset


@pytest.mark.parametrize("wrong", ["?p ?o nonsense", "?p ?o ."])
def test_long_texts_the_lexer_refuses_are_refused(wrong: str) -> None:
    """Long texts of few pieces are not lexed (as short texts are not): the engine refuses
    them."""
    text = "SELECT * WHERE {\n" + f"  {LONG_IRI} ?p ?o .\n" * 40 + f"{LONG_IRI} {wrong} }}"
    if wrong.endswith("."):  # a character that starts no token
        text = text.replace("SELECT", "SELECT §")
    with pytest.raises((QuerySyntaxError, SyntaxError)):
        Store().query(check(text, PREFIXES).text)


@pytest.mark.parametrize(
    "text",
    [
        "ASKFROM <http://example.org/g> { ?s ?p ?o }",
        "constructFROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "CONSTRUCTfrom NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_a_from_glued_to_its_keyword_is_not_let_through_unread(text: str) -> None:
    """The engine reads `ASKFROM <g>` as ASK FROM <g> (its dataset), the lexer as one word: the
    text is refused, never run with a dataset the check did not see."""
    with pytest.raises(QuerySyntaxError, match="unknown keyword"):
        check(text, PREFIXES)
