"""Harvests stay at the origin their operator declared, and partners' credentials never show.

A partner (or whoever answers for it) that redirects a harvest to another origin — another
port or host, loopback, `https` downgraded, `file:` — gets a refusal that says so, and the
canary listener it points at sees no connection. A source URL with credentials (`user:pass@`,
`?apikey=`) works, but every surface that shows it or its errors masks them: `/sources` (JSON
and HTML, anonymous), `/sources/{name}`, the harvest answer, the command line, the ledger, the
logs, and the provenance published with the harvest."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.errors import PartnerError
from commonsgraph.harvest import HarvestLedger
from commonsgraph.harvest.fetch import construct, fetch
from commonsgraph.safetext import printable, redact
from commonsgraph.store import LocalStore, lexical
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app
from commonsgraph.web.problems import error_response

from .conftest import BASE
from .partners import Canary, Partner, Route, canary, feed_server

TURTLE = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
<{BASE}tiers-lieu/dump-1> a cg:TiersLieu ; <http://www.w3.org/2000/01/rdf-schema#label> "Un lieu" ;
    cg:typology <{BASE}scheme/typology/coworking> .
""".encode()
SECRETS = ("s3cret", "K3Y", "T0KEN")


@pytest.fixture
def partner() -> Iterator[Partner]:
    with feed_server() as server:
        yield server


@pytest.fixture
def listener() -> Iterator[Canary]:
    with canary() as server:
        yield server


def cli(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args])
    return result.exit_code, result.output


def declare(data: Path, name: str, kind: str, url: str) -> None:
    data.mkdir(exist_ok=True)
    mapping = '\nmapping = "pair"' if kind == "sparql" else ""
    with (data / "sources.toml").open("a") as toml:
        toml.write(f'[sources.{name}]\nkind = "{kind}"\nurl = "{url}"{mapping}\n')


def published(data: Path) -> set[str]:
    """Every IRI and literal of the store, as text."""
    store = LocalStore(data / "store")
    try:
        return {
            lexical(term)
            for quad in store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            for term in (quad.subject, quad.predicate, quad.object)
        }
    finally:
        store.close()


# -- redirects -------------------------------------------------------------------------------

TARGETS = [
    pytest.param("{canary}/dump.ttl", id="another-port"),
    pytest.param("http://localhost:{port}/dump.ttl", id="another-host-same-address"),
    pytest.param("https://127.0.0.1:{port}/dump.ttl", id="another-scheme"),
    pytest.param("http://[::ffff:127.0.0.1]:{port}/", id="ipv4-mapped-loopback"),
    pytest.param("file:///etc/passwd", id="file"),
    pytest.param("gopher://127.0.0.1:{port}/_x", id="gopher"),
    pytest.param("//127.0.0.1:{port}/x", id="scheme-relative"),
]


def get(kind: str, url: str) -> None:
    """Ask the partner as a harvest of `kind` does."""
    if kind == "sparql":
        construct(url, "CONSTRUCT WHERE { ?s ?p ?o }", timeout=10, max_bytes=10_000)
    else:
        fetch(url, timeout=10, max_bytes=10_000)


@pytest.mark.parametrize("kind", ["rdf", "sparql"])
@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("target", TARGETS)
def test_a_redirect_out_of_the_source_origin_is_refused_before_connecting(
    partner: Partner, listener: Canary, kind: str, status: int, target: str
) -> None:
    location = target.format(canary=listener.url, port=listener.port)
    partner.routes["/moved"] = Route(status=status, location=location)
    partner.routes["/start"] = Route(status=302, location="/moved")  # a hop within, first
    with pytest.raises(PartnerError, match=r"redirected to .* refused") as refused:
        get(kind, f"{partner.url}/start")
    assert f"outside its origin {partner.url}" in str(refused.value)
    assert listener.connections == 0
    assert [path for path, _ in partner.requests] == ["/start", "/moved"]


