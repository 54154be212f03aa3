"""Hostile SPARQL texts sent to a real `commonsgraph serve`: the service answers each with a
clear problem and goes on answering everyone else.

Some of these texts crashed the process that evaluated them (SIGSEGV: pyoxigraph walks the
trees a long chain of UNIONs or BINDs builds recursively), and an update is evaluated in the
service's own process: so they are sent to a real server, where a crash fails the test instead
of killing pytest."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from .servers import commonsgraph_server, server_pid

UPDATE = "application/sparql-update"
QUERY = "application/sparql-query"


@dataclass
class Served:
    url: str
    curator: dict[str, str]

    def assert_alive(self) -> None:
        """The service answers the next request (it did not crash)."""
        assert httpx.get(f"{self.url}/health", timeout=120).json()["status"] == "ok"


def _token(data_dir: Path, role: str) -> dict[str, str]:
    command = [sys.executable, "-m", "commonsgraph", "--data-dir", str(data_dir)]
    output = subprocess.run(
        [*command, "token", "create", "--role", role], check=True, capture_output=True, text=True
    ).stdout
    return {"Authorization": f"Bearer {output.strip().splitlines()[-1]}"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("hostile-sparql") / "var"
    curator = _token(data, "curator")
    with commonsgraph_server(data, query_workers="2") as url:
        served = Served(url, curator)
        yield served
        served.assert_alive()


UNIONS = " UNION ".join(["{ ?s ?p ?o }"] * 20_000)


def test_an_update_with_a_long_union_chain_is_refused_and_the_service_lives(
    served: Served,
) -> None:
    update = f"INSERT {{ <http://a> <http://b> ?o }} WHERE {{ {UNIONS} }}"
    answer = httpx.post(
        f"{served.url}/sparql",
        content=update,
        headers={**served.curator, "Content-Type": UPDATE},
        timeout=60,
    )
    assert answer.status_code == 400, answer.text
    assert "tokens outside its DATA and VALUES blocks" in answer.json()["detail"]
    served.assert_alive()


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ {UNIONS} }} LIMIT 1",
        "DESCRIBE " + " ".join(f"<http://a/{i}>" for i in range(5_000)),
    ],
    ids=["unions", "describe"],
)
def test_a_query_that_would_crash_its_worker_is_a_400(served: Served, query: str) -> None:
    answer = httpx.post(
        f"{served.url}/sparql", content=query, headers={"Content-Type": QUERY}, timeout=60
    )
    assert answer.status_code == 400, answer.text
    served.assert_alive()


def test_a_long_update_holds_no_public_query(served: Served) -> None:
    """pyoxigraph plans a WHERE of a few hundred triple patterns for tens of seconds (200: 11 s,
    400: 3 min, measured), in the service's process since it is an update; the public queries
    asked meanwhile once waited for the store's write lock, all of them, until it was done."""
    assert (
        httpx.post(f"{served.url}/sparql", data={"query": "ASK {}"}, timeout=120).status_code == 200
    )
    patterns = " ".join(f"?x <http://e.example/p{i}> ?y{i} ." for i in range(200))
    update = f"INSERT {{ GRAPH <http://a> {{ <http://a> <http://b> ?y0 }} }} WHERE {{ {patterns} }}"
    done = threading.Event()

    def run_update() -> None:
        answer = httpx.post(
            f"{served.url}/sparql",
            content=update,
            headers={**served.curator, "Content-Type": UPDATE},
            timeout=600,
        )
        assert answer.status_code == 204, answer.text
        done.set()

    service = psutil.Process(server_pid(served.url))
    before = sum(service.cpu_times()[:2])
    updating = threading.Thread(target=run_update)
    updating.start()
    try:
        while sum(service.cpu_times()[:2]) - before < 1.0:  # the update is being planned
            assert not done.is_set(), "the update was done before it could be measured"
            time.sleep(0.05)
        query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        answer = httpx.post(f"{served.url}/sparql", data=query, timeout=600)
        assert answer.status_code == 200, answer.text
        assert not done.is_set(), "the query waited for the update"
    finally:
        updating.join()
