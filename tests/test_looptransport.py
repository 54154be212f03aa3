"""The public queries' transport (`store/looptransport.py`) against fake engines that answer
exactly the bytes a test gives: well-formed answers in every framing (lengths, chunks cut
anywhere, a body ended by the connection's close, an informational answer first), and the ways
an engine goes wrong (two answers to one request, a close mid-answer, an answer that never
ends). Nothing waits on a clock but the deadlines under test; events are waited for with
generous bounds. The malformed answers and the real engines are in test_remote_store.py."""

from __future__ import annotations

import asyncio
import queue
import socket
import struct
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import uvloop

from commonsgraph.errors import QueryTimeout, ResultTooLarge, StoreError
from commonsgraph.store.looptransport import LoopTransport
from commonsgraph.store.transport import Answer

WAIT = 60.0
JSON = "application/sparql-results+json"
TRUE = b'{"head": {}, "boolean": true}'
T = TypeVar("T")


@dataclass
class Reply:
    """What the fake engine does with a request: send `parts` (one `sendall` each), then keep
    the connection for the next request, close it, or stall until its client closes it."""

    parts: tuple[bytes, ...]
    then: str = "keep"  # keep, close, reset, stall


def ok(body: bytes = TRUE, *extra: str) -> bytes:
    head = "".join(f"{line}\r\n" for line in extra)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {JSON}; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body


@dataclass
class Engine:
    """A fake engine on loopback: each request gets the next of `replies`."""

    replies: queue.Queue[Reply] = field(default_factory=queue.Queue)
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    closed_by_client: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def serve(self, connection: socket.socket) -> None:
        with connection, suppress(OSError):
            received = b""
            while True:
                while b"\r\n\r\n" not in received:
                    data = connection.recv(65536)
                    if not data:
                        self.closed_by_client.set()
                        return
                    received += data
                head, _, received = received.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                while len(received) < length:
                    received += connection.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + received[:length])
                received = received[length:]
                reply = self.replies.get(timeout=WAIT)
                for part in reply.parts:
                    connection.sendall(part)
                if reply.then == "close":
                    return
                if reply.then == "reset":  # closed with a reset (RST), not an end (FIN)
                    linger = struct.pack("ii", 1, 0)
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    return
                if reply.then == "stall":
                    while connection.recv(65536):
                        pass
                    self.closed_by_client.set()
                    return


