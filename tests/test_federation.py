"""Querying across endpoints: SERVICE to allow-listed partners through the bounded gateway, the
federated named query, and partners that misbehave during a SERVICE call."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse

from commonsgraph.bundled import load_bundled
from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.federation import Gateway
from commonsgraph.sparqlcheck import check
from commonsgraph.store import LocalStore, lexical
from commonsgraph.vocab import PREFIXES
from commonsgraph.web import create_app

from .conftest import BASE
from .partners import Partner, Route, feed_server
from .servers import oxigraph_server

PAIR = """@prefix pair: <http://virtual-assembly.org/ontologies/pair#> .
<https://reseau-x.example/places/la-ruche> a pair:PhysicalPlace ;
    pair:label "La Ruche" ; pair:latitude "46.17" ; pair:longitude "1.87" ;
    pair:hasPostalAddress <https://reseau-x.example/addresses/la-ruche> .
<https://reseau-x.example/addresses/la-ruche> a pair:PostalAddress ;
    pair:addressZipCode "23000" ; pair:addressLocality "Guéret" .
<https://reseau-x.example/orgs/ruche> a pair:Organization ; pair:label "Association La Ruche" ;
    pair:hasLocation <https://reseau-x.example/places/la-ruche> .
"""
SELECT_RESULTS = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}
).encode()


@pytest.fixture(scope="module")
def partner_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SemApps-style partner: `oxigraph serve` with PAIR data; its query endpoint."""
    with oxigraph_server(tmp_path_factory.mktemp("partner")) as url:
        response = httpx.post(
            f"{url}/store?default",
            content=PAIR.encode(),
            headers={"Content-Type": "text/turtle"},
            timeout=120,
        )
        assert response.is_success, response.text
        yield f"{url}/query"


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStore, Settings]]:
    """An on-disk store with the project's graphs: queries run in the pool of workers."""
    data = tmp_path_factory.mktemp("federation")
    settings = Settings(data_dir=data, base_iri=BASE, tile_url="", query_timeout=20)
    store = LocalStore(data / "store", query_workers=2)
    load_bundled(store, settings)
    yield store, settings
    store.close()


@pytest.fixture
def partner() -> Iterator[Partner]:
    with feed_server() as server:
        yield server


def client(disk: tuple[LocalStore, Settings], **changes: Any) -> TestClient:
    """A client of the service over `disk`; `changes` are `Settings` fields, checked there."""
    store, settings = disk
    app = create_app(replace(settings, **changes), store)
    return TestClient(app, raise_server_exceptions=False)


def test_the_federated_named_query_combines_our_places_with_a_partners(
    disk: tuple[LocalStore, Settings], partner_endpoint: str
) -> None:
    with client(disk, service_allowlist=(partner_endpoint,)) as http:
        response = http.get(
            "/api/queries/partner-places", params={"endpoint": partner_endpoint, "format": "json"}
        )
        assert response.status_code == 200, response.text
        rows = response.json()["results"]["bindings"]
    combined = {(r["place"]["value"], r["partnerName"]["value"], r["match"]["value"]) for r in rows}
    assert (BASE + "tiers-lieu/la-quincaillerie-gueret", "La Ruche", "same-postcode") in combined
    [row] = [r for r in rows if r["partnerName"]["value"] == "La Ruche"]
    assert row["organisationName"]["value"] == "Association La Ruche"  # the partner's data
    assert row["commune"]["value"]  # and ours


def test_the_command_line_runs_the_federated_query_through_its_own_gateway(
    disk: tuple[LocalStore, Settings], partner_endpoint: str, tmp_path: Path
) -> None:
    runner = CliRunner(env={"COMMONSGRAPH_SERVICE_ALLOWLIST": partner_endpoint})
    data = ["--data-dir", str(tmp_path / "var"), "--base-iri", BASE]
    args = ["queries", "run", "partner-places", "--endpoint", partner_endpoint, "--format", "csv"]
    result = runner.invoke(main, [*data, *args])
    assert result.exit_code == 0, result.output
    assert "La Ruche" in result.output
    assert "la-quincaillerie-gueret" in result.output
    refused = CliRunner().invoke(main, [*data, *args])
    assert refused.exit_code == 2
    assert "allow-list" in refused.output


