"""The kinds table (`kinds`) drives minting, pages, contributions, search and the home page;
the pages of projects, funding offers, grants, articles and dossiers; lists by kind of commons,
stage, programme and country; the Atom feed of the newest articles.

The data is `tests/fixtures/kinds/programme.ttl`, written for these tests (fictional)."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Triple, parse

from commonsgraph import kinds
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.importers.abroad import import_abroad
from commonsgraph.stats import home_counts
from commonsgraph.store import LocalStore
from commonsgraph.textindex import SearchIndex
from commonsgraph.views import PageBuilder
from commonsgraph.vocab import Minter

from .conftest import BASE, FIXTURES, serving
from .test_contributions import make_site

FIXTURE = FIXTURES / "kinds" / "programme.ttl"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    path = tmp_path_factory.mktemp("kinds") / "store"
    store = LocalStore(path)
    load_bundled(store, Settings(data_dir=path.parent, base_iri=BASE))
    import_abroad(store, Minter(BASE))
    triples = [Triple(q.subject, q.predicate, q.object) for q in parse(path=FIXTURE, base_iri=BASE)]
    store.replace_graph(Minter(BASE).graph("test/programme"), triples)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store: LocalStore) -> Iterator[TestClient]:
    with serving(store) as client:
        yield client


def page(client: TestClient, path: str, lang: str = "fr") -> str:
    response = client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


# -- the table ------------------------------------------------------------------------------


def test_every_segment_the_minter_mints_is_a_kind() -> None:
    minter = Minter(BASE)
    minted = [
        minter.tiers_lieu("x"), minter.organisation("x"), minter.commons("x"),
        minter.licence("x"), minter.programme("x"), minter.commune("x"), minter.country("x"),
        minter.unit("x"), minter.scheme("x"), minter.source("x"), minter.graph("x"),
        minter.mint("project", "x"), minter.mint("offer", "x"), minter.mint("grant", "x"),
        minter.mint("article", "x"), minter.mint("dossier", "x"),
    ]  # fmt: skip
    for iri in minted:
        assert kinds.minted(iri.value[len(BASE) :].split("/", 1)[0]), iri


def test_every_builder_and_template_the_table_names_exists() -> None:
    templates = Path(kinds.__file__).parent / "web" / "templates"
    paths = [k.path for k in kinds.KINDS if k.path is not None]
    classes = [k.cls for k in kinds.KINDS if k.cls is not None]
    assert len(paths) == len(set(paths))
    assert len(classes) == len(set(classes))
    for kind in kinds.KINDS:
        assert kind.builder is None or kind.builder in PageBuilder.BUILDERS, kind
        assert (templates / kind.template).is_file(), kind
        assert set(kind.label) == set(kind.plural) == {"fr", "en"}, kind


TEST_KIND = kinds.Kind(
    "test-gadget",
    "https://w3id.org/commonsgraph/ns#TestGadget",
    {"fr": "gadget d'essai", "en": "test gadget"},
    {"fr": "gadgets d'essai", "en": "test gadgets"},
    icon="✦",
    priority=0,
    home=True,
    contributors=(kinds.CONTRIBUTOR,),
    facts=(kinds.Shown("holders", "cg:holder"),),
)


def test_a_new_entry_is_minted_shown_searched_counted_and_contributable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One entry in the table, and every surface knows the kind: its pages are served, its
    facts shown, search ranks it as the entry says, the home page counts it, contributions may
    describe it."""
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, TEST_KIND))
    store = LocalStore(tmp_path / "store")
    gadget = Minter(BASE).mint("test-gadget", "one")
    store.update(
        f"""PREFIX cg: <https://w3id.org/commonsgraph/ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT DATA {{ GRAPH <{BASE}graph/test> {{
          <{gadget.value}> a cg:TestGadget ; rdfs:label "Commune gadget" ;
              cg:holder <{BASE}organisation/x> .
          <{BASE}organisation/x> rdfs:label "Its holder" .
          <{BASE}commune/x> a <http://rdf.insee.fr/def/geo#Commune> ;
              rdfs:label "Commune gadget" . }} }}"""
    )
    assert "test-gadget" in kinds.contributable()
    index = SearchIndex(store, None)
    hits = index.search("commune gadget").hits
    index.close()
    assert next(hit.iri for hit in hits) == gadget.value  # priority 0 before a commune's 5
    counted = {iri: n for iri, _, n in home_counts(store, "en").classes}
    assert counted[str(TEST_KIND.cls)] == 1
    with serving(store) as client:
        html = page(client, "/test-gadget/one", "en")
        assert "test gadget" in html
        assert "Its holder" in html
        home = page(client, "/", "en")
        assert "✦ test gadgets" in home
        found = client.get("/search", params={"q": "gadget", "lang": "en"}).text
        assert "✦ test gadget" in found
    store.close()


