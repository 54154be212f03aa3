"""Linked-data views: dereferencing, content negotiation, caching, descriptions, pages, search,
the dataset description and the dumps, on the imported open data."""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

import httpx2
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    parse,
)

from commonsgraph.config import Settings
from commonsgraph.store import LocalStore, Term, lexical
from commonsgraph.web import create_app

from .conftest import BASE, count, serving

PLACE = "/tiers-lieu/cget-2019-1"
PLACE_IRI = NamedNode(BASE + PLACE[1:])
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
CONTAINED = NamedNode("http://schema.org/containedInPlace")


@pytest.fixture(scope="module")
def client(imported: LocalStore) -> Iterator[TestClient]:
    with serving(imported) as client:
        yield client


def triples(response: httpx2.Response, rdf_format: RdfFormat) -> set[tuple[Term, NamedNode, Term]]:
    return {(q.subject, q.predicate, q.object) for q in parse(response.content, rdf_format)}


class Asking(TypedDict, total=False):
    """How a representation is asked for: its path, its headers, its query parameters."""

    path: str
    headers: dict[str, str]
    params: dict[str, str]


def test_a_census_place_in_turtle_has_its_label_coordinates_and_commune(client: TestClient) -> None:
    response = client.get(PLACE, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    found = triples(response, RdfFormat.TURTLE)
    assert (PLACE_IRI, RDFS_LABEL, Literal("ADE Coworking")) in found
    assert any(s == PLACE_IRI and p == NamedNode(WGS + "lat") for s, p, _ in found)
    communes = [o for s, p, o in found if s == PLACE_IRI and p == CONTAINED]
    assert communes == [NamedNode(BASE + "commune/44109")]
    assert (communes[0], RDFS_LABEL, Literal("Nantes")) in found  # labels of what it links to
    address = NamedNode(PLACE_IRI.value + "#address")
    assert any(s == address for s, _, _ in found)  # its parts


def test_json_ld_with_the_published_context_holds_the_same_triples_as_turtle(
    client: TestClient,
) -> None:
    turtle = triples(client.get(PLACE, headers={"Accept": "text/turtle"}), RdfFormat.TURTLE)
    document = client.get(PLACE, headers={"Accept": "application/ld+json"})
    assert document.headers["content-type"].startswith("application/ld+json")
    body = document.json()
    assert body["@context"] == "http://127.0.0.1:8000/context.jsonld"  # the default public URL
    context = client.get("/context.jsonld").json()
    body["@context"] = context["@context"]
    expanded = {
        (q.subject, q.predicate, q.object)
        for q in parse(json.dumps(body).encode(), RdfFormat.JSON_LD)
    }
    assert expanded == turtle


@pytest.mark.parametrize(
    ("how", "rdf_format"),
    [
        ({"headers": {"Accept": "application/n-triples"}}, RdfFormat.N_TRIPLES),
        ({"headers": {"Accept": "application/rdf+xml"}}, RdfFormat.RDF_XML),
        ({"headers": {"Accept": "application/trig"}}, RdfFormat.TRIG),
        ({"headers": {"Accept": "application/n-quads"}}, RdfFormat.N_QUADS),
        ({"path": PLACE + ".ttl"}, RdfFormat.TURTLE),
        ({"path": PLACE + ".nt"}, RdfFormat.N_TRIPLES),
        ({"path": PLACE + ".rdf"}, RdfFormat.RDF_XML),
        ({"path": PLACE + ".trig"}, RdfFormat.TRIG),
        ({"params": {"format": "nt"}}, RdfFormat.N_TRIPLES),
        ({"params": {"format": "turtle"}}, RdfFormat.TURTLE),
    ],
)
def test_every_representation_parses_to_the_same_statements(
    client: TestClient, how: Asking, rdf_format: RdfFormat
) -> None:
    reference = triples(client.get(PLACE, headers={"Accept": "text/turtle"}), RdfFormat.TURTLE)
    response = client.get(
        how.get("path", PLACE), headers=how.get("headers", {}), params=how.get("params", {})
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(rdf_format.media_type)
    assert triples(response, rdf_format) == reference


def test_quad_formats_say_which_graph_each_statement_comes_from(client: TestClient) -> None:
    quads = list(parse(client.get(PLACE + ".nq").content, RdfFormat.N_QUADS))
    census = NamedNode(BASE + "graph/import/census")
    assert Quad(PLACE_IRI, RDFS_LABEL, Literal("ADE Coworking"), census) in quads
    prov = "http://www.w3.org/ns/prov#"
    assert Quad(PLACE_IRI, NamedNode(prov + "wasDerivedFrom"), census, DefaultGraph()) in quads
    assert any(
        q.subject == census and q.predicate == NamedNode(prov + "generatedAtTime") for q in quads
    )


def test_headers_vary_and_link_to_every_representation(client: TestClient) -> None:
    response = client.get(PLACE, headers={"Accept": "text/html"})
    assert "Accept" in response.headers["vary"]
    links = response.headers["link"]
    for media in (
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    ):
        assert f'type="{media}"' in links
    assert f'<{PLACE}.ttl>; rel="alternate"' in links
    assert "max-age" in response.headers["cache-control"]


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    assert client.get(PLACE, headers={"Accept": "image/png"}).status_code == 406


def test_unknown_resources_are_404_as_a_page_or_a_problem(client: TestClient) -> None:
    page = client.get("/tiers-lieu/does-not-exist", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    problem = client.get("/tiers-lieu/does-not-exist", headers={"Accept": "application/json"})
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert client.get("/nothing-here/at-all").status_code == 404


def test_conditional_requests_and_a_change_to_the_resource(
    client: TestClient, imported: LocalStore
) -> None:
    first = client.get(PLACE, headers={"Accept": "text/turtle"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert (
        client.get(PLACE, headers={"Accept": "text/turtle", "If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get(
            PLACE, headers={"Accept": "text/turtle", "If-Modified-Since": modified}
        ).status_code
        == 304
    )
    graph = f"<{BASE}graph/test/etag>"
    imported.update(
        f'INSERT DATA {{ GRAPH {graph} {{ <{PLACE_IRI.value}> <http://www.w3.org/2000/01/rdf-schema#comment> "changed" }} }}'
    )
    try:
        changed = client.get(PLACE, headers={"Accept": "text/turtle", "If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        assert b"changed" in changed.content
    finally:
        imported.update(f"DROP GRAPH {graph}")


def test_incoming_links_are_paginated_in_html_and_in_rdf(client: TestClient) -> None:
    concept = "/scheme/typology/coworking"
    first = client.get(concept, headers={"Accept": "text/turtle"})
    hydra = "http://www.w3.org/ns/hydra/core#"
    found = triples(first, RdfFormat.TURTLE)
    # the view is the page, read where this deployment is (not at the canonical base)
    read_at = Settings(base_iri=BASE).public_base + concept[1:]
    view = NamedNode(read_at + "?page=1")
    assert (NamedNode(BASE + concept[1:]), NamedNode(hydra + "view"), view) in found
    assert (view, RDF_TYPE, NamedNode(hydra + "PartialCollectionView")) in found
    assert (
        NamedNode(BASE + concept[1:]),
        RDF_TYPE,
        NamedNode(hydra + "PartialCollectionView"),
    ) not in found
    assert (view, NamedNode(hydra + "next"), NamedNode(read_at + "?page=2")) in found
    assert not read_at.startswith(BASE)
    incoming = {
        s
        for s, p, o in found
        if o == NamedNode(BASE + concept[1:])
        and p == NamedNode("https://w3id.org/commonsgraph/ns#typology")
    }
    assert len(incoming) == 50
    second = client.get(concept, params={"page": 2}, headers={"Accept": "text/turtle"})
    second_found = triples(second, RdfFormat.TURTLE)
    assert any(p == NamedNode(hydra + "previous") for _, p, _ in second_found)
    assert not incoming & {s for s, _, o in second_found if o == NamedNode(BASE + concept[1:])}
    page = client.get(concept, params={"page": 2}, headers={"Accept": "text/html"})
    assert 'rel="next"' in page.text
    assert 'rel="prev"' in page.text


def test_external_iris_are_described_under_lookup(client: TestClient) -> None:
    response = client.get(
        "/lookup", params={"iri": "http://spdx.org/licenses/MIT"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200
    assert (
        NamedNode(BASE + "licence/MIT"),
        NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
        NamedNode("http://spdx.org/licenses/MIT"),
    ) in triples(response, RdfFormat.TURTLE)
    assert (
        client.get(
            "/lookup",
            params={"iri": "http://example.org/nothing"},
            headers={"Accept": "text/turtle"},
        ).status_code
        == 404
    )


def test_named_graphs_dereference_with_their_provenance(client: TestClient) -> None:
    response = client.get("/graph/import/census", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    found = triples(response, RdfFormat.TURTLE)
    assert any(p == NamedNode("http://www.w3.org/ns/prov#generatedAtTime") for _, p, _ in found)


def test_ontology_terms_and_concepts_dereference(client: TestClient) -> None:
    ontology = client.get("/ns", headers={"Accept": "text/turtle"})
    assert ontology.status_code == 200
    term = client.get(
        "/lookup",
        params={"iri": "https://w3id.org/commonsgraph/ns#TiersLieu"},
        headers={"Accept": "text/html"},
    )
    assert term.status_code == 200
    assert "schema" in term.text or "Place" in term.text
    concept = client.get(
        "/scheme/typology/fablab", headers={"Accept": "text/html", "Accept-Language": "fr"}
    )
    assert "fablab" in concept.text.lower()


def test_a_place_page_shows_name_map_commune_and_region(client: TestClient) -> None:
    page = client.get(PLACE, headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert page.status_code == 200
    assert page.headers["content-language"] == "fr"
    html = page.text
    assert "<h1>ADE Coworking</h1>" in html
    assert 'id="map"' in html
    assert "leaflet.js" in html
    features = html.split('id="map-features">', 1)[1].split("</script>", 1)[0]
    assert json.loads(features)[0]["geometry"]["coordinates"] == pytest.approx(
        [-1.505602, 47.245935]
    )
    assert ">Nantes</a>" in html
    assert "Pays de la Loire" in html
    assert "<main" in html
    assert 'lang="fr"' in html


def test_pages_speak_french_and_english(client: TestClient) -> None:
    english = client.get(
        "/scheme/typology/fablab",
        headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"},
    )
    assert 'lang="en"' in english.text
    assert "Properties" in english.text
    forced = client.get(
        "/scheme/typology/fablab",
        params={"lang": "fr"},
        headers={"Accept": "text/html", "Accept-Language": "en"},
    )
    assert "Propriétés" in forced.text


def test_a_licence_page_has_badges_and_its_commons(client: TestClient) -> None:
    page = client.get(
        "/licence/CC-BY-SA-4.0", params={"lang": "en"}, headers={"Accept": "text/html"}
    )
    assert "badges-permits" in page.text
    assert "badges-requires" in page.text
    assert "share alike" in page.text.lower()
    apache = client.get(
        "/licence/Apache-2.0", params={"lang": "en"}, headers={"Accept": "text/html"}
    )
    assert "SemApps" in apache.text  # a commons of the seed under Apache-2.0


def test_a_region_page_lists_its_places_on_a_map(client: TestClient, imported: LocalStore) -> None:
    page = client.get("/region/52", headers={"Accept": "text/html"})
    expected = count(
        imported,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cg:TiersLieu ; schema:containedInPlace+ <https://w3id.org/commonsgraph/region/52> }",
    )
    features = json.loads(page.text.split('id="map-features">', 1)[1].split("</script>", 1)[0])
    assert expected >= 60
    assert len(features) == expected


def test_home_page_counts_and_entry_points(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    for link in ('href="/sparql"', 'href="/docs"', 'href="/dumps"', 'href="/.well-known/void"'):
        assert link in page.text
    assert "Tiers-lieux per region" in page.text
    assert "Île-de-France" in page.text
    assert "coworking" in page.text.lower()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("GUERET", "Guéret"),
        ("ecologie", "écologie"),
        ("ade cowork", "ADE Coworking"),
        ("Licence Ouverte", "Licence Ouverte"),
    ],
)
def test_search_ignores_accents_and_case(client: TestClient, query: str, expected: str) -> None:
    client.cookies.clear()  # the language an earlier page chose: French here, by default
    hits = client.get("/search", params={"q": query, "format": "json"}).json()["hits"]
    assert any(expected.lower() in hit["label"].lower() for hit in hits), hits[:5]
    page = client.get("/search", params={"q": query}, headers={"Accept": "text/html"})
    assert expected in page.text or expected.lower() in page.text.lower()


def test_void_statistics_match_sparql(client: TestClient, imported: LocalStore) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    found = triples(response, RdfFormat.N_TRIPLES)
    void = "http://rdfs.org/ns/void#"
    dataset = NamedNode(BASE + "dataset")

    def value(predicate: str) -> int:
        return int(
            lexical(
                next(o for s, p, o in found if s == dataset and p == NamedNode(void + predicate))
            )
        )

    assert value("triples") == count(imported, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert value("distinctSubjects") == count(
        imported, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
    )
    assert value("classes") == count(
        imported, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"
    )
    partitions = [
        o for s, p, o in found if s == dataset and p == NamedNode(void + "classPartition")
    ]
    entities = {}
    for partition in partitions:
        cls = next(o for s, p, o in found if s == partition and p == NamedNode(void + "class"))
        entities[cls] = int(
            lexical(
                next(o for s, p, o in found if s == partition and p == NamedNode(void + "entities"))
            )
        )
    assert entities[NamedNode("https://w3id.org/commonsgraph/ns#TiersLieu")] == count(
        imported, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a cg:TiersLieu }"
    )
    assert (
        dataset,
        NamedNode(void + "sparqlEndpoint"),
        NamedNode("http://127.0.0.1:8000/sparql"),
    ) in found
    assert any(p == NamedNode(void + "dataDump") for _, p, _ in found)


def test_the_dump_reloads_into_an_empty_store_with_exactly_the_public_statements(
    client: TestClient, imported: LocalStore
) -> None:
    response = client.get("/dumps/commonsgraph.nq.gz")
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert (
        client.get("/dumps/commonsgraph.nq.gz", headers={"If-None-Match": etag}).status_code == 304
    )
    fresh = Store()
    fresh.load(gzip.decompress(response.content), RdfFormat.N_QUADS)
    assert len(fresh) == imported.triple_count()
    original = Dataset(  # the public graphs; the default graph is their merge, not dumped
        q
        for q in imported._store.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, DefaultGraph)
    )
    reloaded = Dataset(fresh.quads_for_pattern(None, None, None, None))
    for dataset in (original, reloaded):  # blank nodes get new names in a new store
        dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    assert set(reloaded) == set(original)
    turtle = client.get("/dumps/graph/seed.ttl")
    assert turtle.status_code == 200
    assert len(list(parse(turtle.content, RdfFormat.TURTLE))) == imported.triple_count(
        NamedNode(BASE + "graph/seed")
    )


def test_another_canonical_base_maps_request_paths(tmp_path: Path) -> None:
    from commonsgraph.bundled import load_bundled

    settings = Settings(data_dir=None, base_iri="https://data.example.org/", tile_url="")
    store = LocalStore()
    load_bundled(store, settings)
    with TestClient(create_app(settings, store)) as client:
        response = client.get("/tiers-lieu/la-myne", headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        assert (
            NamedNode("https://data.example.org/tiers-lieu/la-myne"),
            RDFS_LABEL,
            Literal("La MYNE"),
        ) in triples(response, RdfFormat.TURTLE)
    store.close()


def test_cached_representations_keep_cors_and_negotiation(client: TestClient) -> None:
    for _ in range(2):  # the second answer comes from the cache of representations
        turtle = client.get(
            PLACE, headers={"Accept": "text/turtle", "Origin": "https://partner.example"}
        )
        assert turtle.headers["access-control-allow-origin"] == "*"
        assert turtle.headers["content-type"].startswith("text/turtle")
        html = client.get(PLACE, headers={"Accept": "text/html", "Accept-Language": "en"})
        assert html.headers["content-language"] == "en"
    french = client.get(PLACE, params={"lang": "fr"}, headers={"Accept": "text/html"})
    assert french.headers["content-language"] == "fr"
    assert client.head(PLACE, headers={"Accept": "text/turtle"}).content == b""


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/licence/MIT.jsonld", "*/*"), ("/commune/75056", "application/ld+json")],
)
def test_a_forged_host_does_not_poison_the_cached_representations(
    imported: LocalStore, path: str, accept: str
) -> None:
    """Cache poisoning: one request naming another host, then everyone's plain requests."""
    with serving(imported) as client:
        forged = client.get(path, headers={"Host": "evil.example", "Accept": accept})
        assert forged.status_code == 200
        assert forged.json()["@context"] == "http://127.0.0.1:8000/context.jsonld"
        for _ in range(2):  # rendered now, then from the cache
            plain = client.get(path, headers={"Accept": accept})
            assert plain.json()["@context"] == "http://127.0.0.1:8000/context.jsonld"
            assert "evil.example" not in plain.text


def test_every_absolute_url_comes_from_the_configured_public_url(imported: LocalStore) -> None:
    assert imported.path is not None
    settings = Settings(
        data_dir=imported.path.parent,
        base_iri=BASE,
        tile_url="",
        public_url="https://graph.example.org/",
    )
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    with TestClient(create_app(settings, imported), raise_server_exceptions=False) as client:
        document = client.get("/licence/MIT", headers={**forged, "Accept": "application/ld+json"})
        assert document.json()["@context"] == "https://graph.example.org/context.jsonld"
        void = client.get("/.well-known/void", headers={**forged, "Accept": "text/turtle"})
        endpoint = NamedNode("https://graph.example.org/sparql")
        assert any(o == endpoint for _, _, o in triples(void, RdfFormat.TURTLE))
        description = client.get("/sparql", headers={**forged, "Accept": "text/turtle"})
        assert any(s == endpoint for s, _, _ in triples(description, RdfFormat.TURTLE))
        catalogue = client.get("/api/queries", headers=forged).json()
        assert all(q["url"].startswith("https://graph.example.org/api/queries/") for q in catalogue)
        editor = client.get("/sparql", headers={**forged, "Accept": "text/html"})
        assert '"endpoint": "https://graph.example.org/sparql"' in editor.text
        for response in (document, void, description, editor):
            assert "evil.example" not in response.text
