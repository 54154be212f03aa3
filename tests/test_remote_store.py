"""The remote store's connection: endpoints as configuration, credentials apart from the URLs,
read replicas with read-your-writes, one pooled client (real `oxigraph serve` processes)."""

from __future__ import annotations

import asyncio
import base64
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import psutil
import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, RdfFormat

from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.errors import (
    ConfigError,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
)
from commonsgraph.store import Endpoints, QueryRequest, open_store
from commonsgraph.store.awake import Awake
from commonsgraph.store.looptransport import HEAD_LIMIT, KEPT
from commonsgraph.store.remote import WKT, RemoteStore, prologue
from commonsgraph.vocab import PREFIXES

from .servers import free_port, oxigraph_server
from .test_looptransport import Reply, engine

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> a cg:Place } }"


@pytest.fixture(scope="module")
def replica_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server, standing for a replica that has not received the primary's writes."""
    with oxigraph_server(tmp_path_factory.mktemp("replica")) as url:
        yield url


def statements(store: RemoteStore) -> int:
    return int(store.select(COUNT)[0]["n"].value)  # type: ignore[union-attr]


def test_a_profile_names_the_urls_of_its_engine() -> None:
    virtuoso = Endpoints.of("http://db.example:8890/", "virtuoso")
    assert (virtuoso.query, virtuoso.update, virtuoso.graph_store) == (
        "http://db.example:8890/sparql",
        "http://db.example:8890/sparql",
        "http://db.example:8890/sparql-graph-crud",
    )
    fuseki = Endpoints.of("http://db.example:3030/ds", "fuseki", update="http://w.example/u")
    assert (fuseki.query, fuseki.update, fuseki.graph_store) == (
        "http://db.example:3030/ds/query",
        "http://w.example/u",
        "http://db.example:3030/ds/data",
    )
    with pytest.raises(ConfigError, match="COMMONSGRAPH_STORE_GRAPH_STORE_URL"):
        Endpoints.of("http://db.example/sparql", "generic")
    with pytest.raises(ConfigError, match="oxigraph, fuseki, virtuoso, generic"):
        Endpoints.of("http://db.example/", "blazegraph")


def test_a_query_is_sent_the_declarations_of_the_prefixes_it_uses_only(oxigraph_url: str) -> None:
    """The engine reads no declaration a query does not use; a long text is sent them all (it
    is not searched); errors still point into the client's own text."""
    assert prologue("ASK { FILTER(1 > 0) }") == ""
    assert prologue('SELECT * { ?s a cg:Place ; schema:name "rdfs:label" }') == (
        f"PREFIX cg: <{PREFIXES['cg']}> PREFIX rdfs: <{PREFIXES['rdfs']}> "
        f"PREFIX schema: <{PREFIXES['schema']}> "
    )  # a false hit (in a string) costs one declaration
    assert prologue("ASK {} #" + " " * 5000).count("PREFIX") == len(PREFIXES)
    store = RemoteStore.oxigraph(oxigraph_url)
    try:
        assert store.ask("ASK { FILTER(1 > 0) }")
        assert store.ask("ASK { FILTER(STRSTARTS(STR(cg:Place), STR(cg:))) }")
        with pytest.raises(QuerySyntaxError) as caught:
            store.ask("ASK {\n  ?s a cg:Place ) }")
        assert caught.value.line == 2
    finally:
        store.close()


