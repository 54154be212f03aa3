"""The front of /sparql, made cheap: its errors still meet the app's handlers, and CORS without
an `Origin` writes what Starlette's middleware writes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from commonsgraph.config import Settings
from commonsgraph.store import LocalStore
from commonsgraph.web import create_app
from commonsgraph.web.cors import Cors
from commonsgraph.web.sparql import SparqlFirst

BASE = "https://w3id.org/commonsgraph/"
HEADERS = [
    [],
    [(b"content-type", b"text/plain")],
    [(b"vary", b"Accept")],
    [(b"vary", b"Accept"), (b"content-length", b"2"), (b"vary", b"Accept-Encoding")],
    [(b"vary", b"*")],
]


def _started(
    middleware: type[Cors] | type[CORSMiddleware], headers: list[tuple[bytes, bytes]]
) -> Message:
    """The start message `middleware` sends for an app that answers with `headers`, to a
    request without an `Origin`."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept", b"*/*")]}
    asyncio.run(middleware(app, allow_origins=["*"])(scope, receive, send))  # type: ignore[arg-type]
    return sent[0]


@pytest.mark.parametrize("headers", HEADERS)
def test_cors_without_an_origin_writes_what_starlette_writes(
    headers: list[tuple[bytes, bytes]],
) -> None:
    ours = _started(Cors, headers)
    assert ours["headers"] == _started(CORSMiddleware, headers)["headers"]
    assert [value for name, value in ours["headers"] if name == b"vary"][-1].endswith(b"Origin")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, base_iri=BASE, tile_url="")
    store = LocalStore(tmp_path / "store")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield client
    store.close()


def test_an_unexpected_error_of_sparql_is_a_500_problem(client: TestClient) -> None:
    async def failing(*_: object) -> None:
        raise RuntimeError("an internal detail")

    client.app.endpoint.answer = failing  # type: ignore[attr-defined]
    answer = client.get("/sparql", params={"query": "ASK {}"})
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "an internal detail" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_errors_of_sparql_are_problems_with_the_front_headers(client: TestClient) -> None:
    answer = client.get(
        "/sparql", params={"query": "ASK {"}, headers={"Origin": "https://a.example"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["access-control-allow-origin"] == "*"
    refused = client.put("/sparql")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, POST"
    ok = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert ok.status_code == 200
    assert ok.headers["vary"] == "Accept, Origin"


def test_an_error_after_the_answer_started_sends_nothing_more(client: TestClient) -> None:
    """The handlers answer only what has not started: an error mid-answer is the server's
    (logged, the connection cut), never a second start nor a problem appended to the body."""

    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("mid-answer")

    service = client.app
    first = SparqlFirst(service, half, service._with_error_handlers)  # type: ignore[attr-defined]
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/sparql", "headers": [], "app": service}
    with pytest.raises(RuntimeError, match="mid-answer"):
        asyncio.run(first(scope, receive, send))  # type: ignore[arg-type]
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