def test_a_kind_no_entry_names_is_not_served_nor_contributable(client: TestClient) -> None:
    assert client.get("/test-gadget/one").status_code == 404
    assert "test-gadget" not in kinds.contributable()
    assert "project" in kinds.contributable()
    assert "licence" not in kinds.contributable()


def test_contributions_describe_only_the_kinds_the_table_opens_to_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload about a test gadget is refused while no entry lets contributors describe
    gadgets, and checked like any other once one does."""
    gadget = f"""<{BASE}test-gadget/two> <http://www.w3.org/2000/01/rdf-schema#label> "Two" ."""
    for entries, refused in ((kinds.KINDS, True), ((*kinds.KINDS, TEST_KIND), False)):
        monkeypatch.setattr(kinds, "KINDS", entries)
        for site in make_site(tmp_path / str(refused)):
            response = site.client.post(
                "/contributions/validate",
                content=gadget.encode(),
                headers={**site.contributor, "Content-Type": "application/n-triples"},
            )
            said = "is not a resource contributions may describe" in response.text
            assert said == refused, response.text


# -- pages ----------------------------------------------------------------------------------


def test_a_project_page_shows_its_stage_timeline_holders_territory_programme_place_grants(
    client: TestClient,
) -> None:
    html = page(client, "/project/test-friche")
    assert "Test friche du moulin" in html
    assert "projet" in html
    timeline = html[html.index('id="section-timeline"') :]
    timeline = timeline[: timeline.index("</section>")]
    dates = ["2019", "2021-03-01", "2022-09"]
    assert [timeline.index(d) for d in dates] == sorted(timeline.index(d) for d in dates)
    for stage in ("idée", "préfiguration", "chantier"):
        assert stage in timeline
    assert 'href="https://example.org/test/prefiguration"' in timeline
    for fact in (
        "Test association de la friche",  # holder
        'href="/commune/23096"',  # territory
        'href="/programme/fabriques-de-territoire"',
        'href="/tiers-lieu/la-myne"',  # the place it became
        'href="/grant/test-friche-2021"',
        'href="/article/test-entretien"',  # content about it
    ):
        assert fact in html, fact
    english = page(client, "/project/test-friche", "en")
    assert "Test mill wasteland" in english
    assert "building site" in english
    assert "The project&#39;s stages" in english


def test_an_offer_page_shows_funder_eligibility_amounts_period_link_and_grants(
    client: TestClient,
) -> None:
    html = page(client, "/offer/test-ami", "en")
    assert "funding offer" in html
    assert "75,000 – 150,000 €" in html  # as English writes numbers
    assert "75\u202f000 – 150\u202f000 €" in page(client, "/offer/test-ami", "fr")
    assert "2021-01-01 – 2021-03-31" in html
    assert 'href="/organisation/test-funder"' in html
    assert 'href="/scheme/stage/prefiguration"' in html
    assert 'href="https://example.org/test/ami"' in html  # its link, followed as it is
    assert 'href="/grant/test-friche-2021"' in html  # grants made under it


def test_a_grant_page_shows_funder_item_beneficiary_amount_year_offer(client: TestClient) -> None:
    html = page(client, "/grant/test-friche-2021")
    assert "120\u202f000 €" in html
    for target in (
        "/organisation/test-funder",
        "/project/test-friche",
        "/organisation/test-association-friche",
        "/offer/test-ami",
        "/programme/fabriques-de-territoire",
    ):
        assert f'href="{target}"' in html, target
    assert ">2021<" in html or "2021</dd>" in html


