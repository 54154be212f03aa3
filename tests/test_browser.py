"""The pages in a real headless Chromium (Debian's, driven by Playwright): they load without
console errors, and no request leaves localhost (each one that tries is recorded and refused,
as if the machine had no network)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    sync_playwright,
)

from .axe import assert_accessible
from .servers import commonsgraph_server, free_port

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        "Debian's chromium is needed: apt-get install chromium (scripts/test does it)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


PATIENCE = 120_000
"""Milliseconds a page may take to load or to show an element: a bound a busy machine does not
reach (pages wait for events: a selector, a URL)."""


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context whose waits are bounded by `PATIENCE`."""
    context = browser.new_context(**options)
    context.set_default_timeout(PATIENCE)
    context.set_default_navigation_timeout(PATIENCE)
    return context


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service as installed: no tile server configured (the default)."""
    with commonsgraph_server(tmp_path_factory.mktemp("browser") / "var") as url:
        yield url


def local(url: str) -> bool:
    return not url.startswith(("http:", "https:", "ws:", "wss:")) or urlsplit(url).hostname in (
        "127.0.0.1",
        "localhost",
    )


class Watched:
    """A page whose console errors and outside requests are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        page.route(  # offline: what would leave the machine is refused
            "**/*",
            lambda route: route.continue_() if local(route.request.url) else route.abort(),
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        if not local(request.url):
            self.outside.append(request.url)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = new_context(browser, viewport={"width": 1100, "height": 900})
    yield Watched(context.new_page())
    context.close()


def test_home_page(watched: Watched, site: str) -> None:
    watched.page.goto(f"{site}/?lang=en")
    assert watched.page.inner_text("h1") == "commonsgraph"
    assert watched.page.locator("a[href='/sparql']").count() >= 1
    assert "Tiers-lieux per typology" in watched.page.content()
    watched.clean()


def test_a_place_page_with_its_map(watched: Watched, site: str) -> None:
    watched.page.goto(f"{site}/tiers-lieu/la-myne?lang=fr")
    assert watched.page.inner_text("h1") == "La MYNE"
    watched.page.wait_for_selector("#map .leaflet-interactive")
    assert watched.page.locator("#map .leaflet-interactive").count() == 1
    assert watched.page.locator("#map").get_attribute("aria-label") == "Carte de La MYNE"
    assert "Villeurbanne" in watched.page.inner_text("main")
    watched.clean()


def test_a_licence_page_with_its_badges(watched: Watched, site: str) -> None:
    watched.page.goto(f"{site}/licence/CC-BY-SA-4.0?lang=en")
    assert watched.page.locator(".badges-requires .badge").count() >= 2
    assert "share alike" in watched.page.inner_text(".badges-requires").lower()
    watched.clean()


def test_the_attribution_of_a_commons_is_copied_with_its_button(
    browser: Browser, site: str
) -> None:
    context = new_context(browser, permissions=["clipboard-read", "clipboard-write"])
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(f"{site}/commons/fab-manager?lang=en")
    button = page.locator("button[data-copy='attribution']")
    assert button.is_visible()  # shown by copy.js: without scripts, the text is there to select
    button.click()
    page.wait_for_selector(".copy-status:has-text('Copied.')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.inner_text("#attribution")
    assert copied.startswith("“Fab-manager” by La Casemate")
    watched.clean()
    context.close()


def test_searching_from_the_search_box(watched: Watched, site: str) -> None:
    watched.page.goto(f"{site}/?lang=fr")
    watched.page.fill("#q", "myne")
    watched.page.click("form.search button")
    watched.page.wait_for_url("**/search?**")
    assert "La MYNE" in watched.page.inner_text("main")
    watched.page.click("text=La MYNE")
    watched.page.wait_for_selector("#map .leaflet-interactive")
    watched.clean()


def test_the_query_editor_runs_a_query(watched: Watched, site: str) -> None:
    watched.page.goto(f"{site}/sparql")
    watched.page.wait_for_selector(".yasqe")
    watched.page.evaluate(
        "window.commonsgraphEditor.getTab().setQuery('PREFIX cg: <https://w3id.org/commonsgraph/ns#> SELECT ?n WHERE { ?n a cg:Network }'); null"
    )
    watched.page.click(".yasqe_queryButton")
    watched.page.wait_for_selector(".yasr .dataTable, .yasr table")
    assert "rfflabs" in watched.page.inner_text(".yasr")
    assert_accessible(watched.page)
    hrefs = watched.page.eval_on_selector_all(
        ".yasr a.iri", "as => as.map(a => a.getAttribute('href'))"
    )
    assert "/organisation/rfflabs" in hrefs  # this server's page, not https://w3id.org/…
    assert not [h for h in hrefs if h.startswith("https://w3id.org/commonsgraph/")], hrefs
    with watched.page.context.expect_page() as opened:  # YASR opens IRIs in a new tab
        watched.page.click(".yasr a.iri[href='/organisation/rfflabs']")
    opened.value.wait_for_load_state()
    assert opened.value.url.endswith("/organisation/rfflabs")
    assert opened.value.inner_text("h1").startswith("RFFLabs")
    watched.clean()


def outlines_drawn(page: Page) -> None:
    """Wait until the map draws the countries' outlines in its view (a country out of view is
    an empty path, `M0 0`)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll("#map .leaflet-basemap-pane path")]
                   .some((path) => (path.getAttribute("d") || "M0 0") !== "M0 0")"""
    )


def test_a_map_is_legible_without_any_tile_server(watched: Watched, site: str) -> None:
    """By default no tile server is called: the countries' outlines and the départements'
    boundaries this site serves are the background, under the point."""
    page = watched.page
    page.goto(f"{site}/tiers-lieu/la-myne?lang=en")
    outlines_drawn(page)
    page.wait_for_selector("#map[data-divisions-loaded]")  # and the départements' boundaries
    strokes = page.eval_on_selector_all(
        "#map .leaflet-basemap-pane path", "paths => paths.map(p => p.getAttribute('stroke'))"
    )
    assert "#b0b4b8" in strokes, strokes
    assert page.locator("#map .leaflet-tile").count() == 0
    assert page.locator("#map .leaflet-interactive").count() == 1
    assert page.locator(".map-note").count() == 0
    watched.clean()


def test_the_chosen_language_is_kept_when_following_links(browser: Browser, attacked: str) -> None:
    """A reader whose browser asks for French chooses English, then follows links that carry
    no `lang`: the pages stay English until she chooses French again."""
    context = browser.new_context(locale="fr-FR")
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(f"{attacked}/")
    assert page.get_attribute("html", "lang") == "fr"
    page.click("nav.languages a[hreflang='en']")
    page.wait_for_url("**lang=en")
    page.click("h3:has-text('Tiers-lieux per region') + table a")
    page.wait_for_url("**/region/**")
    assert "lang=" not in page.url
    assert page.get_attribute("html", "lang") == "en"
    page.click("footer a[href='/sparql']")
    page.wait_for_selector(".yasqe")
    assert page.get_attribute("html", "lang") == "en"
    assert "Service description" in page.inner_text("header")
    page.goto(f"{attacked}/dumps")
    assert page.get_attribute("html", "lang") == "en"
    page.click("nav.languages a[hreflang='fr']")
    page.goto(f"{attacked}/")
    assert page.get_attribute("html", "lang") == "fr"
    watched.clean()
    context.close()


def test_pages_fit_a_phone(browser: Browser, site: str) -> None:
    context = new_context(browser, viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("/", "/tiers-lieu/la-myne", "/licence/MIT"):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    context.close()


def test_the_map_survives_tiles_that_cannot_be_fetched(browser: Browser, tmp_path: Path) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/tiles/{{z}}/{{x}}/{{y}}.png"
    with commonsgraph_server(tmp_path / "var", tile_url=unreachable) as url:
        context = new_context(browser)
        page = context.new_page()
        failures: list[str] = []
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.goto(f"{url}/tiers-lieu/la-myne?lang=en")
        page.wait_for_selector("#map .leaflet-interactive")
        page.wait_for_selector(".map-note")
        assert "only the countries' outlines and the positions" in page.inner_text(".map-note")
        outlines_drawn(page)
        assert failures == []
        context.close()


def test_a_curator_reviews_contributions_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    import httpx

    from commonsgraph.config import Settings
    from commonsgraph.database import Database
    from commonsgraph.tokens import TokenStore

    tokens = TokenStore(Database.open(Settings(data_dir=tmp_path / "var")))
    contributor = {"Authorization": f"Bearer {tokens.create('contributor', 'Réseau Tela')[1]}"}
    curator = tokens.create("curator", "Camille")[1]
    tokens.database.close()
    place = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        @prefix locn: <http://www.w3.org/ns/locn#> .
        @prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
        <tiers-lieu/{slug}> a cg:TiersLieu ; <http://www.w3.org/2000/01/rdf-schema#label> "{name}" ;
            cg:typology <scheme/typology/coworking> ;
            <http://schema.org/containedInPlace> <commune/{commune}> ;
            wgs:lat {lat} ; wgs:long 1.87 ;
            locn:address <tiers-lieu/{slug}#address> ;
            cg:actorRole <tiers-lieu/{slug}#role-1> .
        <tiers-lieu/{slug}#address> a locn:Address ;
            locn:fullAddress "2 rue de l'Essai, 23000 Guéret" .
        <tiers-lieu/{slug}#role-1> a cg:ActorRole ;
            cg:agent <organisation/rfflabs> ; cg:role <scheme/role/operator> ."""
    with commonsgraph_server(tmp_path / "var", tile_url="") as url:

        def upload(slug: str, name: str, commune: str = "23096", lat: str = "46.17") -> str:
            body = (
                place.replace("{slug}", slug)
                .replace("{name}", name)
                .replace("{commune}", commune)
                .replace("{lat}", lat)
            )
            response = httpx.post(
                f"{url}/contributions",
                content=body.encode(),
                headers={**contributor, "Content-Type": "text/turtle"},
                timeout=120,
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        good, doubtful, broken = (
            upload("le-lieu", "Le Lieu"),
            upload("doublon", "Doublon"),
            upload("sans-commune", "Sans commune", "99999"),
        )
        watched = Watched(new_context(browser).new_page())
        page = watched.page
        page.goto(f"{url}/contributions?status=pending&lang=fr")
        page.wait_for_url("**/contributions/login**")
        assert_accessible(page)
        page.fill("#token", curator)
        page.click("form.review button")
        page.wait_for_url("**/contributions?status=pending**")
        assert_accessible(page)
        assert "(curateur)" in page.inner_text("main")
        queue = page.inner_text("table.contributions")
        assert good in queue
        assert doubtful in queue
        assert broken not in queue

        page.click(f"text={good}")
        assert "en attente" in page.inner_text("h1")
        assert "nouvelle ressource" in page.inner_text("#changes")
        diff = page.inner_text("#changes table.diff")
        assert "Le Lieu" in diff
        # labels, never a bare IRI where the graph (or the upload) names it
        assert "2 rue de l'Essai, 23000 Guéret" in diff  # the part #address, by its address
        assert "#address" not in page.inner_text("#changes")
        roles = page.inner_text("#changes")
        assert "#role-1" not in roles  # the part #role-1, by its agent and role
        assert "RFFLabs" in roles, roles
        assert "cg:agent" not in roles
        assert "cg:role" not in roles
        assert "scheme/typology" not in diff
        assert "commune/23096" not in diff
        assert "Creative Commons Attribution 4.0 International" in page.inner_text("dl")
        # the map preview: the new place, where it will be
        page.wait_for_selector("#map .leaflet-interactive")
        assert page.locator("#map .leaflet-interactive").count() == 1
        assert "ajouté" in page.inner_text("#moves ul.moves")
        outlines_drawn(page)
        assert page.locator("#map .leaflet-tile").count() == 0
        assert_accessible(page)
        page.click("button[value=accept]")
        page.wait_for_selector(".status-accepted")
        assert "Camille" in page.inner_text("main")
        assert (
            httpx.get(
                f"{url}/tiers-lieu/le-lieu", headers={"Accept": "text/turtle"}, timeout=120
            ).status_code
            == 200
        )

        # a later contribution moves the place: the map shows where it was and where it goes
        moved = upload("le-lieu", "Le Lieu", lat="46.30")
        page.goto(f"{url}/contributions/{moved}?lang=en")
        page.wait_for_selector("#map .leaflet-interactive")
        assert page.locator("#map .leaflet-interactive").count() == 2
        moves = page.inner_text("#moves ul.moves")
        assert "Le Lieu — moved" in moves
        assert "before 46.17000, 1.87000" in moves
        assert "after 46.30000, 1.87000" in moves
        assert_accessible(page)

        page.goto(f"{url}/contributions/{doubtful}?lang=en")
        page.fill("#reason", "a duplicate of Le Lieu")
        page.click("button[value=reject]")
        page.wait_for_selector(".status-rejected")
        assert "a duplicate of Le Lieu" in page.inner_text(".reason")
        assert_accessible(page)

        # an invalid contribution cannot be accepted, but is rejected with its reason
        page.goto(f"{url}/contributions/{broken}?lang=fr")
        report = page.inner_text("#report")
        assert "Non conforme" in report
        assert "commune" in report
        assert "commune/99999" in report  # no label: it does not exist
        assert page.locator("button[value=accept]").count() == 0
        assert "ne peut pas être acceptée" in page.inner_text("#reject-invalid")
        assert_accessible(page)
        assert page.get_attribute("#reason", "required") is not None
        page.click("button[value=reject]")  # no reason: the browser asks for one
        assert page.locator(".status-invalid").count() == 1
        page.fill("#reason", "La commune 99999 n'existe pas")
        page.click("button[value=reject]")
        page.wait_for_selector(".status-rejected")
        assert "La commune 99999 n'existe pas" in page.inner_text(".reason")
        page.goto(f"{url}/contributions?lang=en")
        assert_accessible(page)
        watched.clean()
        page.context.close()


# -- stored script: labels and links that come from contributors and partners ----------------

PWN_SCRIPT = "</script><script>window.__pwned=1</script>"
PWN_IMAGE = "<img src=x onerror=window.__pwned=2>"
TRAP = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{base}tiers-lieu/{slug}> a cg:TiersLieu ; rdfs:label "{label}" ;
    cg:typology <{base}scheme/typology/coworking> ;
    schema:containedInPlace <{base}commune/23096> ;
    wgs:lat "{lat}"^^xsd:decimal ; wgs:long "1.87"^^xsd:decimal ;
    schema:url <javascript:window.__pwned=3> ;
    rdfs:seeAlso <data:text/html,%3Cscript%3Ewindow.__pwned=4%3C/script%3E> .
"""
BASE = "https://w3id.org/commonsgraph/"
REGION = f"""<{BASE}region/75> a <http://rdf.insee.fr/def/geo#Region> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "Nouvelle-Aquitaine" .
<{BASE}departement/23> a <http://rdf.insee.fr/def/geo#Departement> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "Creuse" ;
    <http://schema.org/containedInPlace> <{BASE}region/75> .
<{BASE}commune/23096> <http://schema.org/containedInPlace> <{BASE}departement/23> .
"""


def trap(slug: str, label: str, lat: str) -> str:
    return (
        TRAP.replace("{base}", BASE)
        .replace("{slug}", slug)
        .replace("{label}", label)
        .replace("{lat}", lat)
    )


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A service whose graph holds places named to run script: two from contributions a
    curator accepted, two from a partner's harvest (no review); and a region above Guéret."""
    import httpx

    from commonsgraph.config import Settings
    from commonsgraph.database import Database
    from commonsgraph.tokens import TokenStore

    from .partners import Route, feed_server

    data = tmp_path_factory.mktemp("attacked") / "var"
    tokens = TokenStore(Database.open(Settings(data_dir=data)))
    contributor = {"Authorization": f"Bearer {tokens.create('contributor', 'Réseau')[1]}"}
    curator = {"Authorization": f"Bearer {tokens.create('curator', 'Camille')[1]}"}
    tokens.database.close()
    with feed_server() as partner:
        partner.routes["/dump.ttl"] = Route(
            body=(
                trap("dump-script", PWN_SCRIPT, "46.16") + trap("dump-image", PWN_IMAGE, "46.18")
            ).encode(),
            content_type="text/turtle",
        )
        (data / "sources.toml").write_text(
            f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump.ttl"\n'
        )
        with commonsgraph_server(data, tile_url="") as url:
            for slug, label, lat in (
                ("script", PWN_SCRIPT, "46.17"),
                ("image", PWN_IMAGE, "46.19"),
            ):
                response = httpx.post(
                    f"{url}/contributions",
                    content=trap(slug, label, lat).encode(),
                    headers={**contributor, "Content-Type": "text/turtle"},
                    timeout=120,
                )
                assert response.status_code == 201, response.text
                accepted = httpx.post(
                    f"{url}/contributions/{response.json()['id']}/accept",
                    headers=curator,
                    timeout=120,
                )
                assert accepted.json()["status"] == "accepted", accepted.text
            harvest = httpx.post(f"{url}/sources/dump/harvest", headers=curator, timeout=120)
            assert harvest.status_code == 200, harvest.text
            assert harvest.json()["published"] == 2, harvest.text
            region = httpx.put(
                f"{url}/graph-store",
                params={"graph": BASE + "graph/test-region"},
                content=REGION.encode(),
                headers={**curator, "Content-Type": "text/turtle"},
                timeout=120,
            )
            assert region.status_code == 201, region.text
            yield url


def open_every_map_label(page: Page) -> None:
    """Open the tooltip and the popup of every point (Leaflet builds them only then)."""
    page.wait_for_selector("#map .leaflet-interactive")
    page.evaluate(
        """() => window.commonsgraphMap.eachLayer((layer) => {
             if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); }
             if (layer.getPopup && layer.getPopup()) { layer.openPopup(); }
           })"""
    )
    page.wait_for_selector(".leaflet-tooltip")


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/tiers-lieu/script", PWN_SCRIPT),  # a contribution a curator accepted
        ("/tiers-lieu/image", PWN_IMAGE),
        ("/tiers-lieu/dump-script", PWN_SCRIPT),  # a partner's harvest, no review
        ("/tiers-lieu/dump-image", PWN_IMAGE),
        ("/commune/23096", None),  # the map of the commune lists them all
        ("/places?within=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Fregion%2F75", None),  # its list
    ],
)
def test_labels_and_links_from_data_run_no_script(
    watched: Watched, attacked: str, path: str, label: str | None
) -> None:
    page = watched.page
    page.goto(f"{attacked}{path}{'&' if '?' in path else '?'}lang=en")
    assert page.evaluate("window.__pwned") is None  # the page's markup ran nothing
    open_every_map_label(page)
    if label is not None:
        assert page.inner_text("h1") == label
        assert page.inner_text(".leaflet-tooltip") == label
        assert label in page.inner_text(".leaflet-popup-content")
    else:
        tooltips = page.locator(".leaflet-tooltip").all_inner_texts()
        assert tooltips.count(PWN_SCRIPT) == 2
        assert tooltips.count(PWN_IMAGE) == 2
    hrefs = page.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if not h.startswith(("/", "?", "#", "http:", "https:"))], hrefs
    if label is not None:
        assert "javascript:window.__pwned=3" in page.inner_text("table.properties")
    assert page.evaluate("window.__pwned") is None  # nor did its map's labels
    injected = "img[src='x'], script:not([src]):not([type='application/json'])"
    assert page.locator(injected).count() == 0
    watched.clean()  # no error, no Content-Security-Policy violation


