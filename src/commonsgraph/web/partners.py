"""/sources and /reconciliation: partner sources, their harvests, and the reconciliation report.

- `GET /sources`, `GET /sources/{name}`: each source's last success, last error and counts
  (open to all, JSON or HTML; the endpoint and errors with their credentials masked);
  `GET /sources/{name}/quarantine`: the records that failed the shapes, with their report
  (curators); `POST /sources/{name}/harvest`: harvest now (curators).
- `GET /reconciliation`: the candidate links (curators, JSON or HTML); `POST
  /reconciliation/search`: look again; `POST /reconciliation/{id}/confirm`, `/dismiss`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pyoxigraph import NamedNode

from commonsgraph.errors import ParameterError
from commonsgraph.harvest import HarvestReport, Quarantined, Source, SourceStatus
from commonsgraph.partners import Partners
from commonsgraph.reconcile import STATUSES, Candidate, SearchReport
from commonsgraph.safetext import redact
from commonsgraph.views import Linker
from commonsgraph.vocab import compact
from commonsgraph.web.auth import authenticate
from commonsgraph.web.curation import HTML, JSON, Curation, is_form
from commonsgraph.web.state import Curating, Partnering

CURATOR = "curator"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def status_json(status: SourceStatus) -> dict[str, Any]:
    return {
        "healthy": status.healthy,
        "last_attempt": _time(status.last_attempt),
        "last_success": _time(status.last_success),
        "last_error": None
        if status.healthy or status.last_error is None
        else redact(status.last_error),
        "last_error_at": _time(status.last_error_at),
        "records": status.records,
        "published": status.published,
        "quarantined": status.quarantined,
        "statements": status.statements,
    }


def report_json(report: HarvestReport) -> dict[str, Any]:
    change = report.change
    return {
        "source": report.source,
        "ok": report.ok,
        "error": None if report.error is None else redact(report.error),
        "unchanged": report.unchanged,
        "full": report.full,
        "records": report.records,
        "published": report.published,
        "quarantined": report.quarantined,
        "added": None if change is None else change.added,
        "removed": None if change is None else change.removed,
        "seconds": round(report.seconds, 3),
        "notes": report.notes,
    }


def search_json(search: SearchReport) -> dict[str, Any]:
    return {
        "candidates": len(search.search.found),
        "new": search.recorded.new,
        "updated": search.recorded.updated,
        "dropped": search.recorded.dropped,
        "harvested": search.search.harvested,
        "ours": search.search.ours,
        "seconds": {step: round(s, 4) for step, s in search.search.timings.items()},
    }


def quarantined_json(q: Quarantined) -> dict[str, Any]:
    return {
        "record": q.record,
        "harvested": q.harvested.isoformat(),
        "findings": [f.as_json() for f in q.findings],
        "statements": len(q.statements),
    }


router = APIRouter(tags=["partners"])


def source_json(request: Request, partners: Partners, source: Source) -> dict[str, Any]:
    harvester = partners.harvester
    return {
        "name": source.name,
        "url": str(request.url_for("source", name=source.name)),
        "title": source.title or source.name,
        "kind": source.kind,
        "endpoint": source.shown_url,
        "mapping": source.mapping,
        "licence": source.licence,
        "graph": harvester.graph(source.name).value,
        "status": status_json(harvester.ledger.status(source.name)),
    }


def href(partners: Partners) -> Callable[[str], str]:
    """How pages link a resource of ours or the partner's."""
    return Linker(partners.harvester.settings.base_iri).href


def candidate_json(request: Request, partners: Partners, c: Candidate) -> dict[str, Any]:
    linker = Linker(partners.harvester.settings.base_iri)

    def side(iri: NamedNode, label: str) -> dict[str, str]:
        return {"iri": iri.value, "label": label, "page": linker.href(iri.value)}

    return {
        "id": c.id,
        "url": str(request.url_for("candidate", candidate=c.id)),
        "kind": c.kind,
        "ours": side(c.ours, c.ours_label),
        "theirs": side(c.theirs, c.theirs_label),
        "source": c.source.value,
        "score": c.score,
        "evidence": {k: v for k, v in vars(c.evidence).items() if v is not None},
        "reasons": {lang: c.evidence.reasons(lang) for lang in ("fr", "en")},
        "status": c.status,
        "found": c.found.isoformat(),
        "decision": None
        if c.decided_by is None
        else {
            "by": {"id": c.decided_by, "label": c.decided_by_label},
            "at": _time(c.decided_at),
            "reason": c.reason,
        },
    }


def decided_answer(
    request: Request, partners: Partners, curation: Curation, decided: Candidate
) -> Response:
    if is_form(request):
        return curation.back_to(request, str(request.url_for("candidates")))
    return JSONResponse(candidate_json(request, partners, decided))


