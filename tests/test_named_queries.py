"""Named queries: each one's expected rows on the real data, the REST API (parameters bound and
validated, formats, OpenAPI), the header parser, and the command line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, parse

from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.errors import DataSyntaxError, ParameterError
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import NamedQuery, load_queries, parse_named_query
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator

from .conftest import BASE, FILES, FIXTURES, ROOT, serving
from .programme import MINTER, load_fixtures

CHAIN = NamedNode(BASE + "graph/test/legal-chain")
ROLES = NamedNode(BASE + "graph/test/roles-across-places")
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def graph(imported: LocalStore) -> Iterator[LocalStore]:
    """The imported open data, with the fictional derivation chain of the legal tests, the
    fictional actors holding roles across places, and the fictional projects, offers, grants,
    articles and dossier of tests/fixtures/programme (loaded from their CSV templates)."""
    imported.replace_graph(
        CHAIN, parse_triples(FIXTURES / "legal-chain.ttl", base_iri=BASE, limits=FILES)
    )
    imported.replace_graph(
        ROLES, parse_triples(FIXTURES / "roles-across-places.ttl", base_iri=BASE, limits=FILES)
    )
    programme = load_fixtures(
        imported, Validator.of_project(Settings(data_dir=None, base_iri=BASE))
    )
    assert all(report.skipped == [] for report in programme)
    yield imported
    imported.drop_graph(CHAIN)
    imported.drop_graph(ROLES)
    for graph in [MINTER.graph("test/programme-actors"), *(r.changes[0].graph for r in programme)]:
        imported.drop_graph(graph)


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    return {q.name: q for q in load_queries(ROOT / "queries")}


@pytest.fixture(scope="module")
def client(graph: LocalStore) -> Iterator[TestClient]:
    with serving(graph) as client:
        yield client


def rows(store: LocalStore, query: NamedQuery, **given: str) -> Rows:
    found = store.select(LegalQueries(store, BASE).prepared(query, given))
    return [{k: lexical(v).removeprefix(BASE) for k, v in row.items()} for row in found]


def column(found: Rows, name: str) -> list[str]:
    return [row.get(name, "") for row in found]


# -- every query, its expected rows --------------------------------------------------------------


def check_actors(found: Rows) -> bool:
    assert {(r["actor"], r["roleName"]) for r in found} == {
        ("organisation/association-la-myne", "operator"),
        ("organisation/metropole-de-lyon", "landlord"),
    }
    return True


def check_changed(found: Rows) -> bool:
    resources = set(column(found, "resource"))
    assert {"tiers-lieu/cget-2019-1", "commons/fab-manager", "commune/69266"} <= resources
    assert not any("#" in r for r in resources), "parts are dereferenced with their resource"
    return True


def check_density(found: Rows) -> bool:
    regions = {r["name"]: r for r in found}
    idf = regions["Île-de-France"]
    places, population = int(idf["places"]), int(idf["population"])
    assert places >= 300
    assert 12_000_000 < population < 13_000_000
    assert float(idf["density"]) == round(10_000 * places / population, 2)
    return True


def check_opening_years(found: Rows) -> bool:
    years = [int(r["year"]) for r in found]
    assert years == sorted(years)
    totals = [int(r["total"]) for r in found]
    assert totals == sorted(totals), "the running total grows"
    assert totals[-1] == sum(int(r["opened"]) for r in found)
    return True


def check_typology(found: Rows) -> bool:
    assert len(found) >= 300
    assert "tiers-lieu/la-casemate" in column(found, "place")
    assert all(r["lat"] and r["long"] for r in found if r["place"].startswith("tiers-lieu/cget"))
    return True


def check_programme_places(found: Rows) -> bool:
    assert len(found) >= 100
    assert all(r["communeName"] for r in found)
    return True


def check_near(found: Rows) -> bool:
    distances = [float(r["distance"]) for r in found]
    assert found
    assert distances == sorted(distances)
    assert distances[-1] <= 10
    assert "tiers-lieu/la-myne" in column(found, "place")
    return True


def check_regions(found: Rows) -> bool:
    assert len(found) == 17
    counts = {r["name"]: int(r["places"]) for r in found}
    assert counts["Île-de-France"] == max(counts.values())
    assert sum(counts.values()) >= 1500
    return True


def check_programme_communes(found: Rows) -> bool:
    assert len(found) == 244  # the communes of Action Cœur de Ville
    poitiers = next(r for r in found if r["name"] == "Poitiers")
    assert int(poitiers["places"]) >= 10
    return True


def check_obligations(found: Rows) -> bool:
    assert {r["licence"] for r in found} == {"licence/AGPL-3.0-or-later"}
    assert {r["obligation"].rsplit("#", 1)[-1] for r in found} >= {"SourceCode", "Copyleft"}
    assert {r["authorName"] for r in found} == {"Sleede", "La Casemate – CCSTI de Grenoble"}
    return True


def check_actors_by_role(found: Rows) -> bool:
    """Fictional actors (tests/fixtures/roles-across-places.ttl): the Marseille place and its
    second record (owl:sameAs) count once; the service provider holds its role once only."""
    assert [(r["actorName"], r["roleName"], r["kindName"], r["places"]) for r in found] == [
        ("Coopérative d'essai", "operator", "cooperative", "3"),
        ("Foncière d'essai", "owner", "property company", "2"),
    ]
    assert set(found[0]["territories"].split(" | ")) == {
        "Belgium",
        "Hauts-de-France",
        "Provence-Alpes-Côte d'Azur",
    }
    assert set(found[1]["territories"].split(" | ")) == {
        "Hauts-de-France",
        "Provence-Alpes-Côte d'Azur",
    }
    return True


def check_countries(found: Rows) -> bool:
    """1,512 census rows: 1,511 in France and Tournai (row 848) in Belgium; 7 seed places, 6 of
    them census rows too (owl:sameAs), so France counts 1,511 + 7 - 6."""
    assert [(r["code"], r.get("country", ""), r.get("name", ""), r["places"]) for r in found] == [
        ("FR", "country/FR", "France", "1512"),
        ("BE", "country/BE", "Belgium", "1"),
    ]
    return True


def check_projects_per_region(found: Rows) -> bool:
    """The fictional projects: Craon, described by two records (owl:sameAs), counts once."""
    assert [
        (r["regionName"], r["stageName"], r["projects"], r["inProgrammeCommunes"]) for r in found
    ] == [
        ("Nouvelle-Aquitaine", "prefiguration", "2", "1"),  # Ahun (PVD), Guéret
        ("Occitanie", "open", "1", "1"),  # Cajarc (PVD)
        ("Pays de la Loire", "open", "1", "1"),  # Craon (PVD)
        ("Île-de-France", "open", "1", "0"),  # Paris
    ]
    return True


def check_durations(found: Rows) -> bool:
    """Paris 181 days (2018-01-01 to 2018-07-01), Cajarc 366 (the year 2020 from its first day
    to 2021-01-01), Craon 731 (2019-06-01 to 2021-06-01); the median is the middle one."""
    assert [(r["project"], r["days"]) for r in found] == [
        ("project/test-paris", "181"),
        ("project/test-cajarc", "366"),
        ("project/test-craon", "731"),
    ]
    assert {(r["median"], r["shortest"], r["longest"], r["projects"]) for r in found} == {
        ("366", "181", "731", "3")
    }
    return True


def check_funding_by_place(found: Rows) -> bool:
    """Fabriques de Territoire grants of the fictional fixtures, by commune and year."""
    assert [
        (r["placeName"], r["regionName"], r["year"], r["grants"], r["total"]) for r in found
    ] == [
        ("Cajarc", "Occitanie", "2021", "1", "50000"),
        ("Craon", "Pays de la Loire", "2021", "1", "75000"),
        ("Ahun", "Nouvelle-Aquitaine", "2022", "1", "150000"),
    ]
    return True


def check_funding_by_offer(found: Rows) -> bool:
    """The fictional call and the two real Fabriques de Territoire offers of the seed (no grant
    of the seed's: a total of 0)."""
    assert [(r["offer"], r["grants"], r["total"]) for r in found] == [
        ("offer/test-ami-fabriques", "2", "225000"),
        ("offer/ami-fabriques-de-territoire", "0", "0"),
        ("offer/fabriques-de-territoire-2023", "0", "0"),
    ]
    seed = next(r for r in found if r["offer"] == "offer/ami-fabriques-de-territoire")
    assert (seed["minAmount"], seed["maxAmount"], seed["validThrough"]) == (
        "75000",
        "150000",
        "2021-09-30",
    )
    return True


EXPECTED: dict[str, tuple[dict[str, str], Callable[[Rows], bool]]] = {
    "projects-by-stage": (
        {"stage": "prefiguration", "programme": "petites-villes-de-demain"},
        lambda found: (
            [(r["project"], r["territoryName"], r["since"]) for r in found]
            == [("project/test-ahun", "Ahun", "2022-03-01")]
        ),
    ),
    "projects-per-region": ({}, check_projects_per_region),
    "project-duration": ({}, check_durations),
    "funding-by-place-and-year": ({"programme": "fabriques-de-territoire"}, check_funding_by_place),
    "funding-by-offer": ({"programme": "fabriques-de-territoire"}, check_funding_by_offer),
    "offers-for-project": (
        # prefiguration, an association, in France: the fictional call fits, the call for
        # building sites does not; the seed's offers state no eligibility, so they fit
        {"project": "test-ahun"},
        lambda found: (
            column(found, "offer")
            == [
                "offer/ami-fabriques-de-territoire",
                "offer/test-ami-fabriques",
                "offer/fabriques-de-territoire-2023",
            ]
        ),
    ),
    "commons-by-kind": (
        {"kind": "software-tool"},
        lambda found: (
            column(found, "commons")
            == [
                "commons/archipelago",
                "commons/fab-manager",
                "commons/gogocarto",
                "commons/semapps",
            ]
        ),
    ),
    "content-about": (
        # the interview is about the Ahun project, whose commune lies in Nouvelle-Aquitaine
        {"about": "region/75"},
        lambda found: column(found, "article") == ["article/test-entretien-ahun"],
    ),
    "dossier-contents": (
        {"dossier": "test-dossier"},
        lambda found: (
            [(r["position"], r["article"]) for r in found]
            == [("1", "article/test-article-craon"), ("2", "article/test-entretien-ahun")]
        ),
    ),
    "actors-of-place": ({}, check_actors),
    "actors-by-role": ({}, check_actors_by_role),
    "places-by-country": ({}, check_countries),
    "changed-since": ({}, check_changed),
    "commons-derived-from": (
        {},
        lambda found: column(found, "derived") == ["commons/archipelago"],
    ),
    "commons-produced": (
        {"region": "84"},
        lambda found: (
            {(r["commons"], r["licence"]) for r in found}
            == {("commons/fab-manager", "licence/AGPL-3.0-or-later")}
        ),
    ),
    "commons-without-licence": (
        {},
        lambda found: column(found, "name") == ["Archipelago", "GoGoCarto", "Movilab"],
    ),
    "contribution-shares": (
        {"commons": "kit-c"},
        lambda found: column(found, "share") == ["40", "40", "20"],
    ),
    "licence-compatibility": (
        {},
        lambda found: column(found, "answer") == ["conditional"],
    ),
    "licence-conflicts": (
        {},
        lambda found: (
            [(r["derived"], r["source"]) for r in found] == [("commons/kit-c", "commons/kit-b")]
        ),
    ),
    "licences-by-terms": (
        {"permits": "cc:DerivativeWorks", "prohibits": "cc:CommercialUse"},
        lambda found: (
            "licence/CC-BY-NC-4.0" in column(found, "licence")
            and "licence/CC-BY-4.0" not in column(found, "licence")
        ),
    ),
    "licences-commercial-derivatives": (
        {},
        lambda found: (
            {"licence/MIT", "licence/Apache-2.0", "licence/CC-BY-4.0", "licence/etalab-2.0"}
            <= set(column(found, "licence"))
            and not {"licence/CC-BY-SA-4.0", "licence/GPL-3.0-only", "licence/CC-BY-NC-4.0"}
            & set(column(found, "licence"))
        ),
    ),
    "licences-missing-facts": ({}, lambda found: found == []),
    "may-adapt": (
        # Fab-manager (AGPL-3.0-or-later) combined into a GPL-3.0-or-later work (AGPL § 13)
        {"use": "combine"},
        lambda found: (
            [(r["answer"], r["overall"]) for r in found] == [("conditional", "conditional")]
        ),
    ),
    "network-places": (
        {},
        lambda found: column(found, "name") == ["La Quincaillerie"],
    ),
    "networks-and-members": (
        {},
        lambda found: {r["name"]: r["places"] for r in found}["Réseau Tela"] == "1",
    ),
    "place-density": ({}, check_density),
    "places-by-opening-year": ({}, check_opening_years),
    "places-by-operator-legal-form": (
        {"legalForm": "SCIC"},
        lambda found: column(found, "place") == ["tiers-lieu/halle-tropisme"],
    ),
    "places-by-typology": ({}, check_typology),
    "places-in-programme-communes": ({}, check_programme_places),
    "places-near": ({}, check_near),
    "places-per-region": ({}, check_regions),
    "programme-communes": ({}, check_programme_communes),
    "reuse-obligations": ({}, check_obligations),
}


def test_there_are_enough_queries_and_each_has_an_expectation(
    queries: dict[str, NamedQuery],
) -> None:
    assert len(queries) >= 20
    # licence-families is a CONSTRUCT (tested below); partner-places needs a partner
    # endpoint, so tests/test_federation.py runs it against a real one.
    assert set(EXPECTED) | {"licence-families", "partner-places"} == set(queries)
    for query in queries.values():
        assert query.title.keys() >= {"fr", "en"}
        assert query.description.keys() >= {"fr", "en"}
        assert query.tags


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_query_returns_its_expected_rows(
    graph: LocalStore, queries: dict[str, NamedQuery], name: str
) -> None:
    given, check = EXPECTED[name]
    found = rows(graph, queries[name], **given)
    assert check(found), found


def test_actors_by_role_by_role_kind_and_number_of_places(
    graph: LocalStore, queries: dict[str, NamedQuery]
) -> None:
    query = queries["actors-by-role"]

    def held(**given: str) -> set[tuple[str, str, str]]:
        return {(r["actor"], r["held"], r["places"]) for r in rows(graph, query, **given)}

    assert held(role="owner") == {("organisation/test-fonciere", "scheme/role/owner", "2")}
    assert held(kind="company") == set()
    assert held(kind="company", min="1") == {
        ("organisation/test-prestataire", "scheme/role/service-provider", "1"),
        ("organisation/groupe-evolution", "scheme/role/operator", "1"),  # Darwin (seed)
    }
    # the seed: the Métropole de Lyon is La MYNE's landlord; Darwin Bastide, a foncière, owns Darwin
    assert ("organisation/metropole-de-lyon", "scheme/role/landlord", "1") in held(min="1")
    owners = rows(graph, query, role="owner", kind="property-company", min="1", lang="fr")
    assert {(r["actorName"], r["kindName"], r["roleName"]) for r in owners} == {
        ("Darwin Bastide", "foncière", "propriétaire"),
        ("Foncière d'essai", "foncière", "propriétaire"),
    }


def test_parameters_change_the_answer(graph: LocalStore, queries: dict[str, NamedQuery]) -> None:
    assert rows(graph, queries["changed-since"], since="2999-01-01T00:00:00Z") == []
    assert rows(graph, queries["commons-produced"], region="11") == []
    in_region = rows(graph, queries["places-by-typology"], region="84")
    assert 0 < len(in_region) < len(rows(graph, queries["places-by-typology"]))
    departements = rows(graph, queries["place-density"], level="igeo:Departement")
    assert len(departements) > 90
    pvd = rows(graph, queries["programme-communes"], programme="petites-villes-de-demain")
    assert len(pvd) == 1606


# -- the REST API --------------------------------------------------------------------------------


def test_the_catalogue_lists_every_query_with_its_parameters(
    client: TestClient, queries: dict[str, NamedQuery]
) -> None:
    response = client.get("/api/queries")
    assert response.status_code == 200
    listed = {q["name"]: q for q in response.json()}
    assert set(listed) == set(queries)
    near = listed["places-near"]
    assert near["title"]["fr"]
    assert near["url"].endswith("/api/queries/places-near")
    assert "geojson" in near["formats"]
    assert "turtle" not in near["formats"]
    assert [p["name"] for p in near["parameters"]] == ["lat", "long", "km"]
    assert "turtle" in listed["licence-families"]["formats"]
    legal = client.get("/api/queries", params={"tag": "legal"}).json()
    assert legal
    assert all("legal" in q["tags"] for q in legal)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_query_is_reachable_with_its_parameters(client: TestClient, name: str) -> None:
    given, check = EXPECTED[name]
    response = client.get(f"/api/queries/{name}", params=given)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    bindings = response.json()["results"]["bindings"]
    found = [{k: v["value"].removeprefix(BASE) for k, v in row.items()} for row in bindings]
    assert check(found), found


def test_formats_by_parameter_and_by_accept(client: TestClient) -> None:
    url = "/api/queries/licence-compatibility"
    table = client.get(
        url, params={"source": "CC-BY-SA-4.0", "target": "CC-BY-4.0", "format": "csv"}
    )
    assert table.headers["content-type"].startswith("text/csv")
    row = next(csv.DictReader(io.StringIO(table.text)))
    assert row["answer"] == "forbidden"
    assert "share-alike" in row["reason"]
    tsv = client.get(url, headers={"Accept": "text/tab-separated-values"})
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert tsv.text.startswith("?source\t?target\t?answer")
    plain = client.get(url, headers={"Accept": "application/json"})
    assert plain.json()["head"]["vars"][:3] == ["source", "target", "answer"]
    families = client.get("/api/queries/licence-families")
    assert families.headers["content-type"].startswith("text/turtle")
    statements = list(parse(families.content, RdfFormat.TURTLE))
    classified = {t.subject for t in statements if t.predicate.value.endswith("#licenceFamily")}
    assert len(classified) >= 660
    jsonld = client.get("/api/queries/licence-families", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    text = client.get(url, params={"source": "MIT", "format": "sparql"})
    assert f"<{BASE}licence/MIT>" in text.text  # the engine's rows, as VALUES
    assert f"<{BASE}compatibility/permissive--any>" in text.text.split("VALUES (")[1]
    refused = client.get(url, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


def test_pages_by_country(client: TestClient) -> None:
    """The home page counts places per country (each once); a country's page lists its units,
    a unit's page the places in it."""
    home = client.get("/?lang=en")
    assert "Tiers-lieux per country" in home.text
    assert re.search(r'href="/country/BE"[^>]*>Belgium</a></td><td class="number">1<', home.text)
    assert re.search(r'href="/country/FR"[^>]*>France</a></td><td class="number">1,512<', home.text)
    belgium = client.get("/country/BE?lang=fr")
    assert belgium.status_code == 200
    assert "Belgique" in belgium.text
    assert "/subdivision/BE-WAL" in belgium.text
    hainaut = client.get("/subdivision/BE-WHT", headers={"Accept": "text/html"})
    assert hainaut.status_code == 200
    assert "SPRING BOX COWORKING" in hainaut.text
    turtle = client.get("/subdivision/BE-WHT", headers={"Accept": "text/turtle"})
    graph = parse(turtle.content, format=RdfFormat.TURTLE)
    codes = [t.object.value for t in graph if t.predicate.value.endswith("ns#iso3166Code")]
    assert codes == ["BE-WHT"]


def test_places_as_geojson(client: TestClient) -> None:
    response = client.get("/api/queries/places-near", params={"format": "geojson"})
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    myne = next(f for f in collection["features"] if f["id"] == BASE + "tiers-lieu/la-myne")
    longitude, latitude = myne["geometry"]["coordinates"]
    assert 45.7 < latitude < 45.8
    assert 4.8 < longitude < 4.9
    assert myne["properties"]["name"] == "La MYNE"
    assert isinstance(myne["properties"]["distance"], float)
    # a network's places, one of them without coordinates: kept, with a null geometry
    network = client.get("/api/queries/network-places", headers={"Accept": "application/geo+json"})
    features = network.json()["features"]
    assert [f["properties"]["name"] for f in features] == ["La Quincaillerie"]
    not_a_map = client.get("/api/queries/commons-without-licence", params={"format": "geojson"})
    assert not_a_map.status_code == 400
    assert not_a_map.json()["parameter"] == "format"


@pytest.mark.parametrize(
    ("url", "parameter", "fragment"),
    [
        ("/api/queries/places-near?km=ten", "km", "not a valid decimal"),
        ("/api/queries/places-near?lat=1&lat=2", "lat", "more than once"),
        ("/api/queries/places-near?radius=3", "radius", "no such parameter"),
        ("/api/queries/programme-communes?programme=leader", "programme", "not one of"),
        ("/api/queries/changed-since?since=yesterday", "since", "not a valid dateTime"),
        ("/api/queries/may-adapt?commons=a%20b", "commons", "cannot contain spaces"),
        ("/api/queries/licence-compatibility?source=MIT%20OR", "source", "not a valid SPDX"),
        ("/api/queries/licence-compatibility?use=copy", "use", "not one of"),
        ("/api/queries/actors-of-place?lang=de", "lang", "not one of fr, en"),
        ("/api/queries/places-by-typology?format=png", "format", "not offered"),
    ],
)
def test_a_wrong_parameter_is_a_400_that_names_it(
    client: TestClient, url: str, parameter: str, fragment: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == parameter
    assert fragment in problem["detail"]


def test_a_value_is_bound_as_a_term_not_pasted_into_the_query(client: TestClient) -> None:
    injected = '" } } SELECT * WHERE { ?s ?p ?o } #'
    response = client.get(
        "/api/queries/actors-of-place", params={"place": "la-myne", "lang": injected}
    )
    assert response.status_code == 400  # not one of fr, en
    response = client.get(
        "/api/queries/commons-produced", params={"region": "x> } ?s ?p ?o . { <y"}
    )
    assert response.status_code == 400
    assert response.json()["parameter"] == "region"
    # a string parameter with quotes travels as one literal
    response = client.get(
        "/api/queries/changed-since", params={"since": '2020-01-01T00:00:00Z" || true || "'}
    )
    assert response.status_code == 400


def test_unknown_queries_are_404_problems(client: TestClient) -> None:
    response = client.get("/api/queries/no-such-query")
    assert response.status_code == 404
    assert "GET /api/queries" in response.json()["detail"]


def test_openapi_shows_each_query_with_its_parameters(
    client: TestClient, queries: dict[str, NamedQuery]
) -> None:
    document = client.get("/openapi.json").json()
    for name, query in queries.items():
        operation = document["paths"][f"/api/queries/{name}"]["get"]
        assert operation["summary"] == query.label("en")
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert set(parameters) == {p.name for p in query.parameters} | {"format"}
    near = {
        p["name"]: p for p in document["paths"]["/api/queries/places-near"]["get"]["parameters"]
    }
    assert near["km"]["schema"] == {"type": "number", "default": "10"}
    assert (
        "application/geo+json"
        in document["paths"]["/api/queries/places-near"]["get"]["responses"]["200"]["content"]
    )
    programme = document["paths"]["/api/queries/programme-communes"]["get"]["parameters"][0]
    assert "petites-villes-de-demain" in programme["schema"]["enum"]
    assert client.get("/docs").status_code == 200


# -- the header parser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("#+ title: x\n", "lacks 'name'"),
        ("#+ name: x\n", "lacks 'title'"),
        ("#+ name: x\n#+ title: [\n", "invalid #+ header"),
        ("#+ name: x\n#+ title: t\n#+ parameters:\n#+   p: {type: colour}\n", "needs a type"),
        ("#+ name: x\n#+ title: t\n#+ parameters:\n#+   p: {type: integer, default: two}\n", "'p'"),
        ("#+ name: x\n#+ title: t\n#+ coordinates: lat\n", "coordinates"),
    ],
)
def test_malformed_headers_are_refused_with_their_file(header: str, fragment: str) -> None:
    with pytest.raises(DataSyntaxError, match=re.escape(fragment)) as caught:
        parse_named_query(header + "SELECT * WHERE { ?s ?p ?o }\n", "bad.rq")
    assert str(caught.value).startswith("bad.rq")


def test_parameter_types() -> None:
    query = parse_named_query(
        "#+ name: t\n#+ title: t\n#+ parameters:\n"
        "#+   i: {type: integer, default: '3'}\n#+   b: {type: boolean, default: 'true'}\n"
        "#+   d: {type: date, default: '2024-02-29'}\n#+   y: {type: year, default: '2019'}\n"
        "#+   t: {type: iri, prefix: 'scheme/typology/', default: fablab}\n"
        "SELECT * WHERE { ?s ?p ?o }\n",
        "t.rq",
    )
    bound = query.bindings({}, BASE)
    assert str(bound["i"]) == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert str(bound["b"]) == '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    assert str(bound["d"]) == '"2024-02-29"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert str(bound["y"]) == '"2019"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    assert str(bound["t"]) == f"<{BASE}scheme/typology/fablab>"
    assert str(query.bindings({"t": "cg:TiersLieu"}, BASE)["t"]).endswith("ns#TiersLieu>")
    for name, value in [("i", "3.5"), ("b", "maybe"), ("d", "2023-02-29"), ("y", "19")]:
        with pytest.raises(ParameterError) as caught:
            query.bindings({name: value}, BASE)
        assert caught.value.parameter == name


# -- the command line ----------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "var"), *args])
    return result.exit_code, result.output


def test_cli_lists_and_runs_named_queries(tmp_path: Path) -> None:
    code, output = cli(tmp_path, "queries", "list")
    assert code == 0
    assert "licence-compatibility" in output
    assert "places-near" in output
    code, output = cli(
        tmp_path, "queries", "run", "licence-compatibility",
        "--source", "CC-BY-SA-4.0", "--target=CC-BY-4.0", "--format", "csv",
    )  # fmt: skip
    assert code == 0, output
    assert next(csv.DictReader(io.StringIO(output)))["answer"] == "forbidden"
    code, output = cli(tmp_path, "queries", "run", "commons-without-licence")
    assert code == 0
    assert "Movilab" in output
    assert "row(s)" in output
    code, output = cli(tmp_path, "queries", "run", "network-places", "--format", "geojson")
    assert code == 0
    assert json.loads(output)["type"] == "FeatureCollection"


def test_cli_refuses_bad_parameters_with_exit_code_2(tmp_path: Path) -> None:
    code, output = cli(tmp_path, "queries", "run", "places-near", "--km", "far")
    assert code == 2
    assert "parameter 'km'" in output
    code, output = cli(tmp_path, "queries", "run", "places-near", "--km")
    assert code == 2
    assert "--km needs a value" in output
    code, output = cli(tmp_path, "queries", "run", "nothing-like-this")
    assert code == 2
    assert "queries list" in output


def test_rules_dereference(client: TestClient) -> None:
    rule = client.get(
        "/compatibility/weak-copyleft--any/combine", headers={"Accept": "text/turtle"}
    )
    assert rule.status_code == 200
    statements = {(str(q.predicate), str(q.object)) for q in parse(rule.content, RdfFormat.TURTLE)}
    assert (
        "<https://w3id.org/commonsgraph/ns#verdict>",
        f"<{BASE}scheme/compatibility/conditional>",
    ) in statements
    assert ("<https://w3id.org/commonsgraph/ns#use>", '"combine"') in statements
    rule = client.get("/compatibility/strong-copyleft--any", headers={"Accept": "text/html"})
    assert "strong copyleft → any licence" in rule.text
