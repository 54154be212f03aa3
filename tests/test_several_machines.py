"""Several service processes sharing one PostgreSQL (a throwaway cluster, `postgres.py`) and
one `oxigraph serve`: what one process writes, the others see at once; two curators deciding
at once on two machines get one winner and a 409 for the other; nothing a contributor owns
can be taken through another machine (the data-loss scenario of issue 19)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.database.version import LISTENER
from commonsgraph.harvest import Source, SourceRegistry
from commonsgraph.store import LocalStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

from .conftest import BASE
from .partners import Partner, Route, feed_server
from .postgres import Cluster, postgres_cluster
from .servers import commonsgraph_server, oxigraph_server
from .test_contributions import PLACE, place
from .test_database import LEGACY, secrets
from .test_partner_safety import TURTLE, declare


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as running:
        yield running


def settings_on(cluster: Cluster, data_dir: Path | None, url: str) -> Settings:
    return Settings(data_dir=data_dir, database=url, database_password=cluster.password)


def test_the_legacy_files_of_each_machine_go_to_the_shared_database(
    cluster: Cluster, tmp_path: Path
) -> None:
    url = cluster.database()
    shutil.copytree(LEGACY, tmp_path / "a")
    shutil.copytree(LEGACY, tmp_path / "b")  # a second machine with the same files
    first = Database.open(settings_on(cluster, tmp_path / "a", url))
    second = Database.open(settings_on(cluster, tmp_path / "b", url))
    try:
        assert first.postgresql
        assert first.revision() == "0002"
        curator = TokenStore(second).verify(secrets()["curator"])
        assert curator is not None
        assert curator.label == "Camille"
        assert len(TokenStore(first).list()) == 3  # the same rows are not doubled
    finally:
        first.close()
        second.close()


def test_one_process_at_a_time_holds_an_exclusive_lock(cluster: Cluster) -> None:
    """Two processes (two engines): the second waits in PostgreSQL until the first leaves."""
    url = cluster.database()
    one = Database.open(settings_on(cluster, None, url))
    two = Database.open(settings_on(cluster, None, url))
    events: list[str] = []

    def second() -> None:
        with two.exclusive("reviews"):
            events.append("second in")

    try:
        with one.exclusive("reviews"):
            events.append("first in")
            waiting = threading.Thread(target=second)
            waiting.start()
            deadline = time.monotonic() + 120
            while not _waits_for_a_lock(one):  # the second is blocked in the database
                assert time.monotonic() < deadline, "the second never asked for the lock"
                time.sleep(0.02)
            assert events == ["first in"]
            events.append("first out")
        waiting.join(30)
        assert events == ["first in", "first out", "second in"]
    finally:
        one.close()
        two.close()


def _waits_for_a_lock(database: Database) -> bool:
    with database.transaction() as connection:
        return bool(
            connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
        )


def test_one_process_holds_the_harvest_schedule(cluster: Cluster) -> None:
    url = cluster.database()
    one = Database.open(settings_on(cluster, None, url))
    two = Database.open(settings_on(cluster, None, url))
    try:
        with ThreadPoolExecutor(8) as pool:
            held = list(
                pool.map(
                    lambda n: (one if n % 2 else two).hold("harvest-schedule", f"p{n}", 60),
                    range(8),
                )
            )
        assert held.count(True) == 1
    finally:
        one.close()
        two.close()


def test_a_bump_in_one_process_reaches_the_others_without_a_query_per_read(
    cluster: Cluster,
) -> None:
    """The version is read from memory, kept current by PostgreSQL's notifications."""
    url = cluster.database()
    one = Database.open(settings_on(cluster, None, url))
    two = Database.open(settings_on(cluster, None, url))
    statements: list[str] = []
    event.listen(one.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        deadline = time.monotonic() + 30
        while one.version() != 0 or not one.version_watched:  # its listener connected
            assert time.monotonic() < deadline, "the listener never connected"
            time.sleep(0.01)
        assert two.bump() == two.version() == 1  # its own write: at once
        while one.version() != 1:  # another's: once notified (generous bound)
            assert time.monotonic() < deadline, "the bump was never notified"
            time.sleep(0.001)
        statements.clear()
        assert [one.version() for _ in range(100)] == [1] * 100
        assert statements == []
    finally:
        one.close()
        two.close()


def test_a_listener_that_lost_its_connection_listens_again(cluster: Cluster) -> None:
    url = cluster.database()
    one = Database.open(settings_on(cluster, None, url))
    two = Database.open(settings_on(cluster, None, url))
    deadline = time.monotonic() + 30

    def until(condition: Callable[[], bool]) -> None:
        while not condition():
            assert time.monotonic() < deadline
            time.sleep(0.01)

    try:
        until(lambda: one.version() == 0 and one.version_watched)
        with two.transaction() as connection:
            ended = connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": LISTENER},
            )
        assert ended == 1
        two.bump()
        until(lambda: one.version() == 1)  # read again, or notified once listening again
        until(lambda: one.version_watched)
        two.bump()
        until(lambda: one.version() == 2)
    finally:
        one.close()
        two.close()


