"""The contribution forms attacked as a hostile contributor (or an unlucky partner) would: what
is not an IRI where the form takes one, two contributors naming new resources alike, two
submissions at once. Each answer is a 4xx problem (or the form shown again) that writes
nothing, never a 500; what two contributors describe stays two resources."""

from __future__ import annotations

import threading
from urllib.parse import quote

import pytest
from httpx2 import Response
from pyoxigraph import NamedNode, Quad

from commonsgraph.forms.entries import MAX_VALUES

from .conftest import BASE, Site
from .test_forms import JSON, PLACE

MADE = BASE + "tiers-lieu/la-fabrique-des-formes"
ROLE = BASE + "scheme/role/operator"
GRAPH = BASE + "graph/seed"


def _other(site: Site, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens.create('contributor', label)[1]}"}


@pytest.mark.parametrize(
    ("field", "value", "parameter"),
    [
        # `urlsplit` raises on a bracketed host that is no IPv6 address
        ("schema:containedInPlace", "http://[::1", "schema:containedInPlace"),
        ("foaf:homepage", "http://[zz]/", "foaf:homepage"),
        ("cg:typology", "https://[zz]/x", "cg:typology"),
        # a part's IRI with what no IRI holds: a second fragment, a broken escape
        ("cg:actorRole.1.@id", MADE + "#a#b", "cg:actorRole.1.@id"),
        ("cg:actorRole.1.@id", MADE + "#%zz", "cg:actorRole.1.@id"),
        # the resource edited, with what no IRI holds
        ("edit", BASE + "tiers-lieu/a b", "edit"),
        ("edit", BASE + "tiers-lieu/a>b", "edit"),
        ("edit", BASE + "tiers-lieu/a%zz", "edit"),
    ],
)
def test_what_is_no_iri_is_refused_not_a_server_error(
    site: Site, field: str, value: str, parameter: str
) -> None:
    before = site.store.triple_count()
    data = {**PLACE, "cg:actorRole.1.cg:role": ROLE, field: value}
    for path in ("/contribute/tiers-lieu/check", "/contribute/tiers-lieu"):
        answer = site.client.post(path, data=data, headers={**site.contributor, **JSON})
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["parameter"] == parameter
        assert "Traceback" not in answer.text
    page = site.client.post("/contribute/tiers-lieu?lang=en", data=data, headers=site.contributor)
    assert page.status_code == 400, page.text  # the form again, the refusal next to the input
    assert 'id="shape-form"' in page.text
    assert site.pending() == 0
    assert site.store.triple_count() == before


@pytest.mark.parametrize("edit", ["tiers-lieu/a b", "tiers-lieu/a>b", "tiers-lieu/a%zz"])
def test_the_form_of_a_resource_that_is_no_iri_is_refused(site: Site, edit: str) -> None:
    answer = site.client.get(
        f"/contribute/tiers-lieu?edit={quote(BASE + edit, safe='')}",
        headers={**site.contributor, **JSON},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["parameter"] == "edit"


def _new(site: Site, headers: dict[str, str], **fields: str) -> Response:
    return site.client.post(
        "/contribute/tiers-lieu", data={**PLACE, **fields}, headers={**headers, **JSON}
    )


def test_two_new_resources_of_the_same_name_stay_two(site: Site) -> None:
    """Two contributors describe two places called alike, the first not yet reviewed: the
    second gets a name of its own, and accepting both keeps both (before, both were named
    `…/le-fablab`, and accepting the second replaced the first)."""
    first = _new(site, site.contributor, **{"rdfs:label": "Le Fablab"})
    second = _new(site, _other(site, "Tiers-lieux du Sud"), **{"rdfs:label": "Le Fablab"})
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    one, two = first.json()["subject"], second.json()["subject"]
    assert one != two
    for made in (first, second):
        accepted = site.client.post(
            f"/contributions/{made.json()['id']}/accept", headers=site.curator
        )
        assert accepted.status_code == 200, accepted.text
    for subject in (one, two):
        assert site.store.ask("ASK { GRAPH ?g { ?s rdfs:label ?l } }", {"s": NamedNode(subject)})


def test_two_submissions_at_once_name_two_resources(site: Site) -> None:
    """Submitted at the same moment, the two are named one after the other."""
    headers = [site.contributor, _other(site, "Tiers-lieux du Sud")]
    answers: list[Response] = []
    start = threading.Barrier(2)

    def submit(who: dict[str, str]) -> None:
        start.wait(timeout=60)
        answers.append(_new(site, who, **{"rdfs:label": "La Forge"}))

    threads = [threading.Thread(target=submit, args=(who,)) for who in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert len({a.json()["subject"] for a in answers}) == 2


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Origin": "null"}, False),  # a sandboxed frame, a data: page
        ({"Origin": "https://evil.example"}, False),
        ({"Referer": "https://evil.example/page"}, False),  # an old browser says only this
        ({"Referer": "http://127.0.0.1:8000/contribute/tiers-lieu"}, True),
        ({}, True),  # no Referer (a policy that sends none): the SameSite cookie stands
    ],
)
def test_a_write_with_the_cookie_must_come_from_this_site(
    site: Site, headers: dict[str, str], allowed: bool
) -> None:
    secret = site.contributor["Authorization"].split()[1]
    site.client.cookies.set("commonsgraph_token", secret)
    answer = site.client.post("/contribute/tiers-lieu", data=PLACE, headers={**JSON, **headers})
    assert answer.status_code == (201 if allowed else 403), answer.text
    assert site.pending() == (1 if allowed else 0)


