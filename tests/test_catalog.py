"""The DCAT-AP catalogue over HTTP: its addresses and formats, GET and HEAD, paging, profiles,
the dumps it points to (sizes and checksums), and a new graph catalogued without code."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.store import LocalStore
from commonsgraph.vocab import DCAT, DCT, IGEO, LOCN, RDF, RDFS, SCHEMA, SKOS, Minter, Namespace
from commonsgraph.web import create_app

from .conftest import BASE

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CATALOG = NamedNode(BASE + "catalog")
FORMATS = {
    "ttl": RdfFormat.TURTLE,
    "rdf": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "nt": RdfFormat.N_TRIPLES,
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """The project's own graphs, and one graph whose title is markup."""
    path = tmp_path_factory.mktemp("catalog") / "store"
    store = LocalStore(path)
    load_bundled(store, Settings(data_dir=path.parent, base_iri=BASE))
    minter = Minter(BASE)
    origin = GraphSource(
        "harvest/odd",
        "<script>alert(1)</script> & co",
        "<b>odd</b>",
        licence=minter.licence("ODbL-1.0"),
    )
    publish(store, minter, origin, [Triple(minter.iri("x"), RDFS.label, Literal("x"))])
    for name, statements in places(minter).items():
        publish(store, minter, GraphSource(name, name, name), statements)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store: LocalStore) -> Iterator[TestClient]:
    assert store.path is not None
    settings = Settings(data_dir=store.path.parent, base_iri=BASE, tile_url="")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield client


REGION = NamedNode(BASE + "region/84")
FRANCE = NamedNode("http://publications.europa.eu/resource/authority/country/FRA")
BELGIUM = NamedNode("http://publications.europa.eu/resource/authority/country/BEL")


def places(minter: Minter) -> dict[str, list[Triple]]:
    """A région with a département and a commune, and a harvest with a place in that commune,
    a place in Belgium and one in a country the catalogue does not list."""
    region, departement = minter.division("region", "84"), minter.division("departement", "69")
    commune = minter.commune("69123")
    harvest = []
    for key, country in (("lyon", "FR"), ("liege", "BE"), ("nowhere", "ZZ")):
        place, address = minter.iri(f"tiers-lieu/{key}"), minter.iri(f"tiers-lieu/{key}#address")
        harvest += [
            Triple(place, LOCN.address, address),
            Triple(address, LOCN.adminUnitL1, Literal(country)),
        ]
    harvest.append(Triple(minter.iri("tiers-lieu/lyon"), SCHEMA.containedInPlace, commune))
    return {
        "import/geo": [
            Triple(region, RDF.type, IGEO.Region),
            Triple(region, RDFS.label, Literal("Auvergne-Rhône-Alpes")),
            Triple(departement, SCHEMA.containedInPlace, region),
            Triple(commune, SCHEMA.containedInPlace, departement),
        ],
        "harvest/places": harvest,
    }


def triples(body: bytes, form: RdfFormat) -> list[Triple]:
    return [quad.triple for quad in parse(body, format=form, base_iri=BASE)]


def objects(
    found: list[Triple], subject: object, predicate: NamedNode
) -> list[NamedNode | BlankNode | Literal]:
    return [
        t.object
        for t in found
        if t.subject == subject and t.predicate == predicate and not isinstance(t.object, Triple)
    ]


def walk(client: TestClient, url: str) -> list[list[Triple]]:
    """Every page of the catalogue from `url`, following hydra:next as udata does."""
    pages = []
    seen = set()
    next_url: str | None = url
    while next_url is not None:
        assert next_url not in seen, "hydra:next loops"
        seen.add(next_url)
        parts = urlsplit(next_url)
        response = client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200, response.text
        found = triples(response.content, RdfFormat.TURTLE)
        pages.append(found)
        views = [t.subject for t in found if t.object == HYDRA.PartialCollectionView]
        assert len(views) == 1
        following = objects(found, views[0], HYDRA.next)
        next_url = following[0].value if following else None
    return pages


