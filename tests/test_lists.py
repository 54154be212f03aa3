"""Browsable lists (`/places?within=…`) on the imported open data: counts equal to the graph's,
filters, sort, pages, a map of exactly the filtered set, CSV and GeoJSON of the same list, bad
parameters as problems naming them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from commonsgraph import lists
from commonsgraph.store import LocalStore, lexical

from .conftest import BASE, count, serving

REGION = BASE + "region/52"
IN_REGION = f"?p a cg:TiersLieu ; schema:containedInPlace+ <{REGION}> ."


@pytest.fixture(scope="module")
def client(imported: LocalStore) -> Iterator[TestClient]:
    with serving(imported) as client:
        yield client


def common_typology(store: LocalStore) -> tuple[str, int]:
    """The typology most places of the region have, and how many have it."""
    rows = store.select(
        f"SELECT ?t (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {IN_REGION} ?p cg:typology ?t }} "
        "GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1"
    )
    typology = rows[0]["t"]
    assert isinstance(typology, NamedNode)
    return typology.value, int(lexical(rows[0]["n"]))


def csv_rows(client: TestClient, **params: str) -> list[dict[str, str]]:
    response = client.get("/places", params={"within": REGION, "format": "csv", **params})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_region_lists_every_place_with_commune_and_typology(
    client: TestClient, imported: LocalStore
) -> None:
    expected = count(imported, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {IN_REGION} }}")
    rows = csv_rows(client)
    assert expected >= 60
    assert len(rows) == len({row["iri"] for row in rows}) == expected
    assert list(rows[0]) == [
        "iri",
        "label",
        "commune",
        "typology",
        "stage",
        "programme",
        "lat",
        "long",
    ]
    assert sum(1 for row in rows if row["commune"]) >= expected * 0.9
    assert any(row["typology"] for row in rows)
    labels = [row["label"].lower() for row in rows]
    assert labels == sorted(labels)
    by_commune = [row["commune"].lower() for row in csv_rows(client, sort="commune")]
    named = [c for c in by_commune if c]
    assert named == sorted(named)


def test_a_typology_filter_keeps_exactly_its_places_in_the_list_csv_geojson_and_map(
    client: TestClient, imported: LocalStore
) -> None:
    typology, expected = common_typology(imported)
    rows = csv_rows(client, typology=typology)
    assert 0 < len(rows) == expected
    total = count(imported, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {IN_REGION} }}")
    assert expected < total  # the filter removed some
    located = {row["iri"] for row in rows if row["lat"] and row["long"]}
    geojson = client.get(
        "/places", params={"within": REGION, "typology": typology, "format": "geojson"}
    )
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = geojson.json()["features"]
    assert {f["id"] for f in features} == located
    page = client.get(
        "/places",
        params={"within": REGION, "typology": typology, "page_size": "100", "lang": "en"},
    )
    assert page.status_code == 200
    assert f"{expected} of {total} tiers-lieux" in page.text.replace("\u202f", "").replace(
        "\xa0", ""
    )
    shown = json.loads(page.text.split('id="map-features">', 1)[1].split("</script>", 1)[0])
    assert {f["properties"]["iri"] for f in shown} == located
    assert "<script>" not in page.text.split("</footer>", 1)[0].replace(
        '<script type="application/json" id="map-features">', ""
    )


def test_pages_split_the_filtered_list(client: TestClient) -> None:
    every = [row["iri"] for row in csv_rows(client)]
    seen: list[str] = []
    page = 1
    while True:
        response = client.get(
            "/places", params={"within": REGION, "page": str(page), "page_size": "25"}
        )
        assert response.status_code == 200
        body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        hrefs = [part.split('"', 1)[0] for part in body.split('<tr><td><a href="')[1:]]
        seen += [BASE + href.lstrip("/") for href in hrefs]
        assert len(hrefs) == min(25, len(every) - (page - 1) * 25)
        if 'rel="next"' not in response.text:
            break
        page += 1
    assert seen == every
    beyond = client.get("/places", params={"within": REGION, "page": str(page + 1)})
    assert beyond.status_code == 400
    assert beyond.json()["parameter"] == "page"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("typology", "coworking"),
        ("stage", "javascript:alert(1)"),
        ("programme", "http://bad iri/"),
        ("sort", "random"),
        ("page", "0"),
        ("page", "-1"),
        ("page_size", "101"),
        ("page_size", "ten"),
        ("format", "xlsx"),
        ("within", "not an iri"),
        ("within", ""),
    ],
)
def test_bad_parameters_are_problems_naming_them(client: TestClient, name: str, value: str) -> None:
    response = client.get("/places", params={"within": REGION, name: value})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["parameter"] == name


def test_a_resource_that_lists_no_places_is_not_found(client: TestClient) -> None:
    response = client.get("/places", params={"within": BASE + "licence/Apache-2.0"})
    assert response.status_code == 404


def test_a_region_page_shows_the_first_page_of_its_list_and_links_the_rest(
    client: TestClient,
) -> None:
    page = client.get("/region/52", headers={"Accept": "text/html"})
    assert 'id="browse-places"' in page.text
    assert "/places?within=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Fregion%2F52" in page.text
    rows = page.text.split('class="place-list"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 50  # the first page of 64
    assert 'rel="next" href="/places?within=' in page.text
    assert (
        "/places?within=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Fregion%2F52&amp;sort=name&amp;page_size=50&amp;format=csv"
        in page.text
    )


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ("typology", "cg:typology"),
        ("network", "cg:network"),
        ("programme", "cg:programme|schema:containedInPlace/cg:programme"),
    ],
)
def test_a_typology_network_or_programme_lists_its_places_and_its_page_links_them(
    client: TestClient, imported: LocalStore, scope: str, path: str
) -> None:
    rows = imported.select(
        f"SELECT ?s (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a cg:TiersLieu ; {path} ?s }} "
        "GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1"
    )
    if not rows:
        pytest.skip(f"no place has a {scope} in the imported data")
    iri = rows[0]["s"]
    assert isinstance(iri, NamedNode)
    listed = client.get("/places", params={"within": iri.value, "format": "csv"})
    assert listed.status_code == 200
    found = list(csv.DictReader(io.StringIO(listed.text)))
    assert len(found) >= int(lexical(rows[0]["n"]))  # programmes also reach through communes
    assert iri.value.startswith(BASE)
    page = client.get("/" + iri.value.removeprefix(BASE), headers={"Accept": "text/html"})
    assert 'id="browse-places"' in page.text


def test_csv_cells_never_run_as_formulas() -> None:
    store = LocalStore()
    store.update(
        f"""PREFIX cg: <https://w3id.org/commonsgraph/ns#>
        PREFIX schema: <http://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT DATA {{ GRAPH <{BASE}graph/test> {{
          <{BASE}region/99> a <http://rdf.insee.fr/def/geo#Region> ; rdfs:label "Nowhere" .
          <{BASE}tiers-lieu/trap> a cg:TiersLieu ; schema:containedInPlace <{BASE}region/99> ;
            rdfs:label "=HYPERLINK(\\"http://evil.example/\\", \\"Click\\")" .
        }} }}"""
    )
    found = lists.item_list(
        store,
        lists.PLACES,
        NamedNode(BASE + "region/99"),
        "schema:containedInPlace+",
        lists.ListRequest.of({}),
        "fr",
    )
    cells = list(csv.reader(io.StringIO(found.csv().decode())))
    assert cells[1][1] == '\'=HYPERLINK("http://evil.example/", "Click")'
