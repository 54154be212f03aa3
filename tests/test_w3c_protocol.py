"""The W3C SPARQL 1.1 Protocol tests (tests/w3c/protocol/manifest.ttl), every one, against the
served app: over the embedded store and over a real `oxigraph serve` (the remote store).

Each test of the manifest is a sequence of HTTP requests (method, path, headers, body) with the
status, the format and, for ASK, the boolean its response must have; the tests are read from the
manifest itself, so that none can be left out. Requests carry a curator's token (the updates
need one; queries ignore it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, Store
from commonsgraph.store.remote import RemoteStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

HERE = Path(__file__).parent / "w3c" / "protocol"
MANIFEST = HERE / "manifest.ttl"
BASE = MANIFEST.as_uri()

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"

Node = NamedNode | BlankNode | Literal | Triple
TABULAR = {QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV,
           QueryResultsFormat.TSV}  # fmt: skip
BOOLEAN = {QueryResultsFormat.JSON, QueryResultsFormat.XML}
GRAPHS = {RdfFormat.RDF_XML, RdfFormat.TURTLE, RdfFormat.N_TRIPLES}


class Graph:
    """The manifest's statements, by subject and predicate."""

    def __init__(self, path: Path) -> None:
        self.index: dict[Node, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for quad in parse(path=path, format=RdfFormat.TURTLE, base_iri=BASE):
            self.index[quad.subject][quad.predicate.value].append(quad.object)

    def values(self, subject: Node, predicate: str) -> list[Node]:
        return self.index.get(subject, {}).get(predicate, [])

    def value(self, subject: Node, predicate: str) -> Node | None:
        found = self.values(subject, predicate)
        assert len(found) <= 1, (subject, predicate)
        return found[0] if found else None

    def text(self, subject: Node, predicate: str) -> str | None:
        node = self.value(subject, predicate)
        return None if node is None else node.value  # type: ignore[union-attr]

    def items(self, head: Node | None) -> list[Node]:
        """The members of an RDF list."""
        found = []
        while head is not None and head != NamedNode(RDF + "nil"):
            first = self.value(head, RDF + "first")
            assert first is not None, head
            found.append(first)
            head = self.value(head, RDF + "rest")
        return found


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]
    """The classes of the statuses expected (2 for 2xx…)."""
    boolean: bool | None
    format: str | None
    """"boolean", "tabular" or "RDF"."""


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    graphs: dict[str, Path]
    """Graph name -> the file of its statements."""
    requests: list[Request]


def read_request(graph: Graph, node: Node) -> Request:
    headers = {
        graph.text(h, HT + "fieldName") or "": graph.text(h, HT + "fieldValue") or ""
        for h in graph.items(graph.value(node, HT + "headers"))
    }
    body = graph.value(node, HT + "body")
    sent = None
    if body is not None:
        encoding = graph.text(body, CNT + "characterEncoding") or "UTF-8"
        sent = (graph.text(body, CNT + "chars") or "").encode(encoding)
    response = graph.value(node, HT + "resp")
    assert response is not None
    statuses = frozenset(
        int(s.value.removeprefix(HTS)[0])  # type: ignore[union-attr]
        for s in graph.values(response, MF + "expectedStatus")
    )
    boolean = graph.text(response, MF + "expectedBoolean")
    path = graph.text(node, HT + "absolutePath") or ""
    assert path.startswith("/sparql/"), path
    return Request(
        method=graph.text(node, HT + "methodName") or "",
        path="/sparql" + path.removeprefix("/sparql/"),
        headers=headers,
        body=sent,
        statuses=statuses,
        boolean=None if boolean is None else boolean == "true",
        format=graph.text(response, MF + "expectedFormat"),
    )


def read_manifest() -> list[ProtocolTest]:
    graph = Graph(MANIFEST)
    manifest = NamedNode(BASE)
    entries = graph.items(graph.value(manifest, MF + "entries"))
    typed = {s for s, p in graph.index.items() if NamedNode(MF + "ProtocolTest") in p[RDF + "type"]}
    assert set(entries) == typed, "every protocol test of the manifest is an entry"
    tests = []
    for entry in entries:
        action = graph.value(entry, MF + "action")
        assert action is not None
        graphs = {}
        for data in graph.values(entry, UT + "graphData"):
            file = graph.value(data, UT + "graph")
            assert isinstance(file, NamedNode)
            graphs[graph.text(data, RDFS + "label") or ""] = HERE / file.value.rsplit("/", 1)[1]
        requests = [
            read_request(graph, r) for r in graph.items(graph.value(action, HT + "requests"))
        ]
        assert requests, entry
        tests.append(
            ProtocolTest(
                entry.value.rsplit("#", 1)[1],  # type: ignore[union-attr]
                graph.text(entry, MF + "name") or "",
                graphs,
                requests,
            )
        )
    return tests


TESTS = read_manifest()


def test_the_manifest_is_read_whole() -> None:
    assert len(TESTS) == 34
    assert len({t.name for t in TESTS}) == len(TESTS)
    # 34 tests, 5 of them an update and then a query
    assert sum(len(t.requests) for t in TESTS) == 39


@dataclass
class Served:
    client: TestClient
    store: Store
    secret: str


@pytest.fixture(scope="module", params=["embedded", "remote"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The service over an on-disk embedded store, or over a real Oxigraph server."""
    directory = tmp_path_factory.mktemp(f"w3c-protocol-{request.param}")
    store: Store
    if request.param == "embedded":
        store = LocalStore(directory / "store")
    else:
        store = RemoteStore.oxigraph(request.getfixturevalue("oxigraph_url"))
    tokens = TokenStore(Database.memory())
    secret = tokens.create("curator", "W3C protocol tests")[1]
    app = create_app(Settings(data_dir=directory), store, tokens)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Served(client, store, secret)
    store.close()


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(served: Served, test: ProtocolTest) -> None:
    served.store.update("DROP ALL")
    for name, file in test.graphs.items():
        triples = [Triple(q.subject, q.predicate, q.object) for q in parse(path=file)]
        served.store.add_to_graph(NamedNode(name), triples)
    for number, sent in enumerate(test.requests, 1):
        response = served.client.request(
            sent.method,
            sent.path,
            content=sent.body,
            headers={**sent.headers, "Authorization": f"Bearer {served.secret}"},
        )
        where = f"{test.title}, request {number}: {response.status_code} {response.text[:300]}"
        assert response.status_code // 100 in sent.statuses, where
        media = response.headers.get("content-type", "").split(";")[0]
        if sent.format in ("boolean", "tabular"):
            results_format = QueryResultsFormat.from_media_type(media)
            assert results_format in (BOOLEAN if sent.format == "boolean" else TABULAR), where
            if results_format in BOOLEAN:
                results = parse_query_results(response.content, format=results_format)
                assert isinstance(results, QueryBoolean) == (sent.format == "boolean"), where
                if sent.boolean is not None:
                    assert bool(results) is sent.boolean, where
        elif sent.format == "RDF":
            rdf_format = RdfFormat.from_media_type(media)
            assert rdf_format in GRAPHS, where
            list(parse(response.content, rdf_format))
        else:
            assert sent.format is None, where
            assert sent.boolean is None, where