def test_settings_choose_the_endpoints_and_the_client(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret-word\n")
    settings = Settings.from_env(
        {
            "COMMONSGRAPH_STORE": "http://127.0.0.1:9/",
            "COMMONSGRAPH_STORE_PROFILE": "generic",
            "COMMONSGRAPH_STORE_GRAPH_STORE_URL": "http://127.0.0.1:9/rdf-graphs",
            "COMMONSGRAPH_STORE_REPLICAS": "http://127.0.0.1:10/ http://127.0.0.1:11/",
            "COMMONSGRAPH_STORE_USER": "writer",
            "COMMONSGRAPH_STORE_PASSWORD_FILE": str(secret),
            "COMMONSGRAPH_STORE_CONNECT_TIMEOUT": "0.5",
        }
    )
    assert settings.store_password == "s3cret-word"
    assert "s3cret" not in repr(settings)
    store = open_store(settings)
    assert isinstance(store, RemoteStore)
    try:
        assert store.endpoints.query == store.endpoints.update == "http://127.0.0.1:9/"
        assert store.endpoints.replicas == ("http://127.0.0.1:10/", "http://127.0.0.1:11/")
        assert "s3cret" not in repr(store)
        assert "s3cret" not in repr(store.endpoints)
        with pytest.raises(StoreError) as caught:  # nothing listens on port 9
            store.update("CLEAR ALL")
        assert "s3cret" not in str(caught.value)
        assert "127.0.0.1:9" in str(caught.value)
    finally:
        store.close()


@pytest.mark.parametrize(
    "variable",
    ["COMMONSGRAPH_STORE", "COMMONSGRAPH_STORE_UPDATE_URL", "COMMONSGRAPH_STORE_REPLICAS"],
)
def test_credentials_in_a_store_url_are_refused_and_not_echoed(variable: str) -> None:
    url = "http://writer:s3cret-word@db.example/sparql"
    env = {"COMMONSGRAPH_STORE": "http://db.example/", variable: url}
    with pytest.raises(ConfigError, match=variable) as caught:
        Settings.from_env(env)
    assert "s3cret" not in str(caught.value)
    assert "COMMONSGRAPH_STORE_PASSWORD" in str(caught.value)


def test_one_pooled_connection_serves_every_query(oxigraph_url: str) -> None:
    store = RemoteStore.oxigraph(oxigraph_url)
    port = int(oxigraph_url.rsplit(":", 1)[1])

    def connections() -> set[int]:
        return {
            c.laddr.port
            for c in psutil.Process(os.getpid()).net_connections("tcp")
            if c.raddr and c.raddr.port == port
        }

    try:
        seen: set[int] = set()
        for _ in range(20):
            store.ask("ASK {}")
            seen |= connections()
        assert len(seen) == 1
    finally:
        store.close()
    assert not {c for c in connections() if c in seen}


def test_concurrent_public_queries_each_get_their_own_answer_and_few_connections_stay(
    oxigraph_url: str,
) -> None:
    """From the event loop, 3 x `KEPT` queries at once: each is answered its own result; at
    most `KEPT` connections stay open after them, none after the loop ended."""
    store = RemoteStore.oxigraph(oxigraph_url)
    port = int(oxigraph_url.rsplit(":", 1)[1])

    def established() -> int:
        return sum(
            1
            for c in psutil.Process(os.getpid()).net_connections("tcp")
            if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
        )

    def request(n: int) -> QueryRequest:
        return QueryRequest(
            f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}", QueryResultsFormat.CSV, RdfFormat.TURTLE
        )

    async def at_once() -> tuple[list[bytes], int]:
        answers = await asyncio.gather(*(store.execute(request(n)) for n in range(3 * KEPT)))
        return [answer.body for answer in answers], established()

    try:
        bodies, kept = asyncio.run(at_once())
        assert bodies == [f"n\r\n{n}\r\n".encode() for n in range(3 * KEPT)]
        assert 1 <= kept <= KEPT
        assert established() == 0
    finally:
        store.close()


def test_queries_go_to_a_replica_and_to_the_primary_after_a_write(
    oxigraph_url: str, replica_url: str
) -> None:
    primary = RemoteStore.oxigraph(oxigraph_url)
    primary.update("DROP ALL")
    replicated = Endpoints.of(oxigraph_url, replicas=(f"{replica_url}/query",))
    lagging = RemoteStore(replicated, read_primary=0)  # no read-your-writes: the replica
    fresh = RemoteStore(replicated, read_primary=3600)
    try:
        for store in (lagging, fresh):
            assert statements(store) == 0
            store.update(INSERT)
        assert statements(primary) == 1
        assert statements(lagging) == 0  # the replica never received the write
        assert statements(fresh) == 1  # read from the primary after its own write
    finally:
        for store in (primary, lagging, fresh):
            store.close()


def test_a_replica_down_leaves_queries_to_the_primary(oxigraph_url: str) -> None:
    down = f"http://127.0.0.1:{free_port()}/query"
    store = RemoteStore(Endpoints.of(oxigraph_url, replicas=(down,)), read_primary=0)
    try:
        store.update("DROP ALL")
        store.update(INSERT)
        assert statements(store) == 1
        public = QueryRequest(COUNT, QueryResultsFormat.CSV, RdfFormat.N_TRIPLES)
        assert asyncio.run(store.execute(public)).body.split() == [b"n", b"1"]
    finally:
        store.close()


