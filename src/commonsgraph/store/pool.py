"""Untrusted queries in killable processes.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped. So the queries that
come from the public endpoint run in worker processes, each reading a *snapshot* of the store (a
RocksDB checkpoint: hard links to the immutable files, made in milliseconds after a write). A
query that passes its deadline is stopped by killing its worker: the CPU is released at once,
the other workers keep answering, and a fresh worker takes the place of the killed one.

Workers speak length-prefixed pickled frames over a socket pair; the service side is asyncio.
Workers are started by a fork server that imports only pyoxigraph, so a replacement is ready in
a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import shutil
import socket
import struct
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from commonsgraph.errors import Overloaded, QueryTimeout, StoreError

_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs to run one query (plain data: it crosses a process boundary)."""

    query: str
    default_graphs: tuple[str, ...] | None
    """None: the union of the named graphs."""
    named_graphs: tuple[str, ...] | None
    query_dataset: bool
    results_media_type: str
    graph_media_type: str
    max_bytes: int


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


def _send(sock: socket.socket, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _receive(sock: socket.socket) -> object:
    header = _read_exactly(sock, _HEADER.size)
    return pickle.loads(_read_exactly(sock, _HEADER.unpack(header)[0]))  # noqa: S301 (our own frames)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


def run_job(store: object, job: QueryJob) -> tuple[str, object, object]:
    """Run a job on a pyoxigraph store: ("ok", body, media type) or (error kind, detail, None)."""
    import pyoxigraph as ox

    from commonsgraph.vocab import PREFIXES

    assert isinstance(store, ox.Store)
    options: dict[str, object] = {"prefixes": PREFIXES}
    if job.query_dataset:
        pass  # FROM and FROM NAMED in the query define the dataset
    elif job.default_graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [
            ox.DefaultGraph() if g == "" else ox.NamedNode(g) for g in job.default_graphs
        ]
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    buffer = _Capped(job.max_bytes)
    try:
        results = store.query(job.query, **options)  # type: ignore[arg-type]
        if isinstance(results, ox.QueryTriples):
            graph_format = ox.RdfFormat.from_media_type(job.graph_media_type)
            assert graph_format is not None
            results.serialize(buffer, format=graph_format)  # type: ignore[arg-type]
            media_type = graph_format.media_type
        else:
            results_format = ox.QueryResultsFormat.from_media_type(job.results_media_type)
            assert results_format is not None
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
    return "ok", b"".join(buffer.parts), media_type


def worker_main(sock: socket.socket) -> None:
    """A worker's loop: receive (snapshot, job), answer (status, payload, media type)."""
    import pyoxigraph as ox

    opened: tuple[str, ox.Store] | None = None
    while True:
        try:
            message = _receive(sock)
        except EOFError:
            return
        assert isinstance(message, tuple)
        path, job = message
        if opened is None or opened[0] != path:
            opened = None  # release the old snapshot before opening the new one
            try:
                opened = (path, ox.Store.read_only(path))
            except OSError as error:
                _send(sock, ("error", f"cannot open the snapshot: {error}", None))
                continue
        _send(sock, run_job(opened[1], job))


# -- the service side ---------------------------------------------------------------------------


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        parent, child = socket.socketpair()
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=worker_main, args=(child,), daemon=True, name="commonsgraph-query"
        )
        self.process.start()
        child.close()
        parent.setblocking(False)
        self.socket = parent
        self.snapshot: str | None = None

    async def ask(self, snapshot: str, job: QueryJob) -> tuple[str, object, object]:
        loop = asyncio.get_running_loop()
        data = pickle.dumps((snapshot, job), protocol=pickle.HIGHEST_PROTOCOL)
        await loop.sock_sendall(self.socket, _HEADER.pack(len(data)) + data)
        self.snapshot = snapshot
        frame = await self._read_frame(loop)
        return pickle.loads(frame)  # type: ignore[no-any-return]  # noqa: S301 (our worker)

    async def _read_frame(self, loop: asyncio.AbstractEventLoop) -> bytes:
        """One length-prefixed frame; small answers arrive in a single receive."""
        received = await loop.sock_recv(self.socket, 1 << 16)
        if not received:
            raise EOFError
        while len(received) < _HEADER.size:
            more = await loop.sock_recv(self.socket, _HEADER.size)
            if not more:
                raise EOFError
            received += more
        size = _HEADER.unpack_from(received)[0] + _HEADER.size
        if len(received) >= size:
            return received[_HEADER.size : size]
        buffer = bytearray(size)
        buffer[: len(received)] = received
        view = memoryview(buffer)
        filled = len(received)
        while filled < size:
            count = await loop.sock_recv_into(self.socket, view[filled:])
            if count == 0:
                raise EOFError
            filled += count
        return bytes(view[_HEADER.size :])

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.socket.close()


class QueryPool:
    """A fixed number of query workers over snapshots of a store directory.

    `snapshot` returns the path of a snapshot that reflects every write so far.
    """

    def __init__(self, snapshots_dir: Path, size: int, max_waiting: int | None = None) -> None:
        self.snapshots_dir = snapshots_dir
        self.size = size
        self.max_waiting = size * 4 if max_waiting is None else max_waiting
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["commonsgraph.store.pool", "commonsgraph.vocab"])
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._workers: list[_Worker] = []
        self._waiting = 0
        self._pruned: str | None = None
        """The snapshot after which nothing was left to delete."""

    def _start(self) -> asyncio.LifoQueue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.LifoQueue()  # the worker used last: its caches are warm
            for _ in range(self.size):
                worker = _Worker(self._context)
                self._workers.append(worker)
                self._idle.put_nowait(worker)
        return self._idle

    async def run(
        self, snapshot: Path, job: QueryJob, timeout: float
    ) -> tuple[str, object, object]:
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
        try:
            async with asyncio.timeout(timeout):
                status, payload, media_type = await worker.ask(str(snapshot), job)
        except (TimeoutError, asyncio.CancelledError, EOFError, OSError, ConnectionError) as error:
            self._replace(worker)
            if isinstance(error, asyncio.CancelledError):
                raise
            if isinstance(error, TimeoutError):
                raise QueryTimeout(timeout) from None
            raise StoreError("a query worker stopped unexpectedly") from None
        idle.put_nowait(worker)
        if self._pruned != str(snapshot):
            self._prune(str(snapshot))
        return status, payload, media_type

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.remove(worker)
        fresh = _Worker(self._context)
        self._workers.append(fresh)
        assert self._idle is not None
        self._idle.put_nowait(fresh)

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
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.kill()
        self._workers.clear()
        self._idle = None
