"""A bare ASGI app answering any request with a fixed SPARQL JSON result: the HTTP floor of the
SPARQL benchmark (what an exchange costs with this client and uvicorn, whatever is served)."""

from __future__ import annotations

from typing import Any

BODY = b'{"head":{"vars":["label"]},"results":{"bindings":[]}}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/sparql-results+json"),
                (b"content-length", str(len(BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": BODY})
