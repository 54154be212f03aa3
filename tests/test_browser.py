"""The pages in a real headless Chromium (Debian's, driven by Playwright): they load without
console errors, and no request leaves localhost."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with commonsgraph_server(tmp_path_factory.mktemp("browser") / "var", tile_url="") as url:
        yield url


class Watched:
    """A page whose console errors and outside requests are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:")) and host not in (
            "127.0.0.1",
            "localhost",
        ):
            self.outside.append(request.url)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
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
    watched.page.wait_for_selector(".yasr .dataTable, .yasr table", timeout=15000)
    assert "rfflabs" in watched.page.inner_text(".yasr")
    watched.clean()


def test_pages_fit_a_phone(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("/", "/tiers-lieu/la-myne", "/licence/MIT"):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    context.close()


def test_the_map_survives_tiles_that_cannot_be_fetched(browser: Browser, tmp_path: Path) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/tiles/{{z}}/{{x}}/{{y}}.png"
    with commonsgraph_server(tmp_path / "var", tile_url=unreachable) as url:
        context = browser.new_context()
        page = context.new_page()
        failures: list[str] = []
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.goto(f"{url}/tiers-lieu/la-myne?lang=en")
        page.wait_for_selector("#map .leaflet-interactive")
        page.wait_for_selector(".map-note")
        assert "only the positions are shown" in page.inner_text(".map-note")
        assert failures == []
        context.close()


def test_a_curator_reviews_contributions_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    import httpx

    from commonsgraph.tokens import TokenStore

    tokens = TokenStore(tmp_path / "var" / "tokens.sqlite3")
    contributor = {"Authorization": f"Bearer {tokens.create('contributor', 'Réseau Tela')[1]}"}
    curator = tokens.create("curator", "Camille")[1]
    tokens.close()
    place = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        <tiers-lieu/{slug}> a cg:TiersLieu ; <http://www.w3.org/2000/01/rdf-schema#label> "{name}" ;
            cg:typology <scheme/typology/coworking> ;
            <http://schema.org/containedInPlace> <commune/{commune}> ."""
    with commonsgraph_server(tmp_path / "var", tile_url="") as url:

        def upload(slug: str, name: str, commune: str = "23096") -> str:
            body = (
                place.replace("{slug}", slug).replace("{name}", name).replace("{commune}", commune)
            )
            response = httpx.post(
                f"{url}/contributions",
                content=body.encode(),
                headers={**contributor, "Content-Type": "text/turtle"},
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        good, doubtful, broken = (
            upload("le-lieu", "Le Lieu"),
            upload("doublon", "Doublon"),
            upload("sans-commune", "Sans commune", "99999"),
        )
        watched = Watched(browser.new_context().new_page())
        page = watched.page
        page.goto(f"{url}/contributions?status=pending&lang=fr")
        page.wait_for_url("**/contributions/login**")
        page.fill("#token", curator)
        page.click("form.review button")
        page.wait_for_url("**/contributions?status=pending**")
        queue = page.inner_text("table.contributions")
        assert good in queue
        assert doubtful in queue
        assert broken not in queue

        page.click(f"text={good}")
        assert "en attente" in page.inner_text("h1")
        assert "nouvelle ressource" in page.inner_text("#changes")
        assert "Le Lieu" in page.inner_text("#changes table.diff")
        page.click("button[value=accept]")
        page.wait_for_selector(".status-accepted")
        assert "Camille" in page.inner_text("main")
        assert (
            httpx.get(f"{url}/tiers-lieu/le-lieu", headers={"Accept": "text/turtle"}).status_code
            == 200
        )

        page.goto(f"{url}/contributions/{doubtful}?lang=en")
        page.fill("#reason", "a duplicate of Le Lieu")
        page.click("button[value=reject]")
        page.wait_for_selector(".status-rejected")
        assert "a duplicate of Le Lieu" in page.inner_text(".reason")

        page.goto(f"{url}/contributions/{broken}?lang=fr")
        report = page.inner_text("#report")
        assert "Non conforme" in report
        assert "commune" in report
        assert "commune/99999" in report
        assert page.locator("button[value=accept]").count() == 0
        watched.clean()
        page.context.close()