# -- two service processes over one Oxigraph server and one PostgreSQL ---------------------------


class Machines:
    """Two `commonsgraph serve` processes (A and B), each with its own data directory."""

    def __init__(self, a: str, b: str, tokens: dict[str, str]) -> None:
        self.a, self.b = a, b
        self.tokens = tokens

    def headers(self, who: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **more}

    def upload(self, machine: str, who: str, body: bytes) -> httpx.Response:
        return httpx.post(
            f"{machine}/contributions",
            content=body,
            headers=self.headers(who, **{"Content-Type": "text/turtle"}),
            timeout=60,
        )

    def review(self, machine: str, who: str, key: str, action: str) -> httpx.Response:
        fields = {"reason": "not ours"} if action == "reject" else None
        return httpx.post(
            f"{machine}/contributions/{key}/{action}",
            json=fields,
            headers=self.headers(who),
            timeout=60,
        )

    def contribution(self, machine: str, key: str) -> dict[str, object]:
        response = httpx.get(
            f"{machine}/contributions/{key}", headers=self.headers("curator"), timeout=120
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ask(self, machine: str, query: str) -> bool:
        response = httpx.get(f"{machine}/sparql", params={"query": query}, timeout=120)
        assert response.status_code == 200, response.text
        return bool(response.json()["boolean"])


@pytest.fixture(scope="module")
def machines(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    root = tmp_path_factory.mktemp("machines")
    url = cluster.database()
    shared = {"database": url, "database_password": cluster.password, "tile_url": ""}
    state = Database.open(settings_on(cluster, None, url))
    tokens = TokenStore(state)
    secrets = {
        who: tokens.create(role, who)[1]
        for who, role in [("x", "contributor"), ("y", "contributor"), ("curator", "curator"),
                          ("second", "curator"), ("admin", "admin")]
    }  # fmt: skip
    state.close()
    with (
        oxigraph_server(root) as store,
        commonsgraph_server(root / "a", store=store, **shared) as a,
        commonsgraph_server(root / "b", store=store, **shared) as b,
    ):
        yield Machines(a, b, secrets)


def test_a_token_made_for_the_deployment_opens_both_machines(machines: Machines) -> None:
    for machine in (machines.a, machines.b):
        response = httpx.get(
            f"{machine}/contributions", headers=machines.headers("curator"), timeout=120
        )
        assert response.status_code == 200, response.text


def test_what_a_contributor_owns_cannot_be_taken_through_another_machine(
    machines: Machines,
) -> None:
    """X publishes a place through A; Y's upload of the same place through B is a 403, and
    reverting on B leaves X's place as it was before nothing."""
    name = "La Fabrique de A"
    uploaded = machines.upload(machines.a, "x", place(name))
    assert uploaded.status_code == 201, uploaded.text
    key = str(uploaded.json()["id"])
    accepted = machines.review(machines.a, "curator", key, "accept")
    assert accepted.status_code == 200, accepted.text

    taken = machines.upload(machines.b, "y", place("Pris par B"))
    assert taken.status_code == 403, taken.text
    assert f"belongs to contribution {key}" in taken.text
    # B knows the contribution, as A does, and its place is public on both
    assert machines.contribution(machines.b, key)["status"] == "accepted"
    for machine in (machines.a, machines.b):
        assert machines.ask(machine, f'ASK {{ <{PLACE}> ?p "{name}" }}')

    reverted = machines.review(machines.b, "curator", key, "revert")
    assert reverted.status_code == 200, reverted.text
    assert machines.contribution(machines.a, key)["status"] == "reverted"
    assert not machines.ask(machines.a, f'ASK {{ <{PLACE}> ?p "{name}" }}')


def test_two_curators_deciding_at_once_on_two_machines_get_one_winner(
    machines: Machines,
) -> None:
    keys = []
    for n in range(4):
        body = place(f"Lieu {n}").replace(b"la-fabrique-a-projets", f"lieu-{n}".encode())
        response = machines.upload(machines.a, "x", body)
        assert response.status_code == 201, response.text
        keys.append(str(response.json()["id"]))
    for key in keys:
        barrier = threading.Barrier(2)

        def decide(
            machine: str,
            who: str,
            action: str,
            key: str = key,
            barrier: threading.Barrier = barrier,
        ) -> httpx.Response:
            barrier.wait(30)
            return machines.review(machine, who, key, action)

        with ThreadPoolExecutor(2) as pool:
            on_a = pool.submit(decide, machines.a, "curator", "accept")
            on_b = pool.submit(decide, machines.b, "second", "reject")
            answers = sorted([on_a.result().status_code, on_b.result().status_code])
        assert answers == [200, 409], (key, answers)
        final = machines.contribution(machines.b, key)["status"]
        assert final in ("accepted", "rejected")
        graph = f"https://w3id.org/commonsgraph/graph/contribution/{key}"
        public = machines.ask(machines.b, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert public == (final == "accepted")


def test_a_write_through_one_machine_is_seen_by_the_other_at_once(machines: Machines) -> None:
    """B's caches (the counts of /health, the answers of /sparql: the same query twice is
    answered once by the engine) follow the data version A's write bumped."""
    counted = "ASK { <https://example.org/s> <https://example.org/p> 1 }"
    assert not machines.ask(machines.b, counted)
    assert not machines.ask(machines.b, counted)  # from B's cache
    before = httpx.get(f"{machines.b}/health", timeout=120).json()
    update = httpx.post(
        f"{machines.a}/sparql",
        data={
            "update": "INSERT DATA { GRAPH <https://example.org/g> "
            "{ <https://example.org/s> <https://example.org/p> 1 } }"
        },
        headers=machines.headers("admin"),
        timeout=120,
    )
    assert update.status_code in (200, 204), update.text
    after = httpx.get(f"{machines.b}/health", timeout=120).json()
    assert machines.ask(machines.b, counted)
    assert after["statements"] == before["statements"] + 1
    assert after["graphs"] == before["graphs"] + 1


@pytest.fixture
def partner() -> Iterator[Partner]:
    with feed_server() as server:
        yield server


def test_of_two_processes_with_a_schedule_one_harvests(
    cluster: Cluster, tmp_path: Path, partner: Partner
) -> None:
    """Each machine declares its own source (sources.toml); only the holder of the schedule's
    lease harvests, round after round, however many processes have a schedule."""
    url = cluster.database()
    partner.routes["/a.ttl"] = Route(body=TURTLE, content_type="text/turtle")
    partner.routes["/b.ttl"] = Route(body=TURTLE, content_type="text/turtle")
    apps = []
    for name in ("a", "b"):
        data = tmp_path / name
        declare(data, "dump", "rdf", f"{partner.url}/{name}.ttl")
        settings = replace(
            settings_on(cluster, data, url), base_iri=BASE, tile_url="", harvest_every=0.05
        )
        store = LocalStore()
        load_bundled(store, settings)
        apps.append((create_app(settings, store), store))
    with TestClient(apps[0][0]), TestClient(apps[1][0]):
        deadline = time.monotonic() + 120
        while len(partner.requests) < 4:  # four rounds of the schedule
            assert time.monotonic() < deadline, "no scheduled harvest"
            time.sleep(0.05)
    paths = {path for path, _ in partner.requests}
    assert len(paths) == 1, paths
    for _, store in apps:
        store.close()


def test_a_source_added_on_one_machine_is_known_on_the_other(
    cluster: Cluster, tmp_path: Path
) -> None:
    url = cluster.database()
    one = Database.open(settings_on(cluster, tmp_path / "a", url))
    two = Database.open(settings_on(cluster, tmp_path / "b", url))
    try:
        SourceRegistry(one, tmp_path / "a" / "sources.toml").add(
            Source("reseau-x", "rdf", "https://x.example/d.ttl", title="Réseau X")
        )
        [known] = SourceRegistry(two, tmp_path / "b" / "sources.toml").all()
        assert (known.name, known.title) == ("reseau-x", "Réseau X")
    finally:
        one.close()
        two.close()
