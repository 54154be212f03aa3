"""Kept HTTP/1.1 connections to the store for queries: one per thread and server.

A query to a remote store is the service's hot path: `ASK {}` takes Oxigraph 50 µs, and the
client's own work is most of what commonsgraph adds. httpx spends about 300 µs per request
here (its request and response models, cookies, its pool); the standard library's
`http.client` a third of it. So queries POST through these transports, and everything else
(updates, the Graph Store, dumps) through the pooled httpx client, as do queries with Digest
authentication (`stream_query`).

The public queries of /sparql are sent from the event loop itself (`looptransport.py`). HTTPS
servers are asked from a thread (`QueryTransport`), as are the service's own queries, which
come from threads.

`QueryTransport`: each thread keeps its own connection per server (threads never share one, so
no lock). A kept connection the server closed meanwhile is opened again once, for the same
request (a query changes nothing: sending it twice is harmless).
"""

from __future__ import annotations

import base64
import http.client
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from commonsgraph.errors import QueryTimeout, ResultTooLarge, StoreError

CHUNK = 65536


class Unreachable(StoreError):
    """The server could not be connected to (a replica down: the primary is asked)."""


@dataclass(frozen=True)
class Answer:
    """A server's answer, read in full."""

    status: int
    media_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Kept(dict[tuple[str, str, int], http.client.HTTPConnection]):
    """A thread's connections, by server: closed when the thread ends (a worker thread
    left idle is stopped; its connections must not linger)."""

    def __del__(self) -> None:
        for connection in self.values():
            connection.close()


class QueryTransport:
    """POSTs to the servers of a store, over connections kept per thread; `headers` go with
    every request (Basic credentials)."""

    def __init__(self, connect_timeout: float, headers: Mapping[str, str]) -> None:
        self.connect_timeout = connect_timeout
        self.headers = dict(headers)
        self._local = threading.local()
        self._all: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()
        """Every connection kept, to close them with the store (a thread's go with it)."""
        self._lock = threading.Lock()

    def _connection(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection:
        kept: _Kept | None = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = _Kept()
        connection = kept.get(origin)
        if connection is None:
            scheme, host, port = origin
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = kept[origin] = kind(host, port, timeout=self.connect_timeout)
            with self._lock:
                self._all.add(connection)
        return connection

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int | None = None,
    ) -> Answer:
        """POST `body` to `url` and read the answer (at most `max_bytes` of it), within
        `timeout` seconds for each wait on the server."""
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        origin = (parts.scheme, parts.hostname or "", parts.port or (443 if secure else 80))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            connection = self._connection(origin)
            kept = connection.sock is not None
            if connection.sock is None:
                try:
                    connection.connect()
                except OSError as error:
                    connection.close()
                    raise Unreachable(f"the store at {url} cannot be reached: {error}") from None
            try:
                connection.sock.settimeout(timeout)
                connection.request("POST", target, body, {**self.headers, **headers})
                response = connection.getresponse()
                return self._read(response, max_bytes, connection)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                connection.close()
                if kept and attempt == 1:
                    continue  # the server closed a kept connection: once more on a new one
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
            except TimeoutError:
                connection.close()
                raise QueryTimeout(timeout) from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                raise StoreError(f"the store at {url} cannot be reached: {error}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _read(
        response: http.client.HTTPResponse,
        max_bytes: int | None,
        connection: http.client.HTTPConnection,
    ) -> Answer:
        body = bytearray()
        try:
            while chunk := response.read(CHUNK):
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    connection.close()  # the rest is not read: the connection cannot serve
                    raise ResultTooLarge(max_bytes)
        finally:
            response.close()
        if response.will_close:
            connection.close()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return Answer(response.status, media_type, bytes(body))

    def close(self) -> None:
        with self._lock:
            for connection in list(self._all):
                connection.close()


def basic_credentials(user: str, password: str) -> dict[str, str]:
    """The header of HTTP Basic authentication ({} without a user)."""
    if not user:
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def stream_query(
    client: httpx.Client,
    url: str,
    params: httpx.QueryParams | None,
    content: bytes,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    max_bytes: int | None,
) -> Answer:
    """A query POSTed over an httpx client instead (Digest authentication), read as far as
    `max_bytes`."""
    body = bytearray()
    try:
        with client.stream(
            "POST", url, params=params, content=content, headers=headers, timeout=timeout
        ) as response:
            for chunk in response.iter_bytes():
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    raise ResultTooLarge(max_bytes)
            media_type = response.headers.get("content-type", "").split(";")[0]
            return Answer(response.status_code, media_type, bytes(body))
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise Unreachable(f"the store at {url} cannot be reached: {error}") from None
    except httpx.TimeoutException:
        raise QueryTimeout(timeout.read or 0.0) from None
    except httpx.HTTPError as error:
        raise StoreError(f"the store at {url} cannot be reached: {error}") from None
