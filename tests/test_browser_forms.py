"""The forms generated from the shapes, in a real headless Chromium, as a network coordinator
uses them: in French and in English, she creates a tiers-lieu (its coordinates picked on the
map, its commune picked by name), a commons with its licence and a project with its stage
history; a violation appears next to its field as she types and goes once fixed; she submits;
then a curator reviews, accepts and reverts in the browser. No request leaves the machine (no
tile server: the default)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Route

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.tokens import TokenStore

from .axe import assert_accessible
from .servers import commonsgraph_server
from .test_browser import (  # browser: a fixture
    Watched,
    browser,  # noqa: F401
    new_context,
    watch_violations,
)

BASE = "https://w3id.org/commonsgraph/"


@dataclass(frozen=True)
class Served:
    url: str
    contributor: str
    curator: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    var = tmp_path_factory.mktemp("forms") / "var"
    tokens = TokenStore(Database.open(Settings(data_dir=var)))
    contributor = tokens.create("contributor", "Réseau Tela")[1]
    curator = tokens.create("curator", "Camille")[1]
    tokens.database.close()
    with commonsgraph_server(var, tile_url="") as url:
        yield Served(url, contributor, curator)


def sign_in(page: Page, url: str, token: str, target: str, lang: str) -> None:
    page.goto(f"{url}/contributions/login?lang={lang}&next={quote(target)}")
    page.fill("#token", token)
    page.click("form.review button")
    page.wait_for_url(f"**{target.split('?')[0]}**")


def pick(page: Page, field: str, typed: str, shown: str, keyboard: bool = False) -> None:
    """Type in a picker and choose the suggestion that shows `shown` (with the mouse, or with
    the arrow keys and Enter when it is the first)."""
    search = page.locator(f"#f-{field}-1")
    search.fill("")
    search.type(typed, delay=30)
    option = page.locator(".picker-list [role=option]", has_text=shown).first
    if keyboard:
        option.wait_for()
        search.press("ArrowDown")
        assert search.get_attribute("aria-activedescendant") == option.get_attribute("id")
        search.press("Enter")
    else:
        option.click()
    assert shown in search.input_value()
    assert search.get_attribute("aria-expanded") == "false"


def submitted(page: Page) -> str:
    """Submit the form; the contribution's id, from the page it leads to."""
    page.click("button[value=submit]")
    page.wait_for_url("**/contributions/*")
    return page.url.split("/contributions/", 1)[1].split("?", 1)[0]


