"""What the harvester remembers, in SQLite beside the store: each source's last attempt, last
success and last error with their counts (the status page), the validators its partner gave
(ETag, Last-Modified) and the time to ask changes since; and the quarantine: records that did
not pass the shapes, with their report, out of the public graph.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse, serialize

from commonsgraph.database import connect
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
    """Source statuses and the quarantine (in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self._db = connect(
            path,
            """CREATE TABLE IF NOT EXISTS status (
                 name TEXT PRIMARY KEY, last_attempt TEXT, last_success TEXT,
                 last_error TEXT, last_error_at TEXT, records INTEGER NOT NULL DEFAULT 0,
                 published INTEGER NOT NULL DEFAULT 0, quarantined INTEGER NOT NULL DEFAULT 0,
                 statements INTEGER NOT NULL DEFAULT 0, etag TEXT, last_modified TEXT,
                 since TEXT)""",
            """CREATE TABLE IF NOT EXISTS quarantine (
                 source TEXT NOT NULL, record TEXT NOT NULL, harvested TEXT NOT NULL,
                 findings TEXT NOT NULL, statements TEXT NOT NULL,
                 PRIMARY KEY (source, record))""",
        )
        self._lock = threading.Lock()

    def status(self, name: str) -> SourceStatus:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_STATUS)} FROM status WHERE name = ?",  # noqa: S608
                (name,),
            ).fetchone()
        return SourceStatus(name) if row is None else _status(row)

    def attempted(self, name: str, moment: datetime) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO status (name, last_attempt) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET last_attempt = excluded.last_attempt",
                (name, moment.isoformat()),
            )

    def failed(self, name: str, moment: datetime, error: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE status SET last_error = ?, last_error_at = ? WHERE name = ?",
                (error, moment.isoformat(), name),
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
        with self._lock, self._db:
            if quarantine is not None:
                if replaced is None:
                    self._db.execute("DELETE FROM quarantine WHERE source = ?", (name,))
                else:
                    self._db.executemany(
                        "DELETE FROM quarantine WHERE source = ? AND record = ?",
                        [(name, record) for record in replaced],
                    )
                self._db.executemany(
                    "INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            q.source,
                            q.record,
                            q.harvested.isoformat(),
                            json.dumps([f.as_json() for f in q.findings], ensure_ascii=False),
                            (serialize(q.statements, format=RdfFormat.N_TRIPLES) or b"").decode(),
                        )
                        for q in quarantine
                    ],
                )
            quarantined = self._db.execute(
                "SELECT COUNT(*) FROM quarantine WHERE source = ?", (name,)
            ).fetchone()[0]
            self._db.execute(
                "UPDATE status SET last_success = ?, records = ?, published = ?, "
                "quarantined = ?, statements = ?, etag = ?, last_modified = ?, since = ? "
                "WHERE name = ?",
                (
                    started.isoformat(), records, published, quarantined, statements, etag,
                    last_modified, started.isoformat(), name,
                ),
            )  # fmt: skip

    def quarantine(self, name: str) -> list[Quarantined]:
        with self._lock:
            rows = self._db.execute(
                "SELECT source, record, harvested, findings, statements FROM quarantine "
                "WHERE source = ? ORDER BY record",
                (name,),
            ).fetchall()
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
        with self._lock, self._db:
            self._db.execute("DELETE FROM status WHERE name = ?", (name,))
            self._db.execute("DELETE FROM quarantine WHERE source = ?", (name,))

    def close(self) -> None:
        self._db.close()
