"""What the harvester remembers, in the database (`database`): each source's last attempt, last
success and last error with their counts (the status page), the validators its partner gave
(ETag, Last-Modified) and the time to ask changes since; and the quarantine: records that did
not pass the shapes, with their report, out of the public graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import RdfFormat, Triple, parse, serialize
from sqlalchemy import delete, func, insert, select, update

from commonsgraph.database import Database
from commonsgraph.database.tables import harvest_status as status
from commonsgraph.database.tables import quarantine as table
from commonsgraph.validation import Finding


@dataclass(frozen=True)
class SourceStatus:
    name: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    records: int = 0
    """Records the partner gave at the last success."""
    published: int = 0
    quarantined: int = 0
    statements: int = 0
    etag: str | None = None
    last_modified: str | None = None
    since: str | None = None
    """When the last success started: the next incremental harvest asks for changes since."""

    @property
    def healthy(self) -> bool:
        """No error since the last success."""
        return self.last_error_at is None or (
            self.last_success is not None and self.last_success >= self.last_error_at
        )


@dataclass(frozen=True)
class Quarantined:
    source: str
    record: str
    harvested: datetime
    findings: list[Finding]
    statements: list[Triple]


_STATUS = (
    "name", "last_attempt", "last_success", "last_error", "last_error_at", "records",
    "published", "quarantined", "statements", "etag", "last_modified", "since",
)  # fmt: skip
_TIMES = {"last_attempt", "last_success", "last_error_at"}


def _status(row: tuple[object, ...]) -> SourceStatus:
    values = dict(zip(_STATUS, row, strict=True))
    for key in _TIMES:
        value = values[key]
        values[key] = None if value is None else datetime.fromisoformat(str(value))
    return SourceStatus(**values)  # type: ignore[arg-type]


class HarvestLedger:
    """Source statuses and the quarantine, in the database (`database.tables.harvest_status`,
    `quarantine`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def status(self, name: str) -> SourceStatus:
        with self.database.transaction() as connection:
            row = connection.execute(select(*_SELECTED).where(status.c.name == name)).first()
        return SourceStatus(name) if row is None else _status(tuple(row))

    def attempted(self, name: str, moment: datetime) -> None:
        with self.database.transaction() as connection:
            self.database.lock(connection, f"harvest-status:{name}")
            changed = connection.execute(
                update(status).where(status.c.name == name).values(last_attempt=moment.isoformat())
            ).rowcount
            if not changed:
                connection.execute(
                    insert(status).values(name=name, last_attempt=moment.isoformat())
                )

    def failed(self, name: str, moment: datetime, error: str) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                update(status)
                .where(status.c.name == name)
                .values(last_error=error, last_error_at=moment.isoformat())
            )

    def succeeded(
        self,
        name: str,
        started: datetime,
        *,
        records: int,
        published: int,
        statements: int,
        etag: str | None,
        last_modified: str | None,
        quarantine: list[Quarantined] | None,
        replaced: set[str] | None = None,
    ) -> None:
        """Record a success. `quarantine` replaces the source's quarantine (a full harvest),
        or, with `replaced`, only the records harvested again (an incremental one)."""
        with self.database.transaction() as connection:
            self.database.lock(connection, f"harvest-status:{name}")
            if quarantine is not None:
                mine = table.c.source == name
                if replaced is None:
                    connection.execute(delete(table).where(mine))
                gone = {q.record for q in quarantine} | (replaced or set())
                for record in sorted(gone):
                    connection.execute(delete(table).where(mine, table.c.record == record))
                if quarantine:
                    connection.execute(
                        insert(table),
                        [
                            {
                                "source": q.source,
                                "record": q.record,
                                "harvested": q.harvested.isoformat(),
                                "findings": json.dumps(
                                    [f.as_json() for f in q.findings], ensure_ascii=False
                                ),
                                "statements": (
                                    serialize(q.statements, format=RdfFormat.N_TRIPLES) or b""
                                ).decode(),
                            }
                            for q in quarantine
                        ],
                    )
            quarantined = connection.scalar(
                select(func.count()).select_from(table).where(table.c.source == name)
            )
            connection.execute(
                update(status)
                .where(status.c.name == name)
                .values(
                    last_success=started.isoformat(), records=records, published=published,
                    quarantined=quarantined, statements=statements, etag=etag,
                    last_modified=last_modified, since=started.isoformat(),
                )
            )  # fmt: skip

    def quarantine(self, name: str) -> list[Quarantined]:
        with self.database.transaction() as connection:
            rows = connection.execute(
                select(
                    table.c.source, table.c.record, table.c.harvested, table.c.findings,
                    table.c.statements,
                )
                .where(table.c.source == name)
                .order_by(table.c.record)
            ).all()  # fmt: skip
        return [
            Quarantined(
                source=row[0],
                record=row[1],
                harvested=datetime.fromisoformat(row[2]),
                findings=[Finding.from_json(f) for f in json.loads(row[3])],
                statements=[q.triple for q in parse(row[4].encode(), format=RdfFormat.N_TRIPLES)],
            )
            for row in rows
        ]

    def forget(self, name: str) -> None:
        """A source removed: its status and quarantine go with it."""
        with self.database.transaction() as connection:
            connection.execute(delete(status).where(status.c.name == name))
            connection.execute(delete(table).where(table.c.source == name))


_SELECTED = tuple(status.c[name] for name in _STATUS)
