"""/api/queries: the named queries of `queries/` as a REST API.

`GET /api/queries` lists them; `GET /api/queries/{name}?param=value` runs one, its parameters
validated and bound as RDF terms, with the same deadline and limits as /sparql. Each query has
its own route, so that the OpenAPI document (and /docs) shows its parameters and formats.
Results come by `?format=` or `Accept`: JSON, CSV, TSV, XML for SELECT (GeoJSON too for queries
that return places), Turtle, JSON-LD, N-Triples, RDF/XML for CONSTRUCT; `format=sparql` gives the
query that would run. CSV here is a download for spreadsheets: cells that would run as formulas
are neutralised (`safetext.spreadsheet_csv`); /sparql keeps the W3C format byte for byte.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import HTTPException
from pyoxigraph import QueryResultsFormat, RdfFormat

from commonsgraph import negotiation
from commonsgraph.errors import NotFound, ParameterError
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import SPARQL_TEXT, NamedQuery, Output, Parameter
from commonsgraph.web.clients import client_of
from commonsgraph.web.protocol import SparqlEndpoint

SCHEMA_TYPES = {"integer": "integer", "decimal": "number", "boolean": "boolean"}
SCHEMA_FORMATS = {"date": "date", "dateTime": "date-time", "iri": "iri-reference"}
FORMAT = "format"


def describe(query: NamedQuery, base_url: str) -> dict[str, Any]:
    """What the catalogue says of a query: enough for a client to call it."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form,
        "url": f"{base_url}api/queries/{query.name}",
        "formats": [output.name for output in query.outputs],
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "values": list(p.values) or None,
                "prefix": p.prefix or None,
                "description": p.description or None,
            }
            for p in query.parameters
        ],
    }


def _openapi_parameter(parameter: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": SCHEMA_TYPES.get(parameter.type, "string")}
    if parameter.type in SCHEMA_FORMATS:
        schema["format"] = SCHEMA_FORMATS[parameter.type]
    if parameter.values:
        schema["enum"] = list(parameter.values)
    if parameter.default is not None:
        schema["default"] = parameter.default
    description = parameter.description.get("en", "")
    if parameter.prefix:
        description += f" (an IRI, or a name relative to {{base}}{parameter.prefix})"
    if parameter.type == "year":
        description += " (four digits)"
    if parameter.type == "licence":
        description += " (an SPDX licence id or expression; an unknown id is a 404)"
    return {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required,
        "description": description.strip(),
        "schema": schema,
    }


def _openapi(query: NamedQuery) -> dict[str, Any]:
    outputs = [o for o in query.outputs if o is not SPARQL_TEXT]
    return {
        "parameters": [
            *(_openapi_parameter(p) for p in query.parameters),
            {
                "name": FORMAT,
                "in": "query",
                "required": False,
                "description": "Output format (else chosen by Accept).",
                "schema": {"type": "string", "enum": [o.name for o in query.outputs]},
            },
        ],
        "responses": {
            "200": {
                "description": "The results",
                "content": {o.media_type: {} for o in outputs},
            },
            "400": {"description": "A parameter has a wrong type or value (problem+json)"},
            "404": {"description": "An unknown licence id, with the closest known ids"},
        },
    }


def choose_output(query: NamedQuery, name: str | None, accept: str | None) -> Output:
    """The output asked for by `format=`, else the one Accept prefers (the default first)."""
    if name:
        return query.output(name)
    offered = [o.media_type for o in query.outputs]
    if query.form == "SELECT":
        offered.append("application/json")
    chosen = negotiation.choose(offered, accept)
    if chosen is None:
        raise HTTPException(406, "this query's results are offered as " + ", ".join(offered))
    return next((o for o in query.outputs if o.media_type == chosen), query.outputs[0])


def given_parameters(query: NamedQuery, request: Request) -> dict[str, str]:
    given: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key == FORMAT:
            continue
        if key in given:
            raise ParameterError(key, "is given more than once")
        given[key] = value
    return given


def router(endpoint: SparqlEndpoint, queries: list[NamedQuery], legal: LegalQueries) -> APIRouter:
    api = APIRouter(prefix="/api/queries", tags=["named queries"])

    @api.get("", summary="The named queries: titles, descriptions, parameters, formats")
    def catalogue(request: Request, tag: str | None = None) -> list[dict[str, Any]]:
        base_url = str(request.base_url)
        return [describe(q, base_url) for q in queries if tag is None or tag in q.tags]

    def handler(query: NamedQuery) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            given = given_parameters(query, request)
            output = choose_output(
                query, request.query_params.get(FORMAT), request.headers.get("accept")
            )
            if query.engine is None:
                text = legal.prepared(query, given)
            else:  # the engine may read the store: off the event loop
                text = await run_in_threadpool(legal.prepared, query, given)
            if output is SPARQL_TEXT:
                return Response(text, media_type=output.media_type)
            result = await endpoint.evaluate(
                client_of(request.scope),
                text,
                output.results or QueryResultsFormat.JSON,
                output.graph or RdfFormat.TURTLE,
            )
            return Response(
                query.shape(output, result.body),
                media_type=output.media_type,
                headers={"Vary": "Accept"},
            )

        return run

    for query in queries:
        api.add_api_route(
            f"/{query.name}",
            handler(query),
            methods=["GET"],
            summary=query.label("en"),
            description=query.description.get("en", "")
            + (f"\n\n*{query.description['fr']}*" if "fr" in query.description else ""),
            response_class=Response,
            openapi_extra=_openapi(query),
            name=f"query-{query.name}",
        )

    @api.get("/{name}", include_in_schema=False)
    def unknown(name: str) -> None:
        raise NotFound(f"there is no named query {name!r}; GET /api/queries lists them")

    return api
