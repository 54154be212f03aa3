"""Forms generated from the shapes: the model read from the real shapes (fields, choices,
cardinalities), the statements a filled form makes, the routes (a submission is an ordinary
contribution), a kind added with its shape that gets its form with no template of its own, and
bad input refused with a 4xx problem and nothing written."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph import kinds
from commonsgraph.config import Settings
from commonsgraph.forms import Forms, Reader, filled
from commonsgraph.forms.entries import MAX_ROWS, MAX_VALUES
from commonsgraph.store import LocalStore
from commonsgraph.vocab import Minter

from .conftest import BASE, Site

CG = "https://w3id.org/commonsgraph/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GUERET = BASE + "commune/23096"
FABLAB = BASE + "scheme/typology/fablab"
PLACE = {
    "rdfs:label": "La Fabrique des formes",
    "rdfs:label@lang": "fr",
    "cg:typology": FABLAB,
    "schema:containedInPlace": GUERET,
    "wgs:lat": "46.17",
    "wgs:long": "1.87",
}


@pytest.fixture(scope="module")
def forms() -> Forms:
    settings = Settings()
    return Forms.of_files(
        settings.resource("shapes").glob("*.ttl"),
        settings.resource("ontology").glob("*.ttl"),
        BASE,
    )


@pytest.fixture
def reader(seeded: LocalStore) -> Reader:
    return Reader(seeded, Minter(BASE), lambda text, classes: [])


# -- the model, from the real shapes -----------------------------------------------------------


def test_every_contributable_kind_has_a_form_with_its_fields(forms: Forms) -> None:
    assert [f.kind for f in forms.all()] == list(kinds.contributable())
    for form in forms.all():
        assert form.fields, form.kind
        for f in (*form.fields, *(sub for group in form.fields for sub in group.fields)):
            assert f.label.get("fr"), (form.kind, f.key)  # every word in both languages
            assert f.label.get("en"), (form.kind, f.key)


def test_a_tiers_lieu_form_says_what_each_field_takes(forms: Forms) -> None:
    form = forms.form("tiers-lieu")
    assert form is not None
    label = form.field("rdfs:label")
    assert label is not None
    assert (label.widget, label.required, label.repeatable) == ("multilingual", True, True)
    assert label.label == {"fr": "libellé", "en": "label"}
    typology = form.field("cg:typology")
    assert typology is not None
    assert (typology.widget, typology.scheme, typology.recommended) == (
        "choice", BASE + "scheme/typology", True,
    )  # fmt: skip
    lat = form.field("wgs:lat")
    assert lat is not None
    assert (lat.widget, lat.repeatable, lat.minimum, lat.maximum) == ("decimal", False, "-90", "90")
    assert form.has_map
    opening = form.field("cg:openingDate")
    assert opening is not None
    assert opening.widget == "date"
    commune = form.field("schema:containedInPlace")
    assert commune is not None
    assert commune.widget == "picker"
    assert "http://rdf.insee.fr/def/geo#Commune" in commune.classes
    homepage = form.field("foaf:homepage")
    assert homepage is not None
    assert homepage.widget == "url"
    roles = form.field("cg:actorRole")
    assert roles is not None
    assert roles.widget == "group"
    assert [(f.key, f.widget, f.required) for f in roles.fields] == [
        ("cg:agent", "picker", True), ("cg:role", "choice", True),
        ("schema:startDate", "date", False), ("schema:endDate", "date", False),
    ]  # fmt: skip
    network = form.field("cg:network")
    assert network is not None
    assert network.widget == "picker"  # a network is a resource of its own, not a part
    assert form.field("geo:hasGeometry") is None  # written from the coordinates


def test_the_other_kinds_forms(forms: Forms) -> None:
    commons, project, grant = forms.form("commons"), forms.form("project"), forms.form("grant")
    assert commons is not None
    assert project is not None
    assert grant is not None
    licence = commons.field("dct:license")
    assert licence is not None
    assert (licence.widget, licence.classes, licence.recommended) == (
        "picker", ("http://creativecommons.org/ns#License",), True,
    )  # fmt: skip
    changes = project.field("cg:stageChange")
    assert changes is not None
    assert [f.key for f in changes.fields] == ["cg:stage", "prov:atTime", "dct:source"]
    amount = grant.field("schema:amount")
    assert amount is not None
    assert (amount.required, amount.widget) == (True, "decimal")
    currency = grant.field("schema:currency")
    assert currency is not None
    assert [o.value for o in currency.options] == ["EUR"]  # sh:in


def test_choices_come_from_the_scheme_in_the_readers_language(forms: Forms, reader: Reader) -> None:
    form = forms.form("project")
    assert form is not None
    stage = form.field("cg:stage")
    assert stage is not None
    french = dict(reader.choices(stage, "fr"))
    english = dict(reader.choices(stage, "en"))
    assert french[BASE + "scheme/stage/idea"] == "idée"
    assert english[BASE + "scheme/stage/idea"] == "idea"


# -- from fields to statements -----------------------------------------------------------------


def test_a_filled_form_makes_the_statements_of_its_resource(forms: Forms, reader: Reader) -> None:
    form = forms.form("tiers-lieu")
    assert form is not None
    pairs = [*PLACE.items(), ("cg:openingDate", "2019-05"),
             ("locn:address.1.locn:fullAddress", "1 place Bonnyaud, 23000 Guéret"),
             ("locn:address.1.locn:adminUnitL1", "FR")]  # fmt: skip
    entries = filled(form, pairs)
    subject = reader.subject(form, entries, None)
    assert subject.value == BASE + "tiers-lieu/la-fabrique-des-formes"
    reading = reader.read(form, entries, subject)
    triples = set(reading.triples)
    address = NamedNode(subject.value + "#address-1")
    assert (
        Triple(subject, NamedNode(LABEL), Literal("La Fabrique des formes", language="fr"))
        in triples
    )
    assert Triple(subject, NamedNode(CG + "typology"), NamedNode(FABLAB)) in triples
    lat = NamedNode("http://www.w3.org/2003/01/geo/wgs84_pos#lat")
    assert Triple(subject, lat, Literal("46.17", datatype=NamedNode(XSD + "decimal"))) in triples
    opening = Literal("2019-05", datatype=NamedNode(XSD + "gYearMonth"))
    assert Triple(subject, NamedNode(CG + "openingDate"), opening) in triples
    assert Triple(subject, NamedNode("http://www.w3.org/ns/locn#address"), address) in triples
    assert reading.inputs[(address.value, "http://www.w3.org/ns/locn#fullAddress")] == (
        "locn:address.1.locn:fullAddress"
    )


def test_a_picker_takes_a_name_it_can_resolve(forms: Forms, seeded: LocalStore) -> None:
    form = forms.form("tiers-lieu")
    assert form is not None
    named = Reader(seeded, Minter(BASE), lambda text, classes: [(GUERET, "Guéret")])
    entries = filled(form, [("rdfs:label", "Ici"), ("schema:containedInPlace", "gueret")])
    reading = named.read(form, entries, named.subject(form, entries, None))
    assert NamedNode(GUERET) in {t.object for t in reading.triples}


# -- over HTTP ---------------------------------------------------------------------------------


JSON = {"Accept": "application/json"}


@pytest.mark.parametrize("kind", kinds.contributable())
def test_every_form_renders_in_both_languages(site: Site, kind: str) -> None:
    for lang, word in (("fr", "Nouveau"), ("en", "New")):
        page = site.client.get(f"/contribute/{kind}?lang={lang}", headers=site.contributor)
        assert page.status_code == 200, page.text
        assert word in page.text
        assert 'id="shape-form"' in page.text


def test_forms_need_a_contributor(site: Site) -> None:
    page = site.client.get("/contribute/tiers-lieu", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/contributions/login?next=")
    assert site.client.post("/contribute/tiers-lieu/check", data=PLACE).status_code == 401
    assert site.client.get("/contribute/licence", headers=site.contributor).status_code == 404


def test_the_live_check_reports_by_field_in_the_readers_language(site: Site) -> None:
    broken = {**PLACE, "rdfs:label": "", "wgs:lat": "200"}
    for lang, words in (("fr", "latitude invalide"), ("en", "invalid latitude")):
        answer = site.client.post(
            f"/contribute/tiers-lieu/check?lang={lang}", data=broken, headers=site.contributor
        )
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["conforms"] is False
        assert words in report["fields"]["wgs:lat"][0]["message"]
        assert report["fields"]["rdfs:label"][0]["severity"] == "Violation"
    fixed = site.client.post("/contribute/tiers-lieu/check", data=PLACE, headers=site.contributor)
    assert fixed.json()["conforms"] is True
    assert site.pending() == 0  # a check stages nothing


def test_a_submitted_form_is_an_ordinary_contribution(site: Site) -> None:
    answer = site.client.post(
        "/contribute/tiers-lieu?lang=fr", data=PLACE, headers={**site.contributor, **JSON}
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    contribution = site.client.get(f"/contributions/{made['id']}", headers=site.curator).json()
    assert contribution["status"] == "pending"
    assert contribution["media_type"] == "application/n-triples"
    accepted = site.client.post(f"/contributions/{made['id']}/accept", headers=site.curator)
    assert accepted.status_code == 200, accepted.text
    assert site.store.ask(
        "ASK { GRAPH ?g { ?s rdfs:label ?l } }", {"s": NamedNode(made["subject"])}
    )
    edit = site.client.get(
        f"/contribute/tiers-lieu?edit={made['subject']}&lang=en", headers=site.contributor
    )
    assert edit.status_code == 200
    assert 'value="La Fabrique des formes"' in edit.text
    assert 'data-label="Guéret"' in edit.text
    renamed = {**PLACE, "rdfs:label": "La Fabrique", "edit": made["subject"]}
    again = site.client.post(
        "/contribute/tiers-lieu", data=renamed, headers={**site.contributor, **JSON}
    )
    assert again.status_code == 201, again.text
    assert again.json()["subject"] == made["subject"]  # the same resource, described again


def test_a_form_that_does_not_conform_is_shown_again_and_nothing_staged(site: Site) -> None:
    page = site.client.post(
        "/contribute/tiers-lieu?lang=fr", data={**PLACE, "wgs:lat": "200"}, headers=site.contributor
    )
    assert page.status_code == 422
    assert "latitude invalide" in page.text
    assert 'aria-invalid="true"' in page.text
    assert site.pending() == 0


@pytest.mark.parametrize(
    ("field", "value", "parameter"),
    [
        ("rdfs:label", "<script>alert(1)</script>", "rdfs:label"),
        ("rdfs:label", "nul\x00byte", "rdfs:label"),
        ("rdfs:label", "x" * 20_000, "rdfs:label"),
        ("schema:containedInPlace", BASE + "licence/CC-BY-SA-4.0", "schema:containedInPlace"),
        ("schema:containedInPlace", "urn:isbn:123", "schema:containedInPlace"),
        ("foaf:homepage", "javascript:alert(1)", "foaf:homepage"),
        ("cg:typology", BASE + "scheme/theme/culture", "cg:typology"),
        ("rdf:type", CG + "Network", "rdf:type"),
        ("cg:actorRole.9999.cg:role", "x", "cg:actorRole.9999.cg:role"),
        ("cg:actorRole.1.@id", "https://elsewhere.example/x", "cg:actorRole.1.@id"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    site: Site, field: str, value: str, parameter: str
) -> None:
    before = site.store.triple_count()
    for path in ("/contribute/tiers-lieu/check", "/contribute/tiers-lieu"):
        answer = site.client.post(
            path, data={**PLACE, field: value}, headers={**site.contributor, **JSON}
        )
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["parameter"] == parameter
    assert site.pending() == 0
    assert site.store.triple_count() == before


def test_too_many_rows_or_values_and_odd_bytes_are_refused(site: Site) -> None:
    many = [
        *PLACE.items(),
        *[("schema:sameAs", f"https://x.example/{n}") for n in range(MAX_VALUES + 1)],
    ]
    rows = [*PLACE.items(), (f"cg:actorRole.{MAX_ROWS + 1}.cg:role", "x")]
    form = {**site.contributor, **JSON, "Content-Type": "application/x-www-form-urlencoded"}
    for data in (many, rows):
        answer = site.client.post("/contribute/tiers-lieu", content=urlencode(data), headers=form)
        assert answer.status_code == 400, answer.text
    odd = site.client.post(
        "/contribute/tiers-lieu",
        content=b"rdfs%3Alabel=%ED%A0%80",  # a lone surrogate: no UTF-8
        headers=form,
    )
    assert odd.status_code == 400
    page = site.client.post(
        "/contribute/tiers-lieu?lang=en",
        data={**PLACE, "rdfs:label": "<b>bold</b>"},
        headers=site.contributor,
    )
    assert page.status_code == 400  # shown again, with the refusal next to the field
    assert "markup" in page.text
    assert "<b>bold</b>" not in page.text
    assert site.pending() == 0


def test_a_write_with_the_cookie_from_another_site_is_refused(site: Site) -> None:
    secret = site.contributor["Authorization"].split()[1]
    site.client.cookies.set("commonsgraph_token", secret)
    answer = site.client.post(
        "/contribute/tiers-lieu", data=PLACE, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert site.pending() == 0


# -- a kind added with its shapes gets its form ------------------------------------------------

INSTRUMENT_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:InstrumentShape a sh:NodeShape ; sh:targetClass ex:Instrument .
ex:Instrument-name a sh:PropertyShape ; sh:targetClass ex:Instrument ;
    sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
    sh:name "nom de l'instrument"@fr, "instrument name"@en .
ex:Instrument-strings a sh:PropertyShape ; sh:targetClass ex:Instrument ;
    sh:path ex:strings ; sh:datatype xsd:integer ; sh:severity sh:Warning ; sh:minCount 1 ;
    sh:name "cordes"@fr, "strings"@en .
"""