def watch_violations(page: Page) -> None:
    page.add_init_script(
        """window.__violations = [];
           document.addEventListener("securitypolicyviolation", (event) => {
             window.__violations.push(event.violatedDirective + " " + event.blockedURI);
           });"""
    )


MAIN_PAGES = [
    "/tiers-lieu/la-myne",
    "/commune/23096",
    "/region/75",
    "/places?within=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Fregion%2F75&page_size=20",
    "/licence/CC-BY-SA-4.0",
    "/commons/fab-manager",
    "/search?q=gueret",
    "/sparql",
    "/contributions/login",
    "/dumps",
    "/.well-known/void",  # its page, for a browser
]
"""The pages every browser test of policies and accessibility visits (after the home page)."""


@pytest.mark.parametrize("path", ["/?lang=en", *MAIN_PAGES])
def test_the_main_pages_keep_to_their_content_security_policy(
    watched: Watched, attacked: str, path: str
) -> None:
    watch_violations(watched.page)
    response = watched.page.goto(attacked + path)
    assert response is not None
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    if path.startswith(("/tiers-lieu", "/commune", "/region", "/places")):
        open_every_map_label(watched.page)
    if path == "/sparql":
        watched.page.wait_for_selector(".yasqe")
        watched.page.click(".yasqe_queryButton")
        watched.page.wait_for_selector(".yasr .dataTable, .yasr table")
    assert watched.page.evaluate("window.__violations") == []
    watched.clean()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", ["/", *MAIN_PAGES, "/docs", "/redoc"])