def test_the_virtuoso_profile_hides_its_departures(virtuoso_url: str) -> None:
    store = RemoteStore(Endpoints.of(virtuoso_url, "virtuoso"))
    try:
        for graph in store.graphs():
            store.drop_graph(graph)
        assert store.graphs() == []  # its own graphs are left out
        assert store.triple_count() == 0
        point = "POINT(2.123456789 48.987654321)"
        store.update(
            "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
            f'geo:asWKT "{point}"^^geo:wktLiteral }} }}'
        )
        assert store.graphs() == [NamedNode("http://example.org/g")]
        assert store.triple_count() == 1
        assert store.ask("ASK { ?s geo:asWKT ?w }")
        assert not store.ask("ASK { ?s a cg:Place }")
        (row,) = store.select(
            "PREFIX ex: <http://x/> BASE <http://example.org/> SELECT ?w { <s> ?p ?w }"
        )
        assert row["w"] == Literal(point, datatype=NamedNode(WKT))
    finally:
        store.close()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COMMONSGRAPH_STORE_PROFILE": "blazegraph"}, "COMMONSGRAPH_STORE_PROFILE must be one of"),
        ({"COMMONSGRAPH_STORE_PROFILE": "generic"}, "COMMONSGRAPH_STORE_GRAPH_STORE_URL"),
        ({"COMMONSGRAPH_STORE": "http://u:s3cret@127.0.0.1:9/"}, "must not hold credentials"),
    ],
)
def test_the_command_line_says_what_is_wrong_with_the_store(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "var"), "stats"],
        env={"COMMONSGRAPH_STORE": "http://127.0.0.1:9/", **env},
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


