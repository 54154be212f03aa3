"""The shared data version, read without a database query per read.

Every cache and ETag of every process follows the data version (a number every write to the
graph bumps, kept in the database's `data_version` row), and a cached page is checked against
it on every hit, on the event loop: a query there per hit cost half a millisecond (SQLite) or
a round trip (PostgreSQL). So the number is kept in memory and read again only when a cheap
signal says the database changed:

- SQLite: `PRAGMA data_version` on a connection of this watch's own, which changes whenever
  another connection (of this process or another) commits; it reads the shared memory of the
  write-ahead log, not the file (microseconds). Strict: a commit is seen by the next read.
- PostgreSQL: a bump notifies (`pg_notify`, delivered at its commit, with the new number) and a
  thread of this watch listens. A process sees its own writes at once, another's once
  PostgreSQL delivered the notification (it is sent before the writer answers its client, so
  in practice before any reader hears of the write). While the listener is not connected
  (starting, or after losing its connection), reads go to the database.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from commonsgraph import safetext

CHANNEL = "commonsgraph_data_version"
"""PostgreSQL's notification channel of the data version."""
READ = "SELECT version FROM data_version"
LISTENER = "commonsgraph data version"
"""The listener's name in PostgreSQL's `pg_stat_activity`."""
logger = safetext.logger("commonsgraph.database")


class VersionWatch:
    """The data version of the database behind `engine`, kept current cheaply; `read` reads
    it from the database (the fallback, and the only way for a database in memory)."""

    def __init__(self, engine: Engine, read: Callable[[], int]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._known: int | None = None
        self._closed = threading.Event()
        self._file: sqlite3.Connection | None = None
        self._signal: int | None = None
        self._listener: threading.Thread | None = None
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._file = sqlite3.connect(
                url.database, check_same_thread=False, timeout=30, isolation_level=None
            )
        elif url.get_backend_name() == "postgresql":
            conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._listener = threading.Thread(  # started by the first read (after migrations)
                target=self._listen, args=(conninfo,), name="data-version", daemon=True
            )

    @property
    def watching(self) -> bool:
        """Whether reads are served from memory now (PostgreSQL: the listener is connected)."""
        return self._file is not None or self._known is not None

    def version(self) -> int:
        """The data version now."""
        if self._listener is not None and self._listener.ident is None:
            with self._lock:
                if self._listener.ident is None:
                    self._listener.start()
        if self._file is not None:
            with self._lock:
                signal = int(self._file.execute("PRAGMA data_version").fetchone()[0])
                if signal != self._signal or self._known is None:
                    self._known = int(self._file.execute(READ).fetchone()[0])
                    self._signal = signal
                return self._known
        known = self._known
        return known if known is not None else self._read()

    def wrote(self, version: int) -> None:
        """This process bumped the version to `version` (seen at once, whatever the signal)."""
        if self._listener is not None:
            self._raise(version)

    def _raise(self, version: int) -> None:
        with self._lock:
            if self._known is not None and version > self._known:
                self._known = version

    def _listen(self, conninfo: str) -> None:
        """Follow the notifications of bumps, reconnecting after a lost connection (said once
        in the log, not at every attempt)."""
        told = False
        while not self._closed.is_set():
            try:
                with psycopg.connect(
                    conninfo, autocommit=True, application_name=LISTENER
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    row = connection.execute(READ).fetchone()
                    with self._lock:  # listening before reading: no bump falls between
                        self._known = int(row[0]) if row else 0
                    told = False
                    while not self._closed.is_set():
                        for note in connection.notifies(timeout=1.0):
                            self._raise(int(note.payload))
            except (psycopg.Error, ValueError) as error:
                if not told:
                    logger.warning("the data version's listener is not connected: %s", error)
                    told = True
            with self._lock:
                self._known = None  # read from the database until listening again
            self._closed.wait(1.0)

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None and self._listener.ident is not None:
            self._listener.join(timeout=5)
        if self._file is not None:
            self._file.close()