def test_the_pages_pass_the_accessibility_checks(
    watched: Watched, attacked: str, path: str, lang: str
) -> None:
    """No violation of serious or critical impact that axe-core finds, in either language
    (the vendored widgets' own markup aside: `tests/axe.py`)."""
    page = watched.page
    response = page.goto(f"{attacked}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None
    assert response.status == 200
    rendered = {
        "/sparql": ".yasqe",
        "/docs": ".opblock-summary-path",
        "/redoc": "h2:has-text('Search names')",
    }
    if path in rendered:
        page.wait_for_selector(rendered[path])
    if page.locator("#map").count():
        outlines_drawn(page)
    assert_accessible(page)
    watched.clean()


def test_a_sign_in_posted_from_another_site_is_refused(watched: Watched, attacked: str) -> None:
    """Login CSRF: a page elsewhere posting its own token to our login form (its victim would
    then work, unknowing, as the attacker)."""
    page = watched.page
    page.set_content(
        f"""<form method="post" action="{attacked}/contributions/login">
              <input name="token" value="cg_attacker_secret"><button>go</button></form>"""
    )
    with page.expect_response(f"{attacked}/contributions/login") as answer:
        page.click("button")
    refused = answer.value
    assert refused.status == 403
    assert "from this site" in refused.json()["detail"]
    assert page.context.cookies(attacked) == []


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", ".opblock-summary-path[data-path='/sparql']"),
        ("/redoc", "h2:has-text('Search names')"),  # an operation, rendered
    ],
)
def test_the_api_documentation_loads_from_this_site(
    watched: Watched, site: str, path: str, rendered: str
) -> None:
    """Swagger UI and Redoc are served from the project's own files and render the OpenAPI
    document under their policy: no request leaves the site, no violation, no error."""
    page = watched.page
    watch_violations(page)
    page.goto(site + path)
    page.wait_for_selector(rendered)
    assert page.evaluate("window.__violations") == []
    watched.clean()


