"""The HTTP service: `create_app(settings, store)` builds it; one module per surface."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from commonsgraph import __version__
from commonsgraph.config import Settings
from commonsgraph.store import Store
from commonsgraph.web import problems, sparql


def create_app(settings: Settings, store: Store) -> FastAPI:
    """A commonsgraph service over `store`; every test builds its own."""
    app = FastAPI(
        title="commonsgraph",
        version=__version__,
        description="An open knowledge graph of tiers-lieux, their actors, networks and commons.",
    )
    app.state.settings = settings
    app.state.store = store
    problems.install(app)
    app.include_router(sparql.router(store))

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
<li><a href="/sparql?query={example}">SPARQL: twenty tiers-lieux</a></li>
<li><a href="/docs">API documentation</a></li>
<li><a href="/health">health</a></li>
</ul>
</main></body></html>
"""
