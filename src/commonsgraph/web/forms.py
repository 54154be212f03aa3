"""/contribute: forms generated from the shapes, another way into the contribution workflow.

`GET /contribute` lists the kinds a contributor may describe; `GET /contribute/{kind}` is the
form of a new one, `?edit={IRI}` that of an existing one, filled from the public graph. The
form's fields become statements by one function (`forms.Reader.read`), and these go to the
workflow as an N-Triples upload would: `POST /contribute/{kind}/check` validates them
(`Contributions.check`, the dry run of uploads) and answers the report by input, in the
reader's language; `POST /contribute/{kind}` checks them the same way and, when they conform,
submits them (`Contributions.submit`: the same ledger, review, diff, provenance and revert as
an upload), then goes to the contribution's page. A form that does not conform is shown again
with its report and nothing is staged. Everything needs a contributor signed in (the cookie of
`/contributions/login`, or a bearer token); a write with the cookie must come from this site.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pyoxigraph import RdfFormat, serialize

from commonsgraph import i18n, kinds
from commonsgraph.contributions import Contribution, Contributions, Review
from commonsgraph.errors import NotAllowed, NotFound, ParameterError
from commonsgraph.forms import Filled, Form, Forms, Reader, Reading, filled
from commonsgraph.forms.entries import MAX_INPUTS, Refused
from commonsgraph.forms.model import CHOICE, GROUP, PICKER
from commonsgraph.tokens import Token
from commonsgraph.vocab import Minter
from commonsgraph.web.auth import authenticate
from commonsgraph.web.curation import HTML, JSON, Curation
from commonsgraph.web.limits import read_body
from commonsgraph.web.problems import problem
from commonsgraph.web.state import Configured, Curating, Indexed, Shaped, Stored, Workflow

NTRIPLES = RdfFormat.N_TRIPLES.media_type
CONTRIBUTOR = kinds.CONTRIBUTOR
MAX_BODY = 1_000_000
"""Bytes a form may post (far more than its limits of inputs and characters allow)."""


router = APIRouter(prefix="/contribute", tags=["contributions"])


def reader(store: Stored, settings: Configured, contributions: Workflow, index: Indexed) -> Reader:
    """Statements from forms, names looked up in the search index, new resources not named
    as one a contribution not yet reviewed describes."""

    def lookup(text: str, classes: Sequence[str]) -> list[tuple[str, str]]:
        hits = index.suggest(text[:200], kinds=list(classes)[:20], lang="fr", limit=20)
        hits += index.suggest(text[:200], kinds=list(classes)[:20], lang="en", limit=20)
        return [(hit.iri, hit.label) for hit in hits]

    return Reader(store, Minter(settings.base_iri), lookup, contributions.named)


Read = Annotated[Reader, Depends(reader)]


def _form(forms: Forms, kind: str) -> Form:
    found = forms.form(kind)
    if found is None:
        raise NotFound(
            f"no form for {kind!r}: contributors describe {', '.join(kinds.contributable())}"
        )
    return found


@dataclass(frozen=True)
class Report:
    """A review's findings, by the input they concern (where a page shows them)."""

    conforms: bool
    by_input: dict[str, list[dict[str, str]]]
    general: list[dict[str, str]]

    @classmethod
    def of(cls, review: Review, reading: Reading, lang: str) -> Report:
        by_input: dict[str, list[dict[str, str]]] = {}
        general: list[dict[str, str]] = []
        for finding in review.findings:
            item = {"severity": finding.severity, "message": finding.message(lang)}
            name = reading.inputs.get((finding.focus, finding.path or ""))
            (by_input.setdefault(name, []) if name else general).append(item)
        return cls(review.conforms, by_input, general)

    def as_json(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "fields": self.by_input, "general": self.general}


