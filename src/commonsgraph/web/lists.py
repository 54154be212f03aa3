"""`GET /places|/members|/commons|/projects|/offers|/grants?within=<IRI>`: the browsable lists
(`lists.LISTINGS`) — the places of a territory, a country, a typology, a network or a
programme; the members of a network; the commons under a licence or of a kind; the projects of
a stage or a programme; the offers and grants of a programme, an offer's grants — as a page
with filters, sort, pages and a map of exactly the filtered set, or as CSV (`format=csv`) or
GeoJSON (`format=geojson`) of the same list.

Answers depend on their query parameters: they are rendered at each request, never put in the
page cache of `web.resources` (keyed by resource, page and language only)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request, Response
from fastapi.templating import Jinja2Templates
from pyoxigraph import Literal, NamedNode

from commonsgraph import i18n, lists
from commonsgraph.config import Settings
from commonsgraph.errors import NotFound, ParameterError
from commonsgraph.lists import Listing
from commonsgraph.store import Store
from commonsgraph.views import Linker
from commonsgraph.vocab import compact
from commonsgraph.web import languages
from commonsgraph.web.state import Configured, Stored, Templating

router = APIRouter(tags=["lists"])

FILTERED = "filtered, sorted, paged; as a page, CSV or GeoJSON"


def _scope(store: Store, scope: NamedNode, language: str) -> tuple[list[str], str]:
    """The classes of `scope` and its label."""
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
    return types, title or compact(scope.value)


@router.get(
    lists.BY_NAME["places"].path,
    summary=f"The places of a territory, country, typology, network or programme: {FILTERED}",
)
async def places(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["places"], request, settings, store, templates, within)


@router.get(lists.BY_NAME["members"].path, summary=f"The members of a network: {FILTERED}")
async def members(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["members"], request, settings, store, templates, within)


@router.get(
    lists.BY_NAME["commons"].path, summary=f"The commons under a licence or of a kind: {FILTERED}"
)
async def commons(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["commons"], request, settings, store, templates, within)


@router.get(
    lists.BY_NAME["projects"].path, summary=f"The projects of a stage or a programme: {FILTERED}"
)
async def projects(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["projects"], request, settings, store, templates, within)


@router.get(lists.BY_NAME["offers"].path, summary=f"The funding offers of a programme: {FILTERED}")
async def offers(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["offers"], request, settings, store, templates, within)


@router.get(
    lists.BY_NAME["grants"].path, summary=f"The grants of a programme or an offer: {FILTERED}"
)
async def grants(
    request: Request, settings: Configured, store: Stored, templates: Templating, within: str
) -> Response:
    return await listed(lists.BY_NAME["grants"], request, settings, store, templates, within)


async def listed(
    listing: Listing,
    request: Request,
    settings: Settings,
    store: Store,
    templates: Jinja2Templates,
    within: str,
) -> Response:
    """The list of `listing` within the resource `within`, as the request asks."""
    try:
        scope = NamedNode(within)
    except ValueError:
        raise ParameterError("within", "an absolute IRI is expected") from None
    asked = lists.ListRequest.of(request.query_params, listing)
    language = languages.of_request(request)

    def build() -> tuple[str, lists.ItemList | None]:
        types, title = _scope(store, scope, language)
        path = listing.scope(types)
        if path is None:
            return title, None
        return title, lists.item_list(store, listing, scope, path, asked, language)

    title, found = await asyncio.to_thread(build)
    if found is None:
        raise NotFound(f"<{within}> is not a resource whose {listing.name} are listed")
    if asked.format == "csv":
        return Response(
            found.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{listing.name}.csv"'},
        )
    if asked.format == "geojson":
        return Response(
            json.dumps(found.geojson(), ensure_ascii=False).encode(),
            media_type="application/geo+json",
        )
    if asked.page > found.pages:
        raise ParameterError("page", f"this list has {found.pages} page(s)")
    linker = Linker(settings.base_iri)
    context = {
        "lang": language,
        "w": i18n.words(language),
        "query": None,
        "alternates": [
            {"type": "text/csv", "href": found.address(format="csv", page=""), "name": "CSV"},
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
        "items": found,
        "features": found.features(linker.href),
        "linker": linker,
    }
    return templates.TemplateResponse(
        request,
        "places.html",
        context,
        headers={"Vary": "Accept-Language, Cookie", "Content-Language": language},
    )
