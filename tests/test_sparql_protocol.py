"""/sparql and /graph-store against the SPARQL 1.1 Protocol, Graph Store Protocol and Service
Description specifications, on an on-disk store (queries run in the killable worker pool)."""

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import httpx2
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, Serialized, Store, lexical, union_of
from commonsgraph.store.remote import RemoteStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import Service, create_app
from commonsgraph.web.protocol import (
    CHECKED_LENGTH,
    CHECKED_TEXTS,
    FORM,
    Reply,
    percent_decoded,
    read_operation,
)

SELECT = "SELECT ?name WHERE { ?n a cg:Network ; rdfs:label ?name } ORDER BY ?name"
CONSTRUCT = "CONSTRUCT { ?n a cg:Network } WHERE { ?n a cg:Network }"
G1 = "http://example.org/g1"
G2 = "http://example.org/g2"


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = LocalStore(path)
    load_bundled(store, Settings(data_dir=path.parent))
    yield store
    store.close()


@pytest.fixture(scope="module")
def tokens() -> TokenStore:
    return TokenStore(Database.memory())


@pytest.fixture(scope="module")
def secrets(tokens: TokenStore) -> dict[str, str]:
    return {
        role: tokens.create(role, f"test {role}")[1]
        for role in ("reader", "contributor", "curator", "admin")
    }


def make_client(store: Store, tokens: TokenStore, **settings: Any) -> TestClient:
    """A client of the service over `store`; `settings` are `Settings` fields, checked there."""
    path = store.path if isinstance(store, LocalStore) else None
    base = Settings(data_dir=path.parent if path else None)
    return TestClient(
        create_app(replace(base, **settings), store, tokens), raise_server_exceptions=False
    )


@pytest.fixture(scope="module")
def client(disk_store: LocalStore, tokens: TokenStore) -> Iterator[TestClient]:
    with make_client(disk_store, tokens) as client:
        yield client


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def names(response: httpx2.Response) -> list[str]:
    results = parse_query_results(response.content, format=QueryResultsFormat.JSON)
    assert isinstance(results, QuerySolutions)
    return [lexical(s["name"]) for s in results]


# -- queries ---------------------------------------------------------------------------------


def test_query_by_get_post_form_and_post_direct_agree(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": SELECT})
    by_form = client.post("/sparql", data={"query": SELECT})
    by_direct = client.post(
        "/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_direct):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert "France Tiers-Lieux" in names(response)
    assert names(by_get) == names(by_form) == names(by_direct)


@pytest.mark.parametrize(
    ("accept", "format_name", "media", "results_format"),
    [
        (
            "application/sparql-results+json",
            None,
            "application/sparql-results+json",
            QueryResultsFormat.JSON,
        ),
        (
            "application/sparql-results+xml",
            None,
            "application/sparql-results+xml",
            QueryResultsFormat.XML,
        ),
        ("text/csv", None, "text/csv", QueryResultsFormat.CSV),
        ("text/tab-separated-values", None, "text/tab-separated-values", QueryResultsFormat.TSV),
        ("application/json", None, "application/sparql-results+json", QueryResultsFormat.JSON),
        (None, "json", "application/sparql-results+json", QueryResultsFormat.JSON),
        (None, "xml", "application/sparql-results+xml", QueryResultsFormat.XML),
        ("text/html", "csv", "text/csv", QueryResultsFormat.CSV),
        ("*/*", None, "application/sparql-results+json", QueryResultsFormat.JSON),
    ],
)
def test_select_results_by_accept_and_format(
    client: TestClient,
    accept: str | None,
    format_name: str | None,
    media: str,
    results_format: QueryResultsFormat,
) -> None:
    params = {"query": SELECT, **({"format": format_name} if format_name else {})}
    response = client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    if results_format == QueryResultsFormat.CSV:  # lossy: pyoxigraph does not parse it back
        assert len(response.text.splitlines()) >= 6
    else:
        results = parse_query_results(response.content, format=results_format)
        assert isinstance(results, QuerySolutions)
        assert len(list(results)) >= 5


def test_output_is_a_synonym_of_format(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT, "output": "tsv"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_ask_results(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": "ASK { ?x a cg:TiersLieu }"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert bool(parse_query_results(response.content, format=QueryResultsFormat.XML))


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
        ("application/n-quads", RdfFormat.N_QUADS),
        ("application/trig", RdfFormat.TRIG),
        ("text/html, text/turtle;q=0.5", RdfFormat.TURTLE),
    ],
)
def test_construct_results_by_accept_parse_back_to_the_same_triples(
    client: TestClient, accept: str, rdf_format: RdfFormat
) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(rdf_format.media_type)
    triples = {(q.subject, q.predicate, q.object) for q in parse(response.content, rdf_format)}
    assert len(triples) >= 5
    assert NamedNode("https://w3id.org/commonsgraph/organisation/rfflabs") in {
        t[0] for t in triples
    }


def test_describe(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": "DESCRIBE <https://w3id.org/commonsgraph/organisation/rfflabs>"},
        headers={"Accept": "application/n-triples"},
    )
    assert b"RFFLabs" in response.content


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT])
def test_nothing_acceptable_is_406(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_format_name_is_400(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT, "format": "pdf"})
    assert response.status_code == 400
    assert "unknown results format 'pdf'" in response.json()["detail"]