# -- sources ---------------------------------------------------------------------------


@router.get("/sources", summary="Partner sources and how their last harvests went")
def sources(request: Request, partners: Partnering, curation: Curating) -> Response:
    found = [source_json(request, partners, s) for s in partners.harvester.registry.all()]
    if curation.wants_html(request, [JSON, HTML]):
        return curation.page(request, "sources.html", sources=found, href=href(partners))
    return JSONResponse(found, headers={"Vary": "Accept"})


@router.get("/sources/{name}", name="source", summary="One partner source and its status")
def source(request: Request, partners: Partnering, curation: Curating, name: str) -> Response:
    found = source_json(request, partners, partners.harvester.registry.get(name))
    if curation.wants_html(request, [JSON, HTML]):
        return curation.page(request, "sources.html", sources=[found], href=href(partners))
    return JSONResponse(found, headers={"Vary": "Accept"})


@router.get("/sources/{name}/quarantine", summary="Records that failed the shapes (curator)")
def quarantine(request: Request, partners: Partnering, curation: Curating, name: str) -> Response:
    harvester = partners.harvester
    html = curation.wants_html(request, [JSON, HTML])
    token = curation.reader(request, CURATOR, html)
    if isinstance(token, Response):
        return token
    harvester.registry.get(name)  # 404 for an unknown source
    records = harvester.ledger.quarantine(name)
    if html:
        lang = curation.language(request)
        return curation.page(
            request,
            "quarantine.html",
            source=name,
            records=records,
            message=lambda f: f.message(lang),
            compact=compact,
        )
    return JSONResponse([quarantined_json(q) for q in records])


@router.post("/sources/{name}/harvest", summary="Harvest a source now (curator)")
async def harvest(
    request: Request, partners: Partnering, curation: Curating, name: str, full: bool = False
) -> Response:
    authenticate(curation.tokens, request, CURATOR)
    partners.harvester.registry.get(name)
    harvested = await asyncio.to_thread(partners.harvest, name, full)
    if is_form(request):
        return curation.back_to(request, str(request.url_for("source", name=name)))
    [report] = harvested.reports
    answer = report_json(report)
    if harvested.search is not None:
        answer["reconciliation"] = search_json(harvested.search)
    return JSONResponse(answer, status_code=200 if report.ok else 502)


# -- reconciliation --------------------------------------------------------------------


@router.get("/reconciliation", summary="Candidate owl:sameAs links (curator)")
def candidates(
    request: Request, partners: Partnering, curation: Curating, status: str | None = None
) -> Response:
    reconciliation = partners.reconciliation
    if status is not None and status not in STATUSES:
        raise ParameterError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    html = curation.wants_html(request, [JSON, HTML])
    token = curation.reader(request, CURATOR, html)
    if isinstance(token, Response):
        return token
    found = reconciliation.candidates(status)
    if html:
        return curation.page(
            request,
            "reconciliation.html",
            candidates=found,
            status=status,
            statuses=STATUSES,
            counts=reconciliation.ledger.counts(),
            href=href(partners),
            reader=token,
        )
    return JSONResponse([candidate_json(request, partners, c) for c in found])


@router.post("/reconciliation/search", summary="Look for candidate links again (curator)")
async def search(request: Request, partners: Partnering, curation: Curating) -> Response:
    authenticate(curation.tokens, request, CURATOR)
    found = await asyncio.to_thread(partners.reconciliation.search)
    if is_form(request):
        return curation.back_to(request, str(request.url_for("candidates")))
    return JSONResponse(search_json(found))


@router.get("/reconciliation/{candidate}", name="candidate", summary="One candidate link")
def candidate(
    request: Request, partners: Partnering, curation: Curating, candidate: str
) -> Response:
    authenticate(curation.tokens, request, CURATOR)
    return JSONResponse(candidate_json(request, partners, partners.reconciliation.get(candidate)))


@router.post("/reconciliation/{candidate}/confirm", summary="Publish a link (curator)")
async def confirm(
    request: Request, partners: Partnering, curation: Curating, candidate: str
) -> Response:
    curator = authenticate(curation.tokens, request, CURATOR)
    decided = await asyncio.to_thread(partners.reconciliation.confirm, candidate, curator)
    return decided_answer(request, partners, curation, decided)


@router.post("/reconciliation/{candidate}/dismiss", summary="Not the same (curator)")
async def dismiss(
    request: Request, partners: Partnering, curation: Curating, candidate: str
) -> Response:
    curator = authenticate(curation.tokens, request, CURATOR)
    form = await curation.fields(request)
    decided = await asyncio.to_thread(
        partners.reconciliation.dismiss, candidate, curator, form.get("reason", "")
    )
    return decided_answer(request, partners, curation, decided)