def test_an_article_page_shows_authors_date_language_licence_and_subjects_escaped(
    client: TestClient,
) -> None:
    html = page(client, "/article/test-entretien")
    for fact in ("Test Autrice", "Test association de la friche", "2024-05-02", "CC-BY-SA-4.0"):
        assert fact in html, fact
    assert 'href="https://example.org/test/entretien"' in html
    assert 'href="/scheme/theme/digital-inclusion"' in html
    assert 'href="/dossier/test-friches"' in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_a_dossier_page_lists_its_articles_in_their_order(client: TestClient) -> None:
    html = page(client, "/dossier/test-friches")
    items = html[html.index('id="section-dossier_items"') :]
    assert items.index("Test étude de lieu") < items.index("Test entretien avec une friche")
    assert "Un dossier fictif." in html


def test_markup_in_a_label_is_text_on_every_page(client: TestClient) -> None:
    html = page(client, "/project/test-idee")
    assert "<b>idée</b>" not in html
    assert "&lt;b&gt;idée&lt;/b&gt; &amp; co" in html
    programme = page(client, "/programme/petites-villes-de-demain")
    assert "&lt;b&gt;idée&lt;/b&gt;" in programme
    assert "<b>idée</b>" not in programme


# -- lists ----------------------------------------------------------------------------------


def listed_part(html: str, name: str) -> str:
    """The browsable list `name` of a page (its section)."""
    return html[html.index(f'id="list-{name}"') :].split("</section>")[0]


def test_lists_by_kind_of_commons_stage_programme_and_country(client: TestClient) -> None:
    kit = page(client, "/scheme/commons-kind/prefiguration-kit")
    assert 'href="/commons/test-kit"' in listed_part(kit, "commons")
    stage = page(client, "/scheme/stage/idea")
    projects = listed_part(stage, "projects")
    assert 'href="/project/test-idee"' in projects
    assert 'href="/project/test-friche"' not in projects  # now further
    programme = page(client, "/programme/fabriques-de-territoire")
    for name, target in (
        ("projects", "/project/test-friche"),
        ("offers", "/offer/test-ami"),
        ("grants", "/grant/test-friche-2021"),
    ):
        assert f'href="{target}"' in listed_part(programme, name), name
    offer = page(client, "/offer/test-ami")
    assert 'href="/grant/test-friche-2021"' in listed_part(offer, "grants")
    belgium = page(client, "/country/BE")
    places = listed_part(belgium, "places")
    assert 'href="/tiers-lieu/test-lieu-belge"' in places
    assert 'href="/tiers-lieu/la-myne"' not in places  # in France
    assert belgium.count('href="/tiers-lieu/test-lieu-belge"') == 1  # in the list only
    for html in (kit, stage, programme, offer, belgium):  # the flat sections are gone
        for gone in ("commons_of_kind", "projects_at_stage", "grants_made"):
            assert f'id="section-{gone}"' not in html
        assert 'id="section-projects"' not in html
        assert 'id="section-offers"' not in html


