"""The dataset for partners: /.well-known/void (VoID, with statistics computed from the store,
linked to the DCAT-AP catalogue) and /dumps (gzipped N-Quads of every public graph, Turtle per
graph)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse
from fastapi.templating import Jinja2Templates
from pyoxigraph import NamedNode, RdfFormat, serialize

from commonsgraph import i18n, jsonld, negotiation
from commonsgraph.config import Settings
from commonsgraph.dataset import Statistics, description, statistics
from commonsgraph.describe import labels_of, pick
from commonsgraph.dumps import DumpFile, Dumps, dump_name
from commonsgraph.graphs import graph_infos
from commonsgraph.store import Store
from commonsgraph.views import Linker
from commonsgraph.vocab import PREFIXES, Minter, compact
from commonsgraph.web import conditional, languages
from commonsgraph.web.compression import accepts_gzip, gzip_tag

OFFERED = (RdfFormat.TURTLE, RdfFormat.JSON_LD, RdfFormat.RDF_XML, RdfFormat.N_TRIPLES)
HTML = "text/html"
LABELLED = 1000
"""Classes and properties looked up for a label on the HTML page, at most."""


class StatisticsCache:
    """Statistics of the current data version, computed once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cached: tuple[str | None, Statistics] | None = None

    def get(self) -> Statistics:
        version = self.store.data_version()
        with self._lock:
            if self._cached is None or version is None or self._cached[0] != version:
                self._cached = (version, statistics(self.store))
            return self._cached[1]


def router(settings: Settings, dumps: Dumps, templates: Jinja2Templates) -> APIRouter:
    api = APIRouter()
    store = dumps.store
    minter = Minter(settings.base_iri)
    stats = StatisticsCache(store)
    minter_href = Linker(settings.base_iri).href

    @api.get("/.well-known/void", summary="VoID description of the dataset, with statistics")
    async def void(request: Request) -> Response:
        named = request.query_params.get("format")
        offered = [*(f.media_type for f in OFFERED), HTML]  # */* still gets Turtle
        if not named and negotiation.choose(offered, request.headers.get("accept")) == HTML:
            return await void_page(request)
        chosen = negotiation.graph_format(request.headers.get("accept"), named, OFFERED)
        if chosen is None:
            raise HTTPException(
                406, "the description is offered as " + ", ".join(f.media_type for f in OFFERED)
            )
        root = str(request.base_url)
        triples = description(store, minter, root, await asyncio.to_thread(stats.get))
        if chosen == RdfFormat.JSON_LD:
            body = jsonld.dumps(triples, str(request.url_for("jsonld_context")))
        else:
            body = serialize(triples, format=chosen, prefixes=PREFIXES) or b""
        return conditional.tagged(request, body, chosen.media_type, {"Vary": "Accept"})

    async def void_page(request: Request) -> Response:
        """The VoID statistics for a browser: counts per class and per property, by label."""
        language = languages.of_request(request)
        counted = await asyncio.to_thread(stats.get)
        named = sorted({*counted.classes, *counted.properties})[:LABELLED]
        labels = await asyncio.to_thread(labels_of, store, (NamedNode(i) for i in named))
        order = i18n.preferring(language)

        def rows(counts: dict[str, int]) -> list[tuple[str, str, str, int]]:
            found = [
                (minter_href(iri), pick(labels.get(iri, {}), order) or compact(iri), iri, n)
                for iri, n in counts.items()
            ]
            return sorted(found, key=lambda row: (-row[3], row[1].lower()))

        page = {
            "lang": language,
            "w": i18n.words(language),
            "query": None,
            "alternates": [
                {
                    "type": f.media_type,
                    "href": "/.well-known/void?format=" + f.file_extension,
                    "name": f.name,
                }
                for f in OFFERED
            ],
            "stats": counted,
            "classes": rows(counted.classes),
            "properties": rows(counted.properties),
        }
        return templates.TemplateResponse(
            request,
            "void.html",
            page,
            headers={"Vary": "Accept, Accept-Language", "Content-Language": language},
        )

    @api.get("/dumps", summary="The dumps: every public graph, and each graph alone")
    def listing(request: Request) -> Response:
        language = languages.of_request(request)
        graphs = []
        for info in graph_infos(store):
            name = dump_name(minter, info.graph)
            graphs.append(
                {
                    "name": name,
                    "title": info.title_in(language),
                    "statements": info.triples,
                    "size": dumps.written_size(name.removeprefix("graph/")),
                    "generated": info.generated,
                    "licence": None if info.licence is None else info.licence.value,
                    "href": minter_href(info.graph.value),
                    # no self-description: written by SPARQL Update or the Graph Store protocol
                    "direct": info.title is None and info.generated is None,
                }
            )
        page = {
            "lang": language,
            "w": i18n.words(language),
            "query": None,
            "alternates": [],
            "graphs": graphs,
            "full_size": dumps.written_size(None),
            "link_of": minter_href,
        }
        return templates.TemplateResponse(request, "dumps.html", page)

    def send(request: Request, path: Path, etag: str, media_type: str, **more: str) -> Response:
        written = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)  # once per version
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(written, usegmt=True),
            "Cache-Control": "public, max-age=300",
            **more,
        }
        if conditional.not_modified(
            etag,
            written,
            request.headers.get("if-none-match"),
            request.headers.get("if-modified-since"),
        ):
            return conditional.unchanged(headers)
        return FileResponse(path, media_type=media_type, headers=headers)

    @api.get("/dumps/commonsgraph.nq.gz", summary="Every public graph as gzipped N-Quads")
    async def full(request: Request) -> Response:
        found = await asyncio.to_thread(dumps.full)
        return send(request, found.path, found.etag, "application/gzip")

    @api.get("/dumps/graph/{name:path}.ttl", summary="One public graph as Turtle")
    async def one(request: Request, name: str) -> Response:
        found: DumpFile | None = await asyncio.to_thread(dumps.graph, name)
        if found is None:
            raise HTTPException(404, f"no public graph named {name!r}")
        if not accepts_gzip(request.headers.get("accept-encoding", "")):
            return send(request, found.path, found.etag, "text/turtle", Vary="Accept-Encoding")
        # compressed once per data version, not on each download
        zipped = await asyncio.to_thread(dumps.gzipped, found.path)
        return send(
            request,
            zipped,
            gzip_tag(found.etag),
            "text/turtle",
            Vary="Accept-Encoding",
            **{"Content-Encoding": "gzip"},
        )

    return api
