"""The data files of the layout before the database: one SQLite file per concept in the data
directory. Each one found is imported once, whole, in one transaction with the record that it
was (`legacy_import`), so that a deployment loses nothing when it moves to the database, and a
process stopped halfway imports it again from the start. Rows the database already holds (the
same key) are kept as they are. The files themselves are left in place, untouched.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Table, insert, select

from commonsgraph import safetext
from commonsgraph.database import Database
from commonsgraph.database.tables import (
    candidate,
    contribution,
    harvest_status,
    legacy_import,
    quarantine,
    token,
)
from commonsgraph.errors import DataSyntaxError

logger = safetext.logger("commonsgraph.database")

FILES: dict[str, tuple[tuple[str, Table], ...]] = {
    "tokens.sqlite3": (("tokens", token),),
    "contributions.sqlite3": (("contributions", contribution),),
    "harvests.sqlite3": (("status", harvest_status), ("quarantine", quarantine)),
    "reconciliation.sqlite3": (("candidate", candidate),),
}
"""Each legacy file, its tables and the table of the database their rows go to (the columns
kept their names)."""


@dataclass(frozen=True)
class Imported:
    file: Path
    rows: int
    """Rows added (rows already in the database are not counted)."""


def import_files(database: Database, directory: Path) -> list[Imported]:
    """Import the legacy files of `directory` not imported yet."""
    imported = []
    for name, tables in FILES.items():
        path = (directory / name).resolve()
        if path.is_file():
            rows = import_file(database, path, tables)
            if rows is not None:
                imported.append(Imported(path, rows))
                logger.info("imported %s rows from %s into the database", rows, path)
    return imported


def import_file(
    database: Database, path: Path, tables: tuple[tuple[str, Table], ...]
) -> int | None:
    """Import one file's rows (None when it was imported before)."""
    try:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise DataSyntaxError(path.name, f"cannot be read: {error}") from None
    try:
        with database.transaction() as connection:
            database.lock(connection, "legacy-import")
            done = connection.scalar(
                select(legacy_import.c.file).where(legacy_import.c.file == str(path))
            )
            if done is not None:
                return None
            added = 0
            for old, table in tables:
                rows = _rows(source, old, table, path)
                keys = [column.name for column in table.primary_key.columns]
                existing = {
                    tuple(found)
                    for found in connection.execute(select(*(table.c[k] for k in keys)))
                }
                fresh = [row for row in rows if tuple(row[k] for k in keys) not in existing]
                if fresh:
                    connection.execute(insert(table), fresh)
                added += len(fresh)
            connection.execute(
                insert(legacy_import).values(
                    file=str(path), imported=datetime.now(UTC).isoformat(), rows=added
                )
            )
            return added
    finally:
        source.close()


def _rows(
    source: sqlite3.Connection, old: str, table: Table, path: Path
) -> list[dict[str, object]]:
    """The rows of the legacy table `old`, by the columns it shares with `table` (none when the
    file never had that table)."""
    try:
        present = [row[1] for row in source.execute(f"PRAGMA table_info({old})")]
        columns = [name for name in present if name in table.c]
        if not columns:
            return []
        cursor = source.execute(f"SELECT {', '.join(columns)} FROM {old}")  # noqa: S608
        return [dict(zip(columns, row, strict=True)) for row in cursor]
    except sqlite3.Error as error:
        raise DataSyntaxError(path.name, f"cannot be read: {error}") from None
