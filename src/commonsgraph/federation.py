"""SERVICE calls to partner endpoints and LOADed documents, through a gateway that bounds each.

pyoxigraph makes SERVICE calls itself, with no hook, no timeout and no size cap. So just before a
query runs, and after its SERVICE endpoints have passed the allow-list, each SERVICE clause is
pointed at this gateway: a small HTTP server on loopback inside the service process, started on
first use. The token naming the endpoint becomes `<http://127.0.0.1:PORT/call/TOKEN>`, one
unguessable token per clause, registered while the query runs.

Oxigraph POSTs the clause's pattern as `application/sparql-query` (Accept: SPARQL JSON or XML
results) to that address; the gateway forwards method, query string, body, Content-Type and
Accept to the real endpoint with httpx, and reads its answer within `service_timeout` seconds
(connection, headers and body together) and `max_service_bytes` bytes. Oxigraph gets the
partner's results, or a 502 that fails the query (or, under SERVICE SILENT, leaves the clause
without rows). The failure is kept on the call, so that `Gateway.route` raises a
`ServiceCallError` naming the endpoint and what went wrong instead of the store's generic error.

LOAD is pointed at the gateway the same way (`/load/TOKEN`): pyoxigraph would fetch and parse
the document itself, inside the service, where a JSON-LD document nested deep enough crashes
the process. The gateway fetches it as a harvest is fetched (`harvest.fetch`: the deadline, the
size cap, redirects within the document's origin), reads it with the harvest's `ReadLimits`
(`rdfio`), and hands pyoxigraph the statements as N-Triples, which it reads flat.

Any other path is a 404: the gateway only reaches the endpoints of the running queries' SERVICE
clauses and the documents of the running updates' LOADs, while they run; it is no open proxy.
"""

from __future__ import annotations

import asyncio
import http
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

import httpx
from pyoxigraph import QueryResultsFormat, RdfFormat, serialize

from commonsgraph import __version__, formats
from commonsgraph.config import Settings, allowed
from commonsgraph.errors import (
    CommonsGraphError,
    NotAllowed,
    PartnerError,
    QueryTimeout,
    ServiceCallError,
    StoreError,
)
from commonsgraph.harvest.fetch import RDF_ACCEPT, fetch
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.safetext import redact
from commonsgraph.sparqlcheck import Reference, check
from commonsgraph.vocab import PREFIXES

READABLE = (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.TSV)
"""The results formats Oxigraph reads from a SERVICE answer."""
MAX_HEAD = 64 * 1024
TEXT = "text/plain; charset=utf-8"


def check_services(calls: Sequence[Reference], allowlist: tuple[str, ...]) -> None:
    """Refuse SERVICE to an endpoint off the allow-list, or named by a variable."""
    for call in calls:
        if call.iri is None:
            raise NotAllowed("SERVICE must name its endpoint with an IRI (no variable)")
        if not allowed(call.iri, allowlist):
            raise NotAllowed(f"SERVICE <{call.iri}> is not on this service's allow-list")


@contextmanager
def federated(settings: Settings, text: str) -> Iterator[str]:
    """For a query run once outside the service (the command line): `text` as checked
    (`sparqlcheck`) against the SERVICE allow-list and, when the embedded store evaluates it,
    with its SERVICE calls through a gateway of its own while the block runs."""
    checked = check(text, PREFIXES)
    check_services(checked.services, settings.service_allowlist)
    if settings.store is not None or not checked.services:
        yield checked.text  # a remote store's server makes the calls itself
        return
    with (
        Gateway.from_settings(settings) as gateway,
        gateway.route(checked.text, checked.services) as runnable,
    ):
        yield runnable


def check_loads(loads: Sequence[Reference], allowlist: tuple[str, ...]) -> None:
    """Refuse LOAD of a document off the allow-list."""
    for load in loads:
        if load.iri is None or not allowed(load.iri, allowlist):
            raise NotAllowed(f"LOAD <{load.iri}> is not from an allowed source")


Loader = Callable[[str], bytes]
"""Fetches and reads the document of a LOAD: its statements as N-Triples."""


