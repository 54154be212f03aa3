"""/docs and /redoc: the OpenAPI document shown by Swagger UI and Redoc, served from the
project's own files (`static/vendor/`), started by a static script: nothing is fetched from
another site, and the pages need no inline script. Their title is in the reader's language; the
document they show is written once, in English (so the pages say `lang="en"`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from commonsgraph import i18n
from commonsgraph.web import languages

PATHS = ("/docs", "/redoc")


def frame(request: Request) -> dict[str, object]:
    lang = languages.of_request(request)
    return {"lang": lang, "w": i18n.words(lang)}


def router(templates: Jinja2Templates, openapi_url: str) -> APIRouter:
    api = APIRouter(include_in_schema=False)

    @api.get("/docs", response_class=HTMLResponse)
    def swagger_ui(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "docs.html", {"config": {"openapi_url": openapi_url}, **frame(request)}
        )

    @api.get("/redoc", response_class=HTMLResponse)
    def redoc(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "redoc.html", {"openapi_url": openapi_url, **frame(request)}
        )

    return api
