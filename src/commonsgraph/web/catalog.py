"""The DCAT-AP catalogue for data portals: /catalog by negotiation, and /catalog.ttl, .rdf,
.jsonld, .nt and .html (a harvester guesses the format from the extension); `?page=` and
`?page_size=` page it (Hydra), `?profile=dcat-ap-2` writes it for DCAT-AP 2.1.1."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.templating import Jinja2Templates
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from commonsgraph import formats, i18n, jsonld, negotiation
from commonsgraph.catalog import DEFAULT_PROFILE, HYDRA, PROFILES, CatalogTable, Catalogue
from commonsgraph.config import Settings
from commonsgraph.dumps import Dumps
from commonsgraph.errors import InputError
from commonsgraph.vocab import DCAT, DCT, PREFIXES, RDF, Minter
from commonsgraph.web import conditional, languages

OFFERED = (RdfFormat.TURTLE, RdfFormat.JSON_LD, RdfFormat.RDF_XML, RdfFormat.N_TRIPLES)
"""The catalogue's RDF formats, in order of preference; `/catalog.{file_extension}` names each."""
HTML = "text/html"
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_PAGE = 10**6
MORE_PREFIXES = {
    **PREFIXES,
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "dcatap": "http://data.europa.eu/r5r/",
}


def _number(request: Request, name: str, default: int, most: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= most:
        raise InputError(f"{name} must be an integer from 1 to {most}, not {text[:40]!r}")
    return int(text)


def _entries(triples: list[Triple], language: str) -> list[dict[str, object]]:
    """The page's datasets as plain data for the HTML template."""
    said: dict[NamedNode, dict[NamedNode, list[object]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, NamedNode):
            said[t.subject][t.predicate].append(t.object)

    def text(values: list[object]) -> str:
        literals = [v for v in values if isinstance(v, Literal)]
        chosen = [v for v in literals if v.language == language] or literals
        return chosen[0].value if chosen else ""

    datasets = [s for s, p in said.items() if DCAT.Dataset in p.get(RDF.type, [])]
    entries: list[dict[str, object]] = []
    for dataset in datasets:
        p = said[dataset]
        downloads = []
        for node in p.get(DCAT.distribution, []):
            assert isinstance(node, NamedNode)
            d = said[node]
            url = d.get(DCAT.downloadURL) or d.get(DCAT.accessURL) or []
            size = d.get(DCAT.byteSize, [])
            downloads.append(
                {
                    "url": url[0].value if url and isinstance(url[0], NamedNode) else "",
                    "title": text(d.get(DCT.title, [])),
                    "size": int(size[0].value)
                    if size and isinstance(size[0], Literal) and size[0].value.isdigit()
                    else None,
                }
            )
        entries.append(
            {
                "identifier": dataset.value,
                "landing": _iri(p.get(DCAT.landingPage)),
                "title": text(p.get(DCT.title, [])),
                "description": text(p.get(DCT.description, [])),
                "modified": text(p.get(DCT.modified, [])),
                "downloads": downloads,
            }
        )
    return entries


def _paging(triples: list[Triple]) -> dict[str, str]:
    """The page's Hydra links (`first`, `previous`, `next`, `last`) by their names."""
    names = {
        HYDRA.first: "first",
        HYDRA.previous: "previous",
        HYDRA.next: "next",
        HYDRA.last: "last",
    }
    return {
        names[t.predicate]: t.object.value
        for t in triples
        if t.predicate in names and isinstance(t.object, NamedNode)
    }


def _iri(values: list[object] | None) -> str:
    return next((v.value for v in values or [] if isinstance(v, NamedNode)), "")


def router(catalogue: Catalogue, templates: Jinja2Templates) -> APIRouter:
    api = APIRouter()

    def build(request: Request, path: str) -> list[Triple]:
        profile_name = request.query_params.get("profile", DEFAULT_PROFILE)
        profile = PROFILES.get(profile_name)
        if profile is None:
            raise InputError(
                f"profile must be one of {', '.join(PROFILES)}, not {profile_name[:40]!r}"
            )
        size = _number(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        number = _number(request, "page", 1, MAX_PAGE)

        def page_url(n: int) -> str:
            return str(request.url.replace(path=path).include_query_params(page=n))

        return catalogue.page(str(request.base_url), profile, number, size, page_url)

    async def answer(request: Request, chosen: RdfFormat | str, path: str) -> Response:
        triples = await asyncio.to_thread(build, request, path)
        if chosen == HTML:
            language = languages.of_request(request)
            page = {
                "lang": language,
                "w": i18n.words(language),
                "query": None,
                "alternates": [
                    {"href": f"/catalog.{f.file_extension}", "type": f.media_type} for f in OFFERED
                ],
                "datasets": _entries(triples, language),
                "paging": _paging(triples),
            }
            return templates.TemplateResponse(
                request, "catalog.html", page, headers={"Vary": "Accept"}
            )
        assert isinstance(chosen, RdfFormat)
        if chosen == RdfFormat.JSON_LD:
            body = jsonld.dumps(triples, None)
        else:
            body = serialize(triples, format=chosen, prefixes=MORE_PREFIXES) or b""
        return conditional.tagged(request, body, chosen.media_type, {"Vary": "Accept"})

    @api.get("/catalog", summary="The DCAT-AP catalogue, by content negotiation")
    async def negotiated(request: Request) -> Response:
        offered = (*negotiation.graph_media_types(OFFERED), HTML)
        media = negotiation.choose(offered, request.headers.get("accept"))
        chosen = HTML if media == HTML else formats.rdf_format(media)
        if chosen is None:
            raise HTTPException(406, "the catalogue is offered as " + ", ".join(offered))
        return await answer(request, chosen, "/catalog")

    @api.get(
        "/catalog.{extension}", summary="The DCAT-AP catalogue in the format its extension names"
    )
    async def by_extension(request: Request, extension: str) -> Response:
        found = formats.rdf_extension(extension)
        chosen = HTML if extension == "html" else found if found in OFFERED else None
        if chosen is None:
            names = ", ".join(f.file_extension for f in OFFERED)
            raise HTTPException(404, f"no catalogue as {extension[:20]!r}: try {names}, html")
        return await answer(request, chosen, f"/catalog.{extension}")

    return api


def catalogue_of(settings: Settings, dumps: Dumps) -> Catalogue:
    minter = Minter(settings.base_iri)
    table = CatalogTable.load(Path(settings.resource("data", "catalog.ttl")), settings.base_iri)
    return Catalogue(table, dumps.store, dumps, minter, settings.contact_email)