def test_a_refused_redirect_fails_the_harvest_and_keeps_the_previous_one(
    tmp_path: Path, partner: Partner, listener: Canary
) -> None:
    data = tmp_path / "var"
    partner.routes["/old.ttl"] = Route(status=301, location=f"{partner.url}/dump.ttl")
    partner.routes["/dump.ttl"] = Route(body=TURTLE, content_type="text/turtle")
    declare(data, "dump", "rdf", f"{partner.url}/old.ttl")
    code, output = cli(data, "harvest", "dump")  # a redirect within the origin is followed
    assert code == 0, output
    assert f"{BASE}tiers-lieu/dump-1" in published(data)
    partner.routes["/old.ttl"] = Route(status=302, location=f"{listener.url}/dump.ttl")
    code, output = cli(data, "harvest", "dump", "--full")
    assert code == 1, output
    assert "refused" in output
    assert listener.connections == 0
    assert f"{BASE}tiers-lieu/dump-1" in published(data)
    ledger = HarvestLedger(Database.open(Settings(data_dir=data)))
    assert "refused" in (ledger.status("dump").last_error or "")
    ledger.database.close()


@pytest.mark.parametrize("kind", ["rdf", "sparql"])
def test_endless_redirects_within_the_origin_stop(partner: Partner, kind: str) -> None:
    partner.routes["/a"] = Route(status=302, location="/b")
    partner.routes["/b"] = Route(status=302, location="/a")
    with pytest.raises(PartnerError, match="redirected more than"):
        get(kind, f"{partner.url}/a")


# -- credentials -----------------------------------------------------------------------------


def secret_url(partner: Partner, path: str) -> str:
    host = partner.url.removeprefix("http://")
    return f"http://harvester:s3cret@{host}{path}?apikey=K3Y&access_token=T0KEN&lang=fr"


def assert_hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, text