WORDS = {
    "fr": {"pending": "en attente", "lat": "latitude invalide", "new": "Nouveau"},
    "en": {"pending": "pending", "lat": "invalid latitude", "new": "New"},
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_coordinator_contributes_through_the_forms_and_a_curator_reviews(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    served: Served,
    lang: str,
) -> None:
    url, words = served.url, WORDS[lang]
    watched = Watched(new_context(browser, viewport={"width": 1100, "height": 900}).new_page())
    page = watched.page
    watch_violations(page)  # of the Content-Security-Policy
    sign_in(page, url, served.contributor, f"/contribute?lang={lang}", lang)
    assert_accessible(page)
    page.click("a[href^='/contribute/tiers-lieu']")
    assert words["new"] in page.inner_text("h1")

    # the tiers-lieu: its name, typology, commune (picked by name), coordinates (on the map)
    page.fill("#f-rdfs-label-1", f"Le Lieu des formes {lang}")
    page.check(f"input[name='cg:typology'][value='{BASE}scheme/typology/fablab']")
    pick(page, "schema-containedInPlace", "Guér", "Guéret")
    page.wait_for_selector("#form-map[data-basemap-loaded]")
    page.click("#form-map", position={"x": 300, "y": 150})
    assert page.input_value("#f-wgs-lat-1") != ""
    assert page.input_value("#f-wgs-long-1") != ""
    # a violation appears next to its field, and goes once fixed
    page.fill("#f-wgs-lat-1", "200")
    page.press("#f-wgs-lat-1", "Tab")
    page.wait_for_selector("#f-wgs-lat-report .finding-Violation")
    assert words["lat"] in page.inner_text("#f-wgs-lat-report")
    assert page.get_attribute("#f-wgs-lat-1", "aria-invalid") == "true"
    assert "f-wgs-lat-report" in (page.get_attribute("#f-wgs-lat-1", "aria-describedby") or "")
    assert_accessible(page)  # the form, its map and a violation shown next to its field
    page.fill("#f-wgs-lat-1", "46.17")
    page.fill("#f-wgs-long-1", "1.87")
    page.press("#f-wgs-long-1", "Tab")
    page.locator("#f-wgs-lat-report .finding-Violation").wait_for(state="detached")
    page.wait_for_selector("#form-status p.ok")
    place = submitted(page)
    assert words["pending"] in page.inner_text("h1")

    # a commons with its licence
    page.goto(f"{url}/contribute/commons?lang={lang}")
    page.fill("#f-rdfs-label-1", f"Kit des formes {lang}")
    page.check(f"input[name='cg:commonsKind'][value='{BASE}scheme/commons-kind/legal-toolkit']")
    pick(page, "dct-license", "Creative Commons Attribution Share Alike 4", "Share Alike 4.0", True)
    assert_accessible(page)
    commons = submitted(page)
    assert words["pending"] in page.inner_text("h1")

    # a project and two steps of its history (a second row added with the keyboard)
    page.goto(f"{url}/contribute/project?lang={lang}")
    page.fill("#f-rdfs-label-1", f"Projet des formes {lang}")
    page.select_option("#f-cg-stage-1", f"{BASE}scheme/stage/building-site")
    page.select_option("[name='cg:stageChange.1.cg:stage']", f"{BASE}scheme/stage/idea")
    page.fill("[name='cg:stageChange.1.prov:atTime']", "2021")
    page.focus("fieldset.group .add-row")
    page.keyboard.press("Enter")
    page.select_option("[name='cg:stageChange.2.cg:stage']", f"{BASE}scheme/stage/building-site")
    page.fill("[name='cg:stageChange.2.prov:atTime']", "May 2023")
    page.press("[name='cg:stageChange.2.prov:atTime']", "Tab")
    page.wait_for_selector("#f-cg-stageChange-2-prov-atTime-report .finding-Violation")
    page.fill("[name='cg:stageChange.2.prov:atTime']", "2023-05")
    page.press("[name='cg:stageChange.2.prov:atTime']", "Tab")
    page.locator("#f-cg-stageChange-2-prov-atTime-report .finding-Violation").wait_for(
        state="detached"
    )
    assert_accessible(page)  # rows of a group
    project = submitted(page)
    assert words["pending"] in page.inner_text("h1")
    assert page.evaluate("window.__violations") == []
    watched.clean()
    page.context.close()

    # a curator reviews them: accepts the place, then reverts it
    curating = Watched(new_context(browser).new_page())
    page = curating.page
    sign_in(page, url, served.curator, f"/contributions/{place}?lang={lang}", lang)
    assert f"Le Lieu des formes {lang}" in page.inner_text("#changes")
    assert_accessible(page)
    page.click("button[value=accept]")
    page.wait_for_selector(".status-accepted")
    page.goto(f"{url}/tiers-lieu/le-lieu-des-formes-{lang}?lang={lang}")
    assert f"Le Lieu des formes {lang}" in page.inner_text("h1")
    page.goto(f"{url}/contributions/{place}?lang={lang}")
    page.click("button[value=revert]")
    page.wait_for_selector(".status-reverted")
    for other in (commons, project):
        page.goto(f"{url}/contributions/{other}?lang={lang}")
        page.click("button[value=accept]")
        page.wait_for_selector(".status-accepted")
    curating.clean()
    page.context.close()


def test_the_form_works_without_script(browser: Browser, served: Served) -> None:  # noqa: F811
    context = new_context(browser, java_script_enabled=False)
    watched = Watched(context.new_page())
    page = watched.page
    sign_in(page, served.url, served.contributor, "/contribute/tiers-lieu?lang=fr", "fr")
    page.fill("#f-rdfs-label-1", "Sans script")
    page.fill("#f-wgs-lat-1", "200")
    page.click("button[value=check]")
    page.wait_for_selector("#f-wgs-lat-report .finding-Violation")
    assert "latitude invalide" in page.inner_text("#f-wgs-lat-report")
    page.fill("#f-wgs-lat-1", "46.17")
    page.fill("#f-wgs-long-1", "1.87")
    page.fill("#f-schema-containedInPlace-1", f"{BASE}commune/23096")
    submitted(page)
    assert "en attente" in page.inner_text("h1")
    watched.clean()
    context.close()


def test_a_suggestion_that_comes_after_the_pick_leaves_the_list_closed(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    served: Served,
) -> None:
    """On a slow network the answer to an earlier keystroke may come after the reader chose:
    it must not open the list again over the chosen value."""
    page = new_context(browser).new_page()
    sign_in(page, served.url, served.contributor, "/contribute/tiers-lieu?lang=en", "en")
    held: list[Route] = []

    def hold_the_longer_prefix(route: Route) -> None:
        if "prefix=Gu%C3%A9r" in route.request.url:
            held.append(route)  # answered once the reader has chosen
        else:
            route.continue_()

    page.route("**/suggest?*", hold_the_longer_prefix)
    search = page.locator("#f-schema-containedInPlace-1")
    search.type("Gué", delay=30)
    option = page.locator(".picker-list [role=option]", has_text="Guéret").first
    option.wait_for()
    search.type("r")
    for _ in range(1200):  # until the request for "Guér" reaches the route (60 s at most)
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the suggestion for 'Guér' was never asked"
    option.click()
    assert search.get_attribute("aria-expanded") == "false"
    with page.expect_request_finished(lambda request: "prefix=Gu%C3%A9r" in request.url):
        held[0].continue_()  # its body read whole: its handlers run before the next task
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")
    assert search.get_attribute("aria-expanded") == "false"
    assert page.locator(".picker-list").first.is_hidden()
    assert "Guéret" in search.input_value()
