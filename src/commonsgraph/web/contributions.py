"""/contributions: uploads from contributors, the curators' queue and reviews.

Platforms get JSON (and the validation report as a SHACL `sh:ValidationReport` in Turtle);
curators get HTML pages, signed in with their token (kept in a cookie), grouped by resource,
in their language. Writes need a contributor token (upload) or a curator token (review).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from commonsgraph import geojson, i18n, negotiation
from commonsgraph.contributions import (
    STATUSES,
    Contribution,
    Contributions,
    Preview,
    ResourceChange,
    Review,
)
from commonsgraph.contributions.changes import Move, Position, public_statements
from commonsgraph.describe import LABELS, labels_of, pick
from commonsgraph.errors import ParameterError
from commonsgraph.store import Store
from commonsgraph.validation import Finding, ValidationReport
from commonsgraph.views import Linker, part_name
from commonsgraph.vocab import compact
from commonsgraph.web.auth import COOKIE, authenticate, from_this_site
from commonsgraph.web.curation import HTML, JSON, Curation, is_form, local
from commonsgraph.web.limits import read_body
from commonsgraph.web.state import Configured, Curating, Workflow

TURTLE = RdfFormat.TURTLE.media_type
CONTRIBUTOR, CURATOR = "contributor", "curator"


def change_json(change: ResourceChange) -> dict[str, Any]:
    return {
        "resource": change.subject.value,
        "new": change.is_new,
        "added": [f"{t.predicate} {t.object}" for t in change.added],
        "removed": [f"{q.predicate} {q.object}" for q in change.removed],
        "unchanged": change.unchanged,
        "kept": change.kept,
    }


def review_json(review: Review) -> dict[str, Any]:
    report = ValidationReport(review.findings)
    return {
        "conforms": review.conforms,
        "statements": len(review.triples),
        "counts": dict(report.counts()),
        "findings": [f.as_json() for f in review.findings],
        "changes": [change_json(c) for c in review.changes],
        "notes": review.notes,
    }


LABELLED = 1000
"""The IRIs of a review's changes looked up for a label, at most (the others show compacted)."""


class Names:
    """How a review page names terms: a label in the reader's language where the graph (or
    the contribution itself) has one, what a part (`…#address`, `…#role-1`) says of itself,
    else the compacted IRI; and where a resource of ours links on this site."""

    def __init__(
        self,
        labels: dict[str, dict[str, str]],
        lang: str,
        linker: Linker,
        parts: dict[str, dict[NamedNode, object]] | None = None,
    ) -> None:
        self.labels = labels
        self.languages = i18n.preferring(lang)
        self.linker = linker
        self.parts = parts or {}

    @classmethod
    def of_review(
        cls,
        store: Store,
        preview: Preview | None,
        findings: list[Finding],
        lang: str,
        linker: Linker,
        also: tuple[str, ...] = (),
    ) -> Names:
        """The names of what a review page shows: its changes, its findings' focus nodes and
        paths, and `also` (its licence)."""
        iris: set[NamedNode] = {NamedNode(iri) for iri in also}
        for finding in findings[:LABELLED]:
            for text in (finding.focus, finding.path):
                if text and "://" in text and not text.startswith("_:"):
                    try:
                        iris.add(NamedNode(text))
                    except ValueError:  # a path expression, not an IRI
                        continue
        staged = preview.staged if preview else []
        statements: list[Triple | Quad] = [*staged]
        for change in preview.changes if preview else []:
            iris.add(change.subject)
            statements += change.removed
        for statement in statements:
            for term in (statement.predicate, statement.object):
                if isinstance(term, NamedNode) and len(iris) < LABELLED:
                    iris.add(term)
        labels = labels_of(store, iris)
        for triple in staged:  # what the contribution names (a new resource) and the graph not
            if triple.predicate in LABELS and isinstance(triple.object, Literal):
                own = labels.setdefault(triple.subject.value, {})  # type: ignore[union-attr]
                own.setdefault(triple.object.language or "", triple.object.value)
        parts: dict[str, dict[NamedNode, object]] = defaultdict(dict)
        wanted = {iri for iri in iris if "#" in iri.value and iri.value not in labels}
        known = [*statements, *public_statements(store, wanted)]
        for statement in known:
            subject = statement.subject
            if isinstance(subject, NamedNode) and subject in wanted:
                parts[subject.value].setdefault(statement.predicate, statement.object)
        return cls(labels, lang, linker, dict(parts))

    def of_text(self, text: str) -> str:
        """The name of an IRI given as text (a finding's focus node or path)."""
        found = pick(self.labels.get(text, {}), self.languages)
        if found is None and text in self.parts:
            found = part_name(self.parts[text], self.of_text)
        return found or compact(text)

    def __call__(self, term: object) -> str:
        if isinstance(term, Literal):
            return term.value
        if isinstance(term, NamedNode):
            return self.of_text(term.value)
        return str(term)

    def href(self, term: NamedNode) -> str:
        return self.href_of(term.value)

    def href_of(self, iri: str) -> str:
        return self.linker.href(iri, described=False)