def test_a_kind_added_with_its_shape_gets_its_form(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instrument = kinds.Kind(
        "instrument", "https://example.org/ns#Instrument", {"fr": "instrument", "en": "instrument"},
        {"fr": "instruments", "en": "instruments"}, contributors=kinds.ANYONE,
    )  # fmt: skip
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, instrument))
    shapes = tmp_path / "instrument.ttl"
    shapes.write_text(INSTRUMENT_SHAPES)
    settings = Settings()
    app = site.client.app
    app.state.forms = Forms.of_files(  # type: ignore[attr-defined]
        [*settings.resource("shapes").glob("*.ttl"), shapes],
        settings.resource("ontology").glob("*.ttl"),
        BASE,
    )
    page = site.client.get("/contribute/instrument?lang=fr", headers=site.contributor)
    assert page.status_code == 200, page.text
    assert "nom de l&#39;instrument" in page.text
    assert 'name="ex:strings"' in page.text or 'name="https://example.org/ns#strings"' in page.text
    assert "(recommandé)" in page.text
    listing = site.client.get("/contribute?lang=en", headers=site.contributor)
    assert "/contribute/instrument" in listing.text


VALID = {
    "tiers-lieu": PLACE,
    "organisation": {"rdfs:label": "Association des formes", "cg:siren": "732829320"},
    "commons": {"rdfs:label": "Kit des formes", "dct:license": BASE + "licence/CC-BY-SA-4.0",
                "cg:commonsKind": BASE + "scheme/commons-kind/legal-toolkit"},
    "project": {"rdfs:label": "Projet des formes", "cg:stage": BASE + "scheme/stage/idea",
                "cg:stageChange.1.cg:stage": BASE + "scheme/stage/idea",
                "cg:stageChange.1.prov:atTime": "2024-03",
                "schema:location": GUERET},
    "grant": {"rdfs:label": "Subvention des formes",
              "schema:funder": BASE + "organisation/france-tiers-lieux",
              "schema:amount": "12 000", "schema:currency": "EUR",
              "schema:fundedItem": BASE + "tiers-lieu/la-myne", "dct:date": "2024-06-01"},
    "offer": {"rdfs:label": "Appel des formes", "rdfs:label@lang": "fr",
              "schema:offeredBy": BASE + "organisation/france-tiers-lieux",
              "cg:minAmount": "50000", "cg:maxAmount": "150000",
              "schema:validFrom": "2024-01-15", "schema:validThrough": "2024-12-31",
              "foaf:homepage": "https://example.org/appel"},
    "article": {"rdfs:label": "Des formes et des lieux", "rdfs:label@lang": "fr",
                "cg:contentKind": BASE + "scheme/content-kind/interview",
                "schema:datePublished": "2024-05-02", "schema:inLanguage": "fr"},
}  # fmt: skip


