"""Hostile RDF on every route that reads it: the Graph Store, contributions, harvests and the
command line. Each attack is refused with a clear 4xx problem (a failed harvest, for a partner),
nothing is staged or half-written, and the service answers the next request.

Several of these inputs crashed the process (SIGSEGV) that parsed them, so they are sent to a
real `commonsgraph serve` and a real `commonsgraph validate`: a crash there fails the test
instead of killing pytest. The partner is a real HTTP server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from . import hostile
from .conftest import BASE
from .partners import Partner, Route, feed_server
from .servers import commonsgraph_server, server_pid

TURTLE, JSON_LD, RDF_XML = "text/turtle", "application/ld+json", "application/rdf+xml"
GRAPH = "http://e.example/graph"
GOOD = b'<http://e.example/thing> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\n'
DUMP = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
<{BASE}tiers-lieu/dump-1> a cg:TiersLieu ; <http://www.w3.org/2000/01/rdf-schema#label> "Lieu" ;
    cg:typology <{BASE}scheme/typology/coworking> .
""".encode()
BODY_LIMIT = 10_000_000

ATTACKS = [
    # (name, body, media type, status, fragment of the problem's detail)
    ("JSON-LD nested 6,000 deep", hostile.jsonld_nested(6_000), JSON_LD, 413, "nests deeper"),
    ("JSON-LD nested 20,000 deep", hostile.jsonld_nested(20_000), JSON_LD, 413, "nests deeper"),
    (
        "JSON-LD terms chained 20,000 deep",
        hostile.jsonld_term_chain(20_000),
        JSON_LD,
        400,
        "JSON-LD parser failed",
    ),
    (
        "triple terms nested 30,000 deep",
        hostile.nested_triple_terms(30_000),
        TURTLE,
        400,
        "triple terms are not accepted",
    ),
    (  # broken at its last byte: refused for its size proves the reading stopped at the cap
        "Turtle list bomb",
        hostile.list_bomb(BODY_LIMIT - 1000)[:-1] + b"!",
        TURTLE,
        413,
        "more than",
    ),
    (
        "RDF/XML entity expansion (613 bytes)",
        hostile.entity_expansion(6),
        RDF_XML,
        400,
        "nested entities are refused",
    ),
    (
        "RDF/XML billion laughs",
        hostile.entity_expansion(9),
        RDF_XML,
        400,
        "nested entities are refused",
    ),
    ("RDF/XML long entity", hostile.long_entity(50_000, 3_000), RDF_XML, 413, "could expand"),
    ("RDF 1.2 triple term", hostile.TRIPLE_TERM, TURTLE, 400, "RDF 1.2 triple term"),
    ("RDF 1.2 reified triple", hostile.REIFIED, TURTLE, 400, "RDF 1.2 triple term"),
]
CASES = [pytest.param(*attack[1:], id=attack[0]) for attack in ATTACKS]


