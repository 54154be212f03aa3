"""The service on each engine, as a user tries it: the embedded store, `oxigraph serve` and
Virtuoso (real servers on loopback): pages, search, a named query, a contribution accepted
then reverted, a SPARQL update then a fresh page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.store import Store
from commonsgraph.web import create_app

from .conftest import BASE, empty_store
from .test_contributions import PLACE, place


@pytest.fixture(params=["local", "remote", "virtuoso"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each engine: embedded, `oxigraph serve`, Virtuoso."""
    store = empty_store(request.param, request, tmp_path)
    yield store
    store.close()


def test_the_service_works_on_each_engine(engine: Store, tmp_path: Path) -> None:
    # a generous deadline: the machine running the suite may be busy
    settings = Settings(data_dir=tmp_path / "var", base_iri=BASE, tile_url="", query_timeout=300)
    load_bundled(engine, settings)
    app = create_app(settings, engine)
    tokens = app.state.tokens
    contributor, curator, admin = (
        {"Authorization": f"Bearer {tokens.create(role, role)[1]}"}
        for role in ("contributor", "curator", "admin")
    )
    page = PLACE.removeprefix(BASE)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 200
        assert client.get("/health").json()["statements"] > 1000
        licences = client.get(
            "/api/queries/licences-by-terms",
            params={"requires": "cc:ShareAlike"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert licences.status_code == 200, licences.text
        assert "CC-BY-SA-4.0" in licences.text

        uploaded = client.post(
            "/contributions",
            content=place("La Fabrique des moteurs"),
            headers={**contributor, "Content-Type": "text/turtle"},
        )
        assert uploaded.status_code == 201, uploaded.text
        key = uploaded.json()["id"]
        accepted = client.post(f"/contributions/{key}/accept", headers=curator)
        assert accepted.status_code == 200, accepted.text
        assert "La Fabrique des moteurs" in client.get(f"/{page}").text
        # a remote store cannot say what a write changed: its index is rebuilt aside, the
        # previous one answering meanwhile (the embedded store's is brought up to date here)
        app.state.search.refresh()  # waits for a rebuild under way
        found = client.get("/search", params={"q": "moteurs", "format": "json"})
        assert found.status_code == 200, found.text
        assert PLACE in found.text

        updated = client.post(
            "/sparql",
            data={
                "update": f'INSERT DATA {{ GRAPH <{BASE}graph/x> {{ <{PLACE}> rdfs:comment "Mis à jour" }} }}'
            },
            headers=admin,
        )
        assert updated.status_code in (200, 204), updated.text
        assert "Mis à jour" in client.get(f"/{page}").text  # not a page cached before

        reverted = client.post(f"/contributions/{key}/revert", headers=curator)
        assert reverted.status_code == 200, reverted.text
        gone = client.get(
            "/sparql", params={"query": f'ASK {{ <{PLACE}> ?p "La Fabrique des moteurs" }}'}
        )
        assert gone.json()["boolean"] is False
        # the update given as text cannot say what it changed: the index is rebuilt aside, the
        # previous one answering meanwhile; a search shows the revert once the rebuild is done
        app.state.search.refresh()  # waits for the rebuild under way
        assert client.get("/search", params={"q": "moteurs", "format": "json"}).json()["hits"] == []
