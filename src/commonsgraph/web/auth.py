"""Bearer tokens on the HTTP surface: reads are open, writes need a token with a write role.

401 (with `WWW-Authenticate: Bearer`) when the token is missing or unknown, 403 when its role
is not enough. Browsers (the curators' pages) carry the token in an HttpOnly, SameSite=Strict
cookie set by the login form; a write made with the cookie must come from this site's own
pages (its `Origin`, else its `Referer`, when the browser sends one, is this site). The login
form itself must be posted from this site (`from_this_site`): otherwise any page could sign
its visitor in with the attacker's token (login CSRF), and what they then contribute or review
would be done as the attacker, in the attacker's queue.

"This site" is the public origin (`COMMONSGRAPH_PUBLIC_URL`), which `web.origin` makes the
request's own.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.exceptions import HTTPException

from commonsgraph.errors import NotAllowed
from commonsgraph.tokens import Token, TokenStore

COOKIE = "commonsgraph_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer(request: Request) -> str | None:
    """The token's secret: from `Authorization: Bearer …`, else from the login cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    cookie = request.cookies.get(COOKIE)
    if cookie and request.method not in SAFE_METHODS:
        origin = _origin(request)
        if origin is not None and origin != own_origin(request):
            raise HTTPException(403, "a write with the login cookie must come from this site")
    return cookie or None


def _origin(request: Request) -> str | None:
    """Where a browser says a request comes from: its `Origin`, else (a browser that sends
    none) the origin of its `Referer`; None when it says neither."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    return origin


def own_origin(request: Request) -> str:
    """This site's origin as browsers write it (`https://graph.example.org`)."""
    return f"{request.url.scheme}://{request.url.netloc}"


def from_this_site(request: Request) -> None:
    """Refuse a form posted from anywhere but this site's own pages: a browser says where a
    post comes from in `Origin` (every current browser sends it with a POST), else in
    `Referer`; a post that says neither is refused too (only browsers sign in with a form)."""
    origin = _origin(request)
    if origin != own_origin(request):
        raise NotAllowed(
            f"a sign-in form must be posted from this site ({own_origin(request)}), "
            f"not from {origin or 'an unnamed page'}"
        )


def authenticate(tokens: TokenStore, request: Request, role: str) -> Token:
    """The request's token if it may act with `role`; else 401 or 403."""
    secret = bearer(request)
    token = tokens.verify(secret) if secret else None
    if token is None:
        detail = (
            "this operation needs a bearer token" if secret is None else "unknown or revoked token"
        )
        raise HTTPException(
            401, detail, headers={"WWW-Authenticate": 'Bearer realm="commonsgraph"'}
        )
    if not token.allows(role):
        raise HTTPException(
            403, f"this operation needs the {role} role; the token has {token.role}"
        )
    return token


def requires(tokens: TokenStore, role: str) -> Callable[[Request], Token]:
    """A FastAPI dependency: the request's token, which must allow `role`."""

    def dependency(request: Request) -> Token:
        return authenticate(tokens, request, role)

    return dependency
