"""Conditional requests (RFC 9110 §13): validators and the 304 answer, for every route that
sends an `ETag` (pages, VoID, the JSON-LD context, the Service Description, the dumps).

`If-None-Match` uses the weak comparison: `W/"x"` matches `"x"` and `W/"x"`, `*` matches any
current representation, and a list matches when one of its tags does; when it is present,
`If-Modified-Since` is ignored (§13.2.2). A 304 carries the headers a 200 would, without the
content's own (`Content-Type`, `Content-Length`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

ENTITY_TAG = re.compile(r'(?:W/)?"([^"]*)"')
CONTENT_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


def etag_of(body: bytes) -> str:
    """A strong entity tag for a body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def opaque(tag: str) -> str | None:
    """The quoted part of an entity tag, without its weakness (None: not an entity tag)."""
    found = ENTITY_TAG.fullmatch(tag.strip())
    return None if found is None else found.group(1)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` value matches `etag`, by the weak comparison."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    current = opaque(etag)
    return current is not None and any(
        found.group(1) == current for found in ENTITY_TAG.finditer(if_none_match)
    )


def not_modified(
    etag: str | None,
    last_modified: datetime | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> bool:
    """Whether a GET or HEAD with these preconditions gets a 304."""
    if if_none_match is not None:
        return etag is not None and etag_matches(if_none_match, etag)
    if if_modified_since and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
            return last_modified.replace(microsecond=0) <= since
        except (TypeError, ValueError):  # not a date, or a date without a zone
            return False
    return False


def unchanged(headers: Mapping[str, str]) -> Response:
    """The 304 for a representation whose headers are `headers`."""
    kept = {k: v for k, v in headers.items() if k.lower() not in CONTENT_HEADERS}
    return Response(status_code=304, headers=kept)


def tagged(
    request: Request, body: bytes, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A representation with a strong `ETag` computed from its bytes, or 304 when the client
    holds it already."""
    sent = {**(headers or {}), "ETag": etag_of(body)}
    if not_modified(
        sent["ETag"], None, request.headers.get("if-none-match"), None
    ):  # no Last-Modified: If-Modified-Since alone cannot match
        return unchanged(sent)
    return Response(body, media_type=media_type, headers=sent)
