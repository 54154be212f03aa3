"""HTTP to the letter on every route: one test per rule, each walking the routes (pages of each
kind of resource in each format, `/`, `/health`, VoID, the JSON-LD context, `/ns`, `/lookup`,
`/search`, the dumps, the named queries, the Service Description), as link checkers, harvesters
and RDF clients (curl, Jena, Comunica, pyld, `requests`) use them."""

import gzip
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, parse

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.store import LocalStore
from commonsgraph.web import create_app
from commonsgraph.web.compression import accepts_gzip
from commonsgraph.web.conditional import etag_matches
from commonsgraph.web.semantics import with_utf8

from .conftest import BASE, serving

TURTLE = {"Accept": "text/turtle"}
HTML = {"Accept": "text/html"}
IDENTITY = {"Accept-Encoding": "identity"}
ASK = "ASK { ?s ?p ?o }"
ROUTES: dict[str, tuple[str, dict[str, str]]] = {
    "place as Turtle": ("/tiers-lieu/cget-2019-1", TURTLE),
    "place as HTML": ("/tiers-lieu/cget-2019-1", HTML),
    "place as N-Quads": ("/tiers-lieu/cget-2019-1.nq", {}),
    "place as TriG": ("/tiers-lieu/cget-2019-1", {"Accept": "application/trig"}),
    "place as JSON-LD": ("/tiers-lieu/cget-2019-1.jsonld", {}),
    "place as RDF/XML": ("/tiers-lieu/cget-2019-1.rdf", {}),
    "place as N-Triples": ("/tiers-lieu/cget-2019-1.nt", {}),
    "commune": ("/commune/23096", TURTLE),
    "region": ("/region/52", HTML),
    "licence": ("/licence/MIT", TURTLE),
    "concept, paged": ("/scheme/typology/coworking?page=2", TURTLE),
    "graph": ("/graph/import/census", TURTLE),
    "ontology": ("/ns", TURTLE),
    "lookup": ("/lookup?iri=http%3A%2F%2Fspdx.org%2Flicenses%2FMIT", HTML),
    "home": ("/", HTML),
    "health": ("/health", {}),
    "VoID": ("/.well-known/void", TURTLE),
    "VoID as JSON-LD": ("/.well-known/void", {"Accept": "application/ld+json"}),
    "JSON-LD context": ("/context.jsonld", {}),
    "search": ("/search?q=coworking", HTML),
    "search as JSON": ("/search?q=coworking&format=json", {}),
    "dumps": ("/dumps", HTML),
    "dump of every graph": ("/dumps/commonsgraph.nq.gz", {}),
    "dump of a graph": ("/dumps/graph/import/census.ttl", {}),
    "named queries": ("/api/queries", {}),
    "a named query": ("/api/queries/places-by-typology", {}),
    "Service Description": ("/sparql", TURTLE),
    "query editor": ("/sparql", HTML),
    "query as CSV": (f"/sparql?query={ASK}", {"Accept": "text/csv"}),
    "query as XML": (f"/sparql?query={ASK}", {"Accept": "application/sparql-results+xml"}),
    "graph store": (f"/graph-store?graph={BASE}graph/seed", TURTLE),
}
TAGGED = ["place as Turtle", "place as HTML", "VoID", "VoID as JSON-LD", "JSON-LD context",
          "Service Description", "dump of every graph", "dump of a graph"]  # fmt: skip
"""The routes whose representations carry an ETag."""


@pytest.fixture(scope="module")
def client(imported: LocalStore) -> Iterator[TestClient]:
    with serving(imported) as client:
        yield client


