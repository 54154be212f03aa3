"""Fetching from partners, within a deadline and a size cap.

Every failure — unreachable, too slow (the deadline covers the whole transfer, not one read),
an HTTP error, a body over the cap — is a `PartnerError` that says which partner and what.
Feeds and dumps are asked for with the validators of the last harvest (`If-None-Match`,
`If-Modified-Since`): a partner that answers 304 has nothing new. SPARQL endpoints are queried
with SPARQLWrapper.
"""

from __future__ import annotations

import time
import urllib.error
from dataclasses import dataclass

import httpx
from SPARQLWrapper import POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from commonsgraph import __version__
from commonsgraph.errors import PartnerError

USER_AGENT = f"commonsgraph/{__version__} (harvest)"
CHUNK = 65_536


@dataclass(frozen=True)
class Fetched:
    body: bytes
    media_type: str
    etag: str | None = None
    last_modified: str | None = None
    unchanged: bool = False


class Limits:
    """A deadline for the whole transfer and a cap on its size."""

    def __init__(self, url: str, timeout: float, max_bytes: int) -> None:
        self.url = url
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + timeout

    def check(self, size: int) -> None:
        if size > self.max_bytes:
            raise PartnerError(f"{self.url} sent more than {self.max_bytes:,} bytes")
        if time.monotonic() > self.deadline:
            raise PartnerError(f"{self.url} did not finish sending within {self.timeout:g} s")


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    accept: str = "*/*",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET a feed or a dump."""
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limits = Limits(url, timeout, max_bytes)
    try:
        with httpx.stream(
            "GET", url, headers=headers, timeout=timeout, follow_redirects=True
        ) as response:
            if response.status_code == 304:
                return Fetched(b"", "", etag, last_modified, unchanged=True)
            if response.status_code >= 400:
                raise PartnerError(f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit():
                limits.check(int(declared))
            body = bytearray()
            for chunk in response.iter_bytes(CHUNK):
                body += chunk
                limits.check(len(body))
            return Fetched(
                bytes(body),
                response.headers.get("content-type", "").split(";")[0].strip().lower(),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise PartnerError(f"{url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise PartnerError(f"{url} could not be reached ({error})") from None


def construct(endpoint: str, query: str, *, timeout: float, max_bytes: int) -> Fetched:
    """The Turtle a CONSTRUCT query gives at a SPARQL endpoint (with SPARQLWrapper)."""
    wrapper = SPARQLWrapper(endpoint, agent=USER_AGENT)
    wrapper.setQuery(query)
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(TURTLE)
    wrapper.setTimeout(max(1, round(timeout)))
    limits = Limits(endpoint, timeout, max_bytes)
    try:
        response = wrapper.query().response
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        body = bytearray()
        while chunk := response.read(CHUNK):
            body += chunk
            limits.check(len(body))
        return Fetched(bytes(body), media_type or "text/turtle")
    except TimeoutError:
        raise PartnerError(f"{endpoint} did not answer within {timeout:g} s") from None
    except urllib.error.HTTPError as error:
        raise PartnerError(f"{endpoint} answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise PartnerError(f"{endpoint} did not answer within {timeout:g} s") from None
        raise PartnerError(f"{endpoint} could not be reached ({reason})") from None
    except SPARQLWrapperException as error:
        raise PartnerError(f"{endpoint} refused the query ({error.msg})") from None
    except OSError as error:
        raise PartnerError(f"{endpoint} could not be reached ({error})") from None
