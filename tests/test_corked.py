"""uvicorn's protocol with each response's head written with its content (`web/corked.py`)."""

from __future__ import annotations

import asyncio

from commonsgraph.web.corked import JOINED, Corked

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recorded(asyncio.Transport):
    """A transport that keeps what is written to it, call by call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True


def test_a_head_is_written_with_its_content_in_one_call() -> None:
    async def exchange() -> list[bytes]:
        recorded = Recorded()
        corked = Corked(recorded, asyncio.get_running_loop())
        corked.write(HEAD)
        corked.write(b"ok")
        corked.write(HEAD)  # the next response, on the same connection
        corked.write(b"no")
        await asyncio.sleep(0)
        return recorded.writes

    assert asyncio.run(exchange()) == [HEAD + b"ok", HEAD + b"no"]


def test_a_head_without_content_yet_goes_on_the_next_turn_of_the_loop() -> None:
    async def streamed() -> tuple[list[bytes], list[bytes]]:
        recorded = Recorded()
        corked = Corked(recorded, asyncio.get_running_loop())
        corked.write(HEAD)
        before = list(recorded.writes)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        corked.write(b"ok")
        return before, recorded.writes

    before, after = asyncio.run(streamed())
    assert before == []
    assert after == [HEAD, b"ok"]


def test_large_content_follows_its_head_and_closing_writes_what_is_held() -> None:
    large = b"x" * (JOINED + 1)

    async def exchange() -> Recorded:
        recorded = Recorded()
        corked = Corked(recorded, asyncio.get_running_loop())
        corked.write(HEAD)
        corked.write(large)
        corked.write(HEAD)
        corked.close()
        return recorded

    recorded = asyncio.run(exchange())
    assert recorded.writes == [HEAD, large, HEAD]
    assert recorded.closed


def test_content_is_never_held_nor_reordered() -> None:
    async def exchange() -> list[bytes]:
        recorded = Recorded()
        corked = Corked(recorded, asyncio.get_running_loop())
        corked.write(b"chunk one\r\n")
        corked.write(b"HTTP/ looks like a head\r\n\r\n")  # content that looks like a head
        corked.write(b"chunk two")
        await asyncio.sleep(0)
        return recorded.writes

    assert b"".join(asyncio.run(exchange())) == (
        b"chunk one\r\nHTTP/ looks like a head\r\n\r\nchunk two"
    )
