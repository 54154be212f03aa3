"""uvicorn's HTTP/1.1 protocol (httptools), each response's head written with its content.

uvicorn writes a response's status line and headers when the app starts it, and its content
when the app sends it: two `send` system calls, two TCP segments, and the client woken for
each, for an answer of a few hundred bytes (py-spy of /sparql answering distinct small queries
on a kept-alive connection: uvicorn's first write was 8 % of the service's time, the second 2 %).
`CorkedHttpTools` gives uvicorn a transport (`Corked`) that holds a response's head back until
the next write, and writes both at once; a head whose content does not come in the same turn of
the event loop (a streamed response that computes its first part) is written on the next turn
by itself. The order of the bytes is kept whatever is written: any write first writes what is
held. Everything else is uvicorn's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

JOINED = 64 * 1024
"""Content up to this size is copied after its head into one buffer; larger content is written
after the head, in two calls (copying it would cost more than the call saved)."""
Buffer = bytes | bytearray | memoryview


class Corked(asyncio.Transport):
    """A transport that writes a response's head with the write that follows it."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held = b""

    def write(self, data: Buffer) -> None:
        if self._held:
            held, self._held = self._held, b""
            if len(data) <= JOINED:
                self._transport.write(held + bytes(data))
                return
            self._transport.write(held)
        elif data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n":  # a response's head
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
            return
        self._transport.write(data)

    def flush(self) -> None:
        """Write the head held, if any."""
        if self._held:
            held, self._held = self._held, b""
            self._transport.write(held)

    def writelines(self, list_of_data: Iterable[Buffer]) -> None:
        self.write(b"".join(list_of_data))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = b""
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()


class CorkedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol over a `Corked` transport (`uvicorn.run(..., http=...)`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(Corked(transport, self.loop))
