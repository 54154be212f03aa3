"""`GET /places?within=<IRI>`: the browsable list of the places of a territory, a typology, a
network or a programme (`lists`), as a page with filters, sort, pages and a map of exactly the
filtered set, or as CSV (`format=csv`) or GeoJSON (`format=geojson`) of the same list.

Answers depend on their query parameters: they are rendered at each request, never put in the
page cache of `web.resources` (keyed by resource, page and language only)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.templating import Jinja2Templates
from pyoxigraph import Literal, NamedNode

from commonsgraph import i18n, lists
from commonsgraph.config import Settings
from commonsgraph.errors import ParameterError
from commonsgraph.store import Store
from commonsgraph.views import Linker
from commonsgraph.vocab import compact
from commonsgraph.web import languages

PATH = lists.PATH


def _scope(store: Store, scope: NamedNode, language: str) -> tuple[str | None, str]:
    """The path from a place to `scope` (None: it lists no places) and its label."""
    types = [
        t.value
        for row in store.select("SELECT DISTINCT ?t WHERE { ?s a ?t }", {"s": scope})
        if isinstance(t := row.get("t"), NamedNode)
    ]
    labels = {
        label.language: label.value
        for row in store.select("SELECT ?l WHERE { ?s rdfs:label|skos:prefLabel ?l }", {"s": scope})
        if isinstance(label := row.get("l"), Literal)
    }
    title = labels.get(language) or labels.get("") or next(iter(labels.values()), None)
    return lists.scope_path(types), title or compact(scope.value)


def router(settings: Settings, store: Store, templates: Jinja2Templates) -> APIRouter:
    routes = APIRouter()
    linker = Linker(settings.base_iri)

    @routes.get(
        PATH,
        summary="The places of a territory, typology, network or programme: filtered, sorted, "
        "paged; as a page, CSV or GeoJSON",
    )
    async def places(request: Request, within: str) -> Response:
        try:
            scope = NamedNode(within)
        except ValueError:
            raise ParameterError("within", "an absolute IRI is expected") from None
        asked = lists.ListRequest.of(request.query_params)
        language = languages.of_request(request)

        def build() -> tuple[str, lists.PlaceList | None]:
            path, title = _scope(store, scope, language)
            if path is None:
                return title, None
            return title, lists.place_list(store, scope, path, asked, language)

        title, found = await asyncio.to_thread(build)
        if found is None:
            raise HTTPException(404, f"<{within}> is not a resource whose places are listed")
        if asked.format == "csv":
            return Response(
                found.csv(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="places.csv"'},
            )
        if asked.format == "geojson":
            return Response(
                json.dumps(found.geojson(), ensure_ascii=False).encode(),
                media_type="application/geo+json",
            )
        if asked.page > found.pages:
            raise ParameterError("page", f"this list has {found.pages} page(s)")
        words = i18n.words(language)
        context = {
            "lang": language,
            "w": words,
            "query": None,
            "alternates": [
                {
                    "type": "text/csv",
                    "href": found.address(format="csv", page=""),
                    "name": "CSV",
                },
                {
                    "type": "application/geo+json",
                    "href": found.address(format="geojson", page=""),
                    "name": "GeoJSON",
                },
            ],
            "tiles": settings.tile_url,
            "tiles_attribution": settings.tile_attribution,
            "title": title,
            "scope_href": linker.href(within),
            "places": found,
            "features": found.features(linker.href),
            "linker": linker,
        }
        return templates.TemplateResponse(
            request,
            "places.html",
            context,
            headers={"Vary": "Accept-Language", "Content-Language": language},
        )

    return routes
