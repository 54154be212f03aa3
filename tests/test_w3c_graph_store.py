"""The W3C SPARQL 1.1 Graph Store Protocol tests (tests/w3c/graph-store-protocol/), every one,
against the served app: over the embedded store and over a real `oxigraph serve`.

The manifests describe each test as a connection: requests (method, path, headers, body) made
in order, each with the response it must get (status, `Location`, headers, a graph isomorphic to
the one given). The tests are read from the manifests themselves (those `manifest.ttl` includes,
in their order, and those a manifest defines without listing, after), so that none can be left
out. As the manifest says, `/gsp` is replaced by our endpoint's path, and the connection's
authority (`www.example`) is the service's public address, so that a graph named directly,
`/graph-store/person/1.ttl`, is `<http://www.example/graph-store/person/1.ttl>`. Every test
starts from an empty store (tests reuse the same graph IRIs and expect `201 Created`). Requests
carry a curator's token (writes need one; reads ignore it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import Message
from http import HTTPStatus
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Literal,
    NamedNode,
    RdfFormat,
    Triple,
    parse,
)

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, Store, union_of
from commonsgraph.store.remote import RemoteStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

HERE = Path(__file__).parent / "w3c" / "graph-store-protocol"
MANIFEST = HERE / "manifest.ttl"
ENDPOINT = "/graph-store"
PUBLIC_URL = "http://www.example/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
TEST_TYPE = NamedNode(MF + "GraphStoreProtocolTest")
SUPPORTED = {"DirectGraphIdentification", "IndirectGraphIdentification", "POSTGraphCreation"}

Node = NamedNode | BlankNode | Literal | Triple


class Graph:
    """The statements of a manifest, by subject and predicate."""

    def __init__(self, path: Path) -> None:
        self.index: dict[Node, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.typed: list[Node] = []
        for quad in parse(path=path, format=RdfFormat.TURTLE, base_iri=path.as_uri()):
            self.index[quad.subject][quad.predicate.value].append(quad.object)
            if quad.predicate.value == RDF + "type" and quad.object == TEST_TYPE:
                self.typed.append(quad.subject)

    def values(self, subject: Node, predicate: str) -> list[Node]:
        return self.index.get(subject, {}).get(predicate, [])

    def value(self, subject: Node, predicate: str) -> Node | None:
        found = self.values(subject, predicate)
        assert len(found) <= 1, (subject, predicate, found)
        return found[0] if found else None

    def text(self, subject: Node, predicate: str) -> str | None:
        node = self.value(subject, predicate)
        return None if node is None else node.value  # type: ignore[union-attr]

    def items(self, head: Node | None) -> list[Node]:
        """The members of an RDF list."""
        found: list[Node] = []
        while head is not None and head != NamedNode(RDF + "nil"):
            first = self.value(head, RDF + "first")
            assert first is not None
            found.append(first)
            head = self.value(head, RDF + "rest")
        return found

    def headers(self, subject: Node) -> dict[str, str]:
        return {
            str(self.text(h, HT + "fieldName")).lower(): str(self.text(h, HT + "fieldValue"))
            for h in self.items(self.value(subject, HT + "headers"))
        }

    def body(self, subject: Node) -> str | None:
        body = self.value(subject, HT + "body")
        return None if body is None else self.text(body, CNT + "chars")


@dataclass(frozen=True)
class Exchange:
    """One request of a test and what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: tuple[str, ...]
    """Names of http-statusCodes: `OK`, `Created`… or a class, `StatusCode2xx`."""
    location: str | None
    """The template variable the response's `Location` sets, when it must have one."""
    expected_headers: dict[str, str]
    expected_body: str | None

    def status_ok(self, status: int) -> bool:
        return not self.statuses or any(_matches(name, status) for name in self.statuses)


@dataclass(frozen=True)
class W3CTest:
    id: str
    name: str
    manifest: str
    requires: tuple[str, ...]
    exchanges: tuple[Exchange, ...]


def _matches(name: str, status: int) -> bool:
    """Whether `status` is the http-statusCodes term `name` (`NoContent`, `StatusCode2xx`)."""
    group = re.fullmatch(r"StatusCode(\d)xx", name)
    if group:
        return status // 100 == int(group[1])
    constant = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()  # NoContent -> NO_CONTENT
    return HTTPStatus[constant] == status


def _exchange(graph: Graph, request: Node) -> Exchange:
    response = graph.value(request, HT + "resp")
    assert response is not None
    path = str(graph.text(request, HT + "absolutePath"))
    assert path.startswith("/gsp"), path
    return Exchange(
        method=str(graph.text(request, HT + "methodName")),
        path=ENDPOINT + path.removeprefix("/gsp"),
        headers=graph.headers(request),
        body=graph.body(request),
        statuses=tuple(
            s.value.removeprefix(HTS)  # type: ignore[union-attr]
            for s in graph.values(response, MF + "expectedStatus")
        ),
        location=graph.text(response, MF + "expectedLocation"),
        expected_headers=graph.headers(response),
        expected_body=graph.body(response),
    )


