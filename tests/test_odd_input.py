"""Odd input gets a clear 4xx problem (or an `invalid` contribution with its report), never a
bare 500, and nothing half-written; logs and the command line stay readable.

Each attack found by hand is a test here (a licence or source that is not an IRI, a path that
no IRI may hold, `DROP GRAPH` of a graph that does not exist, `NaN` where the shapes compare
numbers); then every route and parameter the service has is sent NUL, bytes that are not
UTF-8, line breaks, very long values and IRIs that are not IRIs."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner

from commonsgraph.cli import main
from commonsgraph.errors import Conflict
from commonsgraph.store import Store
from commonsgraph.web.problems import unexpected

from .conftest import BASE
from .test_contributions import PLACE, Site, make_site, place

NAN_PLACE = place().replace(b'"46.17"^^xsd:decimal', b'"NaN"^^xsd:double')


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from make_site(tmp_path)


def assert_problem(response: httpx2.Response, status: int, fragment: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]


# -- the attacks found by hand ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("licence", "http://a b"), ("licence", "CC BY"), ("source", "http://a b"), ("source", "https://a\nb")],
)  # fmt: skip
def test_a_licence_or_source_that_is_not_an_iri_is_a_400(
    site: Site, parameter: str, value: str
) -> None:
    response = site.client.post(
        "/contributions",
        content=place(),
        params={parameter: value},
        headers={**site.contributor, "Content-Type": "text/turtle"},
    )
    assert_problem(response, 400)
    assert response.json()["parameter"] == parameter
    assert site.client.get("/contributions", headers=site.curator).json() == []


def test_a_source_of_words_is_kept_as_words(site: Site) -> None:
    contribution = site.upload(place(), source="the Tela export of May")
    assert site.review(str(contribution["id"]), "accept")["status"] == "accepted"


def test_a_contribution_staged_with_a_source_that_is_not_an_iri_can_be_accepted(
    site: Site, tmp_path: Path
) -> None:
    """Staged by an older version (accept was a 500 every time): its source becomes words."""
    contribution = site.upload(place(), source="https://tela.example/export.ttl")
    with sqlite3.connect(tmp_path / "commonsgraph.sqlite3") as db:
        db.execute(
            "UPDATE contribution SET source = 'http://a b' WHERE id = ?", (contribution["id"],)
        )
    accepted = site.client.post(f"/contributions/{contribution['id']}/accept", headers=site.curator)
    assert accepted.status_code == 200, accepted.text
    graph = f"{BASE}graph/contribution/{contribution['id']}"
    assert site.ask(f"ASK {{ GRAPH <{graph}> {{ <{PLACE}> ?p ?o }} }}")
    assert site.ask(
        f'ASK {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "from http://a b")) }} }}'
    )


@pytest.mark.parametrize("path", ["/tiers-lieu/%00%ff", "/tiers-lieu/%0aFORGED", "/tiers-lieu/%ff",
                                  "/tiers-lieu/a%20b", "/commune/%0d%0a.ttl", "/licence/%00.jsonld"])  # fmt: skip
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/json"])
def test_a_path_no_iri_may_hold_is_a_404(
    site: Site, path: str, accept: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = site.client.get(path, headers={"Accept": accept})
    assert response.status_code == 404, response.text
    assert "\nFORGED" not in caplog.text


def test_logs_escape_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="commonsgraph"):
        try:
            raise ValueError("Invalid IRI code point '\n'\nFORGED second line")
        except ValueError:
            unexpected("GET", "/tiers-lieu/\nFORGED 127.0.0.1 GET /admin 200")
    assert len(caplog.records) == 1
    lines = caplog.text.splitlines()
    assert not any(line.startswith("FORGED") for line in lines), caplog.text
    assert "\\nFORGED 127.0.0.1" in caplog.text
    assert "\\nFORGED second line" in caplog.text


def test_drop_of_a_graph_that_does_not_exist_is_a_conflict(any_store: Store) -> None:
    with pytest.raises(Conflict, match="does not exist"):
        any_store.update(f"DROP GRAPH <{BASE}graph/nothing>")
    any_store.update(f"DROP SILENT GRAPH <{BASE}graph/nothing>")
    any_store.update(f"CREATE GRAPH <{BASE}graph/g>")
    with pytest.raises(Conflict, match="already exists"):
        any_store.update(f"CREATE GRAPH <{BASE}graph/g>")


def test_drop_of_a_graph_that_does_not_exist_is_a_409_over_http(site: Site) -> None:
    response = site.client.post(
        "/sparql",
        content=f"DROP GRAPH <{BASE}graph/nothing>",
        headers={**site.curator, "Content-Type": "application/sparql-update"},
    )
    assert_problem(response, 409, f"<{BASE}graph/nothing> does not exist")
    silent = site.client.post(
        "/sparql",
        content=f"DROP SILENT GRAPH <{BASE}graph/nothing>",
        headers={**site.curator, "Content-Type": "application/sparql-update"},
    )
    assert silent.status_code == 204, silent.text


def test_nan_where_the_shapes_compare_numbers_is_a_violation(site: Site, tmp_path: Path) -> None:
    headers = {**site.contributor, "Content-Type": "text/turtle"}
    checked = site.client.post("/contributions/validate", content=NAN_PLACE, headers=headers)
    assert checked.status_code == 200, checked.text
    assert checked.json()["conforms"] is False
    assert any("NaN" in str(f.get("value")) for f in checked.json()["findings"])
    uploaded = site.client.post("/contributions", content=NAN_PLACE, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "invalid"
    (tmp_path / "nan.ttl").write_bytes(
        NAN_PLACE.replace(b"<tiers-lieu/", f"<{BASE}tiers-lieu/".encode())
        .replace(b"<scheme/", f"<{BASE}scheme/".encode())
        .replace(b"<commune/", f"<{BASE}commune/".encode())
    )
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "cli"), "validate", str(tmp_path / "nan.ttl")]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert "NaN" in result.output


# -- every route, every parameter ----------------------------------------------------------------

ODD = [
    "%00", "%ff", "%0a", "%0d%0aSet-Cookie:%20x=1", "a%20b", "%25", "%C0%80", "%ED%A0%80",
    "x" * 5000, "http://a%20b", "%3C%3E%22%7B%7D", "..%2F..%2Fetc%2Fpasswd", "-1", "1e999",
    "%E2%80%AE", "%F0%9F%98%80",
]  # fmt: skip
"""Raw (already percent-encoded) values: NUL, bytes that are not UTF-8, line breaks (a header
injection), an overlong and a surrogate encoding, a long value, IRIs that are not IRIs."""
QUERY_PARAMETERS = {  # read from the request itself, so not in the OpenAPI document
    "/sparql": ("query", "default-graph-uri", "named-graph-uri", "format", "output"),
    "/graph-store": ("graph", "default", "format"),
    "/dumps": ("format",),
    "/search": ("format", "page", "page_size", "type", "kind", "typology", "region"),
    "/reconcile": ("queries", "extend", "callback"),
    "/": ("lang",),
}
PATHS = ["/tiers-lieu/{}", "/commune/{}", "/licence/{}.ttl", "/scheme/typology/{}", "/ns.{}",
         "/{}", "/tiers-lieu/la-myne.{}", "/contributions/login?next={}",
         "/tiers-lieu/la-myne?page={}", "/tiers-lieu/la-myne?lang={}"]  # fmt: skip


def requests(site: Site) -> list[tuple[str, str]]:
    """(method, url with `{}` where an odd value goes), for every route and parameter of the
    OpenAPI document, and the routes it does not show."""
    found = [("GET", path) for path in PATHS]
    document = site.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            inside = [p["name"] for p in parameters if p["in"] == "path"]
            names = [p["name"] for p in parameters if p["in"] == "query"]
            names += QUERY_PARAMETERS.get(path, ())
            for parameter in inside:
                found.append((method.upper(), path.replace("{" + parameter + "}", "{}")))
            plain = re.sub(r"\{[^}]+\}", "x", path)
            found += [(method.upper(), f"{plain}?{name}={{}}") for name in names]
    return sorted(set(found))


def test_no_odd_value_in_any_path_or_parameter_makes_a_500(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    before = site.store.triple_count()
    tried = requests(site)
    assert len(tried) > 80
    failures = []
    with caplog.at_level(logging.ERROR):
        for method, pattern in tried:
            for value in ODD:
                if method != "GET" and len(value) > 100:
                    continue
                url = pattern.replace("{}", value, 1)
                response = site.client.request(method, url, headers=site.curator, content=b"")
                if response.status_code >= 500 and response.status_code != 502:
                    failures.append(f"{method} {url[:80]} -> {response.status_code}")
                assert "set-cookie" not in response.headers or method == "POST"
    assert not failures, "\n".join(failures)
    assert "unexpected error" not in caplog.text
    assert site.store.triple_count() == before


HEADERS = ["Accept", "Accept-Language", "If-None-Match", "If-Modified-Since", "Content-Type",
           "Cookie", "Authorization"]  # fmt: skip
HEADER_VALUES = ["*/*;q=abc", "text/html;q=2", ";;;,,,", "x" * 5000, "fr;q=nan, en;q=-1",
                 "Sun, 99 Foo 9999 99:99:99 GMT", "\x7f", "text/turtle; charset=ebcdic",
                 "Bearer cg_", "cg_token=%00"]  # fmt: skip
URLS = ["/", "/tiers-lieu/la-myne", "/tiers-lieu/la-myne.ttl", "/sparql?query=ASK%7B%7D",
        "/api/queries/places-per-region", "/sources", "/contributions", "/search?q=myne",
        "/dumps", "/graph-store?default", "/lookup?iri=http://schema.org/Place"]  # fmt: skip


@pytest.mark.parametrize("header", HEADERS)
def test_no_odd_header_makes_a_500(site: Site, header: str) -> None:
    failures = []
    for url in URLS:
        for value in HEADER_VALUES:
            for method in ("GET", "POST"):
                headers = {**site.curator, header: value}
                response = site.client.request(method, url, headers=headers, content=b"x")
                if response.status_code >= 500:
                    failures.append(
                        f"{method} {url} {header}: {value[:30]!r} -> {response.status_code}"
                    )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("target", "location"),
    [("/\\evil.example", "/contributions"), ("//evil.example", "/contributions"),
     ("/x\r\nSet-Cookie: a=1", "/x%0D%0ASet-Cookie:%20a=1"), ("/tiers-lieu/café", "/tiers-lieu/caf%C3%A9"),
     ("/\t/evil.example", "/%09/evil.example")],
)  # fmt: skip
def test_signing_in_goes_back_to_this_site_only(site: Site, target: str, location: str) -> None:
    secret = site.curator["Authorization"].removeprefix("Bearer ")
    response = site.client.post(
        "/contributions/login",
        data={"token": secret, "next": target},
        headers={"Origin": "http://127.0.0.1:8000"},  # the form, posted from this site
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == location


ODD_TEXT = "a\x00b\n[/oops] \udcff é " + "x" * 300
COMMANDS = [
    ["query", ODD_TEXT],
    ["query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "--format", "table"],
    ["query", "SELECT ('[/x]' AS ?odd) ('=HYPERLINK(1)' AS ?f) WHERE {}"],
    ["validate", "--graph", ODD_TEXT],
    ["validate", "/nonexistent/\x00file.ttl"],
    ["queries", "run", "places-near", "--lat", ODD_TEXT],
    ["queries", "run", ODD_TEXT],
    ["source", "add", "odd", "--kind", "rdf", "--url", "http://a b/[/x]"],
    ["source", "add", "odd", "--kind", "rdf", "--url", "http://u:s3cret@h/x?token=T0KEN\x00"],
    ["harvest", ODD_TEXT],
    ["contributions", "show", ODD_TEXT],
    ["contributions", "accept", ODD_TEXT],
    ["reconcile", "confirm", ODD_TEXT],
    ["token", "revoke", ODD_TEXT],
    ["import", "census", "/nonexistent/\x00"],
]


def test_no_odd_argument_makes_a_traceback_in_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "var"
    failures = []
    for command in COMMANDS:
        result = CliRunner().invoke(main, ["--data-dir", str(data), *command])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            failures.append(f"{command[:2]}: {type(result.exception).__name__}: {result.exception}")
        elif "Traceback" in result.output or "s3cret" in result.output or "T0KEN" in result.output:
            failures.append(f"{command[:2]}: {result.output[:200]}")
    assert not failures, "\n".join(failures)
