"""The reconciliation report, in SQLite beside the store: every candidate link the finder
proposed, with its score and evidence, and what a curator decided (confirmed or dismissed, by
whom, when, why).

A search records what it found: new candidates are `proposed`; candidates found again keep
their decision and get the new score; proposed candidates that a search no longer finds (the
partner changed the record) are dropped. Decided candidates stay: a curator's word holds until
another curator changes it. Decisions are compare-and-set, so two curators deciding at once
cannot overwrite each other: the second gets a `Conflict`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pyoxigraph import NamedNode

from commonsgraph.database import connect
from commonsgraph.errors import Conflict, NotFound
from commonsgraph.reconcile.candidates import Evidence, Found

STATUSES = ("proposed", "confirmed", "dismissed")


@dataclass(frozen=True)
class Candidate(Found):
    """A candidate link (what a search found) and its review."""

    id: str
    status: str
    found: datetime
    """When a search first proposed it."""
    decided_by: str | None = None
    """The id of the curator's token."""
    decided_by_label: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


def candidate_id(found: Found) -> str:
    key = f"{found.kind}\n{found.theirs.value}\n{found.ours.value}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


_COLUMNS = (
    "id", "kind", "theirs", "ours", "source", "theirs_label", "ours_label", "score", "evidence",
    "status", "found", "decided_by", "decided_by_label", "decided_at", "reason",
)  # fmt: skip


def _candidate(row: tuple[object, ...]) -> Candidate:
    values = dict(zip(_COLUMNS, row, strict=True))
    decided = values["decided_at"]
    return Candidate(
        id=str(values["id"]),
        kind=str(values["kind"]),
        theirs=NamedNode(str(values["theirs"])),
        ours=NamedNode(str(values["ours"])),
        source=NamedNode(str(values["source"])),
        theirs_label=str(values["theirs_label"]),
        ours_label=str(values["ours_label"]),
        score=float(str(values["score"])),
        evidence=Evidence(**json.loads(str(values["evidence"]))),
        status=str(values["status"]),
        found=datetime.fromisoformat(str(values["found"])),
        decided_by=None if values["decided_by"] is None else str(values["decided_by"]),
        decided_by_label=None
        if values["decided_by_label"] is None
        else str(values["decided_by_label"]),
        decided_at=None if decided is None else datetime.fromisoformat(str(decided)),
        reason=None if values["reason"] is None else str(values["reason"]),
    )


@dataclass(frozen=True)
class Recorded:
    """What recording a search changed in the report."""

    new: int
    updated: int
    dropped: int


class ReconciliationLedger:
    """The candidates and their decisions (in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self._db = connect(
            path,
            """CREATE TABLE IF NOT EXISTS candidate (
                 id TEXT PRIMARY KEY, kind TEXT NOT NULL, theirs TEXT NOT NULL,
                 ours TEXT NOT NULL, source TEXT NOT NULL, theirs_label TEXT NOT NULL,
                 ours_label TEXT NOT NULL, score REAL NOT NULL, evidence TEXT NOT NULL,
                 status TEXT NOT NULL, found TEXT NOT NULL, decided_by TEXT,
                 decided_by_label TEXT, decided_at TEXT, reason TEXT)""",
        )
        self._lock = threading.Lock()

    def record(self, found: Iterable[Found], moment: datetime) -> Recorded:
        """Keep what a search found (see the module's docstring)."""
        rows = {candidate_id(f): f for f in found}
        with self._lock, self._db:
            known = {row[0]: row[1] for row in self._db.execute("SELECT id, status FROM candidate")}
            new = [key for key in rows if key not in known]
            self._db.executemany(
                "INSERT INTO candidate (id, kind, theirs, ours, source, theirs_label, "
                "ours_label, score, evidence, status, found) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?)",
                [(key, rows[key].kind, *_found(rows[key]), moment.isoformat()) for key in new],
            )
            self._db.executemany(
                "UPDATE candidate SET theirs = ?, ours = ?, source = ?, theirs_label = ?, "
                "ours_label = ?, score = ?, evidence = ? WHERE id = ?",
                [(*_found(f), key) for key, f in rows.items() if key in known],
            )
            gone = [
                key for key, status in known.items() if status == "proposed" and key not in rows
            ]
            self._db.executemany("DELETE FROM candidate WHERE id = ?", [(key,) for key in gone])
        return Recorded(len(new), len(rows) - len(new), len(gone))

    def get(self, candidate: str) -> Candidate:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM candidate WHERE id = ?",  # noqa: S608
                (candidate,),
            ).fetchone()
        if row is None:
            raise NotFound(f"no candidate link {candidate!r}")
        return _candidate(row)

    def all(self, status: str | None = None) -> list[Candidate]:
        """Candidates, the best scores first."""
        where, parameters = ("WHERE status = ?", (status,)) if status else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM candidate {where} "  # noqa: S608
                "ORDER BY score DESC, theirs, ours",
                parameters,
            ).fetchall()
        return [_candidate(row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM candidate GROUP BY status")
            found = dict(rows.fetchall())
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def decide(
        self,
        candidate: str,
        status: str,
        *,
        expected: tuple[str, ...],
        by: str,
        by_label: str,
        moment: datetime,
        reason: str | None = None,
    ) -> Candidate:
        """Set a candidate's status if it is one of `expected` (else `Conflict`)."""
        current = self.get(candidate)
        if current.status not in expected:
            raise Conflict(f"candidate link {candidate} is {current.status}: it cannot be {status}")
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE candidate SET status = ?, decided_by = ?, decided_by_label = ?, "
                "decided_at = ?, reason = ? WHERE id = ? AND status = ?",
                (status, by, by_label, moment.isoformat(), reason, candidate, current.status),
            )
        if cursor.rowcount != 1:
            raise Conflict(f"candidate link {candidate} was decided by someone else meanwhile")
        return self.get(candidate)

    def close(self) -> None:
        self._db.close()


def _found(found: Found) -> tuple[object, ...]:
    """The columns a search gives, from `theirs` to `evidence`."""
    evidence = {k: v for k, v in vars(found.evidence).items() if v is not None}
    return (
        found.theirs.value, found.ours.value, found.source.value, found.theirs_label,
        found.ours_label, found.score, json.dumps(evidence, ensure_ascii=False),
    )  # fmt: skip
