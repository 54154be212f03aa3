"""The first HTTP surface: /health and GET /sparql, errors as RFC 9457 problems."""

import json

import pytest
from fastapi.testclient import TestClient

from commonsgraph.config import Settings
from commonsgraph.store import LocalStore
from commonsgraph.web import create_app


@pytest.fixture
def client(seeded: LocalStore, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, seeded), raise_server_exceptions=False)


def test_health(client: TestClient, seeded: LocalStore) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "statements": seeded.triple_count(),
        "graphs": len(seeded.graphs()),
        "queries": {"running": 0, "waiting": 0},  # while queries run: test_fairness
    }


def test_select_answers_sparql_json_over_the_public_graphs(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={
            "query": "SELECT ?name WHERE { ?p a cg:TiersLieu ; rdfs:label ?name } ORDER BY ?name"
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    names = [b["name"]["value"] for b in response.json()["results"]["bindings"]]
    assert "La MYNE" in names
    assert len(names) >= 5


def test_ask_answers_a_boolean(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?x a cg:Network }"})
    assert response.json()["boolean"] is True


def test_construct_answers_rdf(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?n a cg:Network } WHERE { ?n a cg:Network }"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.headers["content-type"].startswith("application/n-triples")
    assert b"france-tiers-lieux" in response.content


def test_a_syntax_error_is_a_problem_with_line_and_column(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["line"] == 2
    assert isinstance(body["column"], int)
    assert "Traceback" not in response.text
    assert "/src/" not in response.text


def test_a_post_without_an_operation_is_a_problem(client: TestClient) -> None:
    response = client.post("/sparql", data={"default-graph-uri": "http://example.org/g"})
    assert response.status_code == 400
    assert "no query and no update" in response.json()["detail"]


def test_unknown_routes_are_problems(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert json.loads(response.text)["type"].endswith("not-found")


def test_home_page_links_to_the_entry_points(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/sparql' in response.text
    assert 'href="/docs"' in response.text