class Forgetful(BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers `ASK` true, keeps no connection open after an answer
    although it says nothing of it (as a server whose idle connections time out), and notes
    each request's credentials."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        Forgetful.seen.append(self.headers["Authorization"])
        body = b'{"head": {}, "boolean": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_kept_connection_the_server_closed_is_opened_again_with_its_credentials() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Forgetful)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    store = RemoteStore(Endpoints.of(base, user="reader", password="s3cret"))
    Forgetful.seen.clear()
    try:
        assert [store.ask("ASK {}") for _ in range(3)] == [True] * 3
        request = QueryRequest("ASK {}", QueryResultsFormat.JSON, RdfFormat.TURTLE)

        async def public_queries() -> list[bytes]:  # from the event loop (`LoopTransport`)
            return [(await store.execute(request)).body for _ in range(3)]

        assert all(b"true" in body for body in asyncio.run(public_queries()))
    finally:
        store.close()
        server.shutdown()
        server.server_close()
    basic = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    assert Forgetful.seen == [basic] * 6


class Stalling(BaseHTTPRequestHandler):
    """A SPARQL endpoint that never answers: it notes that a query came, then that its client
    closed the connection."""

    protocol_version = "HTTP/1.1"
    asked = threading.Event()
    abandoned = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        Stalling.asked.set()
        if not self.rfile.read(1):  # nothing more comes until the client closes
            Stalling.abandoned.set()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_public_query_given_up_closes_its_connection_to_the_engine() -> None:
    """The client of /sparql hung up (its task cancelled) or the deadline passed: the engine
    sees its own client gone (how a remote engine's query is abandoned)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = RemoteStore(Endpoints.of(f"http://127.0.0.1:{server.server_address[1]}"))
    patient = QueryRequest("ASK {}", QueryResultsFormat.JSON, RdfFormat.TURTLE, timeout=120)
    hasty = QueryRequest("ASK {}", QueryResultsFormat.JSON, RdfFormat.TURTLE, timeout=0.5)

    async def hang_up() -> None:
        task = asyncio.create_task(store.execute(patient))
        assert await asyncio.to_thread(Stalling.asked.wait, 60)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(hang_up())
        assert Stalling.abandoned.wait(60)
        Stalling.asked.clear()
        Stalling.abandoned.clear()
        with pytest.raises(QueryTimeout):
            asyncio.run(store.execute(hasty))
        assert Stalling.asked.is_set()
        assert Stalling.abandoned.wait(60)
    finally:
        store.close()
        server.shutdown()
        server.server_close()


def test_an_answer_past_its_bound_is_refused_and_the_next_query_served(
    oxigraph_url: str,
) -> None:
    store = RemoteStore.oxigraph(oxigraph_url)
    try:
        store.update("DROP ALL")
        store.update(INSERT)
        wide = QueryRequest(COUNT, QueryResultsFormat.XML, RdfFormat.TURTLE, max_bytes=10)
        with pytest.raises(ResultTooLarge):
            asyncio.run(store.execute(wide))
        assert statements(store) == 1
    finally:
        store.close()


def test_an_account_with_digest_authentication_queries_virtuoso(virtuoso_url: str) -> None:
    """Virtuoso's /sparql-auth (the queries go over the httpx client, which answers the
    challenge); a wrong password is the store failing, not an answer."""
    auth = f"{virtuoso_url}/sparql-auth"

    def store(password: str) -> RemoteStore:
        return RemoteStore(
            Endpoints.of(
                virtuoso_url, "virtuoso", query=auth, update=auth,
                user="dba", password=password, digest=True,
            )
        )  # fmt: skip

    right, wrong = store("dba"), store("not-the-password")
    try:
        assert right.ask("ASK {}")
        request = QueryRequest("SELECT (1 AS ?one) {}", QueryResultsFormat.CSV, RdfFormat.TURTLE)
        assert asyncio.run(right.execute(request)).body.split() == [b"one", b"1"]
        with pytest.raises(StoreError, match="401"):
            wrong.ask("ASK {}")
    finally:
        right.close()
        wrong.close()


MALFORMED = {
    "not HTTP": (b"NOT HTTP AT ALL\r\n\r\n", False),
    "a bad chunk size": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\nhello\r\n0\r\n\r\n",
        False,
    ),
    "headers past the limit": (
        b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * (HEAD_LIMIT * 2),
        False,
    ),
    "a body cut short": (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntrue", True),
    "two lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\ntrue",
        False,
    ),
}


@pytest.mark.parametrize(("raw", "then_close"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_answer_is_a_store_error_not_a_crash_nor_a_hang(
    raw: bytes, then_close: bool
) -> None:
    request = QueryRequest("ASK {}", QueryResultsFormat.JSON, RdfFormat.TURTLE, timeout=120)
    with engine(Reply((raw,), then="close" if then_close else "stall")) as fake:
        store = RemoteStore(Endpoints.of(f"http://127.0.0.1:{fake.port}"))
        try:
            with pytest.raises(StoreError) as raised:
                asyncio.run(store.execute(request))
            assert not isinstance(raised.value, QueryTimeout)
            assert "answered amiss" in str(raised.value) or "cut short" in str(raised.value)
        finally:
            store.close()


def test_a_lone_public_query_keeps_the_loop_polling_for_a_while_only(oxigraph_url: str) -> None:
    """Busy-waiting (`store.awake`): queries one after another, and at once, get their own
    answers; the polling stops by itself once no query came for `busy_wait` seconds."""
    store = RemoteStore(Endpoints.of(oxigraph_url, "oxigraph"), busy_wait=0.01)

    def request(n: int) -> QueryRequest:
        return QueryRequest(
            f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}", QueryResultsFormat.CSV, RdfFormat.TURTLE
        )

    async def queries() -> tuple[list[bytes], bool]:
        answers = [(await store.execute(request(n))).body for n in range(5)]
        polling = store._awake._task is not None  # after a lone query's answer
        together = await asyncio.gather(*(store.execute(request(n)) for n in range(5, 10)))
        answers += [answer.body for answer in together]
        async with asyncio.timeout(60):
            while store._awake._task is not None:  # it ends on its own
                await asyncio.sleep(0.01)
        return answers, polling

    try:
        answers, polling = asyncio.run(queries())
        assert answers == [f"n\r\n{n}\r\n".encode() for n in range(10)]
        assert polling
    finally:
        store.close()


def test_busy_waiting_starts_again_in_a_loop_after_one_closed_while_it_polled() -> None:
    """A loop closed without cancelling its tasks (`run_until_complete`, then `close`) takes
    the polling task with it: the next loop polls again (busy-waiting was off for good)."""
    awake = Awake(60.0, lambda: 0)

    async def stay() -> bool:
        awake.stay()
        task = awake._task
        return task is not None and task.get_loop() is asyncio.get_running_loop()

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(stay())
    finally:
        task = awake._task
        loop.close()
    assert task is not None
    task._log_destroy_pending = False  # type: ignore[attr-defined]  # it is, on purpose
    try:
        assert asyncio.run(stay())  # asyncio.run cancels it as it ends
    finally:
        awake.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Type: text/html\r\n"
        b"Content-Length: 25\r\n\r\n<script>alert(1)</script>",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 25\r\n\r\n"
        b"<script>alert(1)</script>",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ],
)
def test_a_public_answer_that_is_not_results_is_refused_not_served(answer: bytes) -> None:
    """A redirect, a proxy's page, an empty answer: the engine's body and type would reach the
    client as they are (an HTML page served from the service's origin)."""
    with engine(Reply((answer,))) as fake:
        store = RemoteStore(Endpoints.of(fake.url.removesuffix("/query"), "oxigraph"))
        request = QueryRequest("ASK {}", QueryResultsFormat.JSON, RdfFormat.TURTLE)
        try:
            with pytest.raises(StoreError, match="not a query's results"):
                asyncio.run(store.execute(request))
        finally:
            store.close()