router = APIRouter(prefix="/contributions", tags=["contributions"])


def url(request: Request, contribution: Contribution) -> str:
    return str(request.url_for("contribution", contribution_id=contribution.id))


def as_json(request: Request, contributions: Contributions, c: Contribution) -> dict[str, Any]:
    report = ValidationReport(c.findings)
    return {
        "id": c.id,
        "url": url(request, c),
        "status": c.status,
        "contributor": {"id": c.contributor, "label": c.contributor_label},
        "submitted": c.submitted.isoformat(),
        "source": c.source,
        "licence": c.licence,
        "media_type": c.media_type,
        "statements": c.statements,
        "conforms": c.conforms,
        "counts": dict(report.counts()),
        "findings": [f.as_json() for f in c.findings],
        "notes": c.notes,
        "review": None
        if c.reviewer is None
        else {
            "by": {"id": c.reviewer, "label": c.reviewer_label},
            "at": None if c.reviewed is None else c.reviewed.isoformat(),
            "reason": c.reason,
        },
        "graph": contributions.graph(c).value if c.status == "accepted" else None,
    }


def done(
    request: Request, contributions: Contributions, curation: Curation, contribution: Contribution
) -> Response:
    if is_form(request):
        return curation.back_to(request, url(request, contribution))
    return JSONResponse(as_json(request, contributions, contribution))


# -- uploading ---------------------------------------------------------------------------


@router.post("", status_code=201, summary="Upload a contribution (contributor token)")
async def submit(
    request: Request,
    settings: Configured,
    contributions: Workflow,
    curation: Curating,
    licence: str | None = None,
    source: str | None = None,
) -> JSONResponse:
    """Turtle, N-Triples, JSON-LD, RDF/XML, or CSV in the census's columns. The upload is
    validated with the resources it refers to; it is staged as `pending` (or kept as
    `invalid` with its report) and is public only once a curator accepts it."""
    token = authenticate(curation.tokens, request, CONTRIBUTOR)
    body = await read_body(request, settings.max_body_bytes)
    media_type = request.headers.get("content-type", "")
    contribution, review = await asyncio.to_thread(
        contributions.submit, body, media_type, token, licence, source
    )
    answer = {
        **as_json(request, contributions, contribution),
        "changes": review_json(review)["changes"],
    }
    return JSONResponse(answer, status_code=201, headers={"Location": url(request, contribution)})


@router.post("/validate", summary="Validate an upload without storing it (a dry run)")
async def validate(
    request: Request, settings: Configured, contributions: Workflow, curation: Curating
) -> Response:
    token = authenticate(curation.tokens, request, CONTRIBUTOR)
    body = await read_body(request, settings.max_body_bytes)
    review = await asyncio.to_thread(
        contributions.check, body, request.headers.get("content-type", ""), token
    )
    if negotiation.choose([JSON, TURTLE], request.headers.get("accept")) == TURTLE:
        return _turtle(ValidationReport(review.findings))
    return JSONResponse(review_json(review))


# -- signing in (browsers) ---------------------------------------------------------------


@router.get("/login", include_in_schema=False)
def login_form(request: Request, curation: Curating, next: str = "/contributions") -> Response:
    return curation.page(request, "login.html", next=local(next), failed=False)


