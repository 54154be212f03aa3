"""Pages show data, never run it: links from data only for http, https and mailto; map data as
JSON that cannot end its block; a Content-Security-Policy without inline script and the other
security headers on every page (in Chromium: test_browser.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app
from commonsgraph.web.headers import tile_source
from commonsgraph.web.templating import followable, link

from .conftest import BASE

PLACE = NamedNode(BASE + "tiers-lieu/piege")
SCHEMA = "http://schema.org/"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DECIMAL = NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
LABEL = "</script><script>window.__pwned=1</script><img src=x onerror=alert(1)>"
TRAPS = {  # property -> an IRI that must not become a link
    SCHEMA + "url": "javascript:alert(1)",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
    "http://xmlns.com/foaf/0.1/page": "JavaScript:alert(2)",
    SCHEMA + "sameAs": "vbscript:msgbox(1)",
    SCHEMA + "subjectOf": "file:///etc/passwd",
}
LINKS = {  # property -> an IRI that stays a link
    "http://xmlns.com/foaf/0.1/homepage": "https://lamyne.example/",
    SCHEMA + "email": "mailto:contact@lamyne.example",
}
DISGUISED = BASE + "/evil.example/login"
"""Under our base, but its path starts with a slash: as a path of this site, `//evil.example/…`
is another host's."""


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x00javascript:alert(1)", False),
        ("javascript\x7f:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("file:///etc/passwd", False),
        ("urn:isbn:0451450523", False),
        ("", False),
        ("http://example.org/", True),
        ("HTTPS://example.org/", True),
        ("mailto:contact@example.org", True),
        ("/tiers-lieu/la-myne", True),
        ("/lookup?iri=javascript%3Aalert(1)", True),
        ("?page=2", True),
    ],
)
def test_only_http_https_mailto_and_this_site_are_followable(href: str, expected: bool) -> None:
    assert followable(href) is expected


def test_a_link_that_cannot_be_followed_is_escaped_text() -> None:
    assert str(link("javascript:alert(1)", "<b>x</b>")) == (
        '<span class="unlinked" title="javascript:alert(1)">&lt;b&gt;x&lt;/b&gt;</span>'
    )
    assert str(link('https://a.example/?q="', "<b>", "badge")) == (
        '<a class="badge" href="https://a.example/?q=&#34;">&lt;b&gt;</a>'
    )