def media_type(response: httpx2.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


@pytest.mark.parametrize("name", ROUTES)
def test_every_get_route_answers_head_with_its_headers_and_no_content(
    client: TestClient, name: str
) -> None:
    path, headers = ROUTES[name]
    head = client.head(path, headers=headers)  # first: before anything is cached
    get = client.get(path, headers=headers)
    assert get.status_code == 200, get.text
    assert head.status_code == get.status_code
    assert head.content == b""
    for header in ("content-type", "content-encoding", "etag", "last-modified", "vary"):
        assert head.headers.get(header) == get.headers.get(header), header
    assert head.headers.get("content-length") == get.headers.get("content-length")


@pytest.mark.parametrize("name", TAGGED)
def test_if_none_match_uses_the_weak_comparison(client: TestClient, name: str) -> None:
    path, headers = ROUTES[name]
    etag = client.get(path, headers=headers).headers["etag"]
    weak = "W/" + etag.removeprefix("W/")
    for matching in (etag, weak, f'"elsewhere", {weak}', "*"):
        for method in ("GET", "HEAD"):
            answer = client.request(method, path, headers={**headers, "If-None-Match": matching})
            assert answer.status_code == 304, (matching, method)
            if matching != "*":  # `*` names no representation: a 304 names the plain one
                assert answer.headers["etag"] == etag, (matching, method)
            assert answer.content == b""
    other = client.get(path, headers={**headers, "If-None-Match": '"elsewhere", W/"other"'})
    assert other.status_code == 200


def test_weak_comparison_reads_lists_and_ignores_weakness() -> None:
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches('"a"', 'W/"a"')
    assert etag_matches('"b" ,W/"a"', '"a"')
    assert etag_matches('"a,b", "c"', '"a,b"')  # a comma is part of an entity tag
    assert not etag_matches('"ab"', '"a"')
    assert not etag_matches(None, '"a"')
    assert not etag_matches("", '"a"')


@pytest.mark.parametrize("name", ["VoID", "JSON-LD context", "Service Description"])
def test_descriptions_are_tagged_stable_and_change_with_the_data(name: str) -> None:
    settings = Settings(data_dir=None, base_iri=BASE, tile_url="")
    store = LocalStore()  # its own: a change here leaves the imported data's caches be
    load_bundled(store, settings)
    path, headers = ROUTES[name]
    with TestClient(create_app(settings, store)) as client:
        first, second = client.get(path, headers=headers), client.get(path, headers=headers)
        assert first.content == second.content  # blank nodes keep their labels
        assert first.headers["etag"] == second.headers["etag"]
        graph = f"<{BASE}graph/test/http-rules>"
        store.update(f"INSERT DATA {{ GRAPH {graph} {{ <{BASE}x> <{BASE}y> <{BASE}z> }} }}")
        changed = client.get(path, headers={**headers, "If-None-Match": first.headers["etag"]})
    if name == "JSON-LD context":  # the context does not depend on the data
        assert changed.status_code == 304
    else:
        assert changed.status_code == 200
        assert changed.headers["etag"] != first.headers["etag"]


def test_if_modified_since_is_answered_where_last_modified_is_sent(client: TestClient) -> None:
    for name in ("place as Turtle", "dump of every graph", "dump of a graph"):
        path, headers = ROUTES[name]
        modified = client.get(path, headers=headers).headers["last-modified"]
        since = client.get(path, headers={**headers, "If-Modified-Since": modified})
        assert since.status_code == 304, name
        # If-None-Match decides when it is present (RFC 9110 §13.2.2)
        both = {**headers, "If-Modified-Since": modified, "If-None-Match": '"other"'}
        assert client.get(path, headers=both).status_code == 200, name


@pytest.mark.parametrize("name", ROUTES)
def test_text_says_charset_utf_8_exactly_once(client: TestClient, name: str) -> None:
    path, headers = ROUTES[name]
    response = client.get(path, headers=headers)
    content_type = response.headers["content-type"].lower()
    media = media_type(response)
    if media.startswith("text/") or media in (
        "application/n-quads",
        "application/n-triples",
        "application/trig",
        "application/rdf+xml",
        "application/sparql-results+xml",
    ):
        assert content_type.count("charset") == 1, content_type
        assert "charset=utf-8" in content_type
        assert response.charset_encoding == "utf-8"  # what `requests` decodes text with
    else:
        assert content_type.count("charset") <= 1, content_type


def test_charset_is_added_once_and_never_twice() -> None:
    assert with_utf8(b"text/turtle") == b"text/turtle; charset=utf-8"
    assert with_utf8(b"text/csv; charset=utf-8; charset=utf-8") == b"text/csv; charset=utf-8"
    assert with_utf8(b"text/html; charset=utf-8") == b"text/html; charset=utf-8"
    assert with_utf8(b"application/n-quads") == b"application/n-quads; charset=utf-8"
    assert with_utf8(b"application/json") == b"application/json"
    assert with_utf8(b"application/gzip") == b"application/gzip"


def raw(client: TestClient, path: str, headers: dict[str, str]) -> tuple[httpx2.Response, bytes]:
    """A response and its bytes as sent (not decoded)."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize(
    "name", ["place as Turtle", "place as HTML", "VoID", "dump of a graph", "a named query"]
)
def test_responses_are_gzipped_for_clients_that_accept_it(client: TestClient, name: str) -> None:
    path, headers = ROUTES[name]
    plain, plain_bytes = raw(client, path, {**headers, **IDENTITY})
    zipped, zipped_bytes = raw(client, path, {**headers, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped_bytes) == plain_bytes
    assert len(zipped_bytes) < len(plain_bytes)
    for response, sent in ((plain, plain_bytes), (zipped, zipped_bytes)):
        assert "accept-encoding" in response.headers["vary"].lower()
        if "content-length" in response.headers:
            assert int(response.headers["content-length"]) == len(sent)
    if "etag" in plain.headers:
        tag = zipped.headers["etag"]
        assert tag != plain.headers["etag"]
        assert tag.endswith('-gzip"')
        again = {**headers, "Accept-Encoding": "gzip", "If-None-Match": tag}
        revalidated = client.get(path, headers=again)
        assert revalidated.status_code == 304
        assert revalidated.headers["etag"] == tag
        refused = client.get(path, headers={**again, "Accept-Encoding": "gzip;q=0"})
        assert refused.status_code == 200  # the client holds a representation it refuses now


def test_small_answers_and_the_gzipped_dump_are_sent_as_they_are(client: TestClient) -> None:
    for name in ("query as CSV", "health", "dump of every graph"):
        path, headers = ROUTES[name]
        response, sent = raw(client, path, {**headers, "Accept-Encoding": "gzip"})
        assert "content-encoding" not in response.headers, name
        assert int(response.headers["content-length"]) == len(sent)


def test_accept_encoding_is_read_with_its_q_values() -> None:
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("*")
    assert accepts_gzip("br;q=1.0, gzip;q=0.5")
    assert not accepts_gzip("gzip;q=0, *")
    assert not accepts_gzip("identity")
    assert not accepts_gzip("*;q=0")


@pytest.mark.parametrize("rdf_format", [RdfFormat.N_QUADS, RdfFormat.TRIG])
def test_a_page_in_a_quad_format_holds_every_statement_in_its_default_graph(
    client: TestClient, rdf_format: RdfFormat
) -> None:
    for path in ("/tiers-lieu/cget-2019-1", "/scheme/typology/coworking"):
        turtle = client.get(path, headers=TURTLE)
        expected = {
            (t.subject, t.predicate, t.object) for t in parse(turtle.content, RdfFormat.TURTLE)
        }
        quads = list(
            parse(client.get(path, headers={"Accept": rdf_format.media_type}).content, rdf_format)
        )
        default = {
            (q.subject, q.predicate, q.object) for q in quads if q.graph_name == DefaultGraph()
        }
        assert default == expected
        assert any(q.graph_name != DefaultGraph() for q in quads)  # and where each comes from


def test_paging_links_lead_to_the_deployment_being_read(imported: LocalStore) -> None:
    assert imported.path is not None
    settings = Settings(
        data_dir=imported.path.parent,
        base_iri=BASE,
        tile_url="",
        public_url="https://mirror.example/",
    )
    hydra = "http://www.w3.org/ns/hydra/core#"
    concept = NamedNode(BASE + "scheme/typology/coworking")
    at = "https://mirror.example/scheme/typology/coworking?page="
    with TestClient(create_app(settings, imported)) as client:
        response = client.get("/scheme/typology/coworking?page=2", headers=TURTLE)
    found = {(t.subject, t.predicate, t.object) for t in parse(response.content, RdfFormat.TURTLE)}
    view = NamedNode(at + "2")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert (concept, NamedNode(hydra + "view"), view) in found
    assert (view, rdf_type, NamedNode(hydra + "PartialCollectionView")) in found
    assert (concept, rdf_type, NamedNode(hydra + "PartialCollectionView")) not in found
    assert (view, NamedNode(hydra + "first"), NamedNode(at + "1")) in found
    assert (view, NamedNode(hydra + "previous"), NamedNode(at + "1")) in found
    assert (view, NamedNode(hydra + "next"), NamedNode(at + "3")) in found
    links = [o for _, p, o in found if p.value.startswith(hydra)]
    assert all(isinstance(o, NamedNode) and o.value.startswith(at) for o in links)
