"""/graph-store beyond the W3C tests: graphs named by their own URL, graphs created by POST,
multipart bodies read whole or not at all, HEAD, and the writes' token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, RdfFormat, parse

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app
from commonsgraph.web.multipart import MAX_PARTS

PUBLIC = "https://graphs.example.org/"
DIRECT = PUBLIC + "graph-store/"
NT = "application/n-triples"
BOUNDARY = "b0undary"
FORM = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture(scope="module")
def token() -> tuple[TokenStore, str]:
    tokens = TokenStore(Database.memory())
    return tokens, tokens.create("curator", "graph store tests")[1]


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, token: tuple[TokenStore, str]
) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("gsp")
    store = LocalStore(directory / "store")
    settings = replace(
        Settings(data_dir=directory), public_url=PUBLIC, max_graph_store_statements=4
    )
    with TestClient(create_app(settings, store, token[0]), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token[1]}"
        yield client
    store.close()


def objects(client: TestClient, **where: str) -> set[str]:
    """The objects of the statements of a graph (`graph=IRI`, or `path=` its direct URL)."""
    path = where.pop("path", "/graph-store")
    response = client.get(path, params=where, headers={"Accept": NT})
    assert response.status_code == 200, response.text
    return {q.object.value for q in parse(response.content, RdfFormat.N_TRIPLES)}


def form(*parts: tuple[str, str]) -> bytes:
    """A multipart/form-data body of (headers, content) parts."""
    body = "".join(f"--{BOUNDARY}\r\n{headers}\r\n\r\n{content}\r\n" for headers, content in parts)
    return f"preamble\r\n{body}--{BOUNDARY}--\r\n".encode()


def disposition(filename: str) -> str:
    return f'Content-Disposition: form-data; name="file"; filename="{filename}"'


def test_a_graph_is_named_by_its_own_url(client: TestClient) -> None:
    put = client.put(
        "/graph-store/people/%31.ttl",
        content=b'<http://a> <http://p> "one" .',
        headers={"Content-Type": NT},
    )
    assert put.status_code == 201, put.text
    # the IRI is the public URL, percent-encoding kept; both ways name the same graph
    assert objects(client, graph=DIRECT + "people/%31.ttl") == {"one"}
    assert objects(client, path="/graph-store/people/%31.ttl") == {"one"}
    assert client.get("/graph-store/people/1.ttl").status_code == 404
    both = client.get("/graph-store/people/%31.ttl", params={"graph": "http://other"})
    assert both.status_code == 400
    assert "?graph=" in both.json()["detail"]
    assert client.delete("/graph-store/people/%31.ttl").status_code == 204
    assert client.get("/graph-store/people/%31.ttl").status_code == 404


def test_a_graph_created_by_post_is_found_at_its_location(client: TestClient) -> None:
    created = client.post(
        "/graph-store", content=b'<http://a> <http://p> "new" .', headers={"Content-Type": NT}
    )
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.startswith(DIRECT)
    assert objects(client, graph=location) == {"new"}
    assert objects(client, path=location.removeprefix(PUBLIC.rstrip("/"))) == {"new"}


def test_head_answers_the_headers_of_get(client: TestClient) -> None:
    client.put(
        "/graph-store/h", content=b'<http://a> <http://p> "1" .', headers={"Content-Type": NT}
    )
    for accept in ("text/turtle", "application/ld+json", NT):
        get = client.get("/graph-store/h", headers={"Accept": accept})
        head = client.head("/graph-store/h", headers={"Accept": accept})
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        for field in ("content-type", "content-length", "vary"):
            assert head.headers[field] == get.headers[field], field
    assert (
        client.get("/graph-store/h", headers={"Accept": "text/turtle"}).headers["content-type"]
        == "text/turtle; charset=utf-8"
    )
    assert client.head("/graph-store/missing").status_code == 404


def test_multipart_parts_are_read_by_type_or_extension(client: TestClient) -> None:
    body = form(
        (f"{disposition('a.ttl')}\r\nContent-Type: text/turtle", '[] <http://p> "turtle" .'),
        (
            f"{disposition('b.nt')}\r\nContent-Type: application/octet-stream",
            '_:x <http://p> "nt" .',
        ),
        (disposition("c.jsonld"), '{"@id": "http://c", "http://p": "jsonld"}'),
    )
    response = client.post("/graph-store", params={"graph": "http://g"}, content=body, headers=FORM)
    assert response.status_code == 201, response.text
    assert objects(client, graph="http://g") == {"turtle", "nt", "jsonld"}


def test_multipart_parts_keep_their_blank_nodes_apart(client: TestClient) -> None:
    part = (disposition("x.nt"), "_:b <http://p> <http://o> .")
    response = client.put("/graph-store/blank", content=form(part, part), headers=FORM)
    assert response.status_code == 201, response.text
    got = client.get("/graph-store/blank", headers={"Accept": NT})
    subjects = {q.subject for q in parse(got.content, RdfFormat.N_TRIPLES)}
    assert len(subjects) == 2
    assert all(isinstance(s, BlankNode) for s in subjects)


@pytest.mark.parametrize(
    ("parts", "status", "says"),
    [
        # the second part does not parse: nothing of the first is written
        ([(disposition("a.nt"), '<http://a> <http://p> "new" .'), (disposition("b.nt"), "<http://a> <http://p> .")], 400, "b.nt"),
        # 3 + 2 statements: over the cap of 4 counted across the parts
        ([(disposition("a.ttl"), "<http://a> <http://p> 1, 2, 3 ."), (disposition("b.ttl"), "<http://a> <http://p> 4, 5 .")], 413, "the parts hold more than 4"),
        ([(disposition("a.pdf"), "%PDF")], 415, "a.pdf"),
        ([(f"{disposition('a.ttl')}\r\nContent-Type: application/pdf", "x")], 415, "application/pdf"),
        ([(disposition(f"{n}.nt"), "") for n in range(MAX_PARTS + 1)], 413, f"at most {MAX_PARTS} parts"),
    ],
)  # fmt: skip
def test_a_refused_multipart_body_writes_nothing(
    client: TestClient, parts: list[tuple[str, str]], status: int, says: str
) -> None:
    before = b'<http://a> <http://p> "before" .'
    client.put("/graph-store/kept", content=before, headers={"Content-Type": NT})
    for method in ("PUT", "POST"):
        response = client.request(method, "/graph-store/kept", content=form(*parts), headers=FORM)
        assert response.status_code == status, response.text
        assert says in response.json()["detail"]
        assert objects(client, path="/graph-store/kept") == {"before"}


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b"--b0undary\r\n\r\n<http://a> <http://p> 1 .\r\n", FORM["Content-Type"], "cut short"),
        (b"no delimiter at all", FORM["Content-Type"], "never opens"),
        (
            b"--b0undary\r\nContent-Type: text/turtle\r\n",
            FORM["Content-Type"],
            "end to its headers",
        ),
        (b"", "multipart/form-data", "boundary"),
    ],
)
def test_a_malformed_multipart_body_is_a_400(
    client: TestClient, body: bytes, content_type: str, says: str
) -> None:
    response = client.post(
        "/graph-store",
        params={"graph": "http://m"},
        content=body,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]
    assert client.get("/graph-store", params={"graph": "http://m"}).status_code == 404


def test_writes_by_url_need_a_token(client: TestClient) -> None:
    secret = client.headers.pop("Authorization")
    try:
        body = b'<http://a> <http://p> "1" .'
        sent = {"Content-Type": NT}
        assert client.put("/graph-store/t", content=body, headers=sent).status_code == 401
        assert client.post("/graph-store", content=body, headers=sent).status_code == 401
        assert client.delete("/graph-store/t").status_code == 401
        assert client.get("/graph-store/t").status_code == 404
    finally:
        client.headers["Authorization"] = secret
