"""Linked-data views: every resource the graph describes dereferences, as an HTML page for
people and as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or N-Quads for machines.

Request paths map onto the canonical base (`COMMONSGRAPH_BASE_IRI`), so that the same data
serves every deployment; other IRIs are described under `/lookup?iri=`. Representations carry
`ETag`, `Last-Modified`, `Vary` and one `Link: rel="alternate"` per format; rendered
representations are cached until the data changes.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.templating import Jinja2Templates
from pyoxigraph import NamedNode, RdfFormat, serialize
from starlette.types import ASGIApp, Receive, Scope, Send

from commonsgraph import formats, i18n, jsonld, kinds, negotiation, reconcile
from commonsgraph.config import Settings
from commonsgraph.describe import Description, describe, description_quads, description_triples
from commonsgraph.graphs import GraphInfo, graph_infos
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import NamedQuery
from commonsgraph.reuse import reuse_help
from commonsgraph.safetext import printable
from commonsgraph.stats import home_counts
from commonsgraph.store import Store
from commonsgraph.views import Link, Linker, PageBuilder
from commonsgraph.vocab import CG, CG_ONTOLOGY, PREFIXES, Minter
from commonsgraph.web import conditional, languages

HTML = "text/html"
MACHINE_FORMATS = formats.GRAPH_FORMATS
EXTENSIONS: dict[str, RdfFormat | str] = {
    **{f.file_extension: f for f in MACHINE_FORMATS},
    "html": HTML,
}
"""The file extensions of pages, and the representation each asks for."""
PAGE_SIZE = 50


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None
    language: str | None
    headers: dict[str, str]
    """Every header of the representation, computed once."""


class Representations:
    """Renders and caches the representations of resources, per data version."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        templates: Jinja2Templates,
        reuse: NamedQuery,
        size: int = 4096,
        legal: LegalQueries | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.legal = legal
        self.templates = templates
        self.reuse = reuse
        """The named query that says what a reuser of a commons must do (`reuse-obligations`)."""
        self.linker = Linker(settings.base_iri)
        self.size = size
        self._cache: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()
        self._version: str | None = None
        self._graphs: dict[NamedNode, GraphInfo] = {}
        self._links = Minter(settings.base_iri).graph(reconcile.GRAPH)

    def _fresh(self) -> None:
        version = self.store.data_version()
        if version is None or version != self._version:
            self._cache.clear()
            self._graphs = {info.graph: info for info in graph_infos(self.store)}
            self._version = version

    def cached(
        self, iri: NamedNode, page: int, chosen: RdfFormat | str, lang: str
    ) -> Rendered | None:
        """A representation rendered since the last change of the data, if any (cheap)."""
        if self._version is None or self.store.data_version() != self._version:
            return None
        return self._cache.get((iri.value, page, str(chosen), lang if chosen == HTML else ""))

    def get(
        self,
        iri: NamedNode,
        page: int,
        chosen: RdfFormat | str,
        lang: str,
        context: dict[str, object],
    ) -> Rendered | None:
        """The representation, rendered now unless it is cached."""
        self._fresh()
        key = (iri.value, page, str(chosen), lang if chosen == HTML else "")
        cached = self._cache.get(key)
        if cached is not None and self._version is not None:
            self._cache.move_to_end(key)
            return cached
        links = self._links if self._links in self._graphs else None  # merged views
        description = describe(self.store, iri, self._graphs, page, PAGE_SIZE, links)
        if description is None:
            return None
        rendered = self._render(description, chosen, lang, context)
        self._cache[key] = rendered
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return rendered

    def _render(
        self,
        description: Description,
        chosen: RdfFormat | str,
        lang: str,
        context: dict[str, object],
    ) -> Rendered:
        # paging links lead where this deployment is read, not to the canonical base
        address = self.settings.public_base.rstrip("/") + str(context["path"])
        if chosen == HTML:
            engine = None if self.legal is None else self.legal.engine_if_loaded()
            page = PageBuilder(self.store, self.linker, lang, engine).build(description)
            reuse = None
            if CG.Commons in description.types:
                reuse = reuse_help(
                    self.store, self.reuse, description.iri, self.settings.base_iri, lang
                )
            body = (
                self.templates.get_template(page.template)
                .render({**context, "page": page, "linker": self.linker, "reuse": reuse})
                .encode()
            )
            media_type = "text/html; charset=utf-8"
        elif chosen == RdfFormat.JSON_LD:
            body = jsonld.dumps(
                description_triples(description, address), str(context["context_url"])
            )
            media_type = "application/ld+json"
        else:
            assert isinstance(chosen, RdfFormat)
            quads = chosen in (RdfFormat.TRIG, RdfFormat.N_QUADS)
            statements = (
                description_quads(description, address)
                if quads
                else description_triples(description, address)
            )
            body = serialize(statements, format=chosen, prefixes=PREFIXES) or b""
            media_type = chosen.media_type
        dates = [info.generated for info in description.graphs if info.generated]
        modified = max(dates) if dates else None
        etag = conditional.etag_of(body)
        language = lang if chosen == HTML else None
        path = str(context["path"])
        headers = {
            "ETag": etag,
            "Vary": "Accept, Accept-Language",
            "Cache-Control": "public, max-age=60, must-revalidate",
            "Link": ", ".join(
                f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"'
                for a in alternates(path, description.page)
            ),
            "Content-Type": media_type,
        }
        if modified is not None:
            headers["Last-Modified"] = format_datetime(modified, usegmt=True)
        if language:
            headers["Content-Language"] = language
        return Rendered(body, media_type, etag, modified, language, headers)


