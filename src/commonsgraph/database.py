"""The SQLite files kept beside the store (tokens, the contributions ledger, harvest statuses,
the reconciliation report), all opened the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def connect(path: Path | None, *schema: str, **options: Any) -> sqlite3.Connection:
    """A connection to the database at `path` (in memory when None) that any thread may use
    (its owner serialises access), after running the `schema` statements."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    database: sqlite3.Connection = sqlite3.connect(
        ":memory:" if path is None else str(path),
        check_same_thread=False,
        **{"timeout": 30, **options},
    )
    with database:
        for statement in schema:
            database.execute(statement)
    return database