# -- pages ------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
def index(request: Request, curation: Curating, forms: Shaped) -> Response:
    token = curation.reader(request, CONTRIBUTOR, html=True)
    if isinstance(token, Response):
        return token
    lang = curation.language(request)
    offered = [(f.kind, kinds.of_path(f.kind)) for f in forms.all()]
    return curation.page(
        request,
        "contribute.html",
        choices=[(k, kind.name(lang), kind.icon) for k, kind in offered if kind is not None],
    )


@router.get("/{kind}", include_in_schema=False)
def new_or_edit(
    request: Request,
    contributions: Workflow,
    curation: Curating,
    forms: Shaped,
    read: Read,
    kind: str,
    edit: str | None = None,
) -> Response:
    token = curation.reader(request, CONTRIBUTOR, html=True)
    if isinstance(token, Response):
        return token
    form = _form(forms, kind)
    lang = curation.language(request)
    entries = Filled()
    if edit:
        try:
            subject = read.subject(form, entries, edit)
            entries = read.of_store(form, subject, lang)
        except (ParameterError, NotFound) as error:
            if not curation.wants_html(request, [HTML, JSON]):
                raise
            # a browser that followed a wrong edit link gets a page, in its language
            code, detail = (
                (400, _said(error, lang))
                if isinstance(error, ParameterError)
                else (404, str(error))
            )
            title = i18n.words(lang)["cannot_edit"]
            return curation.page(request, "error.html", code, title=title, detail=detail)
    return _page(request, curation, read, form, entries, edit or "", lang)


def _page(
    request: Request,
    curation: Curation,
    read: Reader,
    form: Form,
    entries: Filled,
    edit: str,
    lang: str,
    *,
    code: int = 200,
    report: Report | None = None,
    refused: dict[str, str] | None = None,
    source: str = "",
) -> Response:
    choices = {}
    for f in form.fields:
        for one in (f, *f.fields):
            if one.widget == CHOICE:
                choices[one.key] = read.choices(one, lang)
    creatable = {}
    for f in form.fields:
        for one in (f, *f.fields):
            if one.widget == PICKER:
                creatable[one.key] = [
                    (kind.path, kind.name(lang))
                    for cls in one.classes
                    if (kind := kinds.of_class(cls)) is not None
                    and kind.path in kinds.contributable()
                ]
    read.name_picked(form, entries, lang)
    return curation.page(
        request,
        "form.html",
        code,
        form=form,
        kind=kinds.of_path(form.kind),
        entries=entries,
        choices=choices,
        creatable=creatable,
        edit=edit,
        report=report,
        refused=refused or {},
        source=source,
        group=GROUP,
        colon=i18n.words(lang)["colon"],
        languages=i18n.LANGUAGES,
        tiles=request.app.state.settings.tile_url,
        tiles_attribution=request.app.state.settings.tile_attribution,
    )


# -- checking and submitting ------------------------------------------------------------------


async def _posted(request: Request) -> list[tuple[str, str]]:
    body = await read_body(request, MAX_BODY)
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_INPUTS, errors="strict"
        )
    except UnicodeDecodeError:
        raise Refused("form", "encoding", "the form is not UTF-8 text") from None
    except ValueError:  # more than MAX_INPUTS: parsing stops there
        raise Refused("form", "inputs", f"at most {MAX_INPUTS:,} inputs", most=MAX_INPUTS) from None


def _said(error: ParameterError, lang: str) -> str:
    """What a refusal says in `lang`, without the input it names (it shows next to it)."""
    if isinstance(error, Refused):
        return i18n.words(lang)[f"refused_{error.reason}"].format(**error.details)
    return str(error).removeprefix(f"parameter {error.parameter!r}: ")


def _refusal(error: ParameterError, lang: str) -> JSONResponse:
    """The problem that answers a refused input, its detail in the reader's language."""
    return problem(400, "Bad request", _said(error, lang), "bad-request", parameter=error.parameter)


def _nt(reading: Reading) -> bytes:
    return serialize(reading.triples, format=RdfFormat.N_TRIPLES) or b""


