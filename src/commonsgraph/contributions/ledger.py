"""The ledger of contributions: every upload, its statements, its report and its review, in
the database (`database`). Staged statements live here, not in the store, so that nothing
pending can reach a public query or page.

A contribution moves through these statuses; a move is a compare-and-set (one conditional
update), so that two curators (or two processes, on two machines) cannot both review the same
one:

    invalid ─ validation found violations (kept so that the contributor can read the report)
            └─> rejected (a curator closes it, saying why)
    pending ─┬─> accepting ─> accepted ─> reverting ─> reverted
             └─> rejected

`accepting` and `reverting` last while the public store is written (one atomic update);
`Contributions.recover` settles any left by a process that died in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import Quad, RdfFormat, Triple, parse, serialize
from sqlalchemy import insert, select, update

from commonsgraph.database import Database
from commonsgraph.database.tables import contribution as table
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
    """The contributions, in the database (`database.tables.contribution`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, contribution: Contribution, triples: list[Triple]) -> None:
        c = contribution
        with self.database.transaction() as connection:
            connection.execute(
                insert(table).values(
                    id=c.id, status=c.status, contributor=c.contributor,
                    contributor_label=c.contributor_label, submitted=c.submitted.isoformat(),
                    source=c.source, licence=c.licence, media_type=c.media_type,
                    statements=c.statements,
                    findings=json.dumps([f.as_json() for f in c.findings], ensure_ascii=False),
                    notes=json.dumps(c.notes, ensure_ascii=False), reviewer=c.reviewer,
                    reviewer_label=c.reviewer_label,
                    reviewed=None if c.reviewed is None else c.reviewed.isoformat(),
                    reason=c.reason, data=to_ntriples(triples),
                )
            )  # fmt: skip

    def get(self, contribution_id: str) -> Contribution | None:
        with self.database.transaction() as connection:
            row = connection.execute(select(*_SELECTED).where(table.c.id == contribution_id))
            found = row.first()
        return None if found is None else _row(tuple(found))

    def find(self, status: str | None = None, contributor: str | None = None) -> list[Contribution]:
        """Contributions, oldest first, of one status and one contributor if given."""
        query = select(*_SELECTED).order_by(table.c.submitted, table.c.id)
        if status is not None:
            query = query.where(table.c.status == status)
        if contributor is not None:
            query = query.where(table.c.contributor == contributor)
        with self.database.transaction() as connection:
            rows = connection.execute(query).all()
        return [_row(tuple(row)) for row in rows]

    def describing(self, subject: str, statuses: tuple[str, ...]) -> bool:
        """Whether a contribution of one of `statuses` makes statements about `subject` (an
        IRI): its N-Triples hold a line that starts with it."""
        line = f"<{subject}> "
        query = select(table.c.id).where(
            table.c.status.in_(statuses),
            table.c.data.startswith(line, autoescape=True)
            | table.c.data.contains("\n" + line, autoescape=True),
        )
        with self.database.transaction() as connection:
            return connection.execute(query.limit(1)).first() is not None

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
        with self.database.transaction() as connection:
            value = connection.scalar(select(table.c[column]).where(table.c.id == contribution_id))
        return "" if value is None else str(value)

    def move(
        self, contribution_id: str, expected: tuple[str, ...], status: str, **values: object
    ) -> bool:
        """Set the status (and other columns) if the status is one of `expected`; False if not:
        one conditional update, so that of two processes moving it at once one wins."""
        assert status in STATUSES
        assert set(values) <= {*_COLUMNS, "superseded"}
        with self.database.transaction() as connection:
            changed = connection.execute(
                update(table)
                .where(table.c.id == contribution_id, table.c.status.in_(expected))
                .values(status=status, **values)
            ).rowcount
        return bool(changed)


_SELECTED = tuple(table.c[name] for name in _COLUMNS)


def now() -> datetime:
    """The time of an event, to the microsecond (reviews are ordered by it)."""
    return datetime.now(UTC)