def _test(graph: Graph, node: Node, manifest: str) -> W3CTest:
    connection = graph.value(node, MF + "action")
    assert connection is not None
    requests = graph.items(graph.value(connection, HT + "requests"))
    return W3CTest(
        id=node.value.rsplit("#", 1)[1],  # type: ignore[union-attr]
        name=str(graph.text(node, MF + "name")),
        manifest=manifest,
        requires=tuple(r.value.removeprefix(MF) for r in graph.values(node, MF + "requires")),  # type: ignore[union-attr]
        exchanges=tuple(_exchange(graph, r) for r in requests),
    )


def load_tests() -> list[W3CTest]:
    """Every test of the manifests `manifest.ttl` includes: the listed ones in their order,
    then those defined without being listed."""
    top = Graph(MANIFEST)
    (root,) = [s for s in top.index if s == NamedNode(MANIFEST.as_uri())]
    tests: list[W3CTest] = []
    for included in top.items(top.value(root, MF + "include")):
        path = HERE / included.value.rsplit("/", 1)[1]  # type: ignore[union-attr]
        graph = Graph(path)
        listed = graph.items(graph.value(NamedNode(path.as_uri()), MF + "entries"))
        unlisted = [t for t in graph.typed if t not in listed]
        tests += [_test(graph, node, path.name) for node in [*listed, *unlisted]]
    return tests


TESTS = load_tests()


def test_every_test_of_the_manifests_is_run() -> None:
    """No test is left out: 14 in the suite (one of them defined but not listed), all run, and
    each requires only what the endpoint supports."""
    assert len(TESTS) == len({t.id for t in TESTS}) == 14
    assert "head_non_existing_direct" in {t.id for t in TESTS}
    assert all(set(t.requires) <= SUPPORTED for t in TESTS)


@dataclass
class Served:
    client: TestClient
    store: Store
    token: str


@pytest.fixture(scope="module", params=["embedded", "remote"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("w3c-gsp")
    # the standard default-graph setting: the suite writes the default graph (?default), which
    # is the merge of the named graphs, never written directly, in the default setting
    settings = replace(
        Settings(data_dir=directory), public_url=PUBLIC_URL, default_graphs=("default",)
    )
    store: Store
    if request.param == "embedded":
        store = LocalStore(directory / "store", union=union_of(settings))
    else:
        store = RemoteStore.oxigraph(request.getfixturevalue("oxigraph_url"))
    tokens = TokenStore(Database.memory())
    _, secret = tokens.create("curator", "W3C Graph Store tests")
    app = create_app(settings, store, tokens)
    with TestClient(app, base_url=PUBLIC_URL.rstrip("/"), raise_server_exceptions=False) as client:
        yield Served(client, store, secret)
    store.close()


@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_w3c_graph_store(served: Served, test: W3CTest) -> None:
    served.store.update("DROP SILENT ALL")  # each test starts from an empty store
    variables: dict[str, str] = {}
    for number, exchange in enumerate(test.exchanges, start=1):
        where = f"{test.manifest} {test.id}, request {number}: {exchange.method} {exchange.path}"
        path, body = exchange.path, exchange.body
        for variable, value in variables.items():
            path = path.replace(variable, value)
            body = None if body is None else body.replace(variable, value)
        response = served.client.request(
            exchange.method,
            path,
            headers={**exchange.headers, "Authorization": f"Bearer {served.token}"},
            content=None if body is None else body.encode(),
        )
        assert exchange.status_ok(response.status_code), (
            f"{where}: {response.status_code} {response.text}, expected {exchange.statuses}"
        )
        if exchange.location is not None:
            assert "location" in response.headers, f"{where}: no Location"
            variables[exchange.location] = response.headers["location"]
        for field, value in exchange.expected_headers.items():
            got = response.headers.get(field)
            assert got is not None, f"{where}: no {field}"
            if field == "content-type":
                assert _media(got) == _media(value), f"{where}: {field} {got!r}, not {value!r}"
            else:
                assert got == value, f"{where}: {field} {got!r}, not {value!r}"
        if exchange.method == "HEAD":
            assert response.content == b"", f"{where}: HEAD answered with a body"
        if exchange.expected_body is not None:
            expected = _graph(exchange.expected_body.encode(), exchange.expected_headers)
            got_graph = _graph(response.content, dict(response.headers))
            assert got_graph == expected, f"{where}: the graph differs:\n{response.text}"


def _media(content_type: str) -> tuple[str, dict[str, str]]:
    """A Content-Type's media type and parameters, compared without case or spacing."""
    message = Message()
    message["content-type"] = content_type
    parameters = {k.lower(): str(v).lower() for k, v in (message.get_params() or [])[1:]}
    return message.get_content_type(), parameters


def _graph(body: bytes, headers: dict[str, str]) -> set[str]:
    """A graph, its blank nodes named canonically: equal sets are isomorphic graphs."""
    found = RdfFormat.from_media_type(headers.get("content-type", "text/turtle"))
    assert found is not None
    dataset = Dataset(parse(body, format=found, base_iri=PUBLIC_URL))
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad) for quad in dataset}
