"""Untrusted queries in killable processes.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped. So the queries that
come from the public endpoint run in worker processes, each reading a *snapshot* of the store (a
RocksDB checkpoint: hard links to the immutable files, made in milliseconds after a write). A
query that passes its deadline is stopped by killing its worker: the CPU is released at once,
the other workers keep answering, and a fresh worker takes the place of the killed one.

Each worker may hold `memory_limit` bytes of data (RLIMIT_DATA, set in the worker: it counts
what a query allocates, the heap and anonymous mappings, not the store's mapped files). A query
that needs more fails an allocation, and the worker aborts (Rust and RocksDB abort when memory
runs out); the service sees the worker end by SIGABRT, answers `QueryMemoryExceeded` and starts
a fresh worker. Without a limit, one query grows by gigabytes before its deadline (an ORDER BY
over a cross product of the bundled data: 5.9 GB in 30 s; held to 512 MiB, it stops within a
second at 0.42 GB).

Workers speak length-prefixed frames of pickled plain tuples over a socket pair; the service
side is asyncio, each worker's socket watched by the event loop once for all. Workers are
started by a fork server that imports only pyoxigraph, so a replacement is ready in a few
milliseconds.

A small query costs the store tens of microseconds, but waking a sleeping process costs
hundreds on a virtual machine, twice per query (the worker, then the service). So both sides
may *busy-wait* briefly (`busy_wait` seconds), when no other query is running (then it takes no
CPU from another query): the service keeps its event loop polling instead of sleeping from the
moment it sends a job until that long after the answer (`store.awake`), and the worker keeps
polling its socket for that long after answering. Both yield the CPU at every turn: a polling
loop that does not holds up any process woken on its CPU (measured: a client working between
its queries saw each small query take 2.4 ms more). 0 turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import pickle
import resource
import select
import shutil
import signal
import socket
import struct
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from commonsgraph.errors import Overloaded, QueryMemoryExceeded, QueryTimeout, StoreError
from commonsgraph.store.awake import Awake
from commonsgraph.vocab import PREFIXES

_HEADER = struct.Struct("!Q")


class QueryJob(NamedTuple):
    """What a worker needs to run one query (plain data: it crosses a process boundary)."""

    query: str
    default_graphs: tuple[str, ...] | None
    """None: the store's default graph (the merge of the named graphs, kept there; or, in the
    standard setting, the graph updates write without GRAPH)."""
    named_graphs: tuple[str, ...] | None
    results_media_type: str
    graph_media_type: str
    max_bytes: int


Outcome = tuple[str, object, object]
"""("ok", body, media type) or (error kind, detail, None)."""


# -- frames: a length, then a pickled tuple of plain values -------------------------------------


def _frame(message: tuple[object, ...]) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _frame_size(received: bytes | bytearray) -> int | None:
    """The whole size of the frame `received` starts, once its header is there."""
    if len(received) < _HEADER.size:
        return None
    length: int = _HEADER.unpack_from(received)[0]
    return length + _HEADER.size


def _unframe(frame: bytes | bytearray) -> tuple[object, ...]:
    message = pickle.loads(memoryview(frame)[_HEADER.size :])  # noqa: S301 (our own frames)
    assert isinstance(message, tuple)
    return message


def _receive(sock: socket.socket) -> tuple[object, ...]:
    """One frame, read with blocking calls (small frames come in one)."""
    received = bytearray()
    size = None
    while size is None or len(received) < size:
        chunk = sock.recv(1 << 16 if size is None else size - len(received))
        if not chunk:
            raise EOFError
        received += chunk
        size = size or _frame_size(received)
    return _unframe(received)


# -- the worker side ----------------------------------------------------------------------------


class _Capped:
    """A write-only buffer that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.overflowed = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.overflowed = True
            raise OSError("result size cap reached")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def run_job(store: ox.Store, job: QueryJob) -> Outcome:
    """Run a job on a pyoxigraph store."""
    options: dict[str, Any] = {}
    if job.default_graphs is not None:  # else the store's default graph is the default graph
        options["default_graph"] = [
            ox.DefaultGraph() if g == "" else ox.NamedNode(g) for g in job.default_graphs
        ]
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    buffer = _Capped(job.max_bytes)
    try:
        try:
            results = store.query(job.query, **options)
        except SyntaxError:  # perhaps a predeclared prefix (declaring them costs every query)
            results = store.query(job.query, prefixes=PREFIXES, **options)
        if isinstance(results, ox.QueryTriples):
            graph_format = _graph_format(job.graph_media_type)
            results.serialize(buffer, format=graph_format)  # type: ignore[arg-type]
            media_type = graph_format.media_type
        else:
            results_format = _results_format(job.results_media_type)
            results.serialize(buffer, format=results_format)  # type: ignore[arg-type]
            media_type = results_format.media_type
    except SyntaxError as error:
        return "syntax", str(error), None
    except OSError as error:
        if buffer.overflowed:
            return "too-large", job.max_bytes, None
        return "error", str(error), None
    except RuntimeError as error:  # e.g. SERVICE results that do not parse
        return "error", str(error), None
    except MemoryError:  # past the limit in Python's own allocations (in pyoxigraph's: abort)
        return "memory", None, None
    return "ok", b"".join(buffer.parts), media_type


