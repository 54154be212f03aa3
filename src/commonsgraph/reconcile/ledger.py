"""The reconciliation report, in the database (`database`): every candidate link the finder
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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import NamedNode
from sqlalchemy import delete, func, insert, select, update

from commonsgraph.database import Database
from commonsgraph.database.tables import candidate as table
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
    """The candidates and their decisions, in the database
    (`database.tables.candidate`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, found: Iterable[Found], moment: datetime) -> Recorded:
        """Keep what a search found (see the module's docstring)."""
        rows = {candidate_id(f): f for f in found}
        with self.database.transaction() as connection:
            self.database.lock(connection, "reconciliation-report")
            known = {
                row[0]: row[1] for row in connection.execute(select(table.c.id, table.c.status))
            }
            new = [key for key in rows if key not in known]
            if new:
                connection.execute(
                    insert(table),
                    [
                        {"id": key, "kind": rows[key].kind, **_found(rows[key]),
                         "status": "proposed", "found": moment.isoformat()}
                        for key in new
                    ],
                )  # fmt: skip
            for key, f in rows.items():
                if key in known:
                    connection.execute(update(table).where(table.c.id == key).values(**_found(f)))
            gone = [
                key for key, status in known.items() if status == "proposed" and key not in rows
            ]
            if gone:
                connection.execute(delete(table).where(table.c.id.in_(gone)))
        return Recorded(len(new), len(rows) - len(new), len(gone))

    def get(self, candidate: str) -> Candidate:
        with self.database.transaction() as connection:
            row = connection.execute(select(*_SELECTED).where(table.c.id == candidate)).first()
        if row is None:
            raise NotFound(f"no candidate link {candidate!r}")
        return _candidate(tuple(row))

    def all(self, status: str | None = None) -> list[Candidate]:
        """Candidates, the best scores first."""
        query = select(*_SELECTED).order_by(table.c.score.desc(), table.c.theirs, table.c.ours)
        if status:
            query = query.where(table.c.status == status)
        with self.database.transaction() as connection:
            rows = connection.execute(query).all()
        return [_candidate(tuple(row)) for row in rows]

    def counts(self) -> dict[str, int]:
        with self.database.transaction() as connection:
            found: dict[str, int] = dict(
                connection.execute(
                    select(table.c.status, func.count()).group_by(table.c.status)
                ).all()
            )
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
        """Set a candidate's status if it is one of `expected` (else `Conflict`): a
        conditional update, so that of two curators (on two machines) deciding at once one
        wins and the other gets a `Conflict`."""
        current = self.get(candidate)
        if current.status not in expected:
            raise Conflict(f"candidate link {candidate} is {current.status}: it cannot be {status}")
        with self.database.transaction() as connection:
            changed = connection.execute(
                update(table)
                .where(table.c.id == candidate, table.c.status == current.status)
                .values(
                    status=status, decided_by=by, decided_by_label=by_label,
                    decided_at=moment.isoformat(), reason=reason,
                )
            ).rowcount  # fmt: skip
        if changed != 1:
            raise Conflict(f"candidate link {candidate} was decided by someone else meanwhile")
        return self.get(candidate)


_SELECTED = tuple(table.c[name] for name in _COLUMNS)


def _found(found: Found) -> dict[str, object]:
    """The columns a search gives, from `theirs` to `evidence`."""
    evidence = {k: v for k, v in vars(found.evidence).items() if v is not None}
    return {
        "theirs": found.theirs.value, "ours": found.ours.value, "source": found.source.value,
        "theirs_label": found.theirs_label, "ours_label": found.ours_label,
        "score": found.score, "evidence": json.dumps(evidence, ensure_ascii=False),
    }  # fmt: skip
