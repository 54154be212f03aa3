"""Benchmark: the hostile inputs of issue 14 sent to a real service, with its peak memory and
time. Prints one table.

Starts `commonsgraph serve` as a subprocess (a store on disk, the project's graphs loaded, a
curator and a contributor token) and a partner on loopback, then sends each attack on each route
that reads RDF: a Graph Store PUT (curator), a contribution (contributor), a harvest of the
partner's dump (curator), a SPARQL `LOAD` of it (admin). For each: the answer, the seconds it took, the peak resident memory
of the service process during it (its VmHWM, reset before each attack through
/proc/PID/clear_refs), the peak of the whole process tree (the service, its query workers and
the child that reads JSON-LD; sampled every 10 ms), and what the service keeps afterwards. A
service that dies is noted, and started again for the next attack.

    .venv/bin/python bench/attacks.py [--src ../wt-old/src] [--only list-bomb] [--cap 4000]

`--src` runs the service from another source tree (put first on its PYTHONPATH), e.g. a worktree
of an older commit: `git worktree add ../wt-old 00b5ea0`. `--cap` bounds the service's data
memory (MB) so that an attack that would take all of the machine's memory kills only it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

import common  # noqa: F401  (puts the project on the path: tests/, with the partners' servers and the attacks)
from tests import hostile
from tests.partners import Partner, Route, feed_server
from tests.servers import free_port

BASE = "https://w3id.org/commonsgraph/"
TURTLE, JSON_LD, RDF_XML = "text/turtle", "application/ld+json", "application/rdf+xml"
BODY_LIMIT = 10_000_000
GRAPH = "http://e.example/attack"


@dataclass(frozen=True)
class Attack:
    name: str
    route: str
    """graph-store, upload, harvest or load (a SPARQL LOAD by an admin)."""
    body: Callable[[], bytes]
    media_type: str


ATTACKS = [
    Attack("JSON-LD nested 6,000 deep", "graph-store", lambda: hostile.jsonld_nested(6_000), JSON_LD),
    Attack("JSON-LD nested 6,000 deep", "upload", lambda: hostile.jsonld_nested(6_000), JSON_LD),
    Attack("JSON-LD nested 20,000 deep", "harvest", lambda: hostile.jsonld_nested(20_000), JSON_LD),
    Attack("JSON-LD terms chained 20,000", "graph-store", lambda: hostile.jsonld_term_chain(20_000), JSON_LD),
    Attack("triple terms nested 30,000", "graph-store", lambda: hostile.nested_triple_terms(30_000), TURTLE),
    Attack("Turtle list bomb, 10 MB", "graph-store", lambda: hostile.list_bomb(BODY_LIMIT - 1000), TURTLE),
    Attack("Turtle list bomb, 10 MB", "upload", lambda: hostile.list_bomb(BODY_LIMIT - 1000), TURTLE),
    Attack("Turtle list bomb, 10 MB", "harvest", lambda: hostile.list_bomb(BODY_LIMIT - 1000), TURTLE),
    Attack("blank nodes nested 99,990", "upload", lambda: hostile.nested_blank_nodes(99_990), TURTLE),
    Attack("blank nodes nested 99,990", "harvest", lambda: hostile.nested_blank_nodes(99_990), TURTLE),
    Attack("RDF/XML entities, 621 bytes", "graph-store", lambda: hostile.entity_expansion(6), RDF_XML),
    Attack("RDF/XML entities, 621 bytes", "upload", lambda: hostile.entity_expansion(6), RDF_XML),
    Attack("RDF/XML entities, 621 bytes", "harvest", lambda: hostile.entity_expansion(6), RDF_XML),
    Attack("RDF/XML billion laughs", "graph-store", lambda: hostile.entity_expansion(9), RDF_XML),
    Attack("RDF/XML billion laughs", "harvest", lambda: hostile.entity_expansion(9), RDF_XML),
    Attack("JSON-LD nested 20,000 deep", "load", lambda: hostile.jsonld_nested(20_000), JSON_LD),
    Attack("Turtle list bomb, 10 MB", "load", lambda: hostile.list_bomb(BODY_LIMIT - 1000), TURTLE),
    Attack("RDF/XML billion laughs", "load", lambda: hostile.entity_expansion(9), RDF_XML),
]  # fmt: skip


@dataclass
class Outcome:
    answer: str
    seconds: float
    peak: float
    """MB: the service process's VmHWM during the attack."""
    tree: float
    """MB: the sampled peak of the service and its children together."""
    after: float
    """MB: the service's RSS once it answered (nan if it died)."""


class Service:
    """`commonsgraph serve` in a subprocess, started again when an attack kills it."""

    def __init__(self, data: Path, env: dict[str, str], cap: int) -> None:
        self.data, self.env, self.cap = data, env, cap
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = (self.data.parent / f"serve-{port}.log").open("wb")
        cap = self.cap
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commonsgraph", "serve"],
            env={**self.env, "COMMONSGRAPH_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_DATA, (cap, cap)),
        )
        for _ in range(1200):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{self.url}/health", timeout=5)
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"the service did not start: see {log.name}")
            time.sleep(0.1)

    def died(self) -> str | None:
        assert self.process is not None
        code = self.process.poll()
        if code is None:
            return None
        return signal.Signals(-code).name if code < 0 else f"exit {code}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextmanager
def sampling(pid: int) -> Iterator[list[float]]:
    """The peak RSS (MB) of a process and its children, sampled until the block ends."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                total = 0
                for each in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += each.memory_info().rss
                peak[0] = max(peak[0], total / 1e6)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


def status_value(pid: int, key: str) -> float:
    """A memory figure of /proc/PID/status, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1000
    return float("nan")


def send(
    service: Service, partner: Partner, tokens: dict[str, dict[str, str]], attack: Attack
) -> httpx.Response:
    body = attack.body()
    timeout = httpx.Timeout(900, connect=10)
    if attack.route == "graph-store":
        headers = {**tokens["curator"], "Content-Type": attack.media_type}
        return httpx.put(f"{service.url}/graph-store", params={"graph": GRAPH}, content=body, headers=headers, timeout=timeout)  # fmt: skip
    if attack.route == "upload":
        headers = {**tokens["contributor"], "Content-Type": attack.media_type}
        return httpx.post(f"{service.url}/contributions", content=body, headers=headers, timeout=timeout)  # fmt: skip
    partner.routes["/dump"] = Route(body=body, content_type=attack.media_type)
    if attack.route == "load":
        update = f"LOAD <{partner.url}/dump> INTO GRAPH <{GRAPH}>"
        return httpx.post(f"{service.url}/sparql", data={"update": update}, headers=tokens["admin"], timeout=timeout)  # fmt: skip
    return httpx.post(f"{service.url}/sources/dump/harvest", params={"full": "true"}, headers=tokens["curator"], timeout=timeout)  # fmt: skip


def run(
    service: Service, partner: Partner, tokens: dict[str, dict[str, str]], attack: Attack
) -> Outcome:
    assert service.process is not None
    pid = service.process.pid
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM
    started = time.perf_counter()
    with sampling(pid) as tree:
        try:
            response = send(service, partner, tokens, attack)
            answer = f"{response.status_code} {_detail(response)}"
        except httpx.TimeoutException:
            answer = "no answer within 900 s"
        except httpx.TransportError as error:
            answer = f"connection lost ({type(error).__name__})"
        seconds = time.perf_counter() - started
        with contextlib.suppress(subprocess.TimeoutExpired):
            if answer.startswith("connection lost"):
                service.process.wait(timeout=10)  # a crash: let it be seen
        died = service.died()
        peak = status_value(pid, "VmHWM") if died is None else float("nan")
        after = status_value(pid, "VmRSS") if died is None else float("nan")
    if died is not None:
        answer = f"the service died ({died})"
    elif not _alive(service):
        answer += "; then /health fails"
    return Outcome(answer, seconds, peak, tree[0], after)


def _detail(response: httpx.Response) -> str:
    try:
        found = response.json()
    except ValueError:
        return ""
    text = str(found.get("detail") or found.get("error") or found.get("status") or "")
    return text if len(text) < 48 else text[:47] + "…"


def _alive(service: Service) -> bool:
    try:
        return httpx.get(f"{service.url}/health", timeout=30).status_code == 200
    except httpx.TransportError:
        return False


def create_token(env: dict[str, str], data: Path, role: str) -> dict[str, str]:
    command = [sys.executable, "-m", "commonsgraph", "--data-dir", str(data)]
    output = subprocess.run(
        [*command, "token", "create", "--role", role], env=env, check=True, capture_output=True, text=True
    ).stdout  # fmt: skip
    return {"Authorization": f"Bearer {output.strip().splitlines()[-1]}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--src", type=Path, help="run the service from this source tree")
    parser.add_argument("--only", help="only the attacks whose name holds this text")
    parser.add_argument("--cap", type=int, default=4000, help="MB of data memory for the service")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMONSGRAPH_")}
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    attacks = [a for a in ATTACKS if args.only is None or args.only.lower() in a.name.lower()]
    console = Console(width=160)
    code = "code of " + (str(args.src) if args.src else "this tree")
    table = Table(
        "attack", "route", "answer", "seconds", "service peak MB", "tree peak MB", "service after MB",
        title=f"Hostile RDF against `commonsgraph serve` ({code})", title_justify="left",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as directory, feed_server() as partner:
        data = Path(directory) / "var"
        env.update({"COMMONSGRAPH_DATA_DIR": str(data), "COMMONSGRAPH_QUERY_WORKERS": "2"})
        env["COMMONSGRAPH_LOAD_ALLOWLIST"] = f"{partner.url}/*"
        roles = ("curator", "contributor", "admin")
        tokens = {role: create_token(env, data, role) for role in roles}
        (data / "sources.toml").write_text(
            f'[sources.dump]\nkind = "rdf"\nurl = "{partner.url}/dump"\n'
        )
        service = Service(data, env, args.cap * 1_000_000)
        service.start()
        try:
            for attack in attacks:
                if service.died() is not None:
                    service.start()
                outcome = run(service, partner, tokens, attack)
                table.add_row(
                    attack.name, attack.route, outcome.answer, f"{outcome.seconds:.1f}",
                    f"{outcome.peak:,.0f}", f"{outcome.tree:,.0f}", f"{outcome.after:,.0f}",
                )  # fmt: skip
                console.print(f"{attack.name} / {attack.route}: {outcome}", highlight=False)
        finally:
            service.stop()
    console.print(table)


if __name__ == "__main__":
    main()