def test_protocol_dataset_is_honoured(client: TestClient, disk_store: LocalStore) -> None:
    disk_store.update(
        f'INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> "in g1" }} GRAPH <{G2}> {{ <http://example.org/b> <http://example.org/p> "in g2" }} }}'
    )
    query = "SELECT ?o WHERE { ?s <http://example.org/p> ?o }"
    response = client.get(
        "/sparql", params={"query": query, "default-graph-uri": G1}, headers={"Accept": "text/csv"}
    )
    assert response.text.splitlines() == ["o", "in g1"]
    both = client.get(
        "/sparql",
        params={"query": query + " ORDER BY ?o", "default-graph-uri": [G1, G2]},
        headers={"Accept": "text/csv"},
    )
    assert both.text.splitlines() == ["o", "in g1", "in g2"]
    named = client.get(
        "/sparql",
        params={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": G2},
        headers={"Accept": "text/csv"},
    )
    assert named.text.splitlines() == ["g", G2]
    union = client.get(
        "/sparql", params={"query": query + " ORDER BY ?o"}, headers={"Accept": "text/csv"}
    )
    assert union.text.splitlines() == ["o", "in g1", "in g2"]
    from_clause = client.get(
        "/sparql",
        params={"query": f"SELECT ?o FROM <{G2}> WHERE {{ ?s <http://example.org/p> ?o }}"},
        headers={"Accept": "text/csv"},
    )
    assert from_clause.text.splitlines() == ["o", "in g2"]


def test_configured_default_graphs(tmp_path: Path, tokens: TokenStore) -> None:
    """COMMONSGRAPH_DEFAULT_GRAPHS: the merge of the graphs it lists (a statement two of them
    hold, once), kept by the store opened with the same settings."""
    settings = Settings(data_dir=tmp_path, default_graphs=(G1, G2))
    store = LocalStore(tmp_path / "store", union=union_of(settings))
    try:
        store.update(
            f'INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> "x" }}'
            f' GRAPH <{G2}> {{ <http://example.org/a> <http://example.org/p> "x" }}'
            ' GRAPH <http://example.org/g3> { <http://example.org/b> <http://example.org/p> "y" } }'
        )
        with make_client(store, tokens, default_graphs=(G1, G2)) as client:
            response = client.get(
                "/sparql",
                params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                headers={"Accept": "text/csv"},
            )
            assert response.text.splitlines()[1] == "1"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        ("get", {"params": {"query": SELECT, "update": "CLEAR ALL"}}, "not both"),
        ("post", {"data": {"query": SELECT, "update": "CLEAR ALL"}}, "not both"),
        ("get", {"params": {"update": "CLEAR ALL"}}, "updates must be sent with POST"),
        ("get", {"params": {"query": [SELECT, SELECT]}}, "one query"),
        ("post", {"data": {}}, "no query and no update"),
        ("get", {"params": {"query": SELECT, "using-graph-uri": G1}}, "cannot accompany a query"),
        (
            "post",
            {"data": {"update": "CLEAR ALL", "default-graph-uri": G1}},
            "cannot accompany an update",
        ),
        (
            "get",
            {"params": {"query": SELECT, "default-graph-uri": "not an iri"}},
            "default-graph-uri must be an absolute IRI",
        ),
        ("post", {"params": {"query": SELECT}, "data": {"query": SELECT}}, "not in the URL"),
        (
            "post",
            {
                "params": {"query": SELECT},
                "content": SELECT,
                "headers": {"Content-Type": "application/sparql-query"},
            },
            "not in the URL",
        ),
    ],
)
def test_malformed_requests_are_400(
    client: TestClient, method: str, kwargs: dict[str, object], message: str
) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]


