"""Reuse help: the attribution text to paste (TASL) along the derivation chain, in French and
English, the caveats of a work with no licence or no author, and the commons page's section.

Expected rows come from FIXTURE data (tests/fixtures/legal-chain.ttl, reuse-and-units.ttl);
licence names are read from the graph, which curates them, not written here."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.queries import NamedQuery, load_queries
from commonsgraph.rdfio import parse_triples
from commonsgraph.reuse import reuse_help
from commonsgraph.store import LocalStore, lexical
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

from .conftest import BASE, FILES, FIXTURES, ROOT

Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    store = LocalStore()
    load_bundled(store, Settings(data_dir=tmp_path_factory.mktemp("reuse"), base_iri=BASE))
    for name in ("legal-chain", "reuse-and-units"):
        triples = parse_triples(FIXTURES / f"{name}.ttl", base_iri=BASE, limits=FILES)
        store.replace_graph(NamedNode(f"{BASE}graph/test/{name}"), triples)
    yield store
    store.close()


@pytest.fixture(scope="module")
def query() -> NamedQuery:
    return next(q for q in load_queries(ROOT / "queries") if q.name == "reuse-obligations")


def run(graph: LocalStore, query: NamedQuery, **given: str) -> Rows:
    rows = graph.select(query.prepared(given, BASE))
    return [{k: lexical(v) for k, v in row.items()} for row in rows]


def licence(graph: LocalStore, spdx: str) -> tuple[str, str]:
    """A licence's name and the link the attribution gives (its page, else its legal code)."""
    row = graph.select(
        """SELECT ?name ?link WHERE { ?l rdfs:label ?name
             OPTIONAL { ?l foaf:homepage ?home } OPTIONAL { ?l cc:legalcode ?code }
             BIND(COALESCE(?home, ?code, ?l) AS ?link) }""",
        {"l": NamedNode(f"{BASE}licence/{spdx}")},
    )[0]
    return lexical(row["name"]), lexical(row["link"])


def attributions(rows: Rows) -> dict[str, str]:
    return {r["work"].removeprefix(BASE): r["attribution"] for r in rows}


def test_the_attribution_names_title_author_source_and_licence_up_the_chain(
    graph: LocalStore, query: NamedQuery
) -> None:
    by, by_link = licence(graph, "CC-BY-4.0")
    by_sa, by_sa_link = licence(graph, "CC-BY-SA-4.0")
    assert attributions(run(graph, query, commons="kit-c")) == {
        "commons/kit-c": f"“Kit C” by Atelier C ({BASE}commons/kit-c), "
        f"licensed under {by} ({by_link})",
        "commons/kit-b": f"Based on “Kit B” by Atelier B ({BASE}commons/kit-b), "
        f"licensed under {by_sa} ({by_sa_link})",
        "commons/kit-a": f"Based on “Kit A” by Atelier A ({BASE}commons/kit-a), "
        f"licensed under {by} ({by_link})",
    }
    french = attributions(run(graph, query, commons="kit-c", lang="fr"))
    assert french["commons/kit-c"] == (
        f"« Kit C » par Atelier C ({BASE}commons/kit-c), sous licence {by} ({by_link})"
    )
    assert french["commons/kit-b"].startswith("D'après « Kit B » par Atelier B")
    # the seed's Fab-manager: two authors in alphabetical order, its homepage as the source
    agpl, agpl_link = licence(graph, "AGPL-3.0-or-later")
    assert attributions(run(graph, query, commons="fab-manager")) == {
        "commons/fab-manager": "“Fab-manager” by La Casemate – CCSTI de Grenoble, Sleede "
        f"(https://www.fab-manager.com/), licensed under {agpl} ({agpl_link})"
    }


def test_a_commons_with_no_licence_says_all_rights_reserved(
    graph: LocalStore, query: NamedQuery
) -> None:
    for lang, words in (("en", "all rights reserved"), ("fr", "tous droits réservés")):
        rows = run(graph, query, commons="closed", lang=lang)
        assert {r["attribution"] for r in rows} == {
            ("“Closed kit” by Atelier X" if lang == "en" else "« Closed kit » par Atelier X")
            + f" ({BASE}commons/closed), {words} "
            + ("(no licence)" if lang == "en" else "(aucune licence)")
        }
        assert [(r["kind"], r["obligation"].rsplit("#")[-1]) for r in rows] == [
            ("no licence", "AllRightsReserved")
        ]
        assert words in rows[0]["obligationLabel"]
        assert "licence" not in rows[0]


