"""The HTTP service: `create_app(settings, store)` builds it; one module per surface."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp

from commonsgraph import __version__
from commonsgraph.config import Settings
from commonsgraph.contributions import Contributions
from commonsgraph.database import Database
from commonsgraph.dumps import Dumps
from commonsgraph.federation import Gateway
from commonsgraph.forms import Forms
from commonsgraph.legal.named import LegalQueries
from commonsgraph.partners import Partners
from commonsgraph.queries import load_queries
from commonsgraph.reconcile.service import ReconciliationService
from commonsgraph.reuse import QUERY as REUSE_QUERY
from commonsgraph.store import LocalStore, Store
from commonsgraph.store.remote import RemoteStore
from commonsgraph.textindex import SearchIndex
from commonsgraph.tokens import TokenStore
from commonsgraph.vocab import Minter
from commonsgraph.web import (
    apidocs,
    catalog,
    contributions,
    datasets,
    feeds,
    forms,
    graph_store,
    languages,
    lists,
    named_queries,
    partners,
    problems,
    reconcile,
    resources,
    search,
    sparql,
    templating,
)
from commonsgraph.web.clients import ProxiedClients, TrustedProxies
from commonsgraph.web.compression import Compression
from commonsgraph.web.cors import Cors
from commonsgraph.web.curation import Curation
from commonsgraph.web.description import Describer
from commonsgraph.web.headers import Policies, SecurityHeaders
from commonsgraph.web.origin import PublicOrigin
from commonsgraph.web.protocol import SparqlEndpoint
from commonsgraph.web.semantics import HeadAsGet, Utf8Charset

HERE = Path(__file__).parent


class Service(FastAPI):
    """The FastAPI app, whose requests first meet a thin front outside all of FastAPI's own
    middleware: the public origin put in place of the request's (`PublicOrigin`), the security
    headers on every response (`SecurityHeaders`), the clients behind trusted proxies
    (`ProxiedClients`, when there are any), the rules every response follows (`HeadAsGet`,
    `Compression`, `Utf8Charset`), CORS, then the app. /sparql, a plain ASGI route, is
    described in the OpenAPI document by hand."""

    endpoint: SparqlEndpoint
    settings: Settings

    sparql_route: ASGIApp | None = None
    """/sparql's endpoint, which `sparql.SparqlFirst` reaches before FastAPI's own layers."""

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        if self.sparql_route is not None:
            first = sparql.SparqlFirst(app, self.sparql_route, self._with_error_handlers)
            first.router = self.router
            app = first
        front: ASGIApp = Cors(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Location", "Retry-After", "Link", "ETag"],
            max_age=3600,
        )
        front = HeadAsGet(Compression(Utf8Charset(front)))
        proxies = self.settings.trusted_proxies
        if proxies:
            front = ProxiedClients(front, TrustedProxies(proxies))
        secured = SecurityHeaders(
            front,
            Policies.of(self.settings),
            docs=apidocs.PATHS,
        )
        return PublicOrigin(secured, self.settings.public_base)

    def _with_error_handlers(self, app: ASGIApp) -> ASGIApp:
        """`app` under the error handlers FastAPI's stack puts its routes under."""
        handlers = {k: v for k, v in self.exception_handlers.items() if k not in (500, Exception)}
        error_handler = self.exception_handlers.get(500) or self.exception_handlers.get(Exception)
        return ServerErrorMiddleware(
            ExceptionMiddleware(app, handlers=handlers, debug=self.debug),
            handler=error_handler,
            debug=self.debug,
        )

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            super().openapi()["paths"]["/sparql"] = sparql.OPENAPI
        return super().openapi()


