"""The endpoint as a real server: deadlines that really stop the work, overload, the remote
backend, and real client libraries (SPARQLWrapper, rdflib's SPARQLStore / SPARQLUpdateStore)."""

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypedDict
from xml.dom.minidom import Document

import httpx
import psutil
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from .servers import (
    HeldQuery,
    commonsgraph_server,
    oxigraph_server,
    server_pid,
    wait_for_queries,
    wait_for_work,
)

BOMB = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TRIVIAL = "ASK { ?s a cg:Network }"


def create_token(data_dir: Path, role: str) -> str:
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "commonsgraph",
            "--data-dir",
            str(data_dir),
            "token",
            "create",
            "--role",
            role,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return output.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("server") / "var"
    with commonsgraph_server(
        data_dir, query_timeout="3", max_queries_per_client="2", max_waiting_per_client="1"
    ) as url:
        yield url, data_dir


def test_an_explosive_query_stops_at_the_deadline_and_frees_the_cpu(
    server: tuple[str, Path],
) -> None:
    """Checked by events, not by the clock: the query is stopped by killing its worker (whose
    CPU is then released), not before its deadline. (That other queries answer while it runs is
    checked with deadlines no busy machine reaches: the tests of `patient` and test_fairness.)"""
    url, _ = server
    unseen = f'ASK {{ ?s ?p "{uuid.uuid4()}" }}'  # no answer kept for it: it starts the workers
    assert httpx.get(f"{url}/sparql", params={"query": unseen}, timeout=120).status_code == 200
    workers = {p.pid for p in psutil.Process(server_pid(url)).children(recursive=True)}
    started = time.monotonic()
    response = httpx.get(f"{url}/sparql", params={"query": BOMB}, timeout=120)
    seconds = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["type"].endswith("query-timeout")
    assert "longer than 3 s" in response.json()["detail"]
    assert seconds > 2.9, "not stopped before its deadline"
    killed = {pid for pid in workers if not psutil.pid_exists(pid)}
    assert len(killed) == 1, "the worker that ran the query is killed, its CPU released"
    assert httpx.get(f"{url}/sparql", params={"query": TRIVIAL}, timeout=120).json()["boolean"]


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Deadlines no busy machine reaches while a test waits for its events: its queries end
    when their clients hang up."""
    data_dir = tmp_path_factory.mktemp("patient") / "var"
    with commonsgraph_server(
        data_dir, query_timeout="120", max_queries_per_client="2", max_waiting_per_client="1"
    ) as url:
        yield url


def test_past_its_queue_a_client_is_refused_whatever_x_forwarded_for_says(patient: str) -> None:
    """Two queries run (the client's share), one waits (its queue), the next is refused; the
    client is its address: without trusted proxies, X-Forwarded-For is not believed. Each query
    is sent once the server counts the one before it running or waiting."""
    bombs = [HeldQuery(patient, BOMB, forwarded_for=f"198.51.100.{n}") for n in range(2)]
    wait_for_queries(patient, running=2, waiting=0)
    queued = HeldQuery(patient, TRIVIAL, forwarded_for="198.51.100.2")
    wait_for_queries(patient, running=2, waiting=1)
    refused = httpx.get(
        f"{patient}/sparql",
        params={"query": TRIVIAL},
        headers={"X-Forwarded-For": "198.51.100.3"},
        timeout=120,
    )
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["type"].endswith("overloaded")
    assert "this client already runs 2 queries and has 1 waiting" in refused.json()["detail"]
    wait_for_queries(patient, running=2, waiting=1)  # the refused query took nobody's place
    bombs[0].hang_up()  # its turn goes to the query that waits
    status, body = queued.answer()
    assert status == 200, body
    assert json.loads(body)["boolean"] is True
    bombs[1].hang_up()
    wait_for_queries(patient, running=0, waiting=0)


def test_a_query_whose_client_hangs_up_is_stopped_and_frees_its_worker(patient: str) -> None:
    """By events: the query runs in a worker (and another query answers meanwhile), its client
    hangs up, the worker is replaced (its CPU released) and the turn given back."""
    bomb = HeldQuery(patient, BOMB)
    wait_for_queries(patient, running=1, waiting=0)
    wait_for_work(patient)  # the explosive query is burning CPU in a worker
    workers = {p.pid for p in psutil.Process(server_pid(patient)).children(recursive=True)}
    trivial = httpx.get(f"{patient}/sparql", params={"query": TRIVIAL}, timeout=120)
    assert trivial.json()["boolean"] is True
    wait_for_queries(patient, running=1, waiting=0)  # answered while the explosive one runs
    bomb.hang_up()
    wait_for_queries(patient, running=0, waiting=0)
    deadline = time.monotonic() + 120
    while all(psutil.pid_exists(pid) for pid in workers):
        assert time.monotonic() < deadline, "no worker was stopped"
        time.sleep(0.05)
    killed = {pid for pid in workers if not psutil.pid_exists(pid)}
    assert len(killed) == 1, "the worker that ran the query is killed, the others kept"
    answer = httpx.get(f"{patient}/sparql", params={"query": TRIVIAL}, timeout=120)
    assert answer.json()["boolean"] is True


def test_sparqlwrapper_with_its_defaults_xml_and_json(server: tuple[str, Path]) -> None:
    url, _ = server
    wrapper = SPARQLWrapper(f"{url}/sparql")
    wrapper.setQuery(
        "PREFIX cg: <https://w3id.org/commonsgraph/ns#> SELECT ?n WHERE { ?n a cg:Network }"
    )
    # convert() is typed as every kind of result; the return format says which one it is
    defaults = wrapper.query().convert()  # GET, results in XML
    assert isinstance(defaults, Document)
    assert len(defaults.getElementsByTagName("result")) >= 5
    wrapper.setReturnFormat(XML)
    xml = wrapper.query().convert()
    assert isinstance(xml, Document)
    assert len(xml.getElementsByTagName("result")) >= 5
    wrapper.setReturnFormat(JSON)
    by_get = wrapper.query().convert()
    assert isinstance(by_get, dict)
    rows = by_get["results"]["bindings"]
    assert any(r["n"]["value"].endswith("/rfflabs") for r in rows)
    wrapper.setMethod("POST")
    by_post = wrapper.query().convert()
    assert isinstance(by_post, dict)
    assert len(by_post["results"]["bindings"]) == len(rows)
    wrapper.setQuery(
        "CONSTRUCT { ?n a <http://example.org/N> } WHERE { ?n a <https://w3id.org/commonsgraph/ns#Network> }"
    )
    wrapper.setReturnFormat("turtle")
    graph = wrapper.queryAndConvert()
    assert isinstance(graph, bytes)
    assert b"example.org/N" in graph


def test_rdflib_sparql_store_and_update_store(server: tuple[str, Path]) -> None:
    url, data_dir = server
    reader = SPARQLStore(f"{url}/sparql")
    graph = Graph(store=reader)
    networks = list(
        graph.query("SELECT ?n WHERE { ?n a <https://w3id.org/commonsgraph/ns#Network> }")
    )
    assert len(networks) >= 5
    secret = create_token(data_dir, "curator")
    writer = SPARQLUpdateStore(
        query_endpoint=f"{url}/sparql",
        update_endpoint=f"{url}/sparql",
        headers={"Authorization": f"Bearer {secret}"},
    )
    named = Graph(store=writer, identifier=URIRef("http://example.org/rdflib"))
    named.add(
        (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("from rdflib"))
    )
    check = httpx.get(
        f"{url}/sparql",
        params={"query": 'ASK { GRAPH <http://example.org/rdflib> { ?s ?p "from rdflib" } }'},
        timeout=120,
    )
    assert check.json()["boolean"] is True
    anonymous = SPARQLUpdateStore(query_endpoint=f"{url}/sparql", update_endpoint=f"{url}/sparql")
    with pytest.raises(Exception, match="401"):
        Graph(store=anonymous, identifier=URIRef("http://example.org/rdflib")).add(
            (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("refused"))
        )


class Write(TypedDict, total=False):
    """What a write request sends besides its method and path."""

    data: dict[str, str]
    content: str
    headers: dict[str, str]


def test_every_write_route_needs_a_token(server: tuple[str, Path]) -> None:
    url, data_dir = server
    reader = {"Authorization": f"Bearer {create_token(data_dir, 'reader')}"}
    writes: list[tuple[str, str, Write]] = [
        ("POST", "/sparql", {"data": {"update": "CLEAR ALL"}}),
        (
            "POST",
            "/sparql",
            {"content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        ),
        (
            "PUT",
            "/graph-store?graph=http://example.org/x",
            {
                "content": "<http://a> <http://b> <http://c> .",
                "headers": {"Content-Type": "text/turtle"},
            },
        ),
        (
            "POST",
            "/graph-store?graph=http://example.org/x",
            {
                "content": "<http://a> <http://b> <http://c> .",
                "headers": {"Content-Type": "text/turtle"},
            },
        ),
        (
            "POST",
            "/graph-store",
            {
                "content": "<http://a> <http://b> <http://c> .",
                "headers": {"Content-Type": "text/turtle"},
            },
        ),
        ("DELETE", "/graph-store?graph=https://w3id.org/commonsgraph/graph/seed", {}),
    ]
    for method, path, options in writes:
        headers = options.get("headers", {})
        data, content = options.get("data"), options.get("content")
        anonymous = httpx.request(
            method, url + path, headers=headers, data=data, content=content, timeout=120
        )
        assert anonymous.status_code == 401, (method, path)
        as_reader = httpx.request(
            method,
            url + path,
            headers={**headers, **reader},
            data=data,
            content=content,
            timeout=120,
        )
        assert as_reader.status_code == 403, (method, path)
    assert (
        httpx.get(
            f"{url}/sparql", params={"query": "ASK { ?s a cg:TiersLieu }"}, timeout=120
        ).json()["boolean"]
        is True
    )


def test_the_service_runs_on_a_remote_oxigraph_server(tmp_path: Path) -> None:
    with (
        # generous deadlines: start-up derives the licence matrix from the server on a machine
        # that may be busy; the bomb would run for hours, so any bound shows it stopped
        oxigraph_server(tmp_path, "--timeout-s", "10") as oxigraph,
        commonsgraph_server(tmp_path / "var", store=oxigraph, query_timeout="10") as url,
    ):
        assert httpx.get(f"{url}/health", timeout=120).json()["statements"] > 1000
        response = httpx.get(
            f"{url}/sparql",
            params={"query": "SELECT ?n WHERE { ?x a cg:Network ; rdfs:label ?n }"},
            headers={"Accept": "text/csv"},
            timeout=120,
        )
        assert "France Tiers-Lieux" in response.text
        direct = httpx.get(
            f"{oxigraph}/query",
            params={"query": "ASK { ?x a <https://w3id.org/commonsgraph/ns#Network> }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=120,
        )
        assert direct.json()["boolean"] is True
        started = time.monotonic()
        bomb = httpx.get(f"{url}/sparql", params={"query": BOMB}, timeout=300)
        assert bomb.status_code in (503, 500), bomb.text
        assert time.monotonic() - started < 300  # stopped: it would run for hours
        # a burst from one client (Comunica's COUNT and ASK per pattern) queues, not fails
        with ThreadPoolExecutor(16) as pool:
            burst = list(
                pool.map(
                    lambda n: httpx.get(
                        f"{url}/sparql",
                        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p {n} }}"},
                        timeout=120,
                    ),
                    range(16),
                )
            )
        assert [answer.status_code for answer in burst] == [200] * 16
