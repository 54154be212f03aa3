"""What the curators' surfaces share (contributions, partner sources, reconciliation): pages in
the reader's language, JSON or HTML by `Accept`, signing in with a token for browsers, the
fields of a form or JSON body, and where to go after a decision made with a form.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from commonsgraph import i18n, negotiation
from commonsgraph.errors import InputError
from commonsgraph.tokens import Token, TokenStore
from commonsgraph.web import languages
from commonsgraph.web.auth import authenticate
from commonsgraph.web.limits import read_body

HTML = "text/html"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
LOGIN = "/contributions/login"


class Curation:
    """Pages and sign-in for the surfaces curators use."""

    def __init__(self, templates: Jinja2Templates, tokens: TokenStore) -> None:
        self.templates = templates
        self.tokens = tokens

    @staticmethod
    def language(request: Request) -> str:
        return languages.of_request(request)

    def page(self, request: Request, template: str, code: int = 200, **values: Any) -> Response:
        lang = self.language(request)
        return self.templates.TemplateResponse(
            request,
            template,
            {"lang": lang, "w": i18n.words(lang), "query": None, "alternates": [], **values},
            status_code=code,
            headers={"Vary": "Accept, Accept-Language, Cookie"},
        )

    @staticmethod
    def wants_html(request: Request, offered: list[str]) -> bool:
        """Whether the client prefers HTML among `offered` (406 when it takes none)."""
        chosen = negotiation.choose(offered, request.headers.get("accept"))
        if chosen is None:
            raise HTTPException(406, "offered as " + ", ".join(offered))
        return chosen == HTML

    def reader(self, request: Request, role: str, html: bool) -> Token | Response:
        """The reader's token; a browser without one gets the sign-in page, and one whose
        token is not enough a page that says so (others get 401 or 403)."""
        if not html:
            return authenticate(self.tokens, request, role)
        try:
            return authenticate(self.tokens, request, role)
        except HTTPException as error:
            if error.status_code == 401:
                target = str(request.url.path) + (
                    f"?{request.url.query}" if request.url.query else ""
                )
                return RedirectResponse(f"{LOGIN}?next={quote(target)}", status_code=303)
            words = i18n.words(self.language(request))
            return self.page(
                request, "error.html", 403, title=words["forbidden"], detail=error.detail
            )

    @staticmethod
    async def fields(request: Request) -> dict[str, str]:
        """The fields of a form or JSON body (a reason, say), over those of the query string."""
        body = await read_body(request, 64_000)
        found: dict[str, str] = dict(request.query_params)
        if is_form(request):
            found.update(parse_qsl(body.decode("utf-8", "replace")))
        elif media_type(request) == JSON and body:
            try:
                data = json.loads(body)
            except ValueError:
                raise InputError("the body is not valid JSON") from None
            if isinstance(data, dict):
                found.update({str(k): str(v) for k, v in data.items() if v is not None})
        return found

    def back_to(self, request: Request, url: str) -> Response:
        """After a decision made with a form: the page of what was decided."""
        return RedirectResponse(f"{url}?lang={self.language(request)}", status_code=303)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_form(request: Request) -> bool:
    return media_type(request) == FORM


def local(target: str, fallback: str = "/contributions") -> str:
    """A path on this site to go back to after signing in (never another site: not `//host`
    nor `/\\host`, which browsers read as `//host`), percent-encoded where it is not plain
    ASCII (a line break would forge the Location header, a non-Latin-1 character break it)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    return quote(target, safe="/?#[]@!$&'()*+,;=:%")
