"""The pages as a reader meets them: the language kept from page to page, numbers and dates
written as that language writes them, labels rather than IRIs, the editor and the downloads
readable in a browser (issue 18)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.store import LocalStore, lexical

from .conftest import BASE, serving
from .test_contributions import make_site, place


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    path = tmp_path_factory.mktemp("pages") / "store"
    store = LocalStore(path)
    load_bundled(store, Settings(data_dir=path.parent, base_iri=BASE))
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store: LocalStore) -> Iterator[TestClient]:
    with serving(store) as client:
        yield client


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="(\w+)"', page)
    assert found is not None
    return found.group(1)


def test_the_chosen_language_is_kept_on_the_next_page(client: TestClient) -> None:
    client.cookies.clear()
    french_browser = {"Accept-Language": "fr-FR,fr;q=0.9"}
    chosen = client.get("/?lang=en", headers=french_browser)
    assert html_lang(chosen.text) == "en"
    assert "lang=en" in chosen.headers["set-cookie"]
    assert "SameSite=Lax" in chosen.headers["set-cookie"]
    for path in ("/tiers-lieu/la-myne", "/licence/MIT", "/dumps", "/search?q=myne", "/sparql"):
        page = client.get(path, headers={**french_browser, "Accept": "text/html"})
        assert page.status_code == 200, path
        assert html_lang(page.text) == "en", path
        assert "set-cookie" not in page.headers, path  # said once, not at every page
    back = client.get("/tiers-lieu/la-myne?lang=fr", headers=french_browser)
    assert html_lang(back.text) == "fr"
    assert html_lang(client.get("/", headers=french_browser).text) == "fr"
    client.cookies.clear()


def test_pages_that_vary_with_the_language_vary_with_its_cookie(client: TestClient) -> None:
    for path in ("/", "/tiers-lieu/la-myne", "/feed.atom"):
        vary = client.get(path, headers={"Accept": "text/html"}).headers["vary"]
        assert "Accept-Language" in vary, path
        assert "Cookie" in vary, path


@pytest.mark.parametrize("cookie", ["lang=de", "lang=<script>", 'lang="en', "lang", ";;=;"])
def test_an_odd_language_cookie_is_ignored(client: TestClient, cookie: str) -> None:
    page = client.get("/", headers={"Cookie": cookie, "Accept-Language": "en"})
    assert page.status_code == 200
    assert html_lang(page.text) == "en"


def test_a_language_that_is_not_ours_sets_no_cookie(client: TestClient) -> None:
    page = client.get("/?lang=de", headers={"Accept-Language": "en"})
    assert "set-cookie" not in page.headers
    assert html_lang(page.text) == "en"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", ["Éditeur SPARQL", "Accueil", "Description du service"]),
     ("en", ["SPARQL editor", "Home", "Service description"])],
)  # fmt: skip
def test_the_query_editor_speaks_the_readers_language(
    client: TestClient, lang: str, words: list[str]
) -> None:
    by_parameter = client.get(f"/sparql?lang={lang}", headers={"Accept": "text/html"})
    by_header = client.get("/sparql", headers={"Accept": "text/html", "Accept-Language": lang})
    client.cookies.clear()
    for page in (by_parameter, by_header):
        assert html_lang(page.text) == lang
        for word in words:
            assert word in page.text


def test_the_editors_service_description_link_gives_the_description(client: TestClient) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    link = re.search(r'href="(/sparql\?format=ttl)"[^>]*download', page)
    assert link is not None
    described = client.get(link.group(1), headers={"Accept": "text/html"})  # as a browser asks
    assert described.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in described.text


def test_parts_show_by_their_label_not_their_iri(client: TestClient) -> None:
    page = client.get("/tiers-lieu/la-myne?lang=en").text
    assert "1 rue du Luizet, 69100 Villeurbanne" in page  # the address part, by its full address
    assert "#address<" not in page
    assert "#role-1<" not in page
    assert ">La MYNE (association) (operator)<" in page  # a role: who, and as what
    assert ">Métropole de Lyon (landlord)<" in page


def test_a_page_from_one_source_names_it_once(client: TestClient) -> None:
    page = client.get("/licence/MIT?lang=en").text
    assert page.count('class="source"') == 0  # rows do not repeat it…
    assert 'aria-labelledby="sources"' in page  # …the sources section says it


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "Données d'amorçage"), ("en", "Seed data")]
)  # fmt: skip
def test_source_names_are_in_the_readers_language(
    client: TestClient, lang: str, title: str
) -> None:
    page = client.get(f"/tiers-lieu/la-myne?lang={lang}").text
    client.cookies.clear()
    assert title.replace("'", "&#39;") in page
    other = "Seed data" if lang == "fr" else "Données d&#39;amorçage"
    assert other not in page


@pytest.mark.parametrize(("lang", "group"), [("fr", "\u202f"), ("en", ",")])
def test_numbers_are_written_as_the_readers_language_writes_them(
    client: TestClient, lang: str, group: str
) -> None:
    page = client.get(f"/?lang={lang}").text
    client.cookies.clear()
    numbers = re.findall(r'<td class="number">([^<]*)</td>', page)
    lead = re.search(r'<p class="lead">.*\(([^)]*) ', page)
    assert lead is not None
    assert group in lead.group(1)  # the total, in thousands
    for number in numbers:
        assert re.fullmatch(r"\d{1,3}(" + re.escape(group) + r"\d{3})*", number), number


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_dumps_page_says_size_date_licence_and_that_every_graph_is_public(
    client: TestClient, lang: str
) -> None:
    assert client.get("/dumps/graph/seed.ttl").status_code == 200  # now written
    page = client.get(f"/dumps?lang={lang}").text
    client.cookies.clear()
    row = re.search(r"<tr>(?:(?!</tr>).)*seed\.ttl(?:(?!</tr>).)*</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert re.search(r"\d", cells[2])  # statements
    assert re.search(r"\d.*(ko|kB|Mo|MB|octets|bytes)", cells[3]), cells[3]  # size
    assert re.search(r"20\d\d", cells[4])  # date
    assert "CC-BY-4.0" in cells[5]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_graph_written_by_sparql_update_is_listed_as_public(
    client: TestClient, store: LocalStore, lang: str
) -> None:
    store.update(
        f"INSERT DATA {{ GRAPH <{BASE}graph/scratch> {{ <{BASE}x> <{BASE}p> <{BASE}y> }} }}"
    )
    try:
        page = client.get(f"/dumps?lang={lang}").text
        row = re.search(r"<tr>(?:(?!</tr>).)*scratch\.ttl(?:(?!</tr>).)*</tr>", page, re.S)
        assert row is not None
        assert "SPARQL" in row.group(0)
        assert "public" in row.group(0)
        assert "seed.ttl" in page
        seed = re.search(r"<tr>(?:(?!</tr>).)*seed\.ttl(?:(?!</tr>).)*</tr>", page, re.S)
        assert seed is not None
        assert "SPARQL" not in seed.group(0)  # a graph with its provenance needs no word
    finally:
        store.update(f"DROP GRAPH <{BASE}graph/scratch>")
        client.cookies.clear()


@pytest.mark.parametrize(
    ("lang", "typology", "commune", "located"),
    [("en", "fab lab", "Guéret", "located in"), ("fr", "fablab", "Guéret", "situé dans")],
)  # fmt: skip
def test_the_review_page_shows_labels_not_iris(
    tmp_path: Path, lang: str, typology: str, commune: str, located: str
) -> None:
    for site in make_site(tmp_path):
        added = site.upload(place())
        page = site.client.get(
            f"/contributions/{added['id']}?lang={lang}",
            headers={**site.curator, "Accept": "text/html"},
        ).text
        diff = page[page.index('id="changes"') :]
        assert f">{typology}<" in diff
        assert f">{commune}<" in diff
        assert located in diff
        assert "scheme/typology" not in re.sub(r'title="[^"]*"', "", diff)  # only in titles
        assert 'href="/tiers-lieu/la-fabrique-a-projets"' in diff  # this site's page


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_void_in_a_browser_is_a_page_of_labelled_counts(client: TestClient, lang: str) -> None:
    page = client.get(f"/.well-known/void?lang={lang}", headers={"Accept": BROWSER})
    client.cookies.clear()
    assert page.headers["content-type"].startswith("text/html")
    assert html_lang(page.text) == lang
    classes = page.text[page.text.index('id="void-classes"') :]
    assert re.search(r'<a href="/ns#TiersLieu">[^<]+</a></td><td class="number">\d', classes)
    assert ">cg:TiersLieu<" not in classes
    assert 'href="/.well-known/void?format=ttl"' in page.text
    assert "Accept" in page.headers["vary"]
    for accept in (None, "*/*", "text/turtle"):  # harvesters get what they always got
        headers = {} if accept is None else {"Accept": accept}
        rdf = client.get("/.well-known/void", headers=headers)
        assert rdf.headers["content-type"].startswith("text/turtle"), accept
    assert (
        client.get("/.well-known/void?format=ttl", headers={"Accept": BROWSER})
        .headers["content-type"]
        .startswith("text/turtle")
    )


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "Documentation de l&#39;API"), ("en", "API documentation")]
)
def test_the_api_documentation_is_titled_in_the_readers_language(
    client: TestClient, lang: str, title: str
) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(f"{path}?lang={lang}").text
        assert f"<title>{title} (" in page, path
    client.cookies.clear()


@pytest.mark.parametrize(("lang", "group"), [("fr", "\u202f"), ("en", ",")])
def test_integers_in_a_description_are_written_as_numbers(
    client: TestClient, store: LocalStore, lang: str, group: str
) -> None:
    rows = store.select(
        "SELECT ?g ?n WHERE { GRAPH ?g { ?g void:triples ?n } } ORDER BY DESC(?n) LIMIT 1"
    )
    count, graph = int(lexical(rows[0]["n"])), lexical(rows[0]["g"])
    assert count >= 1000  # the largest graph of the bundled data
    page = client.get(f"/{graph.removeprefix(BASE)}?lang={lang}").text
    client.cookies.clear()
    written = f"{count:,}".replace(",", group)
    assert f"<span>{written}</span>" in page
    assert f"<span>{count}</span>" not in page


@pytest.mark.parametrize(("lang", "title"), [("fr", "Données d&#39;amorçage"), ("en", "Seed data")])
def test_a_graph_page_is_titled_in_the_readers_language(
    client: TestClient, store: LocalStore, lang: str, title: str
) -> None:
    page = client.get(f"/graph/seed?lang={lang}").text
    client.cookies.clear()
    assert f"<h1>{title}</h1>" in page
    labels = store.select(
        f"SELECT ?l WHERE {{ GRAPH <{BASE}graph/seed> {{ <{BASE}graph/seed#activity> rdfs:label ?l }} }}"
    )
    assert {r["l"].language for r in labels if isinstance(r["l"], Literal)} == {"fr", "en"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_login_page_shows_no_markdown(client: TestClient, lang: str) -> None:
    page = client.get(f"/contributions/login?lang={lang}").text
    client.cookies.clear()
    assert "`" not in page
    assert "commonsgraph token create" in page


@pytest.mark.parametrize(
    ("lang", "path", "focus"), [("fr", "libellé", "Sans nom"), ("en", "label", "Sans nom")]
)
def test_the_review_pages_findings_name_their_property_by_label(
    tmp_path: Path, lang: str, path: str, focus: str
) -> None:
    nameless = place().decode().replace('rdfs:label "La Fabrique à projets" ;', "")
    for site in make_site(tmp_path):
        added = site.upload(nameless.encode())
        assert added["conforms"] is False
        page = site.client.get(
            f"/contributions/{added['id']}?lang={lang}",
            headers={**site.curator, "Accept": "text/html"},
        ).text
        report = page[page.index('id="report"') : page.index('id="changes"')]
        assert f">{path}</span></li>" in report
        assert "<code>rdfs:label</code>" not in report
        assert "<code>" not in report.split("<li")[0]  # the focus node is named, not coded


def test_the_language_links_keep_the_rest_of_the_query(client: TestClient) -> None:
    page = client.get("/search?q=la+myne&lang=fr").text
    client.cookies.clear()
    assert 'href="?q=la+myne&amp;lang=en" hreflang="en"' in page
    odd = client.get('/search?q="><script>&lang=fr').text
    client.cookies.clear()
    assert 'href="?q=%22%3E%3Cscript%3E&amp;lang=en"' in odd
