"""Browsable lists (`/places`, `/members`, `/commons?within=…`) on the imported open data:
counts equal to the graph's, filters, sort, pages, a map of exactly the filtered set, CSV and
GeoJSON of the same list, bad parameters as problems naming them; every kind of page shows its
list."""

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
ONCE = "MINUS { ?seen owl:sameAs ?p . ?seen a cg:TiersLieu }"  # two sources, one place
IN_REGION = f"?p a cg:TiersLieu ; schema:containedInPlace+ <{REGION}> . {ONCE}"


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
@pytest.mark.parametrize("path", ["/places", "/members", "/commons"])
def test_bad_parameters_are_problems_naming_them(
    client: TestClient, path: str, name: str, value: str
) -> None:
    response = client.get(path, params={"within": REGION, name: value})
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
        f"SELECT ?s (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a cg:TiersLieu ; {path} ?s {ONCE} }} "
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


# -- members of a network, commons of a licence: the other kinds of list -----------------------

PLACE_PAGES = {
    "region": ("igeo:Region", "schema:containedInPlace+"),
    "departement": ("igeo:Departement", "schema:containedInPlace+"),
    "commune": ("igeo:Commune", "schema:containedInPlace+"),
    "typology": ("skos:Concept", "cg:typology"),
    "network": ("cg:Network", "cg:network"),
    "programme": ("cg:Programme", "cg:programme|schema:containedInPlace/cg:programme"),
}


def busiest(store: LocalStore, cls: str, pattern: str) -> tuple[str, int]:
    """The resource of class `cls` with the most items (`pattern` relates ?p to ?s)."""
    rows = store.select(
        f"SELECT ?s (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?s a {cls} . {pattern} }} "
        "GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1"
    )
    if not rows:
        pytest.skip(f"no {cls} has items in the imported data")
    found = rows[0]["s"]
    assert isinstance(found, NamedNode)
    assert found.value.startswith(BASE)
    return found.value, int(lexical(rows[0]["n"]))


