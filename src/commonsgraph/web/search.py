"""Searching and suggesting: `GET /search` (a page, or JSON with `format=json`) and
`GET /suggest?prefix=…&type=…` (JSON, for search boxes and forms), over the search index."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from commonsgraph import i18n, negotiation
from commonsgraph.search import kind_icon, kind_name
from commonsgraph.textindex import FACETS, MAX_PAGE, Hit, Results
from commonsgraph.views import Linker
from commonsgraph.web import languages
from commonsgraph.web.state import Configured, Indexed, Templating

HTML = "text/html"
PAGE_SIZE = 20
SUGGESTIONS = 10


def page_number(value: str | None, name: str, default: int, highest: int) -> int:
    """A positive whole number given as a parameter, at most `highest` (a 400 otherwise)."""
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= highest:
        raise HTTPException(400, f"{name} must be a whole number from 1 to {highest}: {value!r}")
    return int(value)


def hit_json(hit: Hit, linker: Linker, lang: str) -> dict[str, Any]:
    return {
        "iri": hit.iri,
        "label": hit.label,
        "type": hit.kind,
        "kind": kind_name(hit.kind, lang),
        "icon": kind_icon(hit.kind),
        "place": hit.place,
        "summary": hit.summary,
        "href": linker.href(hit.iri),
        "same": list(hit.same),  # the resources grouped with it (owl:sameAs): one thing
    }


router = APIRouter(tags=["search"])


@router.get(
    "/search",
    summary="Search names (accent- and case-insensitive, prefixes, French and English), "
    "with facets and pages",
)
async def search(
    request: Request,
    settings: Configured,
    index: Indexed,
    templates: Templating,
    q: str = "",
    lang: str | None = None,
) -> Response:
    linker = Linker(settings.base_iri)
    language = languages.of_request(request)
    params = request.query_params
    if len(q) > 500:
        raise HTTPException(400, "q: at most 500 characters")
    page = page_number(params.get("page"), "page", 1, 10_000)
    size = page_number(params.get("page_size"), "page_size", PAGE_SIZE, MAX_PAGE)
    filters = {name: params.getlist(name) for name in FACETS if params.getlist(name)}
    if any(len(values) > 50 for values in filters.values()):
        raise HTTPException(400, "at most 50 values per facet")
    kind = params.get("type") or None
    results = await asyncio.to_thread(
        index.search, q, filters=filters, kind=kind, lang=language,
        offset=(page - 1) * size, limit=size,
    )  # fmt: skip
    if (
        params.get("format") == "json"
        or negotiation.choose([HTML, "application/json"], request.headers.get("accept"))
        == "application/json"
    ):
        return JSONResponse(
            {
                "query": q,
                "total": results.total,
                "page": page,
                "page_size": size,
                "hits": [hit_json(h, linker, language) for h in results.hits],
                "facets": facets_json(results, language),
            }
        )
    words = i18n.words(language)
    chosen = {(name, value) for name, values in filters.items() for value in values}
    pages = max(1, -(-results.total // size))

    def href(pairs: set[tuple[str, str]], to_page: int = 1) -> str:
        listed = [("q", q), ("lang", language), *sorted(pairs)]
        if kind:
            listed.append(("type", kind))
        if to_page > 1:
            listed.append(("page", str(to_page)))
        if size != PAGE_SIZE:
            listed.append(("page_size", str(size)))
        return "/search?" + urlencode(listed)

    body = {
        "lang": language,
        "w": words,
        "query": q,
        "alternates": [],
        "context_url": settings.public_base + "context.jsonld",
        "hits": [hit_json(h, linker, language) for h in results.hits],
        "total": results.total,
        "page": page,
        "pages": pages,
        "page_size": size,
        "facets": [
            {
                "name": facet["name"],
                "title": words.get(f"facet_{facet['name']}", facet["name"]),
                "values": [
                    {
                        **value,
                        "chosen": (facet["name"], value["value"]) in chosen,
                        "href": href(chosen ^ {(facet["name"], value["value"])}),
                    }
                    for value in facet["values"]
                ],
            }
            for facet in facets_json(results, language)
            if facet["values"]
        ],
        "previous": href(chosen, page - 1) if page > 1 else None,
        "next": href(chosen, page + 1) if page < pages else None,
        "first_shown": (page - 1) * size + 1 if results.hits else 0,
        "last_shown": (page - 1) * size + len(results.hits),
    }
    return templates.TemplateResponse(request, "search.html", body)


@router.get("/suggest", summary="Names that start with a prefix, to complete as one types")
async def suggest(
    request: Request,
    settings: Configured,
    index: Indexed,
    prefix: str = "",
    type: str | None = None,
    lang: str | None = None,
) -> Response:
    linker = Linker(settings.base_iri)
    language = languages.of_request(request)
    limit = page_number(request.query_params.get("limit"), "limit", SUGGESTIONS, MAX_PAGE)
    kinds = [k for k in (type or "").split(",") if k]
    if len(prefix) > 200 or len(kinds) > 20:
        raise HTTPException(400, "prefix: at most 200 characters; type: at most 20 kinds")
    hits = await asyncio.to_thread(index.suggest, prefix, kinds=kinds, lang=language, limit=limit)
    return JSONResponse({"prefix": prefix, "result": [hit_json(h, linker, language) for h in hits]})


def facets_json(results: Results, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "name": facet.name,
            "values": [
                {
                    "value": value,
                    "label": kind_name(value, lang) if facet.name == "kind" else label,
                    "count": count,
                }
                for value, label, count in facet.values
            ],
        }
        for facet in results.facets
    ]