@functools.cache
def _graph_format(media_type: str) -> ox.RdfFormat:
    found = ox.RdfFormat.from_media_type(media_type)
    assert found is not None
    return found


@functools.cache
def _results_format(media_type: str) -> ox.QueryResultsFormat:
    found = ox.QueryResultsFormat.from_media_type(media_type)
    assert found is not None
    return found


def _linger(sock: socket.socket, seconds: float) -> None:
    """Wait up to `seconds` for the next message without sleeping (see the module's text)."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if select.select([sock], [], [], 0)[0]:
            return
        os.sched_yield()


def limit_memory(limit: int) -> None:
    """Hold this process to `limit` bytes of data (0: no limit), and let it leave no core dump
    when it aborts at the limit."""
    if not limit:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def worker_main(sock: socket.socket, memory_limit: int = 0) -> None:
    """A worker's loop: receive (snapshot, seconds to linger after answering, job fields),
    answer with an `Outcome`; held to `memory_limit` bytes of data."""
    limit_memory(memory_limit)
    opened: tuple[str, ox.Store] | None = None
    while True:
        try:
            path, linger, *fields = _receive(sock)
        except EOFError:
            return
        assert isinstance(path, str)
        assert isinstance(linger, float)
        if opened is None or opened[0] != path:
            opened = None  # release the old snapshot before opening the new one
            try:
                opened = (path, ox.Store.read_only(path))
            except OSError as error:
                sock.sendall(_frame(("error", f"cannot open the snapshot: {error}", None)))
                continue
        outcome = run_job(opened[1], QueryJob(*fields))  # type: ignore[arg-type]
        sock.sendall(_frame(outcome))
        if outcome[0] == "memory":
            return  # a fresh worker takes this one's place
        _linger(sock, linger)


# -- the service side ---------------------------------------------------------------------------


class _Channel:
    """The service's end of a worker's socket, watched by the event loop from its first exchange
    on: an answer costs one `recv` when it comes (waiting with `loop.sock_recv` added and removed
    the socket from the loop's poller at every answer: two more system calls each time)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.received = bytearray()
        self.waiter: asyncio.Future[bytearray] | None = None

    async def exchange(self, frame: bytes) -> bytearray:
        """Send a frame, and the frame that answers it."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # the first exchange, or one in a new event loop (tests)
            self._forget()
            self.loop = loop
            loop.add_reader(self.sock.fileno(), self._readable)
        self.waiter = loop.create_future()
        try:
            await loop.sock_sendall(self.sock, frame)
            return await self.waiter
        finally:
            self.waiter = None

    def _readable(self) -> None:
        try:
            data = self.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the worker is gone
            self._forget()
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(EOFError())
            return
        self.received += data
        size = _frame_size(self.received)
        if size is not None and len(self.received) >= size and self.waiter is not None:
            frame, self.received = self.received, bytearray()
            if not self.waiter.done():
                self.waiter.set_result(frame)

    def _forget(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError, ValueError, OSError):
                self.loop.remove_reader(self.sock.fileno())
        self.loop = None

    def close(self) -> None:
        self._forget()
        self.sock.close()


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, memory_limit: int) -> None:
        parent, child = socket.socketpair()
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=worker_main,
            args=(child, memory_limit),
            daemon=True,
            name="commonsgraph-query",
        )
        self.process.start()
        child.close()
        parent.setblocking(False)
        self.channel = _Channel(parent)
        self.snapshot: str | None = None

    async def ask(self, snapshot: str, job: QueryJob, timeout: float, linger: float) -> Outcome:
        """The worker's answer within `timeout` seconds; the worker then waits `linger` seconds
        for the next job without sleeping."""
        async with asyncio.timeout(timeout):
            self.snapshot = snapshot
            frame = await self.channel.exchange(_frame((snapshot, linger, *job)))
        return _unframe(frame)  # type: ignore[return-value]

    def kill(self) -> int | None:
        """Stop the worker: how it ended (its exit code; -N: by signal N)."""
        self.process.kill()
        self.process.join(timeout=5)
        self.channel.close()
        return self.process.exitcode


class QueryPool:
    """A fixed number of query workers over snapshots of a store directory.

    `run` is given the path of a snapshot that reflects every write so far; `busy_wait` and
    `memory_limit` (bytes of data per worker, 0: none): see the module's documentation.
    """

    def __init__(
        self,
        snapshots_dir: Path,
        size: int,
        max_waiting: int | None = None,
        busy_wait: float = 0.0,
        memory_limit: int = 0,
    ) -> None:
        self.snapshots_dir = snapshots_dir
        self.size = size
        self.max_waiting = size * 4 if max_waiting is None else max_waiting
        self.busy_wait = float(busy_wait)
        self.memory_limit = memory_limit
        self._running = 0
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["commonsgraph.store.pool", "commonsgraph.vocab"])
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._workers: list[_Worker] = []
        self._waiting = 0
        self._pruned: str | None = None
        """The snapshot after which nothing was left to delete."""
        self._awake = Awake(self.busy_wait, lambda: self._running)

    def _start(self) -> asyncio.LifoQueue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.LifoQueue()  # the worker used last: its caches are warm
            for _ in range(self.size):
                worker = _Worker(self._context, self.memory_limit)
                self._workers.append(worker)
                self._idle.put_nowait(worker)
        return self._idle

    async def run(self, snapshot: Path, job: QueryJob, timeout: float) -> Outcome:
        """Run `job` on `snapshot` within `timeout` seconds; the outcome as `run_job` gives it."""
        idle = self._start()
        if idle.empty() and self._waiting >= self.max_waiting:
            raise Overloaded(retry_after=max(1, int(timeout // 4)))
        self._waiting += 1
        try:
            if idle.empty():
                async with asyncio.timeout(timeout):
                    worker = await idle.get()
            else:
                worker = idle.get_nowait()
        except TimeoutError:
            raise Overloaded(retry_after=max(1, int(timeout // 4))) from None
        finally:
            self._waiting -= 1
        alone = self._running == 0  # then busy-waiting takes no CPU from another query
        if alone:
            self._awake.stay()
        self._running += 1
        try:
            status, payload, media_type = await worker.ask(
                str(snapshot), job, timeout, linger=self.busy_wait if alone else 0.0
            )
        except (TimeoutError, asyncio.CancelledError, EOFError, OSError, ConnectionError) as error:
            ended = self._replace(worker)
            if isinstance(error, asyncio.CancelledError):
                raise
            if isinstance(error, TimeoutError):
                raise QueryTimeout(timeout) from None
            if self.memory_limit and ended == -signal.SIGABRT:
                raise QueryMemoryExceeded(self.memory_limit) from None
            raise StoreError("a query worker stopped unexpectedly") from None
        finally:
            self._running -= 1
        if status == "memory":
            self._replace(worker)
            raise QueryMemoryExceeded(self.memory_limit)
        idle.put_nowait(worker)
        if alone:
            self._awake.stay()
        if self._pruned != str(snapshot):
            self._prune(str(snapshot))
        return status, payload, media_type

    def _replace(self, worker: _Worker) -> int | None:
        """Put a fresh worker in the place of `worker`: how `worker` ended."""
        ended = worker.kill()
        self._workers.remove(worker)
        fresh = _Worker(self._context, self.memory_limit)
        self._workers.append(fresh)
        assert self._idle is not None
        self._idle.put_nowait(fresh)
        return ended

    def _prune(self, newest: str) -> None:
        """Delete the snapshots no worker has open, but the newest (once every worker has
        moved to the newest, there is nothing more to delete until the next snapshot)."""
        in_use = {w.snapshot for w in self._workers if w.snapshot is not None}
        snapshots = sorted(self.snapshots_dir.glob("*"), key=lambda p: int(p.name))
        for path in snapshots[:-1]:
            if str(path) not in in_use:
                shutil.rmtree(path, ignore_errors=True)
        if in_use <= {newest}:
            self._pruned = newest

    def close(self) -> None:
        self._awake.close()
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.kill()
        self._workers.clear()
        self._idle = None
