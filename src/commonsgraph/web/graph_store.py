"""/graph-store: the SPARQL 1.1 Graph Store HTTP Protocol.

A request names a graph one of three ways:
- indirectly, `/graph-store?graph=IRI` (any graph; the IRI percent-decoded once, as every query
  parameter) or `/graph-store?default` (the store's default graph);
- directly, by its own URL: `/graph-store/{path}` names the graph whose IRI is the request's
  public URL, `{public_base}graph-store/{path}` (the path as sent, its percent-encoding kept;
  the query string is not part of it). So graphs whose IRI starts with
  `{public_base}graph-store/` are addressable both ways, every other graph indirectly only;
- `/graph-store` alone names the store itself: a POST there creates a graph with a new IRI,
  `{public_base}graph-store/{uuid}`, and answers 201 with that IRI in `Location`, where it can
  be read (`GET <Location>`, or `GET /graph-store?graph=<Location>`).

GET and HEAD are open (a HEAD is answered as its GET without the body, by
`web.semantics.HeadAsGet`); PUT, POST and DELETE need a bearer token with a write role. PUT
answers 201 when it creates the graph and 204 when it replaces one; POST to a graph adds to it
(201 if new, 204 otherwise); DELETE answers 204, or 404 for a graph that does not exist.

A body is one RDF document in a format of `formats.READ_FORMATS` (by its Content-Type), or a
`multipart/form-data` body (spec §5.5) whose parts are RDF documents, each known by its
Content-Type or else its file name's extension. Every document is read by `rdfio` within the
Graph Store's `ReadLimits`, the statement cap counting all the parts of a request together, and
nothing is written unless every part reads: a refused request leaves the store as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Triple

from commonsgraph import formats, negotiation
from commonsgraph.config import Settings
from commonsgraph.errors import InputError, TooManyStatements, UnknownFormat
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import GraphName, Store, Term
from commonsgraph.tokens import TokenStore
from commonsgraph.web import multipart
from commonsgraph.web.auth import authenticate
from commonsgraph.web.limits import read_body

PATH = "/graph-store"
WRITE_ROLE = "curator"
GENERIC_MEDIA_TYPES = ("", "application/octet-stream")
"""What a multipart part's Content-Type says when it says nothing: its file name tells then."""


