"""Bearer tokens on the HTTP surface: reads are open, writes need a token with a write role.

401 (with `WWW-Authenticate: Bearer`) when the token is missing or unknown, 403 when its role
is not enough. Browsers (the curators' pages) carry the token in an HttpOnly, SameSite=Strict
cookie set by the login form; a write made with the cookie must come from this site's own
pages (its `Origin`, when the browser sends one, is this site).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.exceptions import HTTPException

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
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            raise HTTPException(403, "a write with the login cookie must come from this site")
    return cookie or None


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