def shown_list(client: TestClient, iri: str, name: str) -> str:
    """The section of the resource's page that holds its list of `name`."""
    page = client.get("/" + iri.removeprefix(BASE), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert f'id="list-{name}"' in page.text, iri
    return page.text.split(f'id="list-{name}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("kind", sorted(PLACE_PAGES))
def test_every_kind_of_page_shows_its_places_with_filters_pages_map_and_downloads(
    client: TestClient, imported: LocalStore, kind: str
) -> None:
    cls, path = PLACE_PAGES[kind]
    iri, expected = busiest(imported, cls, f"?p a cg:TiersLieu ; {path} ?s . {ONCE}")
    section = shown_list(client, iri, "places")
    assert 'id="places-count"' in section
    assert 'class="list-filters"' in section
    assert 'action="/places"' in section
    rows = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == min(expected, lists.PAGE_SIZE) or kind == "programme"  # and via communes
    assert "format=csv" in section
    assert "format=geojson" in section
    assert ('rel="next"' in section) == (rows < expected)
    listed = client.get("/places", params={"within": iri, "format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(listed.text)))) >= expected
    page = client.get("/" + iri.removeprefix(BASE), headers={"Accept": "text/html"}).text
    assert 'id="map-features"' in page


def test_a_networks_members_are_listed_on_its_page_and_as_csv(
    client: TestClient, imported: LocalStore
) -> None:
    pattern = "{ ?s org:hasMember ?p } UNION { ?p org:memberOf ?s } ?p a org:Organization ."
    iri, expected = busiest(imported, "cg:Network", pattern)
    section = shown_list(client, iri, "members")
    assert 'id="members-count"' in section
    assert 'action="/members"' in section
    found = client.get("/members", params={"within": iri, "format": "csv"})
    assert found.status_code == 200
    assert 'filename="members.csv"' in found.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(found.text)))
    assert len(rows) == expected
    assert list(rows[0]) == [
        "iri",
        "label",
        "place",
        "commune",
        "organisation_kind",
        "programme",
        "lat",
        "long",
    ]
    page = client.get("/members", params={"within": iri, "lang": "en"})
    assert page.status_code == 200
    assert "Members of" in page.text


def test_a_licences_commons_are_listed_on_its_page_and_as_csv(
    client: TestClient, imported: LocalStore
) -> None:
    iri, expected = busiest(imported, "cc:License", "?p a cg:Commons ; dct:license ?s .")
    section = shown_list(client, iri, "commons")
    assert 'id="commons-count"' in section
    assert 'action="/commons"' in section
    found = client.get("/commons", params={"within": iri, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(found.text)))
    assert len(rows) == expected
    assert list(rows[0])[:5] == ["iri", "label", "place", "commune", "commons_kind"]
    geojson = client.get("/commons", params={"within": iri, "format": "geojson"}).json()
    assert len(geojson["features"]) == sum(1 for row in rows if row["lat"])


def test_a_kind_of_commons_lists_its_commons_on_its_page(
    client: TestClient, imported: LocalStore
) -> None:
    iri, expected = busiest(imported, "skos:Concept", "?p a cg:Commons ; cg:commonsKind ?s .")
    section = shown_list(client, iri, "commons")
    rows = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == expected
    found = client.get("/commons", params={"within": iri, "format": "geojson"})
    assert found.headers["content-type"].startswith("application/geo+json")


def test_a_filter_of_another_kind_of_list_is_a_problem_naming_it(
    client: TestClient, imported: LocalStore
) -> None:
    iri, _ = busiest(imported, "cc:License", "?p a cg:Commons ; dct:license ?s .")
    response = client.get("/commons", params={"within": iri, "typology": BASE + "x"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "typology"
    assert "commons_kind" in response.json()["detail"]
    assert client.get("/members", params={"within": REGION}).status_code == 404


MEMBERS = f"""PREFIX cg: <https://w3id.org/commonsgraph/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX cc: <http://creativecommons.org/ns#>
INSERT DATA {{ GRAPH <{BASE}graph/test> {{
  <{BASE}organisation/net> a org:Organization, cg:Network ; rdfs:label "Net" ;
    org:hasMember <{BASE}organisation/a> .
  <{BASE}organisation/a> a org:Organization ; rdfs:label "<b>A</b>" ;
    cg:organisationKind <{BASE}scheme/organisation-kind/association> .
  <{BASE}organisation/b> a org:Organization ; rdfs:label "B" ; org:memberOf <{BASE}organisation/net> .
  <{BASE}organisation/c> a org:Organization ; rdfs:label "C" .
  <{BASE}organisation/net#m> a org:Membership ; org:member <{BASE}organisation/c> ;
    org:organization <{BASE}organisation/net> .
  <{BASE}organisation/elsewhere> a org:Organization ; rdfs:label "Elsewhere" .
  <{BASE}tiers-lieu/p> a cg:TiersLieu ; rdfs:label "P" ; wgs:lat 45.0 ; wgs:long 5.0 ;
    schema:containedInPlace <{BASE}commune/38185> ; cg:actorRole <{BASE}tiers-lieu/p#role-1> .
  <{BASE}tiers-lieu/p#role-1> a cg:ActorRole ; cg:agent <{BASE}organisation/a> .
  <{BASE}commune/38185> a igeo:Commune ; rdfs:label "Grenoble" .
  <{BASE}licence/X> a cc:License ; rdfs:label "X" .
  <{BASE}commons/k> a cg:Commons ; rdfs:label "K" ; dct:license <{BASE}licence/X> ;
    schema:locationCreated <{BASE}tiers-lieu/p> .
  <{BASE}commons/l> a cg:Commons ; rdfs:label "L" ; dct:license <{BASE}licence/X> .
}} }}"""


def test_members_are_mapped_at_the_place_where_they_hold_a_role_and_filtered_by_kind() -> None:
    store = LocalStore()
    store.update(MEMBERS)
    members = lists.BY_NAME["members"]
    net = NamedNode(BASE + "organisation/net")
    path = members.scope(["https://w3id.org/commonsgraph/ns#Network"])
    assert path is not None
    found = lists.item_list(store, members, net, path, lists.ListRequest.of({}, members), "fr")
    assert [row.label for row in found.rows] == ["<b>A</b>", "B", "C"]  # hasMember, memberOf,
    assert found.total == 3  # and an org:Membership
    a = found.rows[0]
    assert (a.site, a.commune, a.lat, a.long) == (BASE + "tiers-lieu/p", "Grenoble", 45.0, 5.0)
    assert [f["id"] for f in found.features()] == [BASE + "organisation/a"]  # B, C: no place
    kind = BASE + "scheme/organisation-kind/association"
    only = lists.item_list(
        store, members, net, path, lists.ListRequest.of({"organisation_kind": kind}, members), "fr"
    )
    assert [row.iri for row in only.rows] == [BASE + "organisation/a"]
    assert only.total == 3
    cells = list(csv.reader(io.StringIO(only.csv().decode())))
    assert cells[1][:4] == [BASE + "organisation/a", "<b>A</b>", BASE + "tiers-lieu/p", "Grenoble"]


def test_commons_are_mapped_at_the_place_that_produced_them() -> None:
    store = LocalStore()
    store.update(MEMBERS)
    commons = lists.BY_NAME["commons"]
    path = commons.scope(["http://creativecommons.org/ns#License"])
    assert path is not None
    found = lists.item_list(
        store, commons, NamedNode(BASE + "licence/X"), path, lists.ListRequest({}), "en"
    )
    assert [row.label for row in found.rows] == ["K", "L"]
    assert [f["id"] for f in found.features()] == [BASE + "commons/k"]
    assert found.features()[0]["properties"] == {
        "iri": BASE + "commons/k",
        "title": "K",
        "href": BASE + "commons/k",
        "commune": "Grenoble",
        "commons_kind": "",
        "place": "P",
    }


def test_a_place_two_sources_describe_is_listed_once(client: TestClient) -> None:
    villeurbanne = BASE + "commune/69266"
    found = [row["iri"] for row in csv_rows(client, within=villeurbanne)]
    assert BASE + "tiers-lieu/la-myne" in found
    assert BASE + "tiers-lieu/cget-2019-1130" not in found  # its census row: the same place