def test_search_facets_pages_and_suggestions(watched: Watched, site: str) -> None:
    page = watched.page
    page.goto(f"{site}/search?q=la&lang=fr&page_size=3")
    count = page.inner_text("#count")
    total = int(count.rsplit(" ", 1)[1])
    assert total > 3, count
    assert len(page.query_selector_all("ol.results > li")) == 3
    page.click("nav.pages a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.inner_text("#count").startswith("Résultats 4 à")
    # one kind: the count is that facet's, and every hit says it is a tiers-lieu
    facet = page.locator("section.facet[data-facet=kind] li", has_text="tiers-lieu").first
    places = int(facet.locator(".note").inner_text())
    facet.locator("a").click()
    page.wait_for_url("**kind=**")
    assert page.inner_text("#count").endswith(f" {places}")
    kinds = {k.strip() for k in page.locator("ol.results .kind").all_inner_texts()}
    assert kinds == {"⌂ tiers-lieu"}  # its icon, then its name
    assert page.locator("section.facet[data-facet=kind] a.chosen").count() == 1
    assert_accessible(page)
    # typing in the search box proposes names
    page.fill("#q", "")
    page.type("#q", "casem", delay=30)
    page.wait_for_function(
        "document.querySelectorAll('#q-suggestions option').length > 0", timeout=10_000
    )
    options = page.eval_on_selector_all("#q-suggestions option", "os => os.map(o => o.value)")
    assert any("Casemate" in option for option in options), options
    watched.clean()