@router.post("/login", include_in_schema=False)
async def login(request: Request, curation: Curating) -> Response:
    from_this_site(request)
    form = await curation.fields(request)
    token = curation.tokens.verify(form.get("token", "").strip())
    if token is None:
        return curation.page(
            request, "login.html", 401, next=local(form.get("next", "")), failed=True
        )
    response = RedirectResponse(local(form.get("next", "")), status_code=303)
    response.set_cookie(
        COOKIE,
        form["token"].strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    from_this_site(request)
    response = RedirectResponse("/contributions/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# -- reading -----------------------------------------------------------------------------


@router.get("", summary="Contributions: a curator's queue, or a contributor's own")
def listing(
    request: Request, contributions: Workflow, curation: Curating, status: str | None = None
) -> Response:
    if status is not None and status not in STATUSES:
        raise ParameterError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    html = curation.wants_html(request, [JSON, HTML])
    token = curation.reader(request, CONTRIBUTOR, html)
    if isinstance(token, Response):
        return token
    found = contributions.visible(token, status)
    if html:
        return curation.page(
            request,
            "contributions.html",
            contributions=found,
            status=status,
            statuses=STATUSES,
            reader=token,
        )
    return JSONResponse(
        [as_json(request, contributions, c) for c in found], headers={"Vary": "Accept"}
    )


@router.get("/{contribution_id}", name="contribution", summary="One contribution and its report")
async def detail(
    request: Request,
    settings: Configured,
    contributions: Workflow,
    curation: Curating,
    contribution_id: str,
) -> Response:
    html = curation.wants_html(request, [JSON, TURTLE, HTML])
    token = curation.reader(request, CONTRIBUTOR, html)
    if isinstance(token, Response):
        return token
    contribution = contributions.get(contribution_id, token)
    if not html:
        if negotiation.choose([JSON, TURTLE], request.headers.get("accept")) == TURTLE:
            return _turtle(ValidationReport(contribution.findings))
        return JSONResponse(
            as_json(request, contributions, contribution), headers={"Vary": "Accept"}
        )
    preview: Preview | None = None
    if contribution.status in ("pending", "invalid"):
        preview = await asyncio.to_thread(contributions.preview, contribution)
    lang = curation.language(request)
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in contribution.findings:
        grouped[finding.focus].append(finding)
    display = Names.of_review(
        contributions.store,
        preview,
        contribution.findings,
        lang,
        Linker(settings.base_iri),
        also=(contribution.licence,),
    )
    return curation.page(
        request,
        "contribution.html",
        c=contribution,
        findings=sorted(grouped.items()),
        changes=preview.changes if preview else [],
        moves=preview.moves if preview else [],
        features=features(preview.moves, display) if preview else [],
        tiles=settings.tile_url,
        tiles_attribution=settings.tile_attribution,
        display=display,
        compact=compact,
        message=lambda f: f.message(lang),
        curator=token.allows(CURATOR),
        graph=contributions.graph(contribution).value,
    )


def features(moves: list[Move], display: Names) -> list[dict[str, object]]:
    """The map preview of a review: GeoJSON points where the described resources are before
    (`change`: `before`, or `removed`) and after (`after`, `added`, or `unchanged`)."""
    found: list[dict[str, object]] = []
    for move in moves:
        points: list[tuple[str, Position | None]] = {
            "added": [("added", move.after)],
            "removed": [("removed", move.before)],
            "moved": [("before", move.before), ("after", move.after)],
            "unchanged": [("unchanged", move.after)],
        }[move.kind]
        for change, position in points:
            assert position is not None
            properties: dict[str, object] = {
                "title": display(move.subject),
                "href": display.href(move.subject),
                "change": change,
            }
            found.append(geojson.point(*position, properties))
    return found


# -- reviewing ---------------------------------------------------------------------------


@router.post("/{contribution_id}/accept", summary="Publish a pending contribution (curator)")
async def accept(
    request: Request, contributions: Workflow, curation: Curating, contribution_id: str
) -> Response:
    curator = authenticate(curation.tokens, request, CURATOR)
    contribution = await asyncio.to_thread(contributions.accept, contribution_id, curator)
    return done(request, contributions, curation, contribution)


@router.post("/{contribution_id}/reject", summary="Reject a pending contribution, with a reason")
async def reject(
    request: Request, contributions: Workflow, curation: Curating, contribution_id: str
) -> Response:
    curator = authenticate(curation.tokens, request, CURATOR)
    form = await curation.fields(request)
    contribution = await asyncio.to_thread(
        contributions.reject, contribution_id, curator, form.get("reason", "")
    )
    return done(request, contributions, curation, contribution)


@router.post("/{contribution_id}/revert", summary="Withdraw an accepted contribution (curator)")
async def revert(
    request: Request, contributions: Workflow, curation: Curating, contribution_id: str
) -> Response:
    curator = authenticate(curation.tokens, request, CURATOR)
    contribution = await asyncio.to_thread(contributions.revert, contribution_id, curator)
    return done(request, contributions, curation, contribution)


def _turtle(report: ValidationReport) -> Response:
    body = serialize(
        report.to_rdf(), format=RdfFormat.TURTLE, prefixes={"sh": "http://www.w3.org/ns/shacl#"}
    )
    return Response(body, media_type=RdfFormat.TURTLE.media_type, headers={"Vary": "Accept"})
