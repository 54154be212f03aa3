"""The ledger of contributions: every upload, its statements, its report and its review, in
SQLite beside the store. Staged statements live here, not in the store, so that nothing
pending can reach a public query or page.

A contribution moves through these statuses; a move is a compare-and-set in one SQLite
transaction, so that two curators (or two processes) cannot both review the same one:

    invalid ─ validation found violations (kept so that the contributor can read the report)
    pending ─┬─> accepting ─> accepted ─> reverting ─> reverted
             └─> rejected

`accepting` and `reverting` last while the public store is written (one atomic update);
`Contributions.recover` settles any left by a process that died in between.

SQL statements name columns from the constant `_COLUMNS` (hence the `noqa: S608`); values are
always bound as parameters.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Triple, parse, serialize

from commonsgraph.database import connect
from commonsgraph.validation import Finding

STATUSES = ("invalid", "pending", "accepting", "accepted", "rejected", "reverting", "reverted")

_COLUMNS = (
    "id", "status", "contributor", "contributor_label", "submitted", "source", "licence",
    "media_type", "statements", "findings", "notes", "reviewer", "reviewer_label", "reviewed",
    "reason",
)  # fmt: skip


@dataclass(frozen=True)
class Contribution:
    """A contribution as the ledger records it (its statements are read apart: `Ledger.data`)."""

    id: str
    status: str
    contributor: str
    """The id of the contributor's token."""
    contributor_label: str
    submitted: datetime
    source: str | None
    """Where the data comes from, as the contributor says (a URL or a few words)."""
    licence: str
    """The IRI of the licence the contributor grants on the data."""
    media_type: str
    statements: int
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What reading the upload noticed (CSV rows left incomplete)."""
    reviewer: str | None = None
    reviewer_label: str | None = None
    reviewed: datetime | None = None
    reason: str | None = None

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _row(row: tuple[object, ...]) -> Contribution:
    values = dict(zip(_COLUMNS, row, strict=True))
    return Contribution(
        id=str(values["id"]),
        status=str(values["status"]),
        contributor=str(values["contributor"]),
        contributor_label=str(values["contributor_label"]),
        submitted=datetime.fromisoformat(str(values["submitted"])),
        source=None if values["source"] is None else str(values["source"]),
        licence=str(values["licence"]),
        media_type=str(values["media_type"]),
        statements=int(str(values["statements"])),
        findings=[Finding.from_json(f) for f in json.loads(str(values["findings"]))],
        notes=list(json.loads(str(values["notes"]))),
        reviewer=None if values["reviewer"] is None else str(values["reviewer"]),
        reviewer_label=None if values["reviewer_label"] is None else str(values["reviewer_label"]),
        reviewed=_time(None if values["reviewed"] is None else str(values["reviewed"])),
        reason=None if values["reason"] is None else str(values["reason"]),
    )


def to_ntriples(triples: list[Triple]) -> str:
    data = serialize(triples, format=RdfFormat.N_TRIPLES)
    return "" if data is None else data.decode("utf-8")


def to_nquads(quads: list[Quad]) -> str:
    data = serialize(quads, format=RdfFormat.N_QUADS)
    return "" if data is None else data.decode("utf-8")


class Ledger:
    """The contributions, in a SQLite file (in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self._db = connect(
            path,
            "PRAGMA journal_mode=WAL",
            """CREATE TABLE IF NOT EXISTS contributions (
                 id TEXT PRIMARY KEY, status TEXT NOT NULL, contributor TEXT NOT NULL,
                 contributor_label TEXT NOT NULL, submitted TEXT NOT NULL, source TEXT,
                 licence TEXT NOT NULL, media_type TEXT NOT NULL,
                 statements INTEGER NOT NULL, findings TEXT NOT NULL, notes TEXT NOT NULL,
                 reviewer TEXT, reviewer_label TEXT, reviewed TEXT, reason TEXT,
                 data TEXT NOT NULL, superseded TEXT NOT NULL DEFAULT '')""",
            "CREATE INDEX IF NOT EXISTS by_status ON contributions (status, submitted)",
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE … COMMIT
        )
        self._lock = threading.Lock()

    def add(self, contribution: Contribution, triples: list[Triple]) -> None:
        c = contribution
        with self._lock:
            self._db.execute(
                f"INSERT INTO contributions ({', '.join(_COLUMNS)}, data) "  # noqa: S608
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
                (
                    c.id, c.status, c.contributor, c.contributor_label, c.submitted.isoformat(),
                    c.source, c.licence, c.media_type, c.statements,
                    json.dumps([f.as_json() for f in c.findings], ensure_ascii=False),
                    json.dumps(c.notes, ensure_ascii=False), c.reviewer, c.reviewer_label,
                    None if c.reviewed is None else c.reviewed.isoformat(), c.reason,
                    to_ntriples(triples),
                ),
            )  # fmt: skip

    def get(self, contribution_id: str) -> Contribution | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM contributions WHERE id = ?",  # noqa: S608
                (contribution_id,),
            ).fetchone()
        return None if row is None else _row(row)

    def find(self, status: str | None = None, contributor: str | None = None) -> list[Contribution]:
        """Contributions, oldest first, of one status and one contributor if given."""
        clauses, values = [], []
        if status is not None:
            clauses.append("status = ?")
            values.append(status)
        if contributor is not None:
            clauses.append("contributor = ?")
            values.append(contributor)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM contributions {where} "  # noqa: S608
                "ORDER BY submitted, id",
                values,
            ).fetchall()
        return [_row(row) for row in rows]

    def data(self, contribution_id: str) -> list[Triple]:
        """The statements of a contribution."""
        text = self._text("data", contribution_id)
        return [q.triple for q in parse(text.encode("utf-8"), format=RdfFormat.N_TRIPLES)]

    def superseded(self, contribution_id: str) -> list[Quad]:
        """What accepting the contribution took from earlier contributions (to give it back
        on revert)."""
        text = self._text("superseded", contribution_id)
        return list(parse(text.encode("utf-8"), format=RdfFormat.N_QUADS))

    def _text(self, column: str, contribution_id: str) -> str:
        assert column in ("data", "superseded")
        with self._lock:
            row = self._db.execute(
                f"SELECT {column} FROM contributions WHERE id = ?",  # noqa: S608
                (contribution_id,),
            ).fetchone()
        return "" if row is None else str(row[0])

    def move(
        self, contribution_id: str, expected: tuple[str, ...], status: str, **values: object
    ) -> bool:
        """Set the status (and other columns) if the status is one of `expected`; False if not."""
        assert status in STATUSES
        assert set(values) <= {*_COLUMNS, "superseded"}
        assignments = ", ".join(f"{name} = ?" for name in ("status", *values))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                changed = self._db.execute(
                    f"UPDATE contributions SET {assignments} "  # noqa: S608
                    f"WHERE id = ? AND status IN ({', '.join('?' * len(expected))})",
                    (status, *values.values(), contribution_id, *expected),
                ).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return bool(changed)

    def close(self) -> None:
        self._db.close()


def now() -> datetime:
    """The time of an event, to the microsecond (reviews are ordered by it)."""
    return datetime.now(UTC)