def _representations(request: Request) -> Representations:
    found: Representations = request.app.state.representations
    return found


Representing = Annotated[Representations, Depends(_representations)]


def alternates(path: str, page: int) -> list[dict[str, str]]:
    """The representations of a resource: by extension, or by `format=` where the path already
    has a query (`/lookup?iri=…`)."""
    joiner = "&" if "?" in path else "?"
    suffix = f"{joiner}page={page}" if page > 1 else ""
    links = [{"type": "text/html", "href": path + suffix, "name": "HTML"}]
    for chosen in MACHINE_FORMATS:
        extension = chosen.file_extension
        if "?" in path:
            href = f"{path}&format={extension}{suffix}"
        else:
            href = f"{path}.{extension}{suffix}"
        links.append({"type": chosen.media_type, "href": href, "name": chosen.name})
    return links


OFFERED = (HTML, *negotiation.graph_media_types(MACHINE_FORMATS))


def negotiated(accept: str | None) -> RdfFormat | str | None:
    """The representation an Accept header asks for (None: nothing offered is acceptable)."""
    media = negotiation.choose(OFFERED, accept)
    if media is None or media == HTML:
        return media
    return formats.rdf_format(media)


def minted_node(iri: str) -> NamedNode:
    """The resource a path names; a path that no IRI may hold (a control character, a space,
    bytes that are not UTF-8) names nothing: 404."""
    try:
        return NamedNode(iri)
    except ValueError:
        raise HTTPException(
            404, f"nothing is published at <{printable(iri)}>: it is not an IRI"
        ) from None