def create_app(
    settings: Settings,
    store: Store,
    tokens: TokenStore | None = None,
    *,
    database: Database | None = None,
) -> FastAPI:
    """A commonsgraph service over `store`, its state in `database` (that of `tokens` when
    they are given; else the deployment's, opened here and closed with the service); every
    test builds its own."""
    owned = database is None and tokens is None
    if database is None:
        database = Database.open(settings) if tokens is None else tokens.database
    if tokens is None:
        tokens = TokenStore(database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        index.start()  # in the background: the first search need not build it
        schedule = (
            asyncio.create_task(app.state.partners.every(settings.harvest_every))
            if settings.harvest_every > 0
            else None
        )
        yield
        if schedule is not None:
            schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schedule
        app.state.contributions.close()  # its validation workers
        index.close()
        if gateway is not None:
            gateway.close()
        if owned:
            database.close()

    app = Service(
        lifespan=lifespan,
        title="commonsgraph",
        version=__version__,
        description="An open knowledge graph of tiers-lieux, their actors, networks and commons.",
        telemetry={"tracing": False, "metrics": False, "logs": False},  # checked per request
        docs_url=None,  # served by `apidocs` from the project's own files
        redoc_url=None,
    )
    app.settings = app.state.settings = settings
    app.state.store = store
    app.state.tokens = tokens
    app.state.database = database
    if isinstance(store, RemoteStore):  # several processes may write it: one data version
        store.share_version(database)
    problems.install(app)
    templates = app.state.templates = templating.templates(HERE / "templates")
    queries = load_queries(settings.resource("queries"))
    # SERVICE calls are bounded by the gateway when pyoxigraph runs here; a remote store's
    # server makes its own.
    gateway = Gateway.from_settings(settings) if isinstance(store, LocalStore) else None
    endpoint = app.endpoint = SparqlEndpoint(settings, store, gateway)
    describer = Describer(
        store,
        templates,
        [q for q in queries if q.engine is None],  # an engine's query needs its VALUES
        settings.base_iri,
        federated=bool(settings.service_allowlist),
        union=not settings.default_graphs,  # the merge of every named graph
    )
    route = app.sparql_route = sparql.SparqlRoute(endpoint, tokens, describer)
    app.router.routes.insert(0, Route(sparql.PATH, route, name="sparql"))  # url_for, a root_path
    legal = app.state.legal = LegalQueries(store, settings.base_iri)
    legal.check(queries)
    app.include_router(named_queries.router(endpoint, queries, legal))
    curation = Curation(templates, tokens)
    workflow = Contributions.open(store, settings, database, legal)
    app.state.contributions = workflow
    app.state.curation = curation
    app.include_router(contributions.router)
    app.state.forms = Forms.of_files(
        settings.resource("shapes").glob("*.ttl"),
        settings.resource("ontology").glob("*.ttl"),
        settings.base_iri,
    )
    app.include_router(forms.router)
    app.state.partners = Partners.open(store, settings, workflow.validator, database)
    app.include_router(partners.router)
    app.include_router(graph_store.router(settings, store, tokens))
    dumps_dir = settings.data_dir / "dumps" if settings.data_dir else Path(mkdtemp(prefix="cg-"))
    dumps = Dumps(store, dumps_dir, Minter(settings.base_iri))
    app.include_router(datasets.router(settings, dumps, templates))
    app.include_router(catalog.router(catalog.catalogue_of(settings, dumps), templates))
    app.include_router(feeds.router)
    app.include_router(apidocs.router(templates, app.openapi_url or "/openapi.json"))
    index = app.state.search = SearchIndex(
        store, settings.data_dir / "search" if settings.data_dir else None
    )
    app.state.reconciliation = ReconciliationService(store, index)
    app.include_router(search.router)
    app.include_router(reconcile.router)
    app.include_router(lists.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    counted: dict[str, tuple[int, int]] = {}  # counting costs a pass over the store

    @app.get("/health", summary="Is the service up, and what does the store hold")
    def health() -> dict[str, object]:
        version = store.data_version()
        counts = counted.get(version or "")
        if counts is None or version is None:
            counts = (store.triple_count(), len(store.graphs()))
            counted.clear()
            counted[version or ""] = counts
        turns = endpoint.scheduler
        return {
            "status": "ok",
            "statements": counts[0],
            "graphs": counts[1],
            "queries": {"running": turns.taken, "waiting": turns.waiting},
        }

    reuse = next(q for q in queries if q.name == REUSE_QUERY)
    representations = resources.Representations(settings, store, templates, reuse, legal=legal)
    app.state.representations = representations
    app.include_router(resources.router)  # last: it ends with a catch-all
    app.add_middleware(resources.CachedPages, representations=representations)
    app.add_middleware(languages.RememberLanguage)  # outside the cached pages: they set it too
    return app