def test_editing_what_another_contributor_made_shows_the_form_again_saying_why(
    site: Site,
) -> None:
    """A partner follows a page's link to the form that edits it, but another contributor
    made the resource: the browser gets the form again with why, in the reader's language (not
    a JSON problem), and nothing is staged; a client asking JSON gets the 403 problem."""
    made = _new(site, site.contributor)
    assert made.status_code == 201, made.text
    accepted = site.client.post(f"/contributions/{made.json()['id']}/accept", headers=site.curator)
    assert accepted.status_code == 200, accepted.text
    other = _other(site, "Tiers-lieux du Sud")
    edit = {**PLACE, "rdfs:label": "Repris", "edit": made.json()["subject"]}
    listed = site.pending()
    for lang, words in (("fr", "une autre contribution"), ("en", "another contribution")):
        page = site.client.post(f"/contribute/tiers-lieu?lang={lang}", data=edit, headers=other)
        assert page.status_code == 403, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert 'id="shape-form"' in page.text
        assert words in page.text
    problem = site.client.post("/contribute/tiers-lieu", data=edit, headers={**other, **JSON})
    assert problem.status_code == 403
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert site.pending() == listed


@pytest.mark.parametrize("count", [2_001, 20_000])
def test_too_many_inputs_say_the_one_limit(site: Site, count: int) -> None:
    """Past the form's limit of inputs, however far, the refusal says that limit (the parser
    stops there rather than reading up to a larger one)."""
    answer = site.client.post(
        "/contribute/tiers-lieu/check?lang=en",
        content="&".join(["rdfs%3Alabel=x"] * count).encode(),
        headers={**site.contributor, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json() == {**answer.json(), "parameter": "form", "detail": "at most 2000 inputs"}


@pytest.mark.parametrize("invisible", ["\u200b", "\u200e\u200f", "\u2060\ufeff", "\u00a0\u3000"])
def test_a_value_with_nothing_visible_is_no_value(site: Site, invisible: str) -> None:
    """Zero-width, direction marks, no-break spaces alone: a name nobody sees is as missing as
    an empty one (the shapes say so), not a resource listed under an invisible name."""
    answer = site.client.post(
        "/contribute/tiers-lieu/check?lang=en",
        data={**PLACE, "rdfs:label": invisible},
        headers=site.contributor,
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is False
    assert report["fields"]["rdfs:label"][0]["severity"] == "Violation"


def test_a_resource_with_more_values_than_a_form_takes_is_not_edited_by_one(site: Site) -> None:
    """A network with more members than a form shows (its first 50): editing it by the form
    would have dropped the others without a word. The form and its submission say why not,
    and nothing is staged."""
    myne = BASE + "tiers-lieu/la-myne"
    same = NamedNode("http://schema.org/sameAs")
    site.store.change(
        delete=[],
        insert=[
            Quad(NamedNode(myne), same, NamedNode(f"https://x.example/{n}"), NamedNode(GRAPH))
            for n in range(MAX_VALUES + 10)
        ],
    )
    listed = site.pending()
    form = site.client.get(
        f"/contribute/tiers-lieu?edit={quote(myne, safe='')}&lang=en",
        headers={**site.contributor, **JSON},
    )
    assert form.status_code == 400, form.text
    assert form.json()["parameter"] == "schema:sameAs"
    assert str(MAX_VALUES + 10) in form.json()["detail"]
    answer = site.client.post(
        "/contribute/tiers-lieu", data={**PLACE, "edit": myne}, headers={**site.contributor, **JSON}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["parameter"] == "schema:sameAs"
    assert site.pending() == listed


@pytest.mark.parametrize("amount", ["12 000", "12\u00a0000", "12\u202f000", "12\u202f000,50"])
def test_an_amount_written_the_french_way_is_a_number(site: Site, amount: str) -> None:
    """French writes thousands apart with a (narrow) no-break space, as a number formatted
    for French is copied: the amount is the same number, not an invalid one."""
    grant = {"rdfs:label": "Subvention des formes",
             "schema:funder": BASE + "organisation/france-tiers-lieux",
             "schema:amount": amount, "schema:currency": "EUR",
             "schema:fundedItem": BASE + "tiers-lieu/la-myne", "dct:date": "2024-06-01"}  # fmt: skip
    answer = site.client.post("/contribute/grant/check", data=grant, headers=site.contributor)
    assert answer.status_code == 200, answer.text
    assert "schema:amount" not in answer.json()["fields"], answer.json()


@pytest.mark.parametrize(
    ("edit", "status"),
    [
        (BASE + "commune/23096", 400),  # not a tiers-lieu
        ("http://x y", 400),  # not an IRI
        (BASE + "tiers-lieu/nowhere", 404),
    ],
)
def test_a_wrong_edit_link_is_a_page_for_a_browser_and_a_problem_for_a_program(
    site: Site, edit: str, status: int
) -> None:
    path = f"/contribute/tiers-lieu?edit={quote(edit, safe='')}&lang=fr"
    page = site.client.get(path, headers={**site.contributor, "Accept": "text/html"})
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert "Modification impossible" in page.text
    answer = site.client.get(path, headers={**site.contributor, **JSON})
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