@pytest.mark.parametrize("kind", kinds.contributable())
def test_a_valid_form_of_every_kind_is_accepted(site: Site, kind: str) -> None:
    answer = site.client.post(
        f"/contribute/{kind}", data=VALID[kind], headers={**site.contributor, **JSON}
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["subject"].startswith(f"{BASE}{kind}/")
    accepted = site.client.post(f"/contributions/{made['id']}/accept", headers=site.curator)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"


def test_a_page_links_to_the_form_that_edits_it_filled_from_the_graph(site: Site) -> None:
    html = {"Accept": "text/html"}
    page = site.client.get("/tiers-lieu/la-myne?lang=fr", headers=html)
    assert page.status_code == 200
    link = f"/contribute/tiers-lieu?edit={quote(BASE + 'tiers-lieu/la-myne')}"
    assert f'href="{link}&amp;lang=fr"' in page.text
    assert "/contribute/" not in site.client.get("/licence/CC-BY-SA-4.0", headers=html).text
    form = site.client.get(f"{link}&lang=fr", headers=site.contributor)
    assert form.status_code == 200
    assert 'value="La MYNE"' in form.text
    other = site.client.get(
        f"/contribute/tiers-lieu?edit={quote(BASE + 'licence/MIT', safe='')}",
        headers={**site.contributor, **JSON},
    )
    assert other.status_code == 400


def test_a_refusal_is_said_in_the_readers_language(site: Site) -> None:
    for lang, words in (("fr", "balisage"), ("en", "markup")):
        answer = site.client.post(
            f"/contribute/tiers-lieu/check?lang={lang}",
            data={**PLACE, "rdfs:label": "<i>x</i>"},
            headers=site.contributor,
        )
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert words in answer.json()["detail"]
        assert answer.json()["parameter"] == "rdfs:label"
    named = site.client.post(
        "/contribute/tiers-lieu/check?lang=fr",
        data={**PLACE, "schema:containedInPlace": "Nulle-Part-sur-Mer"},
        headers=site.contributor,
    )
    assert named.status_code == 400
    assert "Nulle-Part-sur-Mer" in named.json()["detail"]