def document_loader(settings: Settings) -> Loader:
    """LOAD's documents fetched and read as a harvest's dumps are, within the same limits."""
    limits = ReadLimits.harvest(settings)

    def load(iri: str) -> bytes:
        fetched = fetch(
            iri,
            timeout=settings.harvest_timeout,
            max_bytes=settings.max_harvest_bytes,
            accept=RDF_ACCEPT,
        )
        rdf_format = fetched.rdf_format(iri)
        if rdf_format is None:
            sent = fetched.media_type or "no media type"
            raise PartnerError(f"{redact(iri)} sent {sent}, not RDF we read")
        triples = parse_triples(
            fetched.body, limits=limits, format=rdf_format, base_iri=iri, source=redact(iri)
        )
        return serialize(triples, format=RdfFormat.N_TRIPLES) or b""

    return load


@dataclass
class _Call:
    """A SERVICE clause (`kind` "call") or a LOAD (`kind` "load") of a running text."""

    endpoint: str
    silent: bool
    kind: str = "call"
    failure: CommonsGraphError | None = None


class Gateway:
    """Forwards the SERVICE calls of running queries to their endpoints, within limits.

    `route` rewrites a query for the duration of its run; `close` stops the server.
    """

    def __init__(
        self,
        allowlist: tuple[str, ...],
        timeout: float = 10.0,
        max_bytes: int = 10_000_000,
        max_request_bytes: int = 10_000_000,
        load_allowlist: tuple[str, ...] = (),
        loader: Loader | None = None,
    ) -> None:
        self.allowlist = allowlist
        self.load_allowlist = load_allowlist
        self.loader = loader
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_request_bytes = max_request_bytes
        self._lock = threading.Lock()
        self._calls: dict[str, _Call] = {}
        self._base: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        return cls(
            settings.service_allowlist,
            timeout=settings.service_timeout,
            max_bytes=settings.max_service_bytes,
            max_request_bytes=settings.max_body_bytes,
            load_allowlist=settings.load_allowlist,
            loader=document_loader(settings),
        )

    @contextmanager
    def route(
        self, text: str, calls: Sequence[Reference], loads: Sequence[Reference] = ()
    ) -> Iterator[str]:
        """`text` (checked: `calls` are its SERVICE clauses and `loads` its LOADs, found by
        `sparqlcheck.check`) with those pointed at the gateway, for the block to run.

        A `StoreError` raised in the block, when a SERVICE call or a LOAD without SILENT failed,
        becomes that failure (`ServiceCallError`; for a LOAD, `PartnerError`, `DataSyntaxError`
        or `TooLarge`).
        """
        if not calls and not loads:
            yield text
            return
        check_services(calls, self.allowlist)  # already checked by callers: never an open proxy
        check_loads(loads, self.load_allowlist)
        if loads and self.loader is None:
            raise NotAllowed("LOAD is not possible here")
        base = self._start()
        registered = [
            (secrets.token_urlsafe(16), kind, reference)
            for kind, references in (("call", calls), ("load", loads))
            for reference in references
        ]
        routed = {
            token: _Call(reference.iri or "", reference.silent, kind)
            for token, kind, reference in registered
        }
        rewritten = _replace_spans(
            text,
            [(ref.start, ref.end, f"<{base}/{kind}/{token}>") for token, kind, ref in registered],
        )
        with self._lock:
            self._calls.update(routed)
        try:
            yield rewritten
        except QueryTimeout:
            raise
        except StoreError:
            failure = next((c.failure for c in routed.values() if c.failure and not c.silent), None)
            if failure is not None:
                raise failure from None
            raise
        finally:
            with self._lock:
                for token in routed:
                    self._calls.pop(token, None)

    # -- the server's life --------------------------------------------------------------------

    def _start(self) -> str:
        with self._lock:
            if self._base is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="commonsgraph-federation", daemon=True
                )
                thread.start()
                port = asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
                self._loop, self._thread = loop, thread
                self._base = f"http://127.0.0.1:{port}"
            return self._base

    async def _listen(self) -> int:
        self._client = httpx.AsyncClient(
            timeout=self.timeout,
            follow_redirects=False,
            headers={"User-Agent": f"commonsgraph/{__version__} (SERVICE)"},
        )
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEAD)
        return int(self._server.sockets[0].getsockname()[1])

    def close(self) -> None:
        """Stop the server (calls in flight end at once; their queries fail)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = self._base = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- one forwarded call -------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            status, media_type, body = await self._answer(reader)
            head = (
                f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                f"Content-Type: {media_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except ConnectionError:
            pass  # the query stopped (its worker was killed at the deadline)
        finally:
            writer.close()
            self._tasks.discard(task)

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, str, bytes]:
        """Status, media type and body to answer Oxigraph's request."""
        try:
            async with asyncio.timeout(self.timeout):
                method, target, headers = _request_head(await reader.readuntil(b"\r\n\r\n"))
                length = int(headers.get("content-length", "0"))
                if not 0 <= length <= self.max_request_bytes:
                    return 413, TEXT, b"request body too large"
                body = await reader.readexactly(length)
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return 400, TEXT, b"malformed request"
        path, _, query = target.partition("?")
        kind, _, token = path.removeprefix("/").partition("/")
        with self._lock:
            call = self._calls.get(token)
        if call is None or call.kind != kind:
            return 404, TEXT, b"not a SERVICE call or a LOAD of a running text"
        if kind == "load":
            return await self._load(call, method)
        if method not in ("GET", "POST"):
            return 405, TEXT, b"SERVICE calls are GET or POST"
        try:
            results_format, answer = await self._forward(
                call.endpoint, method, query, headers, body
            )
        except ServiceCallError as error:
            if call.failure is None:
                call.failure = error
            return 502, TEXT, str(error).encode()
        return 200, results_format.media_type, answer

    async def _load(self, call: _Call, method: str) -> tuple[int, str, bytes]:
        """The statements of a LOADed document, read by us (see the module's text)."""
        assert self.loader is not None
        if method != "GET":
            return 405, TEXT, b"LOAD is a GET"
        try:
            statements = await asyncio.to_thread(self.loader, call.endpoint)
        except CommonsGraphError as error:
            if call.failure is None:
                call.failure = error
            return 502, TEXT, str(error).encode()
        return 200, RdfFormat.N_TRIPLES.media_type, statements

    async def _forward(
        self, endpoint: str, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[QueryResultsFormat, bytes]:
        assert self._client is not None
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}" if query else endpoint
        sent: dict[str, str] = {k: headers[k] for k in ("content-type", "accept") if k in headers}
        try:
            async with (
                asyncio.timeout(self.timeout),
                self._client.stream(method, url, content=body or None, headers=sent) as response,
            ):
                return _results_format(endpoint, response), await self._read(endpoint, response)
        except TimeoutError:
            raise ServiceCallError(endpoint, f"did not answer within {self.timeout:g} s") from None
        except httpx.ConnectError as error:
            raise ServiceCallError(endpoint, f"could not be reached ({error})") from None
        except httpx.HTTPError as error:
            raise ServiceCallError(endpoint, f"failed ({type(error).__name__}: {error})") from None

    async def _read(self, endpoint: str, response: httpx.Response) -> bytes:
        """The body, decoded, stopping as soon as it passes the cap."""
        too_large = ServiceCallError(endpoint, f"answered more than {self.max_bytes:,} bytes")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise too_large
        return bytes(body)


def _replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end) span replaced."""
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(replacements):
        assert start >= position, "overlapping spans"
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _request_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Method, target and headers (names in lower case) of an HTTP/1.1 request head."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        if line:
            name, colon, value = line.partition(":")
            if not colon:
                raise ValueError("malformed header")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _results_format(endpoint: str, response: httpx.Response) -> QueryResultsFormat:
    """The format of a successful answer Oxigraph can read, or the failure to report."""
    if not response.is_success:
        raise ServiceCallError(endpoint, f"answered HTTP {response.status_code}")
    media_type = response.headers.get("content-type", "")
    results_format = formats.results_format(media_type)
    if results_format not in READABLE:
        raise ServiceCallError(
            endpoint,
            f"answered {media_type or 'no Content-Type'}, not SPARQL results (JSON, XML or TSV)",
        )
    assert results_format is not None
    return results_format
