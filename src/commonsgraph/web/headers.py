"""The security headers of every response, and the Content-Security-Policy of every page, built
once from the settings.

- Every response: `X-Content-Type-Options: nosniff` (a Turtle file or a problem is never run
  as HTML or script) and `Referrer-Policy: strict-origin-when-cross-origin` (other sites learn
  our origin, never a page's path; tile servers still see where their tiles are shown).
- Every HTML page: `X-Frame-Options: DENY` and a Content-Security-Policy with no inline script:
  scripts come from this site's own files, data reaches them as JSON blocks
  (`web.templating`), and even a label that got past escaping could not run. Images may come
  from the configured tile server (`COMMONSGRAPH_TILE_URL`), so that maps keep their tiles.
- The query editor (`GET /sparql` in a browser) has the same policy but for styles: YASGUI
  and CodeMirror write `style` attributes in the markup they build, so its `style-src` allows
  inline styles (never inline script); it may show `data:` images, and query the endpoint at
  the public URL even when the reader came by another name.
- The reconciliation previews (`/reconcile/preview`) are shown by reconciliation clients in a
  frame of their own page (OpenRefine's): they may be framed by any site, and are otherwise
  held to the pages' policy (no script at all, inline styles for the card).
- Swagger UI (`/docs`) and Redoc (`/redoc`) are served from the project's own files and
  started by a static script, as every page; their policy differs from the pages' only where
  they need it: inline styles (both write `style` attributes and `<style>` elements), `data:`
  images and fonts, and Redoc's search worker, made from a `blob:`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonsgraph.config import Settings


def _policy(**directives: Iterable[str]) -> str:
    """A Content-Security-Policy from directives written as `script_src=("'self'",)`."""
    return "; ".join(
        " ".join((name.replace("_", "-"), *sources)) for name, sources in directives.items()
    )


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile server URL template (`https://{s}.tile.example/{z}/{x}/{y}.png`
    allows `https://*.tile.example`); None without tiles."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    host = parts.netloc
    if parts.scheme not in ("http", "https") or not host:
        return None
    if "{" in host or "*" in host.lstrip("*."):  # a template elsewhere in the host
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class Policies:
    """The Content-Security-Policy of each kind of HTML page."""

    page: str
    editor: str
    docs: str
    framed: str

    @classmethod
    def of(cls, settings: Settings) -> Policies:
        tiles = tile_source(settings.tile_url)
        common = {
            "default_src": ("'none'",),
            "base_uri": ("'none'",),
            "form_action": ("'self'",),
            "frame_ancestors": ("'none'",),
        }
        page = _policy(
            **common,
            script_src=("'self'",),
            style_src=("'self'",),
            img_src=("'self'", *((tiles,) if tiles else ())),
            font_src=("'self'",),
            connect_src=("'self'",),
        )
        public = settings.public_base.rstrip("/")
        editor = _policy(
            **common,
            script_src=("'self'",),
            style_src=("'self'", "'unsafe-inline'"),
            img_src=("'self'", "data:"),
            font_src=("'self'", "data:"),
            connect_src=("'self'", public),
        )
        docs = _policy(
            **common,
            script_src=("'self'",),
            style_src=("'self'", "'unsafe-inline'"),
            img_src=("'self'", "data:"),
            font_src=("'self'", "data:"),
            connect_src=("'self'",),
            worker_src=("'self'", "blob:"),
        )
        framed = _policy(
            default_src=("'none'",),
            base_uri=("'none'",),
            form_action=("'none'",),
            style_src=("'unsafe-inline'",),
        )
        return cls(page=page, editor=editor, docs=docs, framed=framed)


def _header(name: str, value: str) -> tuple[bytes, bytes]:
    return name.lower().encode("latin-1"), value.encode("latin-1")


EVERY = [
    _header("X-Content-Type-Options", "nosniff"),
    _header("Referrer-Policy", "strict-origin-when-cross-origin"),
]
PAGE = [_header("X-Frame-Options", "DENY")]


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, whoever answered it."""

    def __init__(
        self,
        app: ASGIApp,
        policies: Policies,
        *,
        editor: str = "/sparql",
        docs: Iterable[str | None] = ("/docs", "/redoc"),
        framed: Iterable[str] = ("/reconcile/preview",),
    ) -> None:
        self.app = app
        self.editor = editor
        self.docs = tuple(path for path in docs if path)
        self.under_docs = tuple(f"{path}/" for path in self.docs)
        self.page = [*EVERY, *PAGE, _header("Content-Security-Policy", policies.page)]
        self.editor_page = [*EVERY, *PAGE, _header("Content-Security-Policy", policies.editor)]
        self.docs_page = [*EVERY, *PAGE, _header("Content-Security-Policy", policies.docs)]
        self.framed = tuple(framed)
        self.framed_page = [*EVERY, _header("Content-Security-Policy", policies.framed)]

    def _for_page(self, path: str) -> list[tuple[bytes, bytes]]:
        if path == self.editor:
            return self.editor_page
        if path in self.framed:
            return self.framed_page
        if path in self.docs or path.startswith(self.under_docs):
            return self.docs_page
        return self.page

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        path: str = scope["path"]

        def sending(message: Message) -> Awaitable[None]:  # no frame: see `Utf8Charset`
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html = False
                for name, value in headers:
                    if name.lower() == b"content-type":
                        html = value[:9].lower() == b"text/html"
                        break
                headers += self._for_page(path) if html else EVERY
                message = {**message, "headers": headers}
            return send(message)

        return self.app(scope, receive, sending)
