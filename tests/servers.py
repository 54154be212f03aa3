"""Real servers started by the tests on loopback, and stopped after."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=30)
            return
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"{url} did not start:\n{log.read_text()}"
            time.sleep(0.1)


@contextmanager
def running(
    command: list[str], url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_up(url, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def oxigraph_server(directory: Path, *extra: str, union: bool = True) -> Iterator[str]:
    """`oxigraph serve` (PyPI package oxigraph) on a free loopback port: its base URL; with
    `union`, its default graph is the union of its named graphs (--union-default-graph)."""
    port = free_port()
    binary = Path(sys.executable).parent / "oxigraph"
    command = [
        str(binary),
        "serve",
        "--location",
        str(directory / "oxigraph"),
        "--bind",
        f"127.0.0.1:{port}",
        *(["--union-default-graph"] if union else []),
        *extra,
    ]
    with running(
        command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", directory / "oxigraph.log"
    ):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def commonsgraph_server(data_dir: Path, **settings: str) -> Iterator[str]:
    """`commonsgraph serve` on a free loopback port: its base URL."""
    port = free_port()
    env = {**os.environ, "COMMONSGRAPH_DATA_DIR": str(data_dir), "COMMONSGRAPH_PORT": str(port)}
    env.update({f"COMMONSGRAPH_{key.upper()}": value for key, value in settings.items()})
    command = [sys.executable, "-m", "commonsgraph", "serve"]
    with running(
        command, f"http://127.0.0.1:{port}/health", data_dir.parent / f"serve-{port}.log", env
    ) as process:
        yield f"http://127.0.0.1:{port}"
    # stopped by SIGTERM within the wait, not killed (uvicorn may re-raise the signal it caught)
    assert process.returncode in (0, -signal.SIGTERM), process.returncode


def server_pid(url: str) -> int:
    """The process that listens on the port of `url`."""
    port = int(url.rsplit(":", 1)[1])
    for connection in psutil.net_connections("tcp"):
        if (
            connection.laddr
            and connection.laddr.port == port
            and connection.status == psutil.CONN_LISTEN
        ):
            assert connection.pid is not None
            return connection.pid
    raise AssertionError("no process listens on the server port")


def wait_for_work(url: str, cpu_seconds: float = 0.3, timeout: float = 120) -> None:
    """Return once the query workers of the server at `url` have used `cpu_seconds` more CPU
    (a query is running), or fail after `timeout` seconds."""
    server = psutil.Process(server_pid(url))

    def used() -> float:
        total = 0.0
        for process in server.children(recursive=True):
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    start = used()
    deadline = time.monotonic() + timeout
    while used() - start < cpu_seconds:
        assert time.monotonic() < deadline, "no query worker started working"
        time.sleep(0.05)


def wait_for_queries(url: str, *, running: int, waiting: int, timeout: float = 120) -> None:
    """Return once the server at `url` says (`/health`) that `running` public queries hold a
    turn and `waiting` wait for one, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    expected = {"running": running, "waiting": waiting}
    while True:
        counts = httpx.get(f"{url}/health", timeout=timeout).json()["queries"]
        if counts == expected:
            return
        assert time.monotonic() < deadline, f"the server counts {counts}, not {expected}"
        time.sleep(0.02)


class HeldQuery:
    """A query sent to `/sparql` on a connection of its own, from the loopback `address`: its
    answer is read when asked for, or its client hangs up (the server then stops the query)."""

    def __init__(
        self,
        url: str,
        query: str,
        *,
        address: str = "127.0.0.1",
        forwarded_for: str | None = None,
        timeout: float = 120,
    ) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None
        assert parts.port is not None
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout, source_address=(address, 0)
        )
        headers = {"Accept": "application/sparql-results+json"}
        if forwarded_for is not None:
            headers["X-Forwarded-For"] = forwarded_for
        self.connection.request("GET", "/sparql?" + urlencode({"query": query}), headers=headers)

    def answer(self) -> tuple[int, bytes]:
        """The status and the body of the answer, once it came."""
        response = self.connection.getresponse()
        body = response.read()
        self.connection.close()
        return response.status, body

    def hang_up(self) -> None:
        """Close the connection without waiting for the answer."""
        self.connection.close()