def test_a_cycle_in_the_chain_ends_and_a_missing_author_is_said(
    graph: LocalStore, query: NamedQuery
) -> None:
    rows = run(graph, query, commons="loop-x")
    distances = {r["work"].removeprefix(BASE): r["distance"] for r in rows}
    assert distances == {"commons/loop-x": "0", "commons/loop-y": "1"}
    loop_y = [r for r in rows if r["work"].endswith("/loop-y")]
    assert {(r["kind"], r["obligation"].rsplit("#")[-1]) for r in loop_y} >= {
        ("missing", "AuthorUnknown"),
        ("requires", "Attribution"),
    }
    assert {r["attribution"] for r in loop_y} == {
        f"Based on “Loop Y” by an unnamed author ({BASE}commons/loop-y), "
        "licensed under {} ({})".format(*licence(graph, "CC-BY-4.0"))
    }
    # a work with authors is not said to lack one, and a licensed work is not "all rights reserved"
    assert not any(r["kind"] in ("missing", "no licence") for r in rows if r["work"].endswith("x"))
    # the name in the language asked for
    assert {r["workName"] for r in rows if r["work"].endswith("/loop-x")} == {"Loop X"}
    assert {r["workName"] for r in run(graph, query, commons="loop-x", lang="fr")} >= {"Boucle X"}


def test_the_help_groups_the_rows_per_work(graph: LocalStore, query: NamedQuery) -> None:
    help = reuse_help(graph, query, NamedNode(BASE + "commons/odd-markup"), BASE, "en")
    # loop-x and loop-y derive from each other: in a cycle a distance is an upper bound
    assert [(w.iri.removeprefix(BASE), w.distance) for w in help.works] == [
        ("commons/odd-markup", 0),
        ("commons/loop-x", 2),
        ("commons/loop-y", 2),
    ]
    assert help.text.splitlines()[0].startswith(
        '“<script>alert(\'kit\')</script> Kit & "Co"” by <b>Atelier</b> & "Co" '
        "(https://example.org/kit?a=1&b='2'), licensed under"
    )
    assert len(help.text.splitlines()) == 3
    assert help.unlicensed == ()
    assert [w.caveats for w in help.works][2] == [
        "no author named: the attribution cannot be complete, ask the maintainer"
    ]
    closed = reuse_help(graph, query, NamedNode(BASE + "commons/closed"), BASE, "fr")
    assert [w.iri for w in closed.unlicensed] == [BASE + "commons/closed"]


@pytest.fixture(scope="module")
def client(graph: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("reuse-pages")
    settings = Settings(data_dir=data, base_iri=BASE)
    tokens = TokenStore(Database.open(settings))
    with TestClient(create_app(settings, graph, tokens), raise_server_exceptions=False) as client:
        yield client


def section(page: str) -> str:
    found = re.search(r'<section aria-labelledby="reuse-title".*?</section>', page, re.S)
    assert found, "the commons page has a reuse section"
    return found.group(0)


def test_the_commons_page_shows_the_attribution_escaped_with_a_copy_button(
    client: TestClient,
) -> None:
    page = client.get("/commons/odd-markup?lang=en", headers={"Accept": "text/html"}).text
    reuse = section(page)
    assert "<script>alert" not in page
    assert "<b>Atelier" not in page
    text = re.search(r'<pre id="attribution"[^>]*>(.*?)</pre>', reuse, re.S)
    assert text is not None
    lines = html.unescape(text.group(1)).splitlines()
    assert lines[0].startswith("“<script>alert('kit')</script> Kit & \"Co\"” by <b>Atelier</b>")
    assert len(lines) == 3
    button = re.search(r"<button [^>]*data-copy=\"attribution\"[^>]*>", reuse)
    assert button is not None
    assert 'type="button"' in button.group(0)
    assert re.search(r'data-copy="attribution"[^>]*>Copy the text</button>', reuse)
    assert 'role="status"' in reuse
    assert 'aria-live="polite"' in reuse
    assert '<script src="/static/copy.js"></script>' in page
    assert client.get("/static/copy.js").status_code == 200
    assert "https://" not in page.split("<script src=")[-1].split(">")[0]  # no CDN


def test_the_page_of_a_commons_with_no_licence_says_reuse_needs_permission(
    client: TestClient,
) -> None:
    reuse = section(client.get("/commons/closed?lang=fr").text)
    assert "tous droits réservés" in reuse
    assert "autorisation de ses auteurs" in reuse


def test_pages_of_other_resources_have_no_reuse_section(client: TestClient) -> None:
    page = client.get("/licence/CC-BY-4.0?lang=en").text
    assert 'id="reuse-title"' not in page
    assert "copy.js" not in page
