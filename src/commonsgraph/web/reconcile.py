"""The W3C Reconciliation Service API v0.2 at /reconcile (for OpenRefine and its kin).

- `GET, POST /reconcile`: the service manifest; with `queries=` (a JSON batch, in the query
  string or a form), the candidates of each query; with `extend=`, data extension. A
  `callback` parameter wraps the answer in JSONP for old clients.
- `GET /reconcile/suggest/entity|type|property?prefix=…`: completion of entities, types and
  properties; `GET /reconcile/propose_properties?type=…`: the properties extension offers;
  `GET /reconcile/preview?id=…`: a small HTML card of an entity.

Every answer may be read from any origin (CORS, set for the whole service).
"""

from __future__ import annotations

import asyncio
import json
import re
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse

from commonsgraph import __version__, i18n
from commonsgraph.config import Settings
from commonsgraph.reconcile.service import (
    EXTENDING,
    MATCHING,
    TYPES,
    BadQuery,
    ReconciliationService,
    suggest_named,
)
from commonsgraph.vocab import CG_ONTOLOGY
from commonsgraph.web.limits import read_body
from commonsgraph.web.state import Configured, Reconciling

BODY_LIMIT = 2_000_000
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,99}")


def manifest(settings: Settings) -> dict[str, Any]:
    base = settings.public_base
    return {
        "versions": ["0.2"],
        "name": "commonsgraph — tiers-lieux, communs et licences",
        "identifierSpace": settings.base_iri,
        "schemaSpace": CG_ONTOLOGY + "#",
        "documentation": base + "docs",
        "serviceVersion": __version__,
        "defaultTypes": [{"id": iri, "name": names[1]} for iri, names in TYPES.items()],
        "view": {"url": "{{id}}"},
        "preview": {"url": base + "reconcile/preview?id={{id}}", "width": 400, "height": 120},
        "suggest": {
            "entity": {
                "service_url": base.rstrip("/"),
                "service_path": "/reconcile/suggest/entity",
            },
            "type": {"service_url": base.rstrip("/"), "service_path": "/reconcile/suggest/type"},
            "property": {
                "service_url": base.rstrip("/"),
                "service_path": "/reconcile/suggest/property",
            },
        },
        "extend": {
            "propose_properties": {
                "service_url": base.rstrip("/"),
                "service_path": "/reconcile/propose_properties",
            },
            "property_settings": [],
        },
    }


def json_parameter(value: str, name: str) -> object:
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise HTTPException(400, f"{name}: not JSON") from None


def answer(payload: object, callback: str | None) -> Response:
    """JSON, or JSONP when a (well-formed) callback is asked for."""
    if callback is None:
        return JSONResponse(payload)
    if not _CALLBACK.fullmatch(callback):
        raise HTTPException(400, "callback: a JavaScript name (letters, digits, _, $, .)")
    body = f"/**/{callback}({json.dumps(payload, ensure_ascii=True)});"
    return Response(body, media_type="application/javascript")


def accepted_language(request: Request) -> str:
    """The language a reconciliation client asks for (its Accept-Language; French else)."""
    return i18n.language(None, request.headers.get("accept-language"))


router = APIRouter(tags=["reconciliation"])


async def parameters(request: Request) -> dict[str, str]:
    """The query string, and for a POST its form (UTF-8, bounded) on top."""
    found = dict(request.query_params)
    if request.method == "POST":
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise HTTPException(415, "send the parameters as application/x-www-form-urlencoded")
        body = await read_body(request, BODY_LIMIT)
        try:
            found.update(parse_qsl(body.decode("utf-8"), max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(400, "the form is not UTF-8 form data") from None
    return found


SUMMARY = "W3C Reconciliation API v0.2: the manifest, reconciliation, data extension"


@router.get("/reconcile", summary=SUMMARY)
async def reconcile(request: Request, settings: Configured, service: Reconciling) -> Response:
    return await answering(request, settings, service)


@router.post("/reconcile", summary=SUMMARY + " (a form)")
async def reconcile_form(request: Request, settings: Configured, service: Reconciling) -> Response:
    return await answering(request, settings, service)


async def answering(
    request: Request, settings: Settings, service: ReconciliationService
) -> Response:
    """The manifest, the candidates of a batch, or data extension, as the parameters ask."""
    found = await parameters(request)
    callback = found.get("callback")
    try:
        if "queries" in found:
            batch = json_parameter(found["queries"], "queries")
            result: object = await asyncio.to_thread(service.reconcile, batch)
        elif "extend" in found:
            wanted = json_parameter(found["extend"], "extend")
            result = await asyncio.to_thread(service.extend, wanted)
        else:
            result = manifest(settings)
    except BadQuery as error:
        raise HTTPException(400, str(error)) from None
    return answer(result, callback)


@router.get("/reconcile/suggest/entity", summary="Entities whose names start with a prefix")
async def suggest_entity(
    request: Request,
    service: Reconciling,
    prefix: str = "",
    type: str | None = None,
    cursor: int = 0,
) -> Response:
    lang = accepted_language(request)
    if not 0 <= cursor <= 1000 or len(prefix) > 200:
        raise HTTPException(400, "cursor: 0 to 1,000; prefix: at most 200 characters")
    types = [type] if type else []
    found = await asyncio.to_thread(service.suggest_entities, prefix, types, cursor, lang)
    return answer(found, request.query_params.get("callback"))


@router.get("/reconcile/suggest/type", summary="Types whose names hold a prefix")
async def suggest_type(request: Request, prefix: str = "") -> Response:
    lang = accepted_language(request)
    return answer(
        {"result": suggest_named(TYPES, prefix, lang)}, request.query_params.get("callback")
    )


@router.get("/reconcile/suggest/property", summary="Properties whose names hold a prefix")
async def suggest_property(request: Request, prefix: str = "") -> Response:
    lang = accepted_language(request)
    names = {**MATCHING, **EXTENDING}
    return answer(
        {"result": suggest_named(names, prefix, lang)}, request.query_params.get("callback")
    )


@router.get("/reconcile/propose_properties", summary="Properties data extension can fetch")
async def propose_properties(
    request: Request, type: str | None = None, limit: int = 50
) -> Response:
    lang = accepted_language(request)
    properties = [
        {"id": pid, "name": names[0] if lang == "fr" else names[1]}
        for pid, names in EXTENDING.items()
    ][: max(0, min(limit, 100))]
    body: dict[str, Any] = {"properties": properties, "limit": len(properties)}
    if type:
        body["type"] = type
    return answer(body, request.query_params.get("callback"))


@router.get("/reconcile/preview", summary="A small HTML card of an entity")
async def preview(request: Request, service: Reconciling, id: str = "") -> Response:
    lang = i18n.language(request.query_params.get("lang"), request.headers.get("accept-language"))
    card = await asyncio.to_thread(service.preview, id, lang)
    if card is None:
        raise HTTPException(404, f"no entity {id!r} here")
    name, kind, place, summary = card
    details = " · ".join(escape(part) for part in (kind, place) if part)
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(name)}</title></head>"
        '<body style="font: 14px sans-serif; margin: 6px">'
        f'<a href="{escape(id)}" target="_blank" rel="noopener"><strong>{escape(name)}'
        f"</strong></a><br><span>{details}</span>"
        + (f"<p style='margin: 4px 0'>{escape(summary)}</p>" if summary else "")
        + "</body></html>"
    )
    return HTMLResponse(body)