@pytest.mark.parametrize(
    ("tile_url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:9999/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:9999"),
        ("https://tiles-{s}.example.org/{z}/{x}/{y}.png", "https:"),
        ("", None),
    ],
)
def test_the_tile_server_is_allowed_as_an_image_source(tile_url: str, source: str | None) -> None:
    assert tile_source(tile_url) == source


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The bundled graph, and a place in Villeurbanne whose label and links come from an
    attacker (as a harvest would bring them)."""
    data = tmp_path_factory.mktemp("pages")
    settings = Settings(data_dir=data, base_iri=BASE)
    store = LocalStore()
    load_bundled(store, settings)
    graph = NamedNode(BASE + "graph/harvest/attacker")
    store.replace_graph(
        graph,
        [
            Triple(PLACE, RDF_TYPE, NamedNode("https://w3id.org/commonsgraph/ns#TiersLieu")),
            Triple(PLACE, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal(LABEL)),
            Triple(
                PLACE, NamedNode(SCHEMA + "containedInPlace"), NamedNode(BASE + "commune/69266")
            ),
            Triple(PLACE, NamedNode(WGS + "lat"), Literal("45.77", datatype=DECIMAL)),
            Triple(PLACE, NamedNode(WGS + "long"), Literal("4.88", datatype=DECIMAL)),
        ]
        + [Triple(PLACE, NamedNode(p), NamedNode(o)) for p, o in {**TRAPS, **LINKS}.items()]
        + [Triple(PLACE, NamedNode(SCHEMA + "mainEntityOfPage"), NamedNode(DISGUISED))],
    )
    tokens = TokenStore(Database.open(Settings(data_dir=data)))
    curator = {"Authorization": f"Bearer {tokens.create('curator', 'Camille')[1]}"}
    with TestClient(create_app(settings, store, tokens), raise_server_exceptions=False) as client:
        yield client, curator
    store.close()


def test_links_from_data_are_links_only_for_http_https_and_mailto(
    site: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = site
    page = client.get("/tiers-lieu/piege", params={"lang": "en"}).text
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert [
        h for h in hrefs if not h.startswith(("/", "?", "#", "http:", "https:", "mailto:"))
    ] == []
    for iri in TRAPS.values():
        assert f'title="{iri}">{iri}</span>' in page  # shown, as text
    for iri in LINKS.values():
        assert f'href="{iri}"' in page


def test_an_iri_of_ours_never_links_to_another_host(
    site: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = site
    page = client.get("/tiers-lieu/piege", params={"lang": "en"}).text
    assert DISGUISED in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert [h for h in hrefs if h.startswith(("//", "/\\"))] == []
    assert f'href="{DISGUISED}"' in page  # not described here: the IRI itself


def test_a_label_cannot_end_the_map_data_block(site: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = site
    for path in ("/tiers-lieu/piege", "/commune/69266"):
        page = client.get(path, params={"lang": "fr"}).text
        assert "<script>window" not in page
        assert "<img src=x" not in page
        block = re.search(r'<script type="application/json" id="map-features">(.*?)</script>', page)
        assert block is not None
        titles = [f["properties"]["title"] for f in json.loads(block.group(1))]
        assert LABEL in titles


PAGES = [
    ("/", {}),
    ("/tiers-lieu/la-myne", {}),  # a place
    ("/commune/69266", {}),  # a territory
    ("/licence/MIT", {}),
    ("/scheme/typology/coworking", {}),
    ("/ns", {}),
    ("/search?q=myne", {}),
    ("/dumps", {}),
    ("/.well-known/void", {}),  # its page for browsers
    ("/sources", {}),
    ("/sparql", {}),  # the query editor
    ("/contributions/login", {}),
    ("/contributions?status=pending", {"curator": True}),
    ("/reconciliation", {"curator": True}),
    ("/tiers-lieu/nowhere", {"status": 404}),  # the error page
    ("/docs", {"docs": True}),
    ("/redoc", {"docs": True}),
]


@pytest.mark.parametrize(("path", "kind"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_carries_a_strict_policy_and_the_security_headers(
    site: tuple[TestClient, dict[str, str]], path: str, kind: dict[str, object]
) -> None:
    client, curator = site
    headers = {"Accept": "text/html", **(curator if kind.get("curator") else {})}
    response = client.get(path, headers=headers)
    assert response.status_code == kind.get("status", 200), response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in response.headers["content-security-policy"].split("; ")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert "<script>" not in response.text.replace('<script type="application/json"', "")
    assert policy["script-src"] == "'self'"
    if kind.get("docs"):  # Swagger UI and Redoc, from this site; they write inline styles
        assert "http" not in response.text
        assert policy["style-src"] == "'self' 'unsafe-inline'"
        return
    assert policy["img-src"] == ("'self' data:" if path == "/sparql" else "'self'")  # no tiles
    assert "style" not in response.text.replace("stylesheet", "")  # no inline style either


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/tiers-lieu/la-myne.ttl", {}),
        ("/tiers-lieu/la-myne", {"Accept": "application/ld+json"}),
        ("/context.jsonld", {}),
        ("/sparql?query=ASK%7B%7D", {}),  # answered before routing
        ("/nowhere", {}),  # a problem
        ("/static/map.js", {}),
        ("/health", {}),
    ],
)
def test_every_response_forbids_sniffing(
    site: tuple[TestClient, dict[str, str]], path: str, headers: dict[str, str]
) -> None:
    client, _ = site
    response = client.get(path, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" not in response.headers