@pytest.mark.parametrize(
    ("route", "fragment"),
    [
        (Route(status=500, body=b"oops"), "answered HTTP 500"),
        (Route(body=b"<html>maintenance</html>", content_type="text/html"), "not SPARQL results"),
        (Route(body=SELECT_RESULTS * 400, content_type="application/sparql-results+json"), "more than"),
        (Route(body=SELECT_RESULTS, content_type="application/sparql-results+json", hang=30), "did not answer within"),
    ],
)  # fmt: skip
def test_a_misbehaving_partner_fails_the_call_with_a_clear_error(
    disk: tuple[LocalStore, Settings], partner: Partner, route: Route, fragment: str
) -> None:
    endpoint = f"{partner.url}/sparql"
    partner.routes["/sparql"] = route
    query = f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"
    limits = {"service_allowlist": (endpoint,), "service_timeout": 1.0, "max_service_bytes": 5000}
    with client(disk, **limits) as http:
        started = time.monotonic()
        response = http.get("/sparql", params={"query": query})
        assert time.monotonic() - started < 20  # the partner would hang for 30 s
        assert response.status_code == 502, response.text
        problem = response.json()
        assert problem["type"].endswith("partner-endpoint-failed")
        assert problem["endpoint"] == endpoint
        assert fragment in problem["detail"]
        assert "Traceback" not in response.text
        silent = http.get("/sparql", params={"query": query.replace("SERVICE", "SERVICE SILENT")})
        assert silent.status_code == 200, silent.text
        # and the service still answers
        assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_a_well_behaved_partner_answers_through_the_gateway(
    disk: tuple[LocalStore, Settings], partner: Partner
) -> None:
    endpoint = f"{partner.url}/sparql"
    partner.routes["/sparql"] = Route(
        body=SELECT_RESULTS, content_type="application/sparql-results+json"
    )
    with client(disk, service_allowlist=(endpoint,)) as http:
        response = http.get(
            "/sparql",
            params={"query": f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"},
            headers={"Accept": "text/csv"},
        )
    assert response.status_code == 200, response.text
    assert response.text.splitlines() == ["x", "1"]
    [(path, headers)] = partner.requests
    assert path == "/sparql"
    assert "sparql-results" in {k.lower(): v for k, v in headers.items()}["accept"]


def test_the_gateway_is_no_open_proxy(partner: Partner) -> None:
    endpoint = f"{partner.url}/sparql"
    partner.routes["/sparql"] = Route(
        body=SELECT_RESULTS, content_type="application/sparql-results+json"
    )
    text = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"
    with Gateway((endpoint,)) as gateway:
        with gateway.route(text, check(text, PREFIXES).services) as routed:
            base = routed.split("<", 1)[1].split("/call/", 1)[0]
            assert endpoint not in routed
            unknown = httpx.post(f"{base}/call/guessed", content=b"SELECT * {}", timeout=120)
            assert unknown.status_code == 404
            token = routed.split("/call/", 1)[1].split(">", 1)[0]
            forwarded = httpx.post(
                f"{base}/call/{token}",
                content=b"SELECT * {}",
                headers={"Accept": "application/sparql-results+json"},
                timeout=120,
            )
            assert forwarded.status_code == 200
        after = httpx.post(f"{base}/call/{token}", content=b"SELECT * {}", timeout=120)
        assert after.status_code == 404  # the query ended: its call is gone
    assert len(partner.requests) == 1


def test_the_service_description_says_when_federated_queries_are_possible(
    disk: tuple[LocalStore, Settings],
) -> None:
    feature = "http://www.w3.org/ns/sparql-service-description#BasicFederatedQuery"
    for allowlist, expected in (((), False), (("https://partner.example/sparql",), True)):
        with client(disk, service_allowlist=allowlist) as http:
            body = http.get("/sparql", headers={"Accept": "text/turtle"}).content
        features = {lexical(q.object) for q in parse(body, format=RdfFormat.TURTLE)}
        assert (feature in features) is expected