@pytest.mark.parametrize("extension", [*FORMATS])
def test_each_extension_gives_its_format(client: TestClient, extension: str) -> None:
    response = client.get(f"/catalog.{extension}")
    assert response.status_code == 200, response.text
    form = FORMATS[extension]
    assert response.headers["content-type"].split(";")[0] == form.media_type
    found = triples(response.content, form)
    assert Triple(CATALOG, RDF.type, DCAT.Catalog) in found
    assert objects(found, CATALOG, DCAT.dataset)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
    ],
)
def test_catalog_is_negotiated(client: TestClient, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/catalog", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in [v.strip() for v in response.headers["vary"].lower().split(",")]
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    "path", ["/catalog", "/catalog.ttl", "/catalog.jsonld", "/.well-known/void"]
)
def test_head_answers_as_get(client: TestClient, path: str) -> None:
    """udata's harvester sends HEAD when the URL has no extension it knows."""
    got = client.get(path, headers={"Accept-Encoding": "identity"})
    head = client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_void_links_to_the_catalogue(client: TestClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    found = triples(response.content, RdfFormat.TURTLE)
    dataset = NamedNode(BASE + "dataset")
    assert [urlsplit(o.value).path for o in objects(found, dataset, RDFS.seeAlso)] == ["/catalog"]
    assert objects(found, dataset, DCT.publisher) == [
        NamedNode(BASE + "agent/commonsgraph-project")
    ]
    assert not [t for t in found if t.object == DCAT.Catalog]  # the catalogue is at /catalog


def test_pages_hold_every_dataset_once(client: TestClient, store: LocalStore) -> None:
    pages = walk(client, "/catalog.ttl?page_size=4")
    datasets = [d for page in pages for d in objects(page, CATALOG, DCAT.dataset)]
    assert len(datasets) == len(set(datasets)) == 1 + len(store.graphs())
    assert len(pages) == -(-len(datasets) // 4)
    total = objects(pages[-1], CATALOG, HYDRA.totalItems)
    assert total == [
        Literal(str(len(datasets)), datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    ]
    for page in pages:  # each page stands alone: every dataset it lists is described in it
        for dataset in objects(page, CATALOG, DCAT.dataset):
            assert objects(page, dataset, DCT.identifier) == [Literal(dataset.value)]
            assert objects(page, dataset, DCT.title)
    services = [s for page in pages for s in objects(page, CATALOG, DCAT.service)]
    assert sorted(s.value for s in services) == [
        BASE + "service/linked-data",
        BASE + "service/sparql",
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 400),
        ("page=999", 400),
        ("page=-1", 400),
        ("page=1e3", 400),
        ("page_size=0", 400),
        ("page_size=1001", 400),
        ("page_size=" + "9" * 5000, 400),
        ("profile=dcat-ap-9", 400),
        ("profile=%00", 400),
    ],
)
def test_bad_parameters_are_problems(client: TestClient, query: str, status: int) -> None:
    response = client.get(f"/catalog.ttl?{query}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in response.text


def test_unknown_extension_is_not_found(client: TestClient) -> None:
    assert client.get("/catalog.exe").status_code == 404


@pytest.mark.parametrize(("profile", "digest"), [("dcat-ap-3", "sha256"), ("dcat-ap-2", "sha1")])
def test_distributions_say_the_size_and_checksum_of_what_they_serve(
    client: TestClient, profile: str, digest: str
) -> None:
    found = triples(
        client.get(f"/catalog.ttl?profile={profile}&page_size=1000").content, RdfFormat.TURTLE
    )
    distributions = [t.object for t in found if t.predicate == DCAT.distribution]
    checked = 0
    for distribution in distributions:
        urls = objects(found, distribution, DCAT.downloadURL)
        url = urlsplit(urls[0].value).path
        body = client.get(url, headers={"Accept-Encoding": "identity"}).content
        assert objects(found, distribution, DCAT.byteSize)[0].value == str(len(body))
        checksum = objects(found, distribution, SPDX.checksum)[0]
        value = objects(found, checksum, SPDX.checksumValue)[0]
        assert value.value == hashlib.new(digest, body).hexdigest()
        media = objects(found, distribution, DCAT.mediaType)[0]
        assert media.value.startswith("https://www.iana.org/assignments/media-types/")
        checked += 1
    assert checked >= 20


def test_a_new_graph_is_catalogued_without_code(client: TestClient) -> None:
    """A kind of graph no template names (projects, funding…) gets the default one."""
    found = triples(client.get("/catalog.ttl?page_size=1000").content, RdfFormat.TURTLE)
    odd = NamedNode(BASE + "graph/harvest/odd")
    assert odd in objects(found, CATALOG, DCAT.dataset)
    descriptions = {
        d.language: d.value for d in objects(found, odd, DCT.description) if isinstance(d, Literal)
    }
    assert "<script>alert(1)</script> & co" in descriptions["fr"]
    assert objects(found, odd, DCAT.theme)
    assert objects(found, odd, DCAT.keyword)
    assert objects(found, odd, DCAT.contactPoint)
    licence = NamedNode(BASE + "licence/ODbL-1.0")
    assert Triple(licence, RDF.type, DCT.LicenseDocument) in found
    assert objects(found, licence, RDFS.label) == [
        Literal("Open Data Commons Open Database License (ODbL)")
    ]


def test_the_page_escapes_what_it_shows(client: TestClient) -> None:
    page = client.get("/catalog.html?lang=fr&page_size=1000")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page.text
    assert "/dumps/graph/harvest/odd.ttl" in page.text  # its download


def test_catalogue_data_table_is_read_once_per_app(tmp_path: Path) -> None:
    """The table is the project's file: a service without the bundled graphs still answers."""
    store = LocalStore(tmp_path / "store")
    settings = Settings(data_dir=tmp_path, base_iri=BASE, tile_url="")
    with TestClient(create_app(settings, store)) as client:
        found = triples(client.get("/catalog.ttl").content, RdfFormat.TURTLE)
    store.close()
    assert objects(found, CATALOG, DCAT.dataset) == [NamedNode(BASE + "dataset")]


def test_a_graph_with_places_has_their_extent(client: TestClient) -> None:
    found = triples(client.get("/catalog.ttl?page_size=1000").content, RdfFormat.TURTLE)
    seed = NamedNode(BASE + "graph/seed")
    extent = NamedNode(BASE + "graph/seed#extent")
    assert extent in objects(found, seed, DCT.spatial)
    [box] = objects(found, extent, DCAT.bbox)
    [centre] = objects(found, extent, DCAT.centroid)
    assert box.value.startswith("POLYGON((")
    assert centre.value.startswith("POINT(")
    west, south = (float(v) for v in box.value.removeprefix("POLYGON((").split(",")[0].split())
    longitude, latitude = (float(v) for v in centre.value.removeprefix("POINT(")[:-1].split())
    assert west <= longitude
    assert south <= latitude
    assert NamedNode(BASE + "graph/ontology#extent") not in {t.subject for t in found}


def test_datasets_cover_the_regions_and_countries_of_their_places(client: TestClient) -> None:
    """The région of a place's commune (through the geography), its country by its address;
    a country the table does not list is left out, not guessed."""
    found = triples(client.get("/catalog.ttl?page_size=1000").content, RdfFormat.TURTLE)
    harvest = NamedNode(BASE + "graph/harvest/places")
    spatial = set(objects(found, harvest, DCT.spatial))
    assert {REGION, FRANCE, BELGIUM} <= spatial
    assert all("ZZ" not in s.value for s in spatial if isinstance(s, NamedNode))
    assert Triple(REGION, RDF.type, DCT.Location) in found
    assert objects(found, REGION, SKOS.prefLabel) == [
        Literal("Auvergne-Rhône-Alpes", language="fr")
    ]
    assert Triple(BELGIUM, RDF.type, DCT.Location) in found  # with its EU scheme, from the table
    assert {REGION, BELGIUM} <= set(objects(found, NamedNode(BASE + "dataset"), DCT.spatial))
    assert REGION in objects(found, NamedNode(BASE + "graph/import/geo"), DCT.spatial)
    assert REGION not in objects(found, NamedNode(BASE + "graph/ontology"), DCT.spatial)


def test_datasets_say_when_they_were_first_issued(client: TestClient, store: LocalStore) -> None:
    found = triples(client.get("/catalog.ttl?page_size=1000").content, RdfFormat.TURTLE)
    for graph in store.graphs():
        [issued] = objects(found, graph, DCT.issued)
        [modified] = objects(found, graph, DCT.modified)
        assert isinstance(issued, Literal)
        assert isinstance(modified, Literal)
        assert issued.value <= modified.value
    [first] = objects(found, CATALOG, DCT.issued)
    assert first == min((o for g in store.graphs() for o in objects(found, g, DCT.issued)), key=str)


def test_the_page_links_its_neighbours(client: TestClient) -> None:
    first = client.get("/catalog.html?lang=en&page_size=2")
    assert first.status_code == 200
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = client.get("/catalog.html?lang=en&page_size=2&page=2")
    assert 'rel="prev"' in second.text
    assert "page=3" in second.text
    assert "lang=en" in second.text
    whole = client.get("/catalog.html?lang=en&page_size=1000")
    assert 'rel="next"' not in whole.text
    assert 'rel="prev"' not in whole.text


def test_the_contact_point_gives_the_configured_address(tmp_path: Path) -> None:
    """Characters an address may hold but an IRI may not are percent-encoded in its mailto:."""
    store = LocalStore(tmp_path / "store")
    email = "o'brien+{cg}%x@example.org"
    settings = Settings(data_dir=tmp_path, base_iri=BASE, tile_url="", contact_email=email)
    with TestClient(create_app(settings, store)) as client:
        found = triples(client.get("/catalog.rdf").content, RdfFormat.RDF_XML)
    store.close()
    contact = NamedNode(BASE + "catalog#contact")
    [dataset] = objects(found, CATALOG, DCAT.dataset)
    assert objects(found, dataset, DCAT.contactPoint) == [contact]
    assert objects(found, contact, VCARD.hasEmail) == [
        NamedNode("mailto:o'brien+%7Bcg%7D%25x@example.org")
    ]