class Graphs:
    """How the requests of one deployment name graphs (see the module's text)."""

    def __init__(self, public_base: str) -> None:
        self.direct_base = public_base + PATH.lstrip("/") + "/"

    def target(self, request: Request) -> GraphName | None:
        """The graph a request names, or None for the store itself."""
        parameters = request.query_params
        graphs = parameters.getlist("graph")
        direct = self._direct(request)
        if direct is not None:
            if graphs or "default" in parameters:
                raise InputError(f"{request.url.path} names a graph: add no ?graph= or ?default")
            return direct
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

    def named(self, request: Request) -> GraphName:
        """The graph a request must name (GET, PUT, DELETE)."""
        graph = self.target(request)
        if graph is None:
            raise InputError(f"name a graph: {PATH}/…, {PATH}?graph=IRI or {PATH}?default")
        return graph

    def new(self) -> NamedNode:
        return NamedNode(f"{self.direct_base}{uuid.uuid4()}")

    def _direct(self, request: Request) -> NamedNode | None:
        raw = request.scope.get("raw_path") or request.url.path.encode()
        path = raw.split(b"?", 1)[0][len(PATH) :]
        if not path.strip(b"/"):
            return None
        try:
            return NamedNode(self.direct_base + path[1:].decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise InputError(f"{PATH}{path!r} is not a graph IRI's path") from None


def read_graph(
    body: bytes, content_type: str | None, base_iri: str, limits: ReadLimits
) -> list[Triple]:
    """The statements of a request body: one RDF document, or the merge of the RDF documents
    of a multipart/form-data body (each part's blank nodes its own)."""
    if not multipart.is_multipart(content_type):
        rdf_format = _read_format(content_type, None, "the request body")
        return parse_triples(
            body, limits=limits, format=rdf_format, base_iri=base_iri, source="request body"
        )
    triples: list[Triple] = []
    for part in multipart.parts(body, content_type or ""):
        rdf_format = _read_format(part.media_type, part.filename, part.label)
        left = replace(limits, statements=limits.statements - len(triples))
        try:
            read = parse_triples(
                part.data, limits=left, format=rdf_format, base_iri=base_iri, source=part.label
            )
        except TooManyStatements:  # counted from what the parts before it left
            raise TooManyStatements(
                f"the parts hold more than {limits.statements:,} statements (the limit)"
            ) from None
        triples += _apart(read)
    return triples


def _read_format(media_type: str | None, filename: str | None, what: str) -> RdfFormat:
    """The format a document is read in: its media type's, else its file name's extension."""
    media = (media_type or "").split(";")[0].strip().lower()
    told = f"its Content-Type {media!r}" if media else "no Content-Type"
    if media not in GENERIC_MEDIA_TYPES:
        found = formats.rdf_format(media)
    elif filename:
        extension = filename.rsplit(".", 1)[1] if "." in filename else ""
        found = formats.rdf_extension(extension)
        told += f", and its file name's extension {extension!r}"
    else:
        found = None
    if found is None or found not in formats.READ_FORMATS:
        offered = ", ".join(f.media_type for f in formats.READ_FORMATS)
        raise UnknownFormat(
            f"{what} is in no format read here ({told}): send {offered}, "
            f"or {multipart.MEDIA_TYPE} whose parts are"
        )
    return found


def _apart(triples: list[Triple]) -> list[Triple]:
    """One document's triples, with blank nodes that no other document shares."""
    fresh: dict[BlankNode, BlankNode] = {}

    def node(term: Term) -> Term:
        if isinstance(term, BlankNode):
            if term not in fresh:
                fresh[term] = BlankNode()
            return fresh[term]
        return term

    return [Triple(node(t.subject), t.predicate, node(t.object)) for t in triples]  # type: ignore[arg-type]


def router(settings: Settings, store: Store, tokens: TokenStore) -> APIRouter:
    api = APIRouter()
    graphs = Graphs(settings.public_base)
    limits = ReadLimits.graph_store(settings)

    async def payload(request: Request) -> list[Triple]:
        content_type = request.headers.get("content-type")
        if not multipart.is_multipart(content_type):
            _read_format(content_type, None, "the request body")  # 415 before the body is read
        body = await read_body(request, settings.max_body_bytes)
        return await asyncio.to_thread(read_graph, body, content_type, str(request.url), limits)

    async def read(request: Request) -> Response:
        graph = graphs.named(request)
        chosen = negotiation.graph_format(
            request.headers.get("accept"),
            request.query_params.get("format"),
            formats.TRIPLE_FORMATS,
        )
        if chosen is None:
            offered = ", ".join(f.media_type for f in formats.TRIPLE_FORMATS)
            raise HTTPException(406, "graphs are offered as " + offered)
        data = await asyncio.to_thread(store.graph_data, graph, chosen)
        if data is None:
            raise HTTPException(404, f"no graph {graph}")
        headers = {
            "Content-Type": chosen.media_type,
            "Content-Length": str(len(data)),
            "Vary": "Accept",
        }
        return Response(data, headers=headers)

    async def put(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = graphs.named(request)
        triples = await payload(request)
        change = await asyncio.to_thread(store.replace_graph, graph, triples)
        return Response(status_code=201 if change.created else 204)

    async def post(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = graphs.target(request)
        triples = await payload(request)
        if graph is None:
            created = graphs.new()
            await asyncio.to_thread(store.add_to_graph, created, triples)
            return Response(status_code=201, headers={"Location": created.value})
        change = await asyncio.to_thread(store.add_to_graph, graph, triples)
        return Response(status_code=201 if change.created else 204)

    async def delete(request: Request) -> Response:
        authenticate(tokens, request, WRITE_ROLE)
        graph = graphs.named(request)
        if not await asyncio.to_thread(store.drop_graph, graph):
            raise HTTPException(404, f"no graph {graph}")
        return Response(status_code=204)

    summaries = {
        "GET": (read, "read a graph"),
        "PUT": (put, "replace a graph (write role)"),
        "POST": (post, "add to a graph, or create one by posting to the store (write role)"),
        "DELETE": (delete, "delete a graph (write role)"),
    }
    for path, documented in ((PATH, True), (PATH + "/{path:path}", False)):
        for method, (endpoint, summary) in summaries.items():
            api.add_api_route(
                path,
                endpoint,
                methods=[method],
                summary="Graph Store Protocol: " + summary,
                include_in_schema=documented,
                name=f"graph_store_{method.lower()}" + ("" if documented else "_direct"),
            )
    return api
