"""The W3C Reconciliation Service API v0.2 at /reconcile, tried as OpenRefine does: the
manifest, batches of queries sent as a form (`queries=`) and in the query string, suggest,
preview, data extension; every answer against the API's schemas (tests/reconciliation_schemas).

`tests/fixtures/reconcile-census-300.csv` holds 300 census places (every fifth row of
`cget-tiers-lieux-2019.csv`) written as a curator's spreadsheet might: accents dropped, "Fab Lab"
for "FabLab" and back, "Co-working" for "Coworking", lower or upper case, a leading article
dropped, and a wrong postcode on every tenth row; with the INSEE code of the commune where the
census gives one."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from commonsgraph.store import LocalStore, lexical
from tests import reconciliation_schemas as schemas
from tests.conftest import BASE, serving

SPREADSHEET = Path(__file__).parent / "fixtures" / "reconcile-census-300.csv"
PLACE = "https://w3id.org/commonsgraph/ns#TiersLieu"
LICENCE = "http://creativecommons.org/ns#License"


def valid(document: object, schema: dict[str, Any]) -> None:
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def client(imported: LocalStore) -> Iterator[TestClient]:
    with serving(imported) as client:
        yield client


def census_iri(row: dict[str, str]) -> str:
    return f"{BASE}tiers-lieu/cget-2019-{row['id']}"


def test_a_spreadsheet_of_300_census_places(client: TestClient, imported: LocalStore) -> None:
    with SPREADSHEET.open(encoding="utf-8") as sheet:
        rows = list(csv.DictReader(sheet))
    assert len(rows) == 300
    same = {  # the census places the seed describes too are found as the seed's
        lexical(r["s"]): lexical(r["o"])
        for r in imported.select("SELECT ?s ?o WHERE { ?s owl:sameAs ?o }")
    }
    right = matched = matched_right = 0
    for start in range(0, len(rows), 10):  # OpenRefine's batches of 10, as a form
        batch = {
            f"q{i}": {
                "query": row["name"],
                "type": PLACE,
                "type_strict": "should",
                "limit": 3,
                "properties": [
                    {"pid": "postcode", "v": row["postcode"]},
                    *([{"pid": "insee", "v": row["insee"]}] if row["insee"] else []),
                ],
            }
            for i, row in enumerate(rows[start : start + 10])
        }
        response = client.post("/reconcile", data={"queries": json.dumps(batch)})
        assert response.status_code == 200, response.text
        answers = response.json()
        valid(answers, schemas.RESULT_BATCH)
        assert set(answers) == set(batch)
        for i, row in enumerate(rows[start : start + 10]):
            result = answers[f"q{i}"]["result"]
            assert len(result) <= 3
            correct = bool(result) and census_iri(row) in (
                result[0]["id"],
                same.get(result[0]["id"]),
            )
            right += correct
            if result and result[0]["match"]:
                matched += 1
                matched_right += correct
            assert all(not r["match"] for r in result[1:])  # one match at most
    print(  # the figures the README and the issue quote (pytest -rP shows them)
        f"300 rows: {right} right top candidates ({right / 3:.1f} %); match: true on {matched}, "
        f"precision {matched_right / max(matched, 1):.1%}, recall {matched_right / 300:.1%}"
    )
    assert right >= 285, f"{right}/300 right top candidates"  # 95 %
    assert matched_right == matched, f"match: true wrongly {matched - matched_right} times"
    assert matched >= 240, f"match: true for {matched}/300 only"  # recall of safe matches


def test_the_manifest_and_jsonp(client: TestClient) -> None:
    manifest = client.get("/reconcile").json()
    valid(manifest, schemas.MANIFEST)
    assert {t["id"] for t in manifest["defaultTypes"]} >= {PLACE, LICENCE}
    assert manifest["identifierSpace"] == BASE
    wrapped = client.get("/reconcile", params={"callback": "jQuery123_cb"})
    assert wrapped.headers["content-type"].startswith("application/javascript")
    assert wrapped.text.startswith("/**/jQuery123_cb(")
    assert wrapped.text.endswith(");")
    inner = json.loads(wrapped.text.removeprefix("/**/jQuery123_cb(").removesuffix(");"))
    assert inner == manifest
    for bad in ("alert(1)//", "a b", "x;y", "<script>"):
        refused = client.get("/reconcile", params={"callback": bad})
        assert refused.status_code == 400
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_cors_lets_any_origin_read(client: TestClient) -> None:
    origin = {"Origin": "http://127.0.0.1:3333"}
    answer = client.get("/reconcile", headers=origin)
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/reconcile",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_queries_in_the_query_string_with_types_and_identifiers(client: TestClient) -> None:
    queries = {
        "a": {"query": "Gueret", "type": "http://rdf.insee.fr/def/geo#Commune"},
        "b": {"query": "MIT", "type": LICENCE, "limit": 1},
        "c": {"query": "la casemate", "type": PLACE, "properties": [{"pid": "insee", "v": 38185}]},
        "d": {"query": "", "type": PLACE},
    }
    answers = client.get("/reconcile", params={"queries": json.dumps(queries)}).json()
    valid(answers, schemas.RESULT_BATCH)
    assert answers["a"]["result"][0]["name"] == "Guéret"
    assert answers["a"]["result"][0]["match"] is True
    assert answers["b"]["result"][0]["id"] == f"{BASE}licence/MIT"
    assert "Casemate" in answers["c"]["result"][0]["name"]
    assert answers["d"]["result"] == []


@pytest.mark.parametrize(
    ("queries", "status"),
    [
        ("{", 400),
        ("[]", 400),
        ('{"q0": "x"}', 400),
        ('{"q0": {"query": 3}}', 400),
        ('{"q0": {"query": "x", "limit": -1}}', 400),
        ('{"q0": {"query": "x", "type": {"id": 1}}}', 400),
        ('{"q0": {"query": "x", "properties": "insee"}}', 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        (json.dumps({f"q{n}": {"query": "x"} for n in range(101)}), 400),
    ],
)
def test_bad_batches_are_refused_with_a_problem(
    client: TestClient, queries: str, status: int
) -> None:
    answer = client.post("/reconcile", data={"queries": queries})
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_odd_property_values_are_ignored_not_fatal(client: TestClient) -> None:
    queries = {
        "q0": {
            "query": "La Casemate",
            "properties": [
                {"pid": "coordinates", "v": "nan,nan"},
                {"pid": "homepage", "v": "javascript:alert(1)"},
                {"pid": "siren", "v": [True, None, {"id": "12"}]},
                {"pid": "unknown", "v": "x"},
                {"pid": "postcode", "v": "<b>38000</b>"},
            ],
        }
    }
    answer = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert answer.status_code == 200
    valid(answer.json(), schemas.RESULT_BATCH)


def test_suggest_preview_and_extension(client: TestClient) -> None:
    entities = client.get(
        "/reconcile/suggest/entity", params={"prefix": "la case", "type": PLACE}
    ).json()
    valid(entities, schemas.SUGGEST)
    assert any("Casemate" in e["name"] for e in entities["result"])
    types = client.get("/reconcile/suggest/type", params={"prefix": "lic"}).json()
    valid(types, schemas.SUGGEST)
    assert [t["id"] for t in types["result"]] == [LICENCE]
    properties = client.get("/reconcile/suggest/property", params={"prefix": "insee"}).json()
    valid(properties, schemas.SUGGEST)
    assert properties["result"][0]["id"] == "insee"
    proposed = client.get("/reconcile/propose_properties", params={"type": PLACE}).json()
    valid(proposed, schemas.PROPOSE_PROPERTIES)

    place = entities["result"][0]["id"]
    card = client.get("/reconcile/preview", params={"id": place})
    assert card.status_code == 200
    assert "Casemate" in card.text
    assert "x-frame-options" not in card.headers  # OpenRefine shows it in a frame
    assert "script-src" not in card.headers["content-security-policy"]
    assert client.get("/reconcile/preview", params={"id": "<x>"}).status_code == 404

    wanted = {
        "ids": [place, f"{BASE}commune/23096", f"{BASE}licence/MIT", "nonsense"],
        "properties": [
            {"id": p}
            for p in ("commune", "coordinates", "typology", "region", "licence-family", "insee")
        ],
    }
    extended = client.post("/reconcile", data={"extend": json.dumps(wanted)}).json()
    valid(extended, schemas.EXTENSION)
    assert [m["id"] for m in extended["meta"]] == [p["id"] for p in wanted["properties"]]
    row = extended["rows"][place]
    assert row["commune"][0]["name"] == "Grenoble"
    assert row["region"][0]["name"] == "Auvergne-Rhône-Alpes"
    assert "," in row["coordinates"][0]["str"]
    assert extended["rows"][f"{BASE}commune/23096"]["insee"] == [{"str": "23096"}]
    assert extended["rows"][f"{BASE}licence/MIT"]["licence-family"]
    assert extended["rows"]["nonsense"]["commune"] == []
    unknown = {"ids": [place], "properties": [{"id": "password"}]}
    refused = client.post("/reconcile", data={"extend": json.dumps(unknown)})
    assert refused.status_code == 400


def test_a_place_two_sources_describe_is_one_hit_and_one_candidate(client: TestClient) -> None:
    seed, census = f"{BASE}tiers-lieu/la-myne", f"{BASE}tiers-lieu/cget-2019-1130"
    found = client.get("/suggest", params={"prefix": "La MYNE"}).json()["result"]
    assert [h["iri"] for h in found].count(seed) == 1
    assert census not in [h["iri"] for h in found]
    assert next(h for h in found if h["iri"] == seed)["same"] == [census]
    searched = client.get("/search", params={"q": "myne", "format": "json"}).json()
    assert [h["iri"] for h in searched["hits"]].count(seed) == 1
    assert census not in [h["iri"] for h in searched["hits"]]
    query = {"query": "La MYNE", "type": PLACE, "properties": [{"pid": "insee", "v": "69266"}]}
    answers = client.post("/reconcile", data={"queries": json.dumps({"q0": query})}).json()
    result = answers["q0"]["result"]
    assert result[0]["id"] == seed
    assert result[0]["match"] is True  # its census row no longer runs it close
    assert census not in [r["id"] for r in result]
