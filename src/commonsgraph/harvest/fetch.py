"""Fetching from partners, within a deadline and a size cap, from the declared origin only.

Every failure — unreachable, too slow (the deadline covers the whole transfer, not one read),
an HTTP error, a body over the cap — is a `PartnerError` that says which partner and what.
Feeds and dumps are asked for with the validators of the last harvest (`If-None-Match`,
`If-Modified-Since`): a partner that answers 304 has nothing new. SPARQL endpoints are sent
their CONSTRUCT query as the SPARQL 1.1 Protocol says (a form POST).

Redirects are followed only within the origin (scheme, host and port) the operator declared:
every request of a harvest, the first and each hop, is checked before it is sent, and one to
another origin — another host or port, loopback or a private address behind a public source,
`https` downgraded to `http`, `file:` — is refused with a `PartnerError` that names it, before
anything connects to it. A source that moved is declared again at its new address. (Following
a redirect elsewhere would let a partner, or whoever answers for it, make this server call any
address it can reach.) URLs in messages are redacted: a source's credentials never show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import httpx
from pyoxigraph import RdfFormat

from commonsgraph import __version__, formats
from commonsgraph.errors import PartnerError
from commonsgraph.safetext import redact

USER_AGENT = f"commonsgraph/{__version__} (harvest)"
CHUNK = 65_536
MAX_REDIRECTS = 5
TURTLE_ACCEPT = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"
RDF_ACCEPT = f"{TURTLE_ACCEPT}, application/ld+json;q=0.7"
GENERIC_MEDIA_TYPES = ("", "application/octet-stream", "binary/octet-stream")
"""What a server says when it does not say what it sends: the URL's extension tells then."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    media_type: str
    etag: str | None = None
    last_modified: str | None = None
    unchanged: bool = False

    def rdf_format(self, url: str) -> RdfFormat | None:
        """The RDF format of a document: the one its server declares, else its URL's
        extension (None: not RDF we can tell)."""
        if self.media_type not in GENERIC_MEDIA_TYPES:
            return formats.rdf_format(self.media_type)
        return formats.rdf_extension(PurePosixPath(urlsplit(url).path).suffix)


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


class SameOrigin:
    """Refuses a request (the first, or a redirect) to another origin than the source's."""

    def __init__(self, url: str) -> None:
        self.declared = httpx.URL(url)
        self.shown = redact(url)

    def __call__(self, request: httpx.Request) -> None:
        target, declared = request.url, self.declared
        if (target.scheme, target.host, target.port) != (
            declared.scheme,
            declared.host,
            declared.port,
        ):
            raise PartnerError(
                f"{self.shown} redirected to {redact(str(target))}, outside its origin "
                f"{declared.scheme}://{declared.netloc.decode('ascii')}: "
                "refused (a harvest follows redirects only within the declared scheme, host "
                "and port; declare the source at its new address)"
            )


@contextmanager
def _response(method: str, url: str, timeout: float, **request: object) -> Iterator[httpx.Response]:
    """A streamed response of the source's origin, errors translated."""
    shown = redact(url)
    try:
        with (
            httpx.Client(
                timeout=timeout,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                event_hooks={"request": [SameOrigin(url)]},
            ) as client,
            client.stream(method, url, **request) as response,  # type: ignore[arg-type]
        ):
            yield response
    except httpx.TooManyRedirects:
        raise PartnerError(f"{shown} redirected more than {MAX_REDIRECTS} times") from None
    except httpx.TimeoutException:
        raise PartnerError(f"{shown} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise PartnerError(f"{shown} could not be reached ({redact(str(error))})") from None


def _read(response: httpx.Response, limits: Limits) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit():
        limits.check(int(declared))
    body = bytearray()
    for chunk in response.iter_bytes(CHUNK):
        body += chunk
        limits.check(len(body))
    return bytes(body)


def _media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


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
    shown = redact(url)
    limits = Limits(shown, timeout, max_bytes)
    with _response("GET", url, timeout, headers=headers) as response:
        if response.status_code == 304:
            return Fetched(b"", "", etag, last_modified, unchanged=True)
        if response.status_code >= 300:  # a 3xx here is a redirect that could not be followed
            raise PartnerError(f"{shown} answered HTTP {response.status_code}")
        return Fetched(
            _read(response, limits),
            _media_type(response),
            response.headers.get("etag"),
            response.headers.get("last-modified"),
        )


def construct(endpoint: str, query: str, *, timeout: float, max_bytes: int) -> Fetched:
    """The RDF a CONSTRUCT query gives at a SPARQL endpoint (a form POST, SPARQL 1.1
    Protocol §2.1.2)."""
    shown = redact(endpoint)
    limits = Limits(shown, timeout, max_bytes)
    headers = {"Accept": TURTLE_ACCEPT, "User-Agent": USER_AGENT}
    with _response("POST", endpoint, timeout, headers=headers, data={"query": query}) as response:
        if response.status_code == 400:
            raise PartnerError(f"{shown} refused the query (HTTP 400)")
        if response.status_code >= 300:  # a 3xx here is a redirect that could not be followed
            raise PartnerError(f"{shown} answered HTTP {response.status_code}")
        return Fetched(_read(response, limits), _media_type(response) or "text/turtle")
