"""GET /sparql: SPARQL queries over the public graph, answered in SPARQL JSON (or RDF for
CONSTRUCT/DESCRIBE). The full protocol (POST, updates, negotiation, limits) comes later."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import HTTPException
from pyoxigraph import QueryResultsFormat, RdfFormat

from commonsgraph.store import Store

GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/sparql", summary="Run a SPARQL query on the public graph")
    def sparql(
        request: Request, query: str = Query(..., description="A SPARQL 1.1 query")
    ) -> Response:
        accept = request.headers.get("accept", "")
        graph_format = next(
            (fmt for media, fmt in GRAPH_TYPES.items() if media in accept), RdfFormat.TURTLE
        )
        if len(query) > 100_000:
            raise HTTPException(413, "the query is longer than 100,000 characters")
        result = store.serialize_query(
            query, results_format=QueryResultsFormat.JSON, graph_format=graph_format
        )
        return Response(result.body, media_type=result.media_type)

    return api
