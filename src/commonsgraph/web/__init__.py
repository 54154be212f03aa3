"""The HTTP service: `create_app(settings, store)` builds it; one module per surface."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from commonsgraph import __version__
from commonsgraph.config import Settings
from commonsgraph.queries import load_queries
from commonsgraph.store import Store
from commonsgraph.tokens import TokenStore
from commonsgraph.web import graph_store, problems, sparql
from commonsgraph.web.description import Describer

HERE = Path(__file__).parent


def create_app(settings: Settings, store: Store, tokens: TokenStore | None = None) -> FastAPI:
    """A commonsgraph service over `store`; every test builds its own."""
    if tokens is None:
        tokens = TokenStore(
            None if settings.data_dir is None else settings.data_dir / "tokens.sqlite3"
        )
    app = FastAPI(
        title="commonsgraph",
        version=__version__,
        description="An open knowledge graph of tiers-lieux, their actors, networks and commons.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.tokens = tokens
    problems.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["Location", "Retry-After", "Link", "ETag"],
        max_age=3600,
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    examples = load_queries(settings.resource("queries"))
    endpoint = sparql.SparqlEndpoint(settings, store, tokens)
    app.include_router(sparql.router(endpoint, Describer(store, templates, examples)))
    app.include_router(graph_store.router(settings, store, tokens))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/health", summary="Is the service up, and what does the store hold")
    def health() -> dict[str, object]:
        return {"status": "ok", "statements": store.triple_count(), "graphs": len(store.graphs())}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return HOME.format(
            version=__version__, statements=f"{store.triple_count():,}", example=quote(EXAMPLE)
        )

    return app


EXAMPLE = "SELECT ?place ?name WHERE { ?place a cg:TiersLieu ; rdfs:label ?name } LIMIT 20"
HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>commonsgraph</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>commonsgraph</h1>
<p>An open knowledge graph of tiers-lieux, their actors, networks and the commons they produce
({statements} statements, version {version}).</p>
<ul>
<li><a href="/sparql">SPARQL query editor</a></li>
<li><a href="/sparql?query={example}">SPARQL: twenty tiers-lieux</a></li>
<li><a href="/docs">API documentation</a></li>
<li><a href="/health">health</a></li>
</ul>
</main></body></html>
"""
