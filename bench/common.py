"""What the benchmarks share: a lean HTTP client, servers started on loopback, the CPU time they
use, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.servers import free_port

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
__all__ = [
    "BIN", "HERE", "Client", "cpu_seconds", "free_port", "load", "percentile", "serving", "summary",
    "uvicorn",
]  # fmt: skip


class Client:
    """A minimal HTTP/1.1 client (so that the load generator costs little CPU), connecting
    from the loopback address `source` (each client its own: servers that schedule queries per
    client see several clients, as they would in use).

    `keep_alive`: one connection for all the requests, as the BSBM test driver does; without
    it, a connection per request, closed after its answer (`Connection: close`), as
    SPARQLWrapper, rdflib and curl do."""

    def __init__(self, url: str, source: str = "127.0.0.1", *, keep_alive: bool = True) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.source = source
        self.keep_alive = keep_alive
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, accept: str) -> tuple[int, bytes]:
        """GET `target` (a path with its query string)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.source, 0)
            )
        assert self.reader is not None
        close = "" if self.keep_alive else "Connection: close\r\n"
        request = f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept: {accept}\r\n{close}\r\n"
        self.writer.write(request.encode())
        try:
            return await self._response(self.reader)
        finally:
            if not self.keep_alive:
                await self.close()

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status = int((await reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            return status, await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() != "chunked":
            return status, await reader.read()  # until the server closes
        body = bytearray()
        while True:
            size = int((await reader.readline()).strip(), 16)
            if size == 0:
                await reader.readline()
                return status, bytes(body)
            body += await reader.readexactly(size)
            await reader.readline()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


Request = tuple[str, str]
"""(target, accept)"""


async def load(
    url: str,
    requests: Callable[[random.Random], list[Request]],
    clients: int,
    seconds: float,
    *,
    keep_alive: bool = True,
    seed: int = 0,
) -> list[float]:
    """Send the requests `requests(rng)` returns, again and again, from `clients` concurrent
    clients (from 127.0.0.2, 127.0.0.3…) for `seconds`: the latencies. `keep_alive`: see
    `Client`; `seed`: the first client's random seed (the others follow)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one(index: int) -> None:
        rng = random.Random(seed + index)
        client = Client(url, f"127.0.0.{index + 2}", keep_alive=keep_alive)
        while time.perf_counter() < deadline:
            for target, accept in requests(rng):
                started = time.perf_counter()
                if started >= deadline:
                    break
                status, body = await client.get(target, accept)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"{url}{target} answered {status}: {body[:300]!r}")
        await client.close()

    await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies


@contextmanager
def serving(
    command: list[str], url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[psutil.Process]:
    """Run `command` until the block ends, from the moment `url` answers: its process."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(1200):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(process: psutil.Process) -> float:
    """The CPU time (user and system) used so far by `process` and by the processes it started
    that still run (the bench kills none)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(latencies: list[float], seconds: float) -> tuple[str, str, str, str]:
    """(requests, requests/s, p50 ms, p90 ms)"""
    return (
        f"{len(latencies):,}",
        f"{len(latencies) / seconds:,.0f}",
        f"{statistics.median(latencies) * 1000:.2f}",
        f"{percentile(latencies, 0.9) * 1000:.2f}",
    )


def uvicorn(port: int, target: str, *options: str) -> list[str]:
    """The command serving the ASGI app `target` (a module of bench/ or an importable one)
    under uvicorn on loopback `port`, as the benchmarks run it."""
    return [
        str(BIN / "uvicorn"), "--app-dir", str(HERE), "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning", "--http", "httptools", *options, target,
    ]  # fmt: skip
