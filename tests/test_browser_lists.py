"""Browsable lists and the query editor's "find a resource" box in a real headless Chromium
(helpers from `test_browser`): a list's filters and pages, a map of exactly the filtered set, the
CSV link giving the same rows; a licence's commons; names to IRIs in the editor."""

import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from .axe import assert_accessible
from .servers import commonsgraph_server
from .test_browser import (
    BASE,
    PWN_IMAGE,
    PWN_SCRIPT,
    Watched,
    browser,
    open_every_map_label,
    watch_violations,
    watched,
)

__all__ = ["browser", "watched"]  # the fixtures this module uses

PLACES = 30
FABLABS = 24
"""Of the places of the test region, those with the typology fablab (the others: coworking)."""


def region() -> str:
    """A région with `PLACES` places, `FABLABS` of them fablabs, each with its own point."""
    lines = [
        "@prefix cg: <https://w3id.org/commonsgraph/ns#> .",
        "@prefix schema: <http://schema.org/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .",
        f'<{BASE}region/98> a <http://rdf.insee.fr/def/geo#Region> ; rdfs:label "Listland" .',
    ]
    for i in range(PLACES):
        typology = "fablab" if i < FABLABS else "coworking"
        lines.append(
            f'<{BASE}tiers-lieu/list-{i:02}> a cg:TiersLieu ; rdfs:label "Lieu {i:02}" ; '
            f"schema:containedInPlace <{BASE}region/98> ; "
            f"cg:typology <{BASE}scheme/typology/{typology}> ; "
            f"wgs:lat {44 + i / 10:.2f} ; wgs:long {1 + (i % 6) / 5:.2f} ."
        )
    # a network: two members named to run script, one holding a role at a place of the région
    lines.append(
        f"<{BASE}organisation/list-net> a <http://www.w3.org/ns/org#Organization>, cg:Network ; "
        f'rdfs:label "Listnet" ; <http://www.w3.org/ns/org#hasMember> '
        f"<{BASE}organisation/list-script>, <{BASE}organisation/list-image> ."
    )
    for slug, label in (("script", PWN_SCRIPT), ("image", PWN_IMAGE)):
        lines.append(
            f"<{BASE}organisation/list-{slug}> a <http://www.w3.org/ns/org#Organization> ; "
            f"rdfs:label {json.dumps(label)} ."
        )
    lines.append(
        f"<{BASE}tiers-lieu/list-00> cg:actorRole <{BASE}tiers-lieu/list-00#role-1> . "
        f"<{BASE}tiers-lieu/list-00#role-1> a cg:ActorRole ; "
        f"cg:agent <{BASE}organisation/list-image> ."
    )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with the seed and the test région (put by a curator through the Graph
    Store)."""
    from commonsgraph.config import Settings
    from commonsgraph.database import Database
    from commonsgraph.tokens import TokenStore

    data = tmp_path_factory.mktemp("listed") / "var"
    tokens = TokenStore(Database.open(Settings(data_dir=data)))
    curator = {"Authorization": f"Bearer {tokens.create('curator', 'Camille')[1]}"}
    tokens.database.close()
    with commonsgraph_server(data, tile_url="") as url:
        response = httpx.put(
            f"{url}/graph-store",
            params={"graph": BASE + "graph/test-list"},
            content=region().encode(),
            headers={**curator, "Content-Type": "text/turtle"},
            timeout=120,
        )
        assert response.status_code == 201, response.text
        yield url


def shown(page: Page) -> list[str]:
    """The IRIs of the rows of the list on the page (their links, made absolute)."""
    hrefs = page.eval_on_selector_all(
        "table.place-list tbody tr td:first-child a", "as => as.map(a => a.getAttribute('href'))"
    )
    return [BASE + href.lstrip("/") for href in hrefs]


def mapped(page: Page) -> int:
    page.wait_for_selector("#map .leaflet-interactive")
    return page.locator("#map .leaflet-interactive").count()


def test_a_list_filtered_paged_mapped_and_downloaded(watched: Watched, listed: str) -> None:
    page = watched.page
    page.goto(f"{listed}/region/98?lang=en")
    assert page.inner_text("#places-count") == f"{min(PLACES, 50)} of {PLACES} tiers-lieux"
    page.click("#browse-places")
    page.wait_for_url("**/places?within=**")
    assert mapped(page) == PLACES
    # filter: the fablabs, 20 a page
    page.select_option("select[name=typology]", BASE + "scheme/typology/fablab")
    page.select_option("select[name=page_size]", "20")
    page.click("form.list-filters button[type=submit]")
    page.wait_for_url("**typology=**")
    assert page.inner_text("#places-count") == f"{FABLABS} of {PLACES} tiers-lieux"
    first = shown(page)
    assert len(first) == 20
    assert mapped(page) == FABLABS  # the whole filtered set, not the page, and nothing else
    features = page.evaluate("JSON.parse(document.getElementById('map-features').textContent)")
    on_map = {feature["id"] for feature in features}
    # the next page holds the rest
    page.click("nav.pages a[rel=next]")
    page.wait_for_url("**page=2**")
    second = shown(page)
    assert len(second) == FABLABS - 20
    assert on_map == set(first) | set(second)
    assert first + second == sorted(first + second)  # by name: "Lieu 00", "Lieu 01"…
    # the CSV link gives the same rows (every page of the filtered list)
    href = page.get_attribute("ul.formats a[type='text/csv']", "href")
    assert href is not None
    body = page.evaluate("(href) => fetch(href).then((r) => r.text())", href)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["iri"] for row in rows] == first + second
    assert len({row["typology"] for row in rows}) == 1  # the fablabs only
    assert_accessible(page)
    watched.clean()


def test_a_licences_page_lists_its_commons_mapped_at_the_place_that_produced_them(
    watched: Watched, listed: str
) -> None:
    page = watched.page
    page.goto(f"{listed}/licence/AGPL-3.0-or-later?lang=en")
    section = page.locator("#list-commons")
    assert "Fab-manager" in section.inner_text()
    assert page.inner_text("#commons-count").endswith("commons")
    assert mapped(page) >= 1
    assert_accessible(page)
    watched.clean()


def test_the_query_editor_finds_a_resource_by_name_and_inserts_its_iri(
    watched: Watched, listed: str
) -> None:
    page = watched.page
    page.goto(f"{listed}/sparql?lang=en")
    page.wait_for_selector(".yasqe")
    assert page.inner_text("#find-title") == "Find a resource"
    page.evaluate(
        "(() => { const y = window.commonsgraphEditor.getTab().getYasqe();"
        " y.setValue('SELECT ?p WHERE { ?p ?o  }'); y.setCursor({line: 0, ch: 24}); })()"
    )
    page.type("#find-name", "casem", delay=30)
    button = page.locator("#find-results button", has_text="La Casemate").first
    button.wait_for()
    assert_accessible(page, within="#find")
    iri = button.get_attribute("data-iri")
    assert iri == BASE + "tiers-lieu/la-casemate"
    button.click()
    query = page.evaluate("window.commonsgraphEditor.getTab().getYasqe().getValue()")
    assert query == f"SELECT ?p WHERE {{ ?p ?o <{iri}> }}"
    # a name that matches nothing says so, and markup typed there stays text
    page.fill("#find-name", "<img src=x onerror=alert(1)>zzzq")
    page.wait_for_selector("#find-results li.note")
    assert page.locator("#find-results img").count() == 0
    watched.clean()


def test_a_networks_members_named_to_run_script_run_nothing(watched: Watched, listed: str) -> None:
    """The members' list of a network on its page and at /members: their names are text, the
    one holding a role is mapped at that place, and the Content-Security-Policy holds."""
    page = watched.page
    watch_violations(page)
    page.goto(f"{listed}/organisation/list-net?lang=en")
    assert page.inner_text("#members-count") == "2 of 2 members"
    page.click("#browse-members")
    page.wait_for_url("**/members?within=**")
    assert page.inner_text("h1").startswith("Members of")
    names = page.locator("table.place-list tbody tr td:first-child").all_inner_texts()
    assert sorted(names) == sorted([PWN_SCRIPT, PWN_IMAGE])
    assert page.locator("table.place-list", has_text="Lieu 00").count() == 1  # its place
    open_every_map_label(page)
    assert page.locator("#map .leaflet-interactive").count() == 1  # one member has a place
    assert page.inner_text(".leaflet-tooltip") == PWN_IMAGE
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__violations") == []
    injected = "img[src='x'], script:not([src]):not([type='application/json'])"
    assert page.locator(injected).count() == 0
    watched.clean()