def create_token(data_dir: Path, role: str) -> dict[str, str]:
    command = [sys.executable, "-m", "commonsgraph", "--data-dir", str(data_dir)]
    output = subprocess.run(
        [*command, "token", "create", "--role", role],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {"Authorization": f"Bearer {output.strip().splitlines()[-1]}"}


@dataclass
class Served:
    url: str
    partner: Partner
    curator: dict[str, str]
    contributor: dict[str, str]
    admin: dict[str, str]
    graph: bytes
    """The Graph Store graph, as it was before the attacks."""
    harvest: bytes
    """The harvest graph, as the last good harvest left it."""

    def read(self, graph: str) -> bytes:
        response = httpx.get(
            f"{self.url}/graph-store",
            params={"graph": graph},
            headers={"Accept": "application/n-triples"},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return b"\n".join(sorted(response.content.splitlines()))

    def assert_alive(self) -> None:
        """The service answers the next request (it did not crash)."""
        assert httpx.get(f"{self.url}/health", timeout=120).json()["status"] == "ok"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("hostile") / "var"
    curator, contributor = create_token(data, "curator"), create_token(data, "contributor")
    admin = create_token(data, "admin")
    with feed_server() as partner:
        (data / "sources.toml").write_text(
            f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump"\n'
            f'[sources.endpoint]\nkind = "sparql"\nurl = "{partner.url}/sparql"\n'
            'mapping = "pair"\n'
            f'[sources.feed]\nkind = "json"\nurl = "{partner.url}/feed"\n'
            '[sources.feed.fields]\nid = "id"\nlabel = "name"\n'
        )
        partner.routes["/dump"] = Route(body=DUMP, content_type=TURTLE)
        with commonsgraph_server(data, load_allowlist=f"{partner.url}/load/*") as url:
            put = httpx.put(
                f"{url}/graph-store",
                params={"graph": GRAPH},
                content=GOOD,
                headers={**curator, "Content-Type": TURTLE},
                timeout=120,
            )
            assert put.status_code == 201, put.text
            harvest = httpx.post(f"{url}/sources/dump/harvest", headers=curator, timeout=60)
            assert harvest.status_code == 200, harvest.text
            served = Served(url, partner, curator, contributor, admin, b"", b"")
            served.graph = served.read(GRAPH)
            served.harvest = served.read(BASE + "graph/harvest/dump")
            yield served
            served.assert_alive()


@pytest.mark.parametrize(("body", "media_type", "status", "fragment"), CASES)
def test_graph_store_put_leaves_the_graph_as_it_was(
    served: Served, body: bytes, media_type: str, status: int, fragment: str
) -> None:
    response = httpx.put(
        f"{served.url}/graph-store",
        params={"graph": GRAPH},
        content=body,
        headers={**served.curator, "Content-Type": media_type},
        timeout=120,
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]
    served.assert_alive()
    assert served.read(GRAPH) == served.graph


def test_graph_store_post_refuses_too(served: Served) -> None:
    for graph in ({"graph": GRAPH}, {}):
        response = httpx.post(
            f"{served.url}/graph-store",
            params=graph,
            content=hostile.jsonld_nested(6_000),
            headers={**served.curator, "Content-Type": JSON_LD},
            timeout=120,
        )
        assert response.status_code == 413, response.text
    served.assert_alive()
    assert served.read(GRAPH) == served.graph


LOADED = "http://e.example/loaded"


def _load(
    served: Served, document: str, body: bytes, media_type: str, silent: str = ""
) -> httpx.Response:
    served.partner.routes[f"/load/{document}"] = Route(body=body, content_type=media_type)
    return httpx.post(
        f"{served.url}/sparql",
        data={
            "update": f"LOAD {silent} <{served.partner.url}/load/{document}> INTO GRAPH <{LOADED}>"
        },
        headers=served.admin,
        timeout=120,
    )


def _loaded(served: Served) -> bytes:
    response = httpx.get(f"{served.url}/graph-store", params={"graph": LOADED}, timeout=120)
    return b"" if response.status_code == 404 else response.content


@pytest.mark.parametrize(("body", "media_type", "status", "fragment"), CASES)
def test_a_loaded_document_is_read_by_us_and_refused_the_same(
    served: Served, body: bytes, media_type: str, status: int, fragment: str
) -> None:
    """pyoxigraph would fetch and parse a LOAD's document itself, in the service's process."""
    response = _load(served, "hostile", body, media_type)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    served.assert_alive()
    assert _loaded(served) == b""
    silent = _load(served, "hostile", body, media_type, silent="SILENT")
    assert silent.status_code == 204, silent.text
    served.assert_alive()
    assert _loaded(served) == b""


def test_a_loaded_document_within_the_limits_is_loaded(served: Served) -> None:
    response = _load(served, "good", GOOD, TURTLE)
    assert response.status_code == 204, response.text
    assert b"http://e.example/thing" in _loaded(served)
    httpx.post(
        f"{served.url}/sparql",
        data={"update": f"DROP GRAPH <{LOADED}>"},
        headers=served.admin,
        timeout=120,
    ).raise_for_status()


@pytest.mark.parametrize(("body", "media_type", "status", "fragment"), CASES)
def test_an_upload_is_refused_and_nothing_is_staged(
    served: Served, body: bytes, media_type: str, status: int, fragment: str
) -> None:
    for route in ("/contributions", "/contributions/validate"):
        response = httpx.post(
            served.url + route,
            content=body,
            headers={**served.contributor, "Content-Type": media_type},
            timeout=120,
        )
        assert response.status_code == status, response.text
        assert fragment in response.json()["detail"]
        served.assert_alive()
    staged = httpx.get(f"{served.url}/contributions", headers=served.curator, timeout=120)
    assert staged.json() == []


@pytest.mark.parametrize(("body", "media_type", "status", "fragment"), CASES)
def test_a_harvest_fails_and_leaves_the_previous_harvest(
    served: Served, body: bytes, media_type: str, status: int, fragment: str
) -> None:
    served.partner.routes["/dump"] = Route(body=body, content_type=media_type)
    response = httpx.post(
        f"{served.url}/sources/dump/harvest",
        params={"full": "true"},
        headers=served.curator,
        timeout=120,
    )
    assert response.status_code == 502, response.text
    assert fragment in response.json()["error"]
    served.assert_alive()
    assert served.read(BASE + "graph/harvest/dump") == served.harvest


@pytest.mark.parametrize(
    ("body", "media_type", "fragment"),
    [
        (hostile.jsonld_nested(20_000), JSON_LD, "nests deeper"),
        (hostile.jsonld_term_chain(20_000), JSON_LD, "JSON-LD parser failed"),
        (hostile.nested_triple_terms(30_000), TURTLE, "triple terms are not accepted"),
        (hostile.entity_expansion(6), RDF_XML, "nested entities are refused"),
    ],
)
def test_a_sparql_partner_answering_hostile_rdf_fails_its_harvest(
    served: Served, body: bytes, media_type: str, fragment: str
) -> None:
    """The answer to the CONSTRUCT query is read as a dump is."""
    served.partner.routes["/sparql"] = Route(body=body, content_type=media_type)
    response = httpx.post(
        f"{served.url}/sources/endpoint/harvest", headers=served.curator, timeout=120
    )
    assert response.status_code == 502, response.text
    assert fragment in response.json()["error"]
    served.assert_alive()


def test_a_feed_nested_deeper_than_the_limit_fails_its_harvest(served: Served) -> None:
    """Python's JSON parser recurses too (a RecursionError was a 500)."""
    served.partner.routes["/feed"] = Route(body=b"[" * 100_000 + b"]" * 100_000)
    response = httpx.post(f"{served.url}/sources/feed/harvest", headers=served.curator, timeout=120)
    assert response.status_code == 502, response.text
    assert "nested deeper than 64 levels" in response.json()["error"]
    served.assert_alive()


def test_a_feed_of_more_values_than_a_harvest_reads_is_refused_unread(served: Served) -> None:
    """100 MB of `{},` would be gigabytes of Python objects."""
    served.partner.routes["/feed"] = Route(body=b"[" + b"{}," * 1_200_000 + b"{}]")
    response = httpx.post(f"{served.url}/sources/feed/harvest", headers=served.curator, timeout=120)
    assert response.status_code == 502, response.text
    assert "a feed of more than 1,000,000 values" in response.json()["error"]
    served.assert_alive()


def test_blank_nodes_nested_99990_deep_are_named_in_seconds(served: Served) -> None:
    """Within the statement cap, so a contribution like another: `skolemize` took 110 s."""
    server = psutil.Process(server_pid(served.url))
    started = cpu_seconds(server)  # CPU time, not the clock's: a busy machine does not inflate it
    response = httpx.post(
        f"{served.url}/contributions/validate",
        content=hostile.nested_blank_nodes(99_990),
        headers={**served.contributor, "Content-Type": TURTLE},
        timeout=600,
    )
    assert response.status_code == 200, response.text
    assert response.json()["statements"] == 99_991
    assert cpu_seconds(server) - started < 60  # an upload of it took 82 s, now about 9 s


def cpu_seconds(process: psutil.Process) -> float:
    """The CPU time used so far by `process` and its living children."""
    total = 0.0
    for one in (process, *process.children(recursive=True)):
        try:
            times = one.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def test_a_triple_term_is_refused_on_upload_not_on_accept(served: Served) -> None:
    """It used to be staged as pending, then fail with 400 "Malformed query" on accept."""
    response = httpx.post(
        f"{served.url}/contributions",
        content=f'<{hostile.PLACE}> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\n'.encode()
        + hostile.TRIPLE_TERM,
        headers={**served.contributor, "Content-Type": TURTLE},
        timeout=120,
    )
    assert response.status_code == 400
    assert "statement 2" in response.json()["detail"]
    assert (
        httpx.get(f"{served.url}/contributions", headers=served.curator, timeout=120).json() == []
    )


@pytest.mark.parametrize(
    ("name", "body", "fragment"),
    [
        ("deep.jsonld", hostile.jsonld_nested(20_000), "nests deeper"),
        ("chain.jsonld", hostile.jsonld_term_chain(20_000), "JSON-LD parser failed"),
        ("terms.ttl", hostile.nested_triple_terms(30_000), "triple terms are not accepted"),
        ("bomb.ttl", hostile.list_bomb(BODY_LIMIT), "statements"),
        ("laughs.rdf", hostile.entity_expansion(9), "nested entities are refused"),
        ("term.ttl", hostile.TRIPLE_TERM, "triple term"),
    ],
)
def test_the_command_line_refuses_such_files(
    tmp_path: Path, name: str, body: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    result = subprocess.run(
        [sys.executable, "-m", "commonsgraph", "validate", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "COMMONSGRAPH_DATA_DIR": ":memory:"},
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert fragment in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
