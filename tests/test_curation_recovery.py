"""A process killed during an accept leaves the contribution wholly public or still pending.

Each accept runs in a child process on a real on-disk store and ledger, and is killed
(SIGKILL) either at a chosen point around the store's atomic write or after a random delay;
the store and ledger are then reopened, as a restarted service does."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.contributions import Contributions
from commonsgraph.database import Database
from commonsgraph.store import LocalStore
from commonsgraph.tokens import Token

from .conftest import BASE

CONTRIBUTOR = Token("c0ffee00", "contributor", "Réseau Tela", datetime.now(UTC))

CHILD = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from commonsgraph.config import Settings
from commonsgraph.contributions import Contributions
from commonsgraph.database import Database
from commonsgraph.store import LocalStore
from commonsgraph.tokens import Token

data_dir, point, contribution = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
settings = Settings(data_dir=data_dir, base_iri=sys.argv[4])
store = LocalStore(settings.store_path)
workflow = Contributions.open(store, settings, Database.open(settings))
write = store.change

def crashing(delete, insert):
    if point == "before-write":
        os.kill(os.getpid(), signal.SIGKILL)
    write(delete, insert)
    if point == "after-write":
        os.kill(os.getpid(), signal.SIGKILL)

store.change = crashing
print("ready", flush=True)
workflow.accept(contribution, Token("cafe0000", "curator", "Camille", datetime.now(UTC)))
print("accepted", flush=True)
"""


def body(n: int) -> bytes:
    return f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        <tiers-lieu/lieu-{n}> a cg:TiersLieu ;
            <http://www.w3.org/2000/01/rdf-schema#label> "Lieu {n}" ;
            cg:typology <scheme/typology/coworking> ;
            <http://schema.org/containedInPlace> <commune/23096> .""".encode()


def prepare(data_dir: Path, count: int) -> list[str]:
    """A store with the project's graphs and `count` pending contributions."""
    settings = Settings(data_dir=data_dir, base_iri=BASE)
    store = LocalStore(settings.store_path)
    load_bundled(store, settings)
    workflow = Contributions.open(store, settings, Database.open(settings))
    identifiers = [workflow.submit(body(n), "text/turtle", CONTRIBUTOR)[0].id for n in range(count)]
    workflow.close()
    store.close()
    return identifiers


def settle(data_dir: Path, identifiers: list[str]) -> dict[str, str]:
    """Reopen as a restarted service does; each contribution's status, checked against the
    store: accepted ⇔ its graph and its place are public; pending ⇔ none of it is."""
    settings = Settings(data_dir=data_dir, base_iri=BASE)
    store = LocalStore(settings.store_path)
    try:
        workflow = Contributions.open(store, settings, Database.open(settings))
        statuses = {}
        for n, identifier in enumerate(identifiers):
            contribution = workflow.ledger.get(identifier)
            assert contribution is not None
            public = store.has_graph(workflow.graph(contribution))
            place = store.ask(f"ASK {{ <{BASE}tiers-lieu/lieu-{n}> ?p ?o }}")
            assert contribution.status in ("accepted", "pending")
            assert public == place == (contribution.status == "accepted")
            statuses[identifier] = contribution.status
        workflow.close()
        return statuses
    finally:
        store.close()


def child(data_dir: Path, point: str, identifier: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), point, identifier, BASE],
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("point", "expected"), [("before-write", "pending"), ("after-write", "accepted")]
)
def test_killed_around_the_store_write(tmp_path: Path, point: str, expected: str) -> None:
    [identifier] = prepare(tmp_path, 1)
    process = child(tmp_path, point, identifier)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, output
    assert settle(tmp_path, [identifier]) == {identifier: expected}


def test_killed_at_random_moments(tmp_path: Path) -> None:
    identifiers = prepare(tmp_path, 6)
    seen = set()
    for identifier in identifiers:
        process = child(tmp_path, "none", identifier)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(random.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        seen.add(settle(tmp_path, identifiers)[identifier])
    # whatever the moment, every contribution ended one way or the other (checked in settle)
    assert seen <= {"accepted", "pending"}