def test_credentials_never_show(
    tmp_path: Path, partner: Partner, seeded: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "var"
    partner.routes["/dump.ttl"] = Route(body=TURTLE, content_type="text/turtle")
    partner.routes["/feed.json"] = Route(status=503, body=b"down")
    declare(data, "dump", "rdf", secret_url(partner, "/dump.ttl"))
    declare(data, "feed", "json", secret_url(partner, "/feed.json"))
    with (data / "sources.toml").open("a") as toml:
        toml.write('[sources.feed.fields]\nid = "id"\nlabel = "nom"\n')
    tokens = TokenStore(Database.open(Settings(data_dir=data)))
    curator = {"Authorization": f"Bearer {tokens.create('curator', 'Camille')[1]}"}
    settings = Settings(data_dir=data, base_iri=BASE, tile_url="", harvest_every=0.2)
    with (
        caplog.at_level(logging.WARNING, logger="commonsgraph"),
        TestClient(create_app(settings, seeded, tokens)) as client,
    ):
        deadline = time.monotonic() + 120  # the scheduled harvest logs the failure
        while not any("feed" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "no scheduled harvest"
            time.sleep(0.1)
        for name in ("dump", "feed"):  # on demand, the harvest's own answer
            answer = client.post(f"/sources/{name}/harvest", headers=curator)
            assert answer.status_code == (200 if name == "dump" else 502), answer.text
            assert_hidden(answer.text)
        failed = client.post("/sources/feed/harvest", headers=curator).json()
        assert "answered HTTP 503" in failed["error"]
        assert "harvester" not in failed["error"]
        assert "http://***@" in failed["error"]
        assert "apikey=***" in failed["error"]
        assert "lang=fr" in failed["error"]
        for path in ("/sources", "/sources/feed", "/sources/dump"):
            for accept in ("application/json", "text/html"):
                shown = client.get(path, headers={"Accept": accept})
                assert shown.status_code == 200
                assert_hidden(shown.text)
                assert "apikey=***" in shown.text
        status = client.get("/sources/feed").json()
        assert status["endpoint"].startswith("http://***@127.0.0.1:")
        assert "answered HTTP 503" in status["status"]["last_error"]
        quarantine = client.get("/sources/dump/quarantine", headers=curator)
        assert_hidden(quarantine.text)
        # what the scheduled harvest published: the graph's provenance names the source
        assert seeded.ask(f"ASK {{ <{BASE}tiers-lieu/dump-1> ?p ?o }}")
        terms = {
            lexical(t)
            for q in seeded.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            for t in (q.subject, q.predicate, q.object)
        }
        assert any("***@127.0.0.1" in t for t in terms)
        assert_hidden(" ".join(terms))
    assert_hidden(caplog.text)
    # the credentials still worked: the partner got them
    assert any(
        headers.get("Authorization", "").startswith("Basic ") for _, headers in partner.requests
    )
    ledger = HarvestLedger(Database.open(Settings(data_dir=data)))
    assert_hidden(ledger.status("feed").last_error or "")
    ledger.database.close()
    code, output = cli(data, "source", "list")
    assert code == 0, output
    assert_hidden(output)
    code, output = cli(data, "harvest", "--all")
    assert code == 1
    assert "answered HTTP 503" in output
    assert_hidden(output)


def test_a_partner_error_logged_by_the_service_is_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = PartnerError("https://u:s3cret@partner.example/x?token=T0KEN\nFORGED did not answer")
    with caplog.at_level(logging.ERROR, logger="commonsgraph"):
        response = error_response(error, "POST", "/sources/x/harvest")
    assert response.status_code == 502
    assert_hidden(bytes(response.body).decode())
    assert_hidden(caplog.text)
    assert "\nFORGED" not in caplog.text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://u:p@h.example/x", "https://***@h.example/x"),
        ("https://APIKEY@h.example/x", "https://***@h.example/x"),
        ("http://h/x?apikey=1&a=2&api_key=3&api-key=4", "http://h/x?apikey=***&a=2&api_key=***&api-key=***"),
        ("http://h/x?password=1;passwd=2&pwd=3", "http://h/x?password=***;passwd=***&pwd=***"),
        ("http://h/x?X-Amz-Signature=1&X-Amz-Credential=2", "http://h/x?X-Amz-Signature=***&X-Amz-Credential=***"),
        ("http://h/cb#access_token=1&state=2", "http://h/cb#access_token=***&state=2"),
        ("see <http://u:p@h/x?key=1> and http://h/y", "see <http://***@h/x?key=***> and http://h/y"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("http://h/x?q=1", "http://h/x?q=1"),
    ],
)  # fmt: skip
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_printable() -> None:
    assert printable("a\nb\r\x00\x1b[31m\x85\u2028\udcff é") == (
        "a\\nb\\r\\x00\\x1b[31m\\x85\\u2028\\udcff é"
    )


def test_a_scheduled_harvest_under_way_finishes_before_the_service_closes(
    tmp_path: Path, partner: Partner, seeded: LocalStore
) -> None:
    """Closing the ledgers under the harvest's thread crashed the process (SIGSEGV in SQLite)."""
    data = tmp_path / "var"
    partner.routes["/dump.ttl"] = Route(body=TURTLE, content_type="text/turtle", hang=1.5)
    declare(data, "dump", "rdf", f"{partner.url}/dump.ttl")
    settings = Settings(data_dir=data, base_iri=BASE, tile_url="", harvest_every=0.05)
    with TestClient(create_app(settings, seeded)):
        deadline = time.monotonic() + 120
        while not partner.requests:  # the harvest is under way, waiting for the partner
            assert time.monotonic() < deadline, "no scheduled harvest"
            time.sleep(0.05)
    ledger = HarvestLedger(Database.open(Settings(data_dir=data)))
    assert ledger.status("dump").last_success is not None
    ledger.database.close()
