"""Limits on the HTTP surface: request bodies (queries take turns: `web/scheduler.py`)."""

from __future__ import annotations

from fastapi import Request
from starlette.types import Receive

from commonsgraph.errors import TooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past `limit` bytes, whatever Content-Length says."""
    return await receive_body(request.receive, request.headers.get("content-length"), limit)


async def receive_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The body an ASGI `receive` gives, refused past `limit` bytes (`declared`: the request's
    Content-Length, refused before reading when it is over)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is larger than {limit:,} bytes")
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            raise TooLarge(f"the request body is larger than {limit:,} bytes")
        if not message.get("more_body", False):
            return bytes(body)
