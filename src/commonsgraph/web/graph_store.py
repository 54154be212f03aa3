"""/graph-store: the SPARQL 1.1 Graph Store HTTP Protocol (`?graph=IRI` or `?default`).

GET and HEAD are open; PUT, POST and DELETE need a bearer token with a write role. PUT answers
201 when it creates the graph and 204 when it replaces one; POST to a graph adds to it (201 if
new, 204 otherwise); POST to the store itself creates a graph with a new IRI (201 + Location);
DELETE answers 204, or 404 for a graph that does not exist.
"""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat

from commonsgraph import negotiation
from commonsgraph.config import Settings
from commonsgraph.errors import InputError, UnknownFormat
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import GraphName, Store
from commonsgraph.tokens import TokenStore
from commonsgraph.vocab import Minter
from commonsgraph.web.auth import authenticate
from commonsgraph.web.limits import read_body

INPUT_FORMATS = (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.RDF_XML, RdfFormat.JSON_LD)
OUTPUT_FORMATS = negotiation.TRIPLE_FORMATS
WRITE_ROLE = "curator"


def target(request: Request) -> GraphName | None:
    """The graph a request names: `?graph=IRI`, `?default`, or None for the store itself."""
    parameters = request.query_params
    graphs = parameters.getlist("graph")
    if graphs and "default" in parameters:
        raise InputError("name either ?graph=IRI or ?default, not both")
    if len(graphs) > 1:
        raise InputError("name one graph")
    if "default" in parameters:
        return DefaultGraph()
    if graphs:
        try:
            return NamedNode(graphs[0])
        except ValueError:
            raise InputError(f"graph must be an absolute IRI, got {graphs[0]!r}") from None
    return None


def input_format(request: Request) -> RdfFormat:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    found = RdfFormat.from_media_type(media) if media else None
    if found is None or found not in INPUT_FORMATS:
        offered = ", ".join(f.media_type for f in INPUT_FORMATS)
        raise UnknownFormat(f"unsupported Content-Type {media or '(none)'!r}: send {offered}")
    return found


def router(settings: Settings, store: Store, tokens: TokenStore) -> APIRouter:
    api = APIRouter()
    minter = Minter(settings.base_iri)
    limits = ReadLimits.graph_store(settings)

    async def payload(request: Request) -> list:  # type: ignore[type-arg]
        data_format = input_format(request)
        body = await read_body(request, settings.max_body_bytes)
        return await asyncio.to_thread(
            parse_triples,
            body,
            limits=limits,
            format=data_format,
            base_iri=str(request.url),
            source="request body",
        )

    @api.head("/graph-store", include_in_schema=False)
    @api.get("/graph-store", summary="Graph Store Protocol: read a graph")
    async def read(request: Request) -> Response:
        graph = target(request)
        if graph is None:
            raise InputError("name a graph with ?graph=IRI or ?default")
        chosen = negotiation.graph_format(
            request.headers.get("accept"), request.query_params.get("format"), OUTPUT_FORMATS
        )
        if chosen is None:
            raise HTTPException(
                406, "graphs are offered as " + ", ".join(f.media_type for f in OUTPUT_FORMATS)
            )
        data = await asyncio.to_thread(store.graph_data, graph, chosen)
        if data is None:
            raise HTTPException(404, f"no graph {graph}")
        body = b"" if request.method == "HEAD" else data
        headers = {"Vary": "Accept", "Content-Length": str(len(data))}
        return Response(body, media_type=chosen.media_type, headers=headers)

    @api.put("/graph-store", summary="Graph Store Protocol: replace a graph (write role)")
    async def replace(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = target(request)
        if graph is None:
            raise InputError("name a graph with ?graph=IRI or ?default")
        triples = await payload(request)
        change = await asyncio.to_thread(store.replace_graph, graph, triples)
        return Response(status_code=201 if change.created else 204)

    @api.post(
        "/graph-store", summary="Graph Store Protocol: add to a graph, or create one (write role)"
    )
    async def merge(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = target(request)
        triples = await payload(request)
        if graph is None:
            graph = minter.graph(f"store/{uuid.uuid4()}")
            await asyncio.to_thread(store.replace_graph, graph, triples)
            location = str(request.url.replace(query=f"graph={graph.value}"))
            return Response(status_code=201, headers={"Location": location})
        change = await asyncio.to_thread(store.add_to_graph, graph, triples)
        return Response(status_code=201 if change.created else 204)

    @api.delete("/graph-store", summary="Graph Store Protocol: delete a graph (write role)")
    async def delete(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = target(request)
        if graph is None:
            raise InputError("name a graph with ?graph=IRI or ?default")
        if not await asyncio.to_thread(store.drop_graph, graph):
            raise HTTPException(404, f"no graph {graph}")
        return Response(status_code=204)

    return api