@contextmanager
def engine(*replies: Reply) -> Iterator[Engine]:
    fake = Engine()
    for reply in replies:
        fake.replies.put(reply)
    listener = socket.create_server(("127.0.0.1", 0))
    fake.port = listener.getsockname()[1]
    threads: list[threading.Thread] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener closed: the test is over
                return
            fake.connections += 1
            thread = threading.Thread(target=fake.serve, args=(connection,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield fake
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes its `accept`
        listener.close()
        acceptor.join(WAIT)


def queries(
    transport: LoopTransport, url: str, count: int, *, timeout: float = WAIT, **options: int
) -> Callable[[], Coroutine[Any, Any, list[Answer]]]:
    """A coroutine function that sends `count` queries one after the other."""

    async def send() -> list[Answer]:
        return [
            await transport.post(
                url, b"ASK {}", {"Accept": JSON}, timeout=timeout, max_bytes=options.get("limit")
            )
            for _ in range(count)
        ]

    return send


class Run:
    """Runs a coroutine in a new event loop of a kind: both kinds the service may run on."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return uvloop.run(coroutine) if self.kind == "uvloop" else asyncio.run(coroutine)


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Run:
    return Run(request.param)


def test_answers_in_every_framing_are_read_whole_over_one_connection(
    run: Run,
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\none\n\r\n5;ext=1\r\ntwo\r\n\r\n0\r\nTrailer: x\r\n\r\n"
    )
    split = ok(b"\xc3\xa9t\xc3\xa9 <b>&amp;</b> \x00\xff")
    replies = [
        Reply((ok(),)),
        Reply(tuple(chunked[i : i + 7] for i in range(0, len(chunked), 7))),  # cut anywhere
        Reply((split[:10], split[10:-3], split[-3:])),
        Reply((b"HTTP/1.1 100 Continue\r\n\r\n" + ok(),)),
    ]
    with engine(*replies) as fake:
        transport = LoopTransport(5, {"Authorization": "Basic cmVhZGVyOnMzY3JldA=="})
        try:
            answers = run(queries(transport, fake.url, 4)())
        finally:
            transport.close()
    assert answers == [
        Answer(200, JSON, TRUE),
        Answer(200, "text/csv", b"one\ntwo\r\n"),
        Answer(200, JSON, b"\xc3\xa9t\xc3\xa9 <b>&amp;</b> \x00\xff"),
        Answer(200, JSON, TRUE),
    ]
    assert fake.connections == 1
    first = fake.requests[0]
    assert first.startswith(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nAuthorization: Basic cmVhZGVyOnMzY3JldA==\r\n" in first
    assert first.endswith(b"\r\nContent-Length: 6\r\n\r\nASK {}")


def test_a_body_the_close_ends_and_a_close_announced_leave_no_connection_kept(
    run: Run,
) -> None:
    replies = [
        Reply((b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", b"to the end"), "close"),
        Reply((ok(TRUE, "Connection: close"),), "stall"),
        Reply((ok(),)),
    ]
    with engine(*replies) as fake:
        transport = LoopTransport(5, {})
        try:
            answers = run(queries(transport, fake.url, 3)())
        finally:
            transport.close()
        assert fake.closed_by_client.wait(WAIT)  # the client closed what was announced closing
    assert [answer.body for answer in answers] == [b"to the end", TRUE, TRUE]
    assert fake.connections == 3


def test_a_kept_connection_the_engine_closed_meanwhile_is_opened_again_once(
    run: Run,
) -> None:
    with engine(Reply((ok(),), "close"), Reply((ok(),), "close"), Reply((ok(),))) as fake:
        transport = LoopTransport(5, {})
        try:
            answers = run(queries(transport, fake.url, 3)())
        finally:
            transport.close()
    assert [answer.body for answer in answers] == [TRUE] * 3
    assert fake.connections == 3
    assert len(fake.requests) == 3  # each query sent once to an engine that answered it


ODD = {
    "a second answer to one request": (ok() + ok(b"false"), "keep", None),
    "a close mid-headers": (b"HTTP/1.1 200 OK\r\nContent-Ty", "close", "cut short"),
    "a close mid-body": (ok()[:-5], "close", "cut short"),
    "a close mid-chunk": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
        "close",
        "cut short",
    ),
    "a chunked body past the bound": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"8\r\n12345678\r\n" * 16,
        "stall",
        "ResultTooLarge",
    ),
    "a length past the bound": (ok(b"x" * 100), "stall", "ResultTooLarge"),
    "content and chunks both": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\ntrue\r\n0\r\n\r\n",
        "stall",
        "answered amiss",
    ),
    "a switch of protocols": (
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nxx",
        "stall",
        "switched protocols",
    ),
    "a status past three digits": (
        b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "stall",
        "amiss",
    ),
    "a line feed in a header's name": (
        b"HTTP/1.1 200 OK\r\nBad\nName: x\r\n\r\n",
        "stall",
        "amiss",
    ),
    "informational answers without end": (
        b"HTTP/1.1 100 Continue\r\n\r\n" * 3000,
        "stall",
        "headers past",
    ),
    "an upgrade": (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "stall", "amiss"),
}


@pytest.mark.parametrize(("raw", "then", "error"), ODD.values(), ids=ODD.keys())
def test_an_odd_answer_is_refused_at_once_and_its_connection_not_kept(
    run: Run, raw: bytes, then: str, error: str | None
) -> None:
    """An answer that cannot be read is an error at once (never a hang, nor a partial body
    given as whole); its connection serves no other query: the next one is answered right."""
    with engine(Reply((raw,), then), Reply((ok(),))) as fake:
        transport = LoopTransport(5, {})
        first = queries(transport, fake.url, 1, limit=64)
        second = queries(transport, fake.url, 1, limit=64)

        async def both() -> tuple[list[Answer] | BaseException, list[Answer]]:
            try:
                one: list[Answer] | BaseException = await first()
            except (StoreError, ResultTooLarge) as failure:
                one = failure
            return one, await second()

        try:
            outcome, answers = run(both())
        finally:
            transport.close()
    assert answers == [Answer(200, JSON, TRUE)]
    assert fake.connections == 2
    if error is None:
        assert outcome == [Answer(200, JSON, TRUE)]
    elif error == "ResultTooLarge":
        assert isinstance(outcome, ResultTooLarge)
    else:
        assert isinstance(outcome, StoreError)
        assert not isinstance(outcome, QueryTimeout)
        assert error in str(outcome)


def test_an_answer_that_never_ends_is_given_up_at_its_deadline_not_returned_in_part(
    run: Run,
) -> None:
    """Its body ends with the connection's close, which never comes: the deadline passes, the
    client closes the connection (the engine sees it go), and nothing of it is returned."""
    started = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart of it"
    with engine(Reply((started,), "stall")) as fake:
        transport = LoopTransport(5, {})
        try:
            with pytest.raises(QueryTimeout):
                run(queries(transport, fake.url, 1, timeout=0.5)())
        finally:
            transport.close()
        assert fake.closed_by_client.wait(WAIT)


def test_a_header_that_would_break_the_request_is_refused_before_anything_is_sent(
    run: Run,
) -> None:
    with engine(Reply((ok(),))) as fake:
        for headers, url in (
            ({"X-Odd": "a\r\nX-Injected: 1"}, fake.url),
            ({"Bad Name": "x"}, fake.url),
            ({"Accept": JSON}, fake.url + " HTTP/1.0\r\nX-Injected: 1"),
        ):
            transport = LoopTransport(5, headers)
            try:
                with pytest.raises(StoreError, match="cannot be"):
                    run(queries(transport, url, 1)())
            finally:
                transport.close()
        assert fake.connections == 0
        assert not fake.requests


def test_the_connections_close_with_their_event_loop(run: Run) -> None:
    """A loop that ends (asyncio.run, uvicorn's) closes the connections kept in it: the engine
    sees its client go without waiting for the store to be closed."""
    with engine(Reply((ok(),)), Reply((ok(),))) as fake:
        transport = LoopTransport(5, {})
        try:
            run(queries(transport, fake.url, 1)())
            assert fake.closed_by_client.wait(WAIT)
            fake.closed_by_client.clear()
            run(queries(transport, fake.url, 1)())  # another loop: a connection of its own
            assert fake.closed_by_client.wait(WAIT)
        finally:
            transport.close()
    assert fake.connections == 2


def test_closed_from_another_thread_while_its_loop_runs_the_connections_close(run: Run) -> None:
    with engine(Reply((ok(),))) as fake:
        transport = LoopTransport(5, {})

        async def scenario() -> bool:
            await queries(transport, fake.url, 1)()
            await asyncio.to_thread(transport.close)  # as the store is closed by another thread
            return await asyncio.to_thread(fake.closed_by_client.wait, WAIT)

        assert run(scenario())


def test_two_event_loops_at_once_each_use_only_their_own_connections(run: Run) -> None:
    """Two threads, each with its own event loop (two test clients, a CLI beside a server),
    send queries through one transport at the same time: a connection one loop kept is never
    handed to the other (its answer would be awaited on a loop that never reads it)."""
    count = 200
    with engine(*(Reply((ok(),)) for _ in range(2 * count))) as fake:
        transport = LoopTransport(5, {})
        outcomes: list[object] = []

        def client() -> None:
            try:
                outcomes.append(len(run(queries(transport, fake.url, count)())))
            except (StoreError, RuntimeError, OSError, StopAsyncIteration) as error:  # as seen
                outcomes.append(error)

        threads = [threading.Thread(target=client) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        transport.close()
    assert outcomes == [count, count]


def test_a_body_the_close_ends_is_refused_when_the_connection_is_reset(run: Run) -> None:
    """A body without a length ends with the connection: an end (FIN) is its end, a reset (the
    engine crashed, or gave up) is an answer cut short, never returned in part."""
    started = b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n\r\nn\r\n1\r\n"
    with engine(Reply((started,), "reset")) as fake:
        transport = LoopTransport(5, {})
        try:
            with pytest.raises(StoreError, match="cut short") as refused:
                run(queries(transport, fake.url, 1)())
        finally:
            transport.close()
    assert not isinstance(refused.value, QueryTimeout)