def csv_of(client: TestClient, path: str, **params: str) -> list[dict[str, str]]:
    response = client.get(path, params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_stages_projects_are_a_list_filtered_mapped_and_downloaded(client: TestClient) -> None:
    stage = BASE + "scheme/stage/building-site"
    rows = csv_of(client, "/projects", within=stage)
    assert [row["iri"] for row in rows] == [BASE + "project/test-friche"]
    assert list(rows[0])[:5] == ["iri", "label", "place", "commune", "stage"]
    assert rows[0]["place"] == BASE + "tiers-lieu/la-myne"  # the place it became
    mapped = client.get("/projects", params={"within": stage, "format": "geojson"}).json()
    assert [f["id"] for f in mapped["features"]] == [BASE + "project/test-friche"]
    other = BASE + "programme/petites-villes-de-demain"
    assert csv_of(client, "/projects", within=stage, programme=other) == []
    html = client.get("/projects", params={"within": stage, "lang": "en"})
    assert html.status_code == 200
    assert "Projects of" in html.text
    assert "1 of 1 projects" in html.text


def test_a_programmes_offers_and_grants_are_lists(client: TestClient) -> None:
    programme = BASE + "programme/fabriques-de-territoire"
    offers = csv_of(client, "/offers", within=programme)
    assert BASE + "offer/test-ami" in [row["iri"] for row in offers]
    assert "funder" in offers[0]
    grants = csv_of(client, "/grants", within=programme)
    assert BASE + "grant/test-friche-2021" in [row["iri"] for row in grants]
    funder = BASE + "organisation/test-funder"
    assert [r["iri"] for r in csv_of(client, "/grants", within=programme, funder=funder)] == [
        r["iri"] for r in grants if r["funder"]
    ]
    nobody = csv_of(client, "/grants", within=programme, funder=BASE + "organisation/nobody")
    assert nobody == []
    # a grant is mapped at the place its project became
    mapped = client.get("/grants", params={"within": programme, "format": "geojson"}).json()
    assert BASE + "grant/test-friche-2021" in [f["id"] for f in mapped["features"]]
    refused = client.get("/offers", params={"within": programme, "stage": BASE + "x"})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/grants", params={"within": BASE + "country/BE"}).status_code == 404


def test_a_countrys_places_are_a_list(client: TestClient) -> None:
    rows = csv_of(client, "/places", within=BASE + "country/BE")
    assert [row["iri"] for row in rows] == [BASE + "tiers-lieu/test-lieu-belge"]
    html = client.get("/places", params={"within": BASE + "country/BE", "lang": "fr"})
    assert "1 sur 1 tiers-lieux" in html.text


# -- the feed -------------------------------------------------------------------------------


def entries_of(body: bytes) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    return entries


def test_the_feed_lists_the_newest_articles_first_and_parses(client: TestClient) -> None:
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    entries = entries_of(response.content)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [
        BASE + "article/test-entretien",
        BASE + "article/test-etude",
        BASE + "article/test-ancien",
    ]
    assert entries[0].findtext(f"{ATOM}updated") == "2024-05-02T00:00:00Z"
    authors = {a.text for a in entries[0].iter(f"{ATOM}name")}
    assert authors == {"Test Autrice", "Test association de la friche"}
    summary = entries[0].findtext(f"{ATOM}summary") or ""
    assert "<script>alert(1)</script>" in summary
    assert "\x07" not in summary
    root = ElementTree.fromstring(response.content)
    assert root.findtext(f"{ATOM}updated") == "2024-05-02T00:00:00Z"
    again = client.get("/feed.atom", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_a_themes_feed_holds_only_the_articles_about_it_and_its_page_links_it(
    client: TestClient,
) -> None:
    response = client.get("/feed.atom", params={"theme": "digital-inclusion"})
    ids = [e.findtext(f"{ATOM}id") for e in entries_of(response.content)]
    assert ids == [BASE + "article/test-entretien", BASE + "article/test-ancien"]
    html = page(client, "/scheme/theme/digital-inclusion")
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/feed.atom?theme=digital-inclusion"' in html
    )
    assert 'id="section-content_about"' in html
    home = page(client, "/")
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom"' in home
    empty = client.get("/feed.atom", params={"theme": "short-supply-chains"})
    assert [e.findtext(f"{ATOM}id") for e in entries_of(empty.content)] == [
        BASE + "article/test-etude"
    ]


@pytest.mark.parametrize("theme", ["<script>", "../stage/idea", "A" * 500, "x\x00y"])
def test_a_malformed_theme_is_a_problem(client: TestClient, theme: str) -> None:
    response = client.get("/feed.atom", params={"theme": theme})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["parameter"] == "theme" or "theme" in response.json()["detail"]


def test_an_unknown_theme_is_not_found(client: TestClient) -> None:
    response = client.get("/feed.atom", params={"theme": "no-such-theme"})
    assert response.status_code == 404
    assert "no-such-theme" in response.json()["detail"]


def test_the_feed_follows_the_readers_chosen_language_like_pages(client: TestClient) -> None:
    """`?lang=`, then the `lang` cookie, then Accept-Language (`languages.of_request`)."""

    def title(content: bytes) -> str:
        return ElementTree.fromstring(content).findtext(f"{ATOM}title") or ""

    client.cookies.clear()  # earlier pages asked with `?lang=` left their choice here
    french = title(client.get("/feed.atom", headers={"Accept-Language": "fr"}).content)
    english = title(client.get("/feed.atom", headers={"Accept-Language": "en"}).content)
    assert french != english
    asked = client.get("/feed.atom", params={"lang": "en"}, headers={"Accept-Language": "fr"})
    assert title(asked.content) == english
    assert asked.headers["content-language"] == "en"
    assert "Cookie" in asked.headers["vary"]
    chosen = client.get("/feed.atom", headers={"Accept-Language": "fr", "Cookie": "lang=en"})
    assert title(chosen.content) == english
    themed = client.get("/feed.atom", params={"theme": "digital-inclusion", "lang": "en"})
    assert title(themed.content).startswith(english)
