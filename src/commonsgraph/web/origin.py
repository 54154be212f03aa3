"""The service's own address comes from configuration, never from the request.

Every absolute URL the service writes (the JSON-LD `@context`, `Location`, the SPARQL endpoint
of the Service Description, the VoID root, a named query's `url`) is built by Starlette from the
request's scheme and `Host` header. Left as sent, one request with `Host: evil.example` made the
rendered representations, which are cached for every client, point at that host. So the front
of the app overwrites the scheme, the server and the `Host` header of every request with those
of `COMMONSGRAPH_PUBLIC_URL` before anything reads them: `request.url`, `request.base_url` and
`request.url_for` can only name the configured deployment, whatever a client sends, and a
request naming another host is answered as if it had named ours (no trusted-hosts list to keep,
and a reverse proxy that passes its own `Host` keeps working).
"""

from __future__ import annotations

from collections.abc import Awaitable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send


class PublicOrigin:
    """ASGI middleware: the request's scheme, server and `Host` are those of `public_url`."""

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url)
        assert parts.hostname is not None, "Settings checks the public URL"
        self.scheme = parts.scheme
        default = 443 if self.scheme == "https" else 80
        self.server = (parts.hostname, parts.port or default)
        self.host = parts.netloc.encode("latin-1")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        """The public origin, as browsers write it in `Origin`."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http":  # a plain function: no frame (see `semantics.Utf8Charset`)
            headers = scope["headers"]
            hosts = [value for name, value in headers if name == b"host"]
            if hosts != [self.host]:  # most clients name us as we are: nothing to copy
                headers = [(k, v) for k, v in headers if k != b"host"]
                headers.append((b"host", self.host))
            scope = {**scope, "scheme": self.scheme, "server": self.server, "headers": headers}
        return self.app(scope, receive, send)
