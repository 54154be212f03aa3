"""The reader's language, kept from page to page.

A reader who picks a language (`?lang=en`, the FR/EN links of every page) keeps it: the
response to that request sets a `lang` cookie, and every later page reads `?lang=` first, then
that cookie, then `Accept-Language`, then French (`i18n.language`). A cookie rather than
`?lang=` on every link, because links come from many places (the graph's own IRIs, the
editor's results, Swagger UI) that would each have to carry it, and a cached page is the same
for every reader of a language.

Pages that depend on the language say `Vary: Accept-Language`; since the cookie decides too,
`Cookie` is added to that `Vary` on the way out, in this one place.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph import i18n

COOKIE = "lang"
YEAR = 365 * 24 * 3600


def remembered(cookie_header: str | None) -> str | None:
    """The language a `Cookie` header remembers, if it is one we speak."""
    for pair in (cookie_header or "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == COOKIE and value.strip('"') in i18n.LANGUAGES:
            return value.strip('"')
    return None


def of_request(request: Request) -> str:
    """The language of the page answering `request`."""
    return i18n.language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        remembered(request.headers.get("cookie")),
    )


def of_scope(query: dict[str, str], headers: dict[str, str]) -> str:
    """The same, from a raw ASGI request (the cached pages' middleware)."""
    return i18n.language(
        query.get("lang"), headers.get("accept-language"), remembered(headers.get("cookie"))
    )


class RememberLanguage:
    """ASGI middleware: an HTML page asked with a valid `?lang=` sets the `lang` cookie (when
    it is not already that), and every `Vary: Accept-Language` gains `Cookie`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw: bytes = scope["query_string"]
        # most requests (SPARQL queries among them) name no language: not parsed
        chosen = dict(parse_qsl(raw.decode("latin-1"))).get("lang") if b"lang=" in raw else None
        if chosen not in i18n.LANGUAGES:
            chosen = None
        else:
            cookies = [v.decode("latin-1") for k, v in scope["headers"] if k == b"cookie"]
            if remembered("; ".join(cookies)) == chosen:
                chosen = None

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _headers(message.get("headers", ()), chosen)}
            await send(message)

        await self.app(scope, receive, sending)


def _headers(headers: list[tuple[bytes, bytes]], chosen: str | None) -> list[tuple[bytes, bytes]]:
    out = []
    html = False
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-type":
            html = value[:9].lower() == b"text/html"
        varies = value.lower()
        if lower == b"vary" and b"accept-language" in varies and b"cookie" not in varies:
            value += b", Cookie"
        out.append((name, value))
    if chosen is not None and html:
        cookie = f"{COOKIE}={chosen}; Path=/; Max-Age={YEAR}; SameSite=Lax"
        out.append((b"set-cookie", cookie.encode("latin-1")))
    return out