class CachedPages:
    """ASGI middleware answering GET and HEAD for a resource whose representation is cached,
    before routing: a warm page costs little more than the HTTP exchange.

    Only plain requests take this path (no extension, no `format`, at most `lang` and `page`);
    everything else, and every miss, goes to the routes below.
    """

    def __init__(self, app: ASGIApp, representations: Representations) -> None:
        self.app = app
        self.representations = representations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response = self._hit(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _hit(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        kind = path[1:].split("/", 1)[0]
        if not kinds.minted(kind) or "." in path.rsplit("/", 1)[-1]:
            return None
        parameters = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        if not parameters.keys() <= {"lang", "page"}:
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        chosen = negotiated(headers.get("accept"))
        if chosen is None:
            return None
        page = parameters.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            return None
        lang = languages.of_scope(parameters, headers)
        try:
            iri = NamedNode(self.representations.linker.resource_iri(path))
        except ValueError:  # not an IRI: the route answers 404
            return None
        rendered = self.representations.cached(iri, int(page), chosen, lang)
        if rendered is None:
            return None
        return respond(rendered, headers.get("if-none-match"), headers.get("if-modified-since"))


def respond(
    rendered: Rendered, if_none_match: str | None, if_modified_since: str | None
) -> Response:
    """The representation, or 304 when the client's copy is current."""
    if conditional.not_modified(
        rendered.etag, rendered.last_modified, if_none_match, if_modified_since
    ):
        return conditional.unchanged(rendered.headers)
    return Response(rendered.body, headers=rendered.headers)


router = APIRouter()
"""The resource routes; what they need is on `app.state` (`web.state`): the cache of
representations (`Representations`, which holds the settings, store and templates) and the
label index of search."""


def context(settings: Settings, lang: str, path: str, page: int = 1) -> dict[str, object]:
    return {
        "lang": lang,
        "w": i18n.words(lang),
        "query": None,
        "alternates": alternates(path, page),
        # from configuration: representations are cached for every client
        "context_url": settings.public_base + "context.jsonld",
        "tiles": settings.tile_url,
        "tiles_attribution": settings.tile_attribution,
    }


def negotiate(request: Request, extension: str | None) -> RdfFormat | str:
    name = request.query_params.get("format")
    if extension is not None:
        return EXTENSIONS[extension]
    if name:
        if name.lower() == "html":
            return HTML
        chosen = negotiation.graph_format(None, name, MACHINE_FORMATS)
        if chosen is None:
            raise HTTPException(406, f"format {name!r} is not offered here")
        return chosen
    found = negotiated(request.headers.get("accept"))
    if found is None:
        raise HTTPException(406, "this resource is offered as " + ", ".join(OFFERED[:7]))
    return found


def not_found(request: Request, representations: Representations, lang: str, iri: str) -> Response:
    words = i18n.words(lang)
    if (
        negotiation.choose([HTML, "application/problem+json"], request.headers.get("accept"))
        == HTML
    ):
        body = representations.templates.get_template("error.html").render(
            {
                **context(representations.settings, lang, request.url.path),
                "alternates": [],
                "title": words["not_found"],
                "detail": f"{words['not_found_detail']} ({iri})",
            }
        )
        return Response(body, status_code=404, media_type="text/html; charset=utf-8")
    raise HTTPException(404, f"the graph says nothing about <{iri}>")


async def answer(
    request: Request,
    representations: Representations,
    iri: NamedNode,
    path: str,
    extension: str | None,
) -> Response:
    lang = languages.of_request(request)
    chosen = negotiate(request, extension)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    rendered = representations.cached(iri, page, chosen, lang)
    if rendered is None:  # render it in a worker thread: the event loop keeps answering
        page_context = {**context(representations.settings, lang, path, page), "path": path}
        rendered = await asyncio.to_thread(
            representations.get, iri, page, chosen, lang, page_context
        )
    if rendered is None:
        return not_found(request, representations, lang, iri.value)
    return respond(
        rendered, request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    )


def split_extension(path: str) -> tuple[str, str | None]:
    stem, dot, extension = path.rpartition(".")
    if dot and extension in EXTENSIONS and "/" not in extension:
        return stem, extension
    return path, None


@router.get("/ns", include_in_schema=False)
@router.get("/ns.{extension}", include_in_schema=False)
async def ontology(
    request: Request, representations: Representing, extension: str | None = None
) -> Response:
    if extension is not None and extension not in EXTENSIONS:
        raise HTTPException(404, "unknown format extension")
    return await answer(request, representations, NamedNode(CG_ONTOLOGY), "/ns", extension)


@router.get(
    "/lookup", summary="Describe any IRI the graph holds statements about (SPDX, CC, INSEE…)"
)
async def lookup(request: Request, representations: Representing, iri: str) -> Response:
    try:
        node = NamedNode(iri)
    except ValueError:
        raise HTTPException(400, f"not an absolute IRI: {iri!r}") from None
    return await answer(request, representations, node, "/lookup?iri=" + quote(iri, safe=""), None)


CONTEXT_BODY = json.dumps(jsonld.context(), ensure_ascii=False).encode()
"""The JSON-LD context, a constant of the code."""


@router.get(
    "/context.jsonld",
    name="jsonld_context",
    summary="The JSON-LD context of the project's documents",
)
def jsonld_context(request: Request) -> Response:
    return conditional.tagged(
        request,
        CONTEXT_BODY,
        "application/ld+json",
        {"Cache-Control": "public, max-age=86400"},
    )


@router.get("/", include_in_schema=False)
async def home(request: Request, representations: Representing) -> Response:
    language = languages.of_request(request)
    linker = representations.linker
    counts = await asyncio.to_thread(home_counts, representations.store, language)

    def links(items: list[tuple[str, str, int]]) -> list[tuple[Link, int]]:
        return [(Link(linker.href(iri), label, iri), count) for iri, label, count in items]

    def kinds_of(items: list[tuple[str, str, int]]) -> list[tuple[Link, int]]:
        """Classes named as the kinds table names them, with their icon."""
        named = []
        for iri, label, count in items:
            kind = kinds.of_class(iri)
            text = label if kind is None else f"{kind.icon} {kind.names(language)}"
            named.append((Link(linker.href(iri), text, iri), count))
        return named

    page_context = {
        **context(representations.settings, language, "/"),
        "alternates": [{"type": "text/turtle", "href": "/.well-known/void", "name": "VoID"}],
        "total": counts.total,
        "classes": kinds_of(counts.classes),
        "typologies": links(counts.typologies),
        "regions": links(counts.regions),
        "countries": links(counts.countries),
    }
    return representations.templates.TemplateResponse(
        request,
        "home.html",
        page_context,
        headers={"Vary": "Accept-Language", "Content-Language": language},
    )


@router.get("/{path:path}", include_in_schema=False)
async def minted(request: Request, representations: Representing, path: str) -> Response:
    """Every IRI minted under the canonical base: /tiers-lieu/…, /licence/…, /scheme/…"""
    if not kinds.minted(path.split("/", 1)[0].split(".", 1)[0]):
        raise HTTPException(404, f"nothing is published at /{path}")
    linker = representations.linker
    stem, extension = split_extension("/" + path)
    if extension is not None:
        whole = minted_node(linker.resource_iri("/" + path))
        if representations.store.ask("ASK { { ?x ?p ?o } UNION { ?s ?p ?x } }", {"x": whole}):
            stem, extension = "/" + path, None  # the IRI itself ends like an extension
    return await answer(
        request, representations, minted_node(linker.resource_iri(stem)), stem, extension
    )