def _review(
    contributions: Contributions, read: Reader, form: Form, entries: Filled, edit: str, token: Token
) -> tuple[Reading, Review]:
    subject = read.subject(form, entries, edit or None)
    reading = read.read(form, entries, subject, keep=bool(edit))
    return reading, contributions.check(_nt(reading), NTRIPLES, token)


def _stage(
    contributions: Contributions,
    read: Reader,
    form: Form,
    entries: Filled,
    edit: str,
    token: Token,
    source: str,
    checking: bool,
) -> tuple[Reading, Review, Contribution | None]:
    """Review the form and, when it conforms and is not only checked, submit it. A new
    resource is named and staged under the deployment's naming lock: of two forms naming
    theirs alike at once, the second sees the first staged and takes another name."""
    with nullcontext() if edit or checking else contributions.naming():
        reading, review = _review(contributions, read, form, entries, edit, token)
        if checking or not review.conforms:
            return reading, review, None
        contribution, _ = contributions.submit(_nt(reading), NTRIPLES, token, None, source or None)
        return reading, review, contribution


@router.post("/{kind}/check", summary="Check a form's fields against the shapes (JSON)")
async def check(
    request: Request,
    contributions: Workflow,
    curation: Curating,
    forms: Shaped,
    read: Read,
    kind: str,
) -> JSONResponse:
    token = authenticate(curation.tokens, request, CONTRIBUTOR)
    form = _form(forms, kind)
    lang = curation.language(request)
    try:
        pairs = await _posted(request)
        entries = filled(form, pairs)
        reading, review = await asyncio.to_thread(
            _review, contributions, read, form, entries, dict(pairs).get("edit", ""), token
        )
    except ParameterError as error:
        return _refusal(error, lang)
    report = Report.of(review, reading, lang)
    return JSONResponse({**report.as_json(), "subject": reading.subject.value})


@router.post("/{kind}", include_in_schema=False)
async def submit(
    request: Request,
    contributions: Workflow,
    curation: Curating,
    forms: Shaped,
    read: Read,
    kind: str,
) -> Response:
    token = authenticate(curation.tokens, request, CONTRIBUTOR)
    form = _form(forms, kind)
    lang = curation.language(request)
    html = curation.wants_html(request, [HTML, JSON])
    entries, edit, source = Filled(), "", ""

    def refused(error: ParameterError) -> Response:
        if not html:
            return _refusal(error, lang)
        return _page(request, curation, read, form, entries, edit, lang, code=400,
                     refused={error.parameter: _said(error, lang)}, source=source)  # fmt: skip

    try:
        pairs = await _posted(request)
        fields = dict(pairs)
        edit, source = fields.get("edit", ""), fields.get("source", "").strip()
        entries = filled(form, pairs)
        checking = fields.get("action") == "check"
        reading, review, contribution = await asyncio.to_thread(
            _stage, contributions, read, form, entries, edit, token, source, checking
        )
        if contribution is None:
            report = Report.of(review, reading, lang)
            code = 200 if checking or review.conforms else 422
            if not html:
                return JSONResponse(report.as_json(), status_code=code)
            return _page(request, curation, read, form, entries, edit, lang,
                         code=code, report=report, source=source)  # fmt: skip
    except ParameterError as error:
        return refused(error)
    except NotAllowed:  # the resource edited is another contributor's (the problem says whose)
        if not html:
            raise
        words = i18n.words(lang)["refused_not_yours"]
        return _page(request, curation, read, form, entries, edit, lang, code=403,
                     refused={"edit": words}, source=source)  # fmt: skip
    target = str(request.url_for("contribution", contribution_id=contribution.id))
    if not html:
        return JSONResponse(
            {"id": contribution.id, "url": target, "status": contribution.status,
             "subject": reading.subject.value},
            status_code=201,
            headers={"Location": target},
        )  # fmt: skip
    return RedirectResponse(f"{target}?lang={quote(lang)}", status_code=303)