def test_unsupported_content_type_is_415(client: TestClient) -> None:
    response = client.post("/sparql", content=SELECT, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["detail"]


def test_syntax_errors_are_problems_with_line_and_column(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        content="SELECT *\nWHERE { ?s ?p }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["line"]) == (400, 2)
    assert isinstance(body["column"], int)
    assert "Traceback" not in response.text
    assert "site-packages" not in response.text


def test_invalid_utf8_is_400(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        content=b"SELECT * { ?s ?p \xff }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.json()["detail"]


def test_head_answers_headers_only(client: TestClient) -> None:
    response = client.head("/sparql", params={"query": SELECT})
    assert response.status_code == 200
    assert response.content == b""


# -- service description and editor ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
        ("*/*", RdfFormat.TURTLE),
    ],
)
def test_service_description(client: TestClient, accept: str, rdf_format: RdfFormat) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    triples = list(parse(response.content, rdf_format))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = NamedNode("http://127.0.0.1:8000/sparql")
    assert any(t.subject == endpoint and t.object == NamedNode(sd + "Service") for t in triples)
    assert any(
        t.predicate == NamedNode(sd + "supportedLanguage")
        and t.object == NamedNode(sd + "SPARQL11Update")
        for t in triples
    )
    assert any(t.object == NamedNode(sd + "UnionDefaultGraph") for t in triples)
    assert any(
        t.predicate == NamedNode(sd + "name")
        and t.object == NamedNode("https://w3id.org/commonsgraph/graph/seed")
        for t in triples
    )


def test_browsers_get_the_query_editor_from_local_files(client: TestClient) -> None:
    response = client.get(
        "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/static/vendor/yasgui/yasgui.min.js">' in response.text
    assert "Nombre de tiers-lieux par r" in response.text  # French without Accept-Language
    assert "https://cdn" not in response.text
    assert "unpkg" not in response.text
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200
    assert client.get("/static/editor.js").status_code == 200


def test_cors_is_open_for_reads(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": SELECT}, headers={"Origin": "https://yasgui.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


# -- updates and tokens ---------------------------------------------------------------------


UPDATE = 'INSERT DATA { GRAPH <http://example.org/updates> { <http://example.org/u> <http://example.org/p> "updated" } }'


def test_updates_need_a_write_token(client: TestClient, secrets: dict[str, str]) -> None:
    form = {"update": UPDATE}
    missing = client.post("/sparql", data=form)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert client.post("/sparql", data=form, headers=auth("cg_0000_wrong")).status_code == 401
    for role in ("reader", "contributor"):
        response = client.post("/sparql", data=form, headers=auth(secrets[role]))
        assert response.status_code == 403, role
    assert client.post("/sparql", data=form, headers=auth(secrets["curator"])).status_code == 204
    direct = client.post(
        "/sparql",
        content=UPDATE,
        headers={
            "Content-Type": "application/sparql-update; charset=UTF-8",
            **auth(secrets["admin"]),
        },
    )
    assert direct.status_code == 204
    check = client.get("/sparql", params={"query": 'ASK { ?s ?p "updated" }'})
    assert check.json()["boolean"] is True


def test_a_revoked_token_is_refused(client: TestClient, tokens: TokenStore) -> None:
    token, secret = tokens.create("admin")
    tokens.revoke(token.id)
    assert client.post("/sparql", data={"update": UPDATE}, headers=auth(secret)).status_code == 401


def test_using_graph_uri_sets_the_update_dataset(
    client: TestClient, disk_store: LocalStore, secrets: dict[str, str]
) -> None:
    disk_store.update(
        f"INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/x> a <http://example.org/Source> }} }}"
    )
    update = "INSERT { GRAPH <http://example.org/copied> { ?s a <http://example.org/Copied> } } WHERE { ?s a <http://example.org/Source> }"
    response = client.post(
        "/sparql",
        params={"using-graph-uri": G1},
        content=update,
        headers={"Content-Type": "application/sparql-update", **auth(secrets["curator"])},
    )
    assert response.status_code == 204
    assert disk_store.ask(
        "ASK { GRAPH <http://example.org/copied> { <http://example.org/x> a <http://example.org/Copied> } }"
    )
    conflict = client.post(
        "/sparql",
        params={"using-graph-uri": G1},
        content=update.replace("WHERE", f"USING <{G2}> WHERE"),
        headers={"Content-Type": "application/sparql-update", **auth(secrets["curator"])},
    )
    assert conflict.status_code == 400


def test_a_bad_update_is_400_and_writes_nothing(
    client: TestClient, disk_store: LocalStore, secrets: dict[str, str]
) -> None:
    before = disk_store.triple_count()
    response = client.post(
        "/sparql",
        data={"update": UPDATE.replace("updated", "partial") + " ; DROP GRAPH"},
        headers=auth(secrets["curator"]),
    )
    assert response.status_code == 400
    assert disk_store.triple_count() == before


# -- SERVICE and LOAD ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://localhost:{port}/> { ?s ?p ?o } }",
        "BASE <http://127.0.0.1:{port}/> SELECT * WHERE { service <x> { ?s ?p ?o } }",
        "PREFIX h: <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE h:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <\\u0068ttp://127.0.0.1:{port}/> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:{port}/> } SERVICE ?e { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
    ],
)
def test_service_outside_the_allow_list_is_refused_and_nothing_connects(
    client: TestClient, query: str
) -> None:

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        port = listener.getsockname()[1]
        response = client.get("/sparql", params={"query": query.replace("{port}", str(port))})
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("not-allowed")
        with pytest.raises(TimeoutError):
            listener.accept()


def test_load_is_for_admins_from_allowed_sources(
    client: TestClient, secrets: dict[str, str]
) -> None:
    load = {"update": "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://example.org/loaded>"}
    assert client.post("/sparql", data=load, headers=auth(secrets["curator"])).status_code == 403
    response = client.post("/sparql", data=load, headers=auth(secrets["admin"]))
    assert response.status_code == 403
    assert "not from an allowed source" in response.json()["detail"]


def test_a_malformed_update_is_a_400_before_its_load_is_refused(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """A text the engine cannot read is malformed whatever it would load (the W3C syntax
    tests): 400, at the client's line and column; nothing of it runs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        source = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
        graph = "http://example.org/created-by-a-malformed-update"
        for text, where in (
            (f"CREATE GRAPH <{graph}>\nLOAD <{source}> INTO GRAPH <{graph}>", "2:1"),
            (f"CREATE GRAPH <{graph}> ;\n;;\nLOAD <{source}>", ""),
            ("LOAD ;", "1:"),
        ):
            response = client.post("/sparql", data={"update": text}, headers=auth(secrets["admin"]))
            assert response.status_code == 400, response.text
            assert f"at {where}" in response.json()["detail"], response.text
            assert response.json()["line"] > 0
        with pytest.raises(TimeoutError):
            listener.accept()
    query = {"query": f"ASK {{ GRAPH <{graph}> {{ }} }}"}
    assert client.get("/sparql", params=query).json()["boolean"] is False
    well_formed = {"update": f"CREATE GRAPH <{graph}> ; LOAD <{source}> INTO GRAPH <{graph}>"}
    response = client.post("/sparql", data=well_formed, headers=auth(secrets["admin"]))
    assert response.status_code == 403, response.text


def test_checked_texts_are_kept_bounded_and_refusals_are_not(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """A text is checked once (`SparqlEndpoint.checked`), up to `CHECKED_TEXTS` of them; a
    refusal is not kept: the same refused text is refused again."""
    assert isinstance(client.app, Service)
    endpoint = client.app.endpoint
    first = endpoint.checked(SELECT)
    assert endpoint.checked(SELECT) is first
    for n in range(CHECKED_TEXTS + 10):
        endpoint.checked(f"ASK {{ ?s ?p {n} }}")
    assert len(endpoint._checked) == CHECKED_TEXTS
    assert endpoint.checked(SELECT) is not first  # the oldest went first
    assert endpoint.checked(SELECT).text == first.text
    long = f"ASK {{ ?s ?p '{'x' * CHECKED_LENGTH}' }}"
    assert endpoint.checked(long) is not endpoint.checked(long)
    load = {"update": "LOAD <http://127.0.0.1:9/data.ttl>"}
    for _ in range(2):
        response = client.post("/sparql", data=load, headers=auth(secrets["curator"]))
        assert response.status_code == 403, response.text


def test_service_to_an_allowed_endpoint_works(
    disk_store: LocalStore, tokens: TokenStore, oxigraph_url: str
) -> None:
    import httpx

    httpx.post(
        f"{oxigraph_url}/update",
        content='INSERT DATA { GRAPH <http://partner/g> { <http://partner/place> <http://www.w3.org/2000/01/rdf-schema#label> "Partner place" } }',
        headers={"Content-Type": "application/sparql-update"},
        timeout=120,
    ).raise_for_status()
    with make_client(disk_store, tokens, service_allowlist=(f"{oxigraph_url}/query",)) as client:
        query = (
            f"SELECT ?label WHERE {{ SERVICE <{oxigraph_url}/query> {{ ?p rdfs:label ?label }} }}"
        )
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.text
        assert "Partner place" in response.text


# -- limits -------------------------------------------------------------------------------------


def test_request_bodies_are_capped(disk_store: LocalStore, tokens: TokenStore) -> None:
    with make_client(disk_store, tokens, max_body_bytes=1000) as client:
        response = client.post(
            "/sparql",
            content="SELECT * WHERE { ?s ?p ?o } #" + "x" * 2000,
            headers={"Content-Type": "application/sparql-query"},
        )
        assert response.status_code == 413


def test_results_are_capped_with_a_clear_error(disk_store: LocalStore, tokens: TokenStore) -> None:
    with make_client(disk_store, tokens, max_result_bytes=2000) as client:
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert response.status_code == 422
        assert "exceed 2,000 bytes" in response.json()["detail"]


# -- Graph Store Protocol -----------------------------------------------------------------------

TURTLE = {"Content-Type": "text/turtle"}
GRAPH = "http://example.org/gsp"


def test_graph_store_lifecycle(client: TestClient, secrets: dict[str, str]) -> None:
    write = {**TURTLE, **auth(secrets["curator"])}
    params = {"graph": GRAPH}
    assert client.get("/graph-store", params=params).status_code == 404
    created = client.put(
        "/graph-store",
        params=params,
        content=b"<http://example.org/a> <http://example.org/p> 1 .",
        headers=write,
    )
    assert created.status_code == 201
    replaced = client.put(
        "/graph-store",
        params=params,
        content=b"<http://example.org/a> <http://example.org/p> 2 .",
        headers=write,
    )
    assert replaced.status_code == 204
    merged = client.post(
        "/graph-store",
        params=params,
        content=b"<http://example.org/a> <http://example.org/p> 3 .",
        headers=write,
    )
    assert merged.status_code == 204
    got = client.get("/graph-store", params=params, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200
    assert {q.object.value for q in parse(got.content, RdfFormat.N_TRIPLES)} == {"2", "3"}
    head = client.head("/graph-store", params=params)
    assert head.status_code == 200
    assert head.content == b""
    assert (
        client.delete("/graph-store", params=params, headers=auth(secrets["curator"])).status_code
        == 204
    )
    assert (
        client.delete("/graph-store", params=params, headers=auth(secrets["curator"])).status_code
        == 404
    )
    assert client.get("/graph-store", params=params).status_code == 404


def test_graph_store_post_to_the_store_creates_a_graph(
    client: TestClient, secrets: dict[str, str]
) -> None:
    response = client.post(
        "/graph-store",
        content=b"<http://example.org/n> <http://example.org/p> 1 .",
        headers={**TURTLE, **auth(secrets["curator"])},
    )
    assert response.status_code == 201
    location = response.headers["location"]
    assert client.get(location).status_code == 200


def test_graph_store_default_graph(client: TestClient, secrets: dict[str, str]) -> None:
    """The default graph is the merge of the public graphs: read, not written (in the standard
    setting it is written like any graph: tests/test_store.py)."""
    write = {**TURTLE, **auth(secrets["admin"])}
    refused = client.put(
        "/graph-store",
        params={"default": ""},
        content=b"<http://example.org/d> <http://example.org/p> 1 .",
        headers=write,
    )
    assert refused.status_code == 403
    assert "merge of the named graphs" in refused.json()["detail"]
    got = client.get("/graph-store", params={"default": ""}, headers={"Accept": "text/turtle"})
    assert b"example.org/d" not in got.content
    assert b"Network" in got.content  # the bundled graphs' statements


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b"<a> <b> <c> .", 401),
        ({"role": "reader"}, b"<a> <b> <c> .", 403),
        ({"role": "curator", "Content-Type": "application/pdf"}, b"<a> <b> <c> .", 415),
        ({"role": "curator", "Content-Type": "text/turtle"}, b"<http://a> <http://b> .", 400),
    ],
)
def test_graph_store_writes_refused(
    client: TestClient, secrets: dict[str, str], headers: dict[str, str], body: bytes, status: int
) -> None:
    sent = {k: v for k, v in headers.items() if k != "role"}
    if "role" in headers:
        sent.update(auth(secrets[headers["role"]]))
    response = client.put(
        "/graph-store", params={"graph": "http://example.org/refused"}, content=body, headers=sent
    )
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["line"] == 1
    assert (
        client.get("/graph-store", params={"graph": "http://example.org/refused"}).status_code
        == 404
    )


def test_graph_store_needs_a_target(client: TestClient) -> None:
    assert client.get("/graph-store").status_code == 400
    assert client.get("/graph-store", params={"graph": GRAPH, "default": ""}).status_code == 400


def test_an_unexpected_failure_is_a_500_problem_that_leaks_nothing(
    disk_store: LocalStore, tokens: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_client(disk_store, tokens) as client:

        async def broken(request: object) -> None:
            raise RuntimeError("boom in /srv/secret/path")

        assert isinstance(client.app, Service)
        monkeypatch.setattr(client.app.endpoint.store, "execute", broken)
        for response in (
            client.get("/sparql", params={"query": SELECT}),
            client.post(
                "/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"}
            ),
        ):
            assert response.status_code == 500
            assert response.headers["content-type"] == "application/problem+json"
            assert "secret" not in response.text
            assert response.json()["type"].endswith("internal")


# -- the protocol to the letter, embedded and remote ----------------------------------------


@pytest.fixture(scope="module", params=["embedded", "remote"])
def both(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tokens: TokenStore
) -> Iterator[TestClient]:
    """The service over an embedded store, and over a real Oxigraph server."""
    store: Store
    if request.param == "embedded":
        store = LocalStore(tmp_path_factory.mktemp("embedded") / "store")
    else:
        store = RemoteStore.oxigraph(request.getfixturevalue("oxigraph_url"))
    with make_client(store, tokens) as client:
        yield client
    store.close()


ENDPOINT = "http://127.0.0.1:8000/sparql"
"""The endpoint's public URL (COMMONSGRAPH_PUBLIC_URL's default): the base IRI."""


def csv_rows(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return response.text.splitlines()[1:]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT (<test> AS ?x) {}", ["http://127.0.0.1:8000/test"]),
        ("SELECT (<> AS ?x) {}", [ENDPOINT]),
        ("SELECT (<../a/b?c#d> AS ?x) {}", ["http://127.0.0.1:8000/a/b?c#d"]),
        ("SELECT ?x { BIND(<x> AS ?x) FILTER(?x IN (1, <x>)) }", ["http://127.0.0.1:8000/x"]),
        ("BASE <http://other.example/d/> SELECT (<e> AS ?x) {}", ["http://other.example/d/e"]),
        ("BASE <sub/> SELECT (<e> AS ?x) {}", ["http://127.0.0.1:8000/sub/e"]),
    ],
)
def test_relative_iris_resolve_against_the_endpoint(
    both: TestClient, query: str, expected: list[str]
) -> None:
    response = both.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert csv_rows(response) == expected


def test_updates_resolve_relative_iris_and_from_reads_them(
    both: TestClient, secrets: dict[str, str]
) -> None:
    update = 'INSERT DATA { GRAPH <graphs/relative> { <s> <p> "relative" } }'
    response = both.post(
        "/sparql",
        content=update,
        headers={"Content-Type": "application/sparql-update", **auth(secrets["curator"])},
    )
    assert response.status_code == 204, response.text
    rows = both.get(
        "/sparql",
        params={"query": "SELECT ?g ?s { GRAPH ?g { ?s ?p 'relative' } }"},
        headers={"Accept": "text/csv"},
    )
    assert csv_rows(rows) == ["http://127.0.0.1:8000/graphs/relative,http://127.0.0.1:8000/s"]
    from_file = both.get(
        "/sparql",
        params={"query": "SELECT ?o FROM <graphs/relative> { ?s ?p ?o }"},
        headers={"Accept": "text/csv"},
    )
    assert csv_rows(from_file) == ["relative"]


def test_from_and_from_named_define_the_dataset(both: TestClient, secrets: dict[str, str]) -> None:
    data = (
        f"INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> 'from g1' }}"
        f" GRAPH <{G2}> {{ <http://example.org/b> <http://example.org/p> 'from g2' }} }}"
    )
    both.post("/sparql", data={"update": data}, headers=auth(secrets["curator"])).raise_for_status()

    def rows(query: str, **params: str) -> list[str]:
        response = both.get(
            "/sparql", params={"query": query, **params}, headers={"Accept": "text/csv"}
        )
        return csv_rows(response)

    from_g2 = f"SELECT ?o FROM <{G2}> WHERE {{ ?s <http://example.org/p> ?o }}"
    assert rows(from_g2) == ["from g2"]
    assert rows(from_g2, **{"default-graph-uri": G1}) == ["from g1"]  # the protocol's wins
    named = (
        f"SELECT ?g ?o FROM NAMED <{G1}> {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    assert rows(named) == [f"{G1},from g1"]  # FROM NAMED alone: an empty default graph


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
        (
            "application/sparql-query; charset=ISO-8859-1",
            "ASK { FILTER('é' = 'é') }".encode("latin-1"),
        ),
        ("application/sparql-query;charset=iso-8859-1", b"ASK {}"),
        ("application/sparql-update; charset=UTF-16", "CLEAR ALL".encode("utf-16")),
        ("application/x-www-form-urlencoded; charset=ISO-8859-1", b"query=ASK%20%7B%7D"),
        ("application/sparql-query", b"ASK { FILTER('\xe9' = '\xe9') }"),
        ("application/x-www-form-urlencoded", b"query=ASK { FILTER('\xe9' = '\xe9') }"),
        ("application/x-www-form-urlencoded", b"query=ASK%20%7B%20FILTER('%E9'%20=%20'%E9')%20%7D"),
        ("application/x-www-form-urlencoded", b"update=CLEAR%20GRAPH%20%3Chttp%3A%2F%2Fa%E9%3E"),
    ],
)
def test_bodies_are_utf8_only(
    both: TestClient, content_type: str, body: bytes, secrets: dict[str, str]
) -> None:
    response = both.post(
        "/sparql", content=body, headers={"Content-Type": content_type, **auth(secrets["curator"])}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["application/sparql-query; charset=utf-8", 'application/sparql-query; charset="UTF-8"',
     "application/sparql-query;charset=UTF-8", "application/sparql-query"],
)  # fmt: skip
def test_utf8_bodies_are_read(both: TestClient, content_type: str) -> None:
    body = "ASK { FILTER('é' = '\\u00E9') }".encode()
    response = both.post("/sparql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_a_query_string_that_is_not_utf8_is_400(both: TestClient) -> None:
    response = both.get("/sparql?query=ASK%20%7B%20FILTER('%E9'%20=%20'%E9')%20%7D")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]
    encoded = both.get("/sparql?query=ASK%20%7B%20FILTER('%C3%A9'%20=%20'%C3%A9')%20%7D")
    assert encoded.json()["boolean"] is True


@pytest.mark.parametrize(
    ("accept", "media", "true", "false"),
    [
        ("text/csv", "text/csv", "_askResult\r\ntrue\r\n", "_askResult\r\nfalse\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", "?_askResult\ntrue\n",
         "?_askResult\nfalse\n"),
    ],
)  # fmt: skip
def test_ask_in_csv_and_tsv_is_a_header_and_a_value(
    both: TestClient, accept: str, media: str, true: str, false: str
) -> None:
    for query, expected in (("ASK {}", true), ("ASK { FILTER(false) }", false)):
        response = both.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == f"{media}; charset=utf-8"
        assert response.text == expected


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
    ],
)
def test_results_carry_one_charset(both: TestClient, accept: str, content_type: str) -> None:
    response = both.get(
        "/sparql", params={"query": "SELECT (1 AS ?x) {}"}, headers={"Accept": accept}
    )
    assert response.headers["content-type"] == content_type


def test_head_answers_what_get_would_without_a_body(both: TestClient) -> None:
    params = {"query": "SELECT (1 AS ?x) {}"}
    got = both.get("/sparql", params=params, headers={"Accept": "text/csv"})
    head = both.head("/sparql", params=params, headers={"Accept": "text/csv"})
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "vary"):
        assert head.headers[name] == got.headers[name], name
    assert int(head.headers["content-length"]) == len(got.content)
    description = both.head("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200
    assert description.headers["content-type"].startswith("text/turtle")
    assert description.content == b""


def test_other_methods_are_405(both: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = both.request(method, "/sparql", params={"query": "ASK {}"})
        assert response.status_code == 405, method
        assert response.headers["allow"] == "GET, HEAD, POST"
        assert response.headers["content-type"] == "application/problem+json"


def test_load_silent_refused_by_policy_is_skipped(
    both: TestClient, secrets: dict[str, str]
) -> None:

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        source = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
        loaded = "http://example.org/silently-loaded"
        after = '<http://example.org/after> <http://example.org/p> "after load"'
        update = (
            f"LOAD SILENT <{source}> INTO GRAPH <{loaded}> ;\n"
            f"LOAD SILENT <{source}> ;\n"
            f"INSERT DATA {{ GRAPH <http://example.org/after> {{ {after} }} }}"
        )
        for role in ("curator", "admin"):  # LOAD is for admins; the source is not allowed
            response = both.post("/sparql", data={"update": update}, headers=auth(secrets[role]))
            assert response.status_code == 204, (role, response.text)
        loud = both.post(
            "/sparql", data={"update": f"LOAD <{source}>"}, headers=auth(secrets["admin"])
        )
        assert loud.status_code == 403
        assert both.post("/sparql", data={"update": update}).status_code == 401
        reader = both.post("/sparql", data={"update": update}, headers=auth(secrets["reader"]))
        assert reader.status_code == 403
        with pytest.raises(TimeoutError):
            listener.accept()
    check = both.get(
        "/sparql",
        params={"query": f"ASK {{ GRAPH <{loaded}> {{ ?s ?p ?o }} }}"},
    )
    assert check.json()["boolean"] is False
    inserted = both.get("/sparql", params={"query": 'ASK { ?s ?p "after load" }'})
    assert inserted.json()["boolean"] is True


def test_the_openapi_document_describes_sparql(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = document["paths"]["/sparql"]
    assert set(operations) == {"get", "post"}
    assert {p["name"] for p in operations["get"]["parameters"]} >= {"query", "default-graph-uri"}
    assert "application/sparql-update" in operations["post"]["requestBody"]["content"]


def test_the_description_states_the_base_iri(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    comments = [
        t.object.value
        for t in parse(response.content, RdfFormat.N_TRIPLES)
        if t.predicate == NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    ]
    assert any(f"resolve against this endpoint's URL, {ENDPOINT}" in c for c in comments)


# -- the protocol module itself (what the route reads and writes) ----------------------------


@pytest.mark.parametrize(
    ("method", "content_type", "query_string", "body", "expected"),
    [
        ("GET", "", b"query=ASK%20%7B%7D", b"", ("query", "ASK {}")),
        ("HEAD", "", b"query=ASK+%7B%7D&format=csv", b"", ("query", "ASK {}")),
        ("GET", "", b"", b"", None),
        ("GET", "", b"default-graph-uri=http%3A%2F%2Fa", b"", None),
        ("POST", "application/sparql-query; charset=utf-8", b"", b"ASK {}", ("query", "ASK {}")),
        ("POST", "application/sparql-update", b"", b"CLEAR ALL", ("update", "CLEAR ALL")),
        ("POST", FORM, b"", "update=INSERT%20DATA%20%7B%3Cx%3E%20%3Cy%3E%20'é'%7D".encode(),
         ("update", "INSERT DATA {<x> <y> 'é'}")),
    ],
)  # fmt: skip
def test_read_operation(
    method: str,
    content_type: str,
    query_string: bytes,
    body: bytes,
    expected: tuple[str, str] | None,
) -> None:
    operation = read_operation(method, content_type, query_string, body)
    assert (operation and (operation.kind, operation.text)) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"", b"plain", b"a+b", quote("SELECT * { ?s <http://a/#x> 'é=%' }").encode(), b"%41%e9%C3%A9",
        b"%", b"%4", b"%4G", b"a%", b"%%41", b"%=41", b"=%41", b"==", b"=41", b"%3D%25", b"%\n41",
        b"%0D%0A", b"a=\r\nb", b"%\r\n", b"=\n", b"\xc3\xa9%", b"%zz%41", b"%41%",
    ],
)  # fmt: skip
def test_percent_decoding_is_unquote_to_bytes(data: bytes) -> None:
    """Decoded in C when every escape is well-formed: the same bytes as Python's loop."""
    assert percent_decoded(data) == unquote_to_bytes(data.replace(b"+", b" "))


def test_replies_carry_the_media_type_of_their_results() -> None:
    """The charset is said once, by `web.semantics` (`test_results_carry_one_charset`)."""
    csv = Reply.results(Serialized(b"x\r\n1\r\n", "text/csv; charset=utf-8"))
    assert dict(csv.headers())[b"content-type"] == b"text/csv"
    json = Reply.results(Serialized(b"{}", "application/sparql-results+json"))
    assert dict(json.headers()) == {
        b"content-type": b"application/sparql-results+json",
        b"content-length": b"2",
        b"vary": b"Accept",
    }
    assert Reply(204).headers() == [(b"content-length", b"0")]
