"""The services the W3C suites run against (`suite.Target`): ours, in process, and `oxigraph
serve`, both in the standard default-graph setting (the store's own default graph)."""

from __future__ import annotations

import io

import httpx
from fastapi.testclient import TestClient
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Triple, parse, serialize

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.store import LocalStore, union_of
from commonsgraph.tokens import TokenStore
from commonsgraph.web import create_app

QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


def _triples(data: bytes, format: RdfFormat, base: str) -> list[Triple]:
    return [Triple(q.subject, q.predicate, q.object) for q in parse(data, format, base_iri=base)]


class Service:
    """commonsgraph in process (one app for every case, over an in-memory store emptied between
    them), in the standard setting, spoken to over HTTP by Starlette's test client."""

    def __init__(self) -> None:
        settings = Settings(data_dir=None, default_graphs=("default",))
        self.store = LocalStore(union=union_of(settings))
        tokens = TokenStore(Database.memory())
        self.secret = tokens.create("admin", "W3C suites")[1]
        self.client = TestClient(
            create_app(settings, self.store, tokens), raise_server_exceptions=False
        )

    def __enter__(self) -> Service:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)
        self.store.close()

    def reset(self) -> None:
        self.store.update("DROP ALL")

    def load(self, data: bytes, format: RdfFormat, graph: str | None, base: str) -> None:
        name = DefaultGraph() if graph is None else NamedNode(graph)
        self.store.add_to_graph(name, _triples(data, format, base))

    def query(self, text: str, accept: str) -> tuple[int, str, bytes]:
        response = self.client.post(
            "/sparql",
            content=text.encode(),
            headers={"Content-Type": QUERY, "Accept": accept},
        )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        return response.status_code, media_type, response.content

    def update(self, text: str) -> tuple[int, bytes]:
        response = self.client.post(
            "/sparql",
            content=text.encode(),
            headers={"Content-Type": UPDATE, "Authorization": f"Bearer {self.secret}"},
        )
        return response.status_code, response.content

    def quads(self) -> bytes:
        output = io.BytesIO()
        self.store.dump(output, RdfFormat.N_QUADS)
        return output.getvalue()


class Oxigraph:
    """`oxigraph serve` at `base` (started without --union-default-graph)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.client = httpx.Client(timeout=30)

    def close(self) -> None:
        self.client.close()

    def reset(self) -> None:
        response = self.client.post(
            f"{self.base}/update", content=b"DROP ALL", headers={"Content-Type": UPDATE}
        )
        response.raise_for_status()

    def load(self, data: bytes, format: RdfFormat, graph: str | None, base: str) -> None:
        body = serialize(_triples(data, format, base), format=RdfFormat.N_TRIPLES) or b""
        params = {"default": ""} if graph is None else {"graph": graph}
        response = self.client.post(
            f"{self.base}/store",
            params=params,
            content=body,
            headers={"Content-Type": RdfFormat.N_TRIPLES.media_type},
        )
        response.raise_for_status()

    def query(self, text: str, accept: str) -> tuple[int, str, bytes]:
        response = self.client.post(
            f"{self.base}/query",
            content=text.encode(),
            headers={"Content-Type": QUERY, "Accept": accept},
        )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        return response.status_code, media_type, response.content

    def update(self, text: str) -> tuple[int, bytes]:
        response = self.client.post(
            f"{self.base}/update", content=text.encode(), headers={"Content-Type": UPDATE}
        )
        return response.status_code, response.content

    def quads(self) -> bytes:
        response = self.client.get(
            f"{self.base}/store", headers={"Accept": RdfFormat.N_QUADS.media_type}
        )
        response.raise_for_status()
        return response.content
