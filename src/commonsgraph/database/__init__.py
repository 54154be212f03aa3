"""The service's own state, everything it keeps besides the graph (tokens, contributions,
harvests, reconciliation, the shared data version), in one database that every process of a
deployment shares: SQLite at `<data dir>/commonsgraph.sqlite3` by default (nothing to
install), PostgreSQL when `COMMONSGRAPH_DATABASE` names one. SQLAlchemy Core speaks to both;
the schema is made and changed by Alembic revisions (`migrations/versions`), run when the
database is opened and by `commonsgraph db upgrade`.

Several processes stay consistent by three means: conditional updates (a compare-and-set
changes one row or none), locks held for a transaction (`Database.lock`: PostgreSQL's advisory
locks; SQLite takes the whole file for every transaction), and leases for work one process
does for all (`Database.hold`: the harvest schedule).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from commonsgraph import safetext
from commonsgraph.config import Settings
from commonsgraph.database.tables import data_version, lease
from commonsgraph.database.version import CHANNEL, VersionWatch
from commonsgraph.errors import ConfigError, StoreError

FILE = "commonsgraph.sqlite3"
"""The database in the data directory, when no other is configured."""
MIGRATIONS = Path(__file__).parent / "migrations"
logger = safetext.logger("commonsgraph.database")


def database_url(settings: Settings) -> URL:
    """Where the database is: `settings.database` (its password from
    `settings.database_password` when given apart), else the file in the data directory,
    else memory."""
    if settings.database:
        try:
            url = make_url(settings.database)
        except ArgumentError:
            raise ConfigError("COMMONSGRAPH_DATABASE is not a database URL") from None
        if url.get_backend_name() == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        elif url.get_backend_name() != "sqlite":
            raise ConfigError(
                "COMMONSGRAPH_DATABASE must be a postgresql:// or sqlite:/// URL, "
                f"got {url.get_backend_name()}://…"
            )
        if settings.database_password:
            url = url.set(password=settings.database_password)
        return url
    if settings.data_dir is None:
        return make_url("sqlite://")
    return URL.create("sqlite", database=str(settings.data_dir / FILE))


def _key(name: str) -> int:
    """A lock's name as PostgreSQL's advisory lock key (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Database:
    """A database of the service's state; `Database.open(settings)` in programs,
    `Database.memory()` in tests that need no file."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
        # one connection in memory: its transactions are taken in turn
        self._serial = threading.RLock() if memory else None
        self._locks: dict[str, threading.Lock] = {}
        self._watch = VersionWatch(engine, self._read_version)

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> Database:
        """The deployment's database, its schema brought up to date and the data files of
        the layout before it imported (see `legacy`), unless `upgrade` is False."""
        database = cls(_engine(database_url(settings)))
        if upgrade:
            database.upgrade()
            if settings.data_dir is not None:
                from commonsgraph.database.legacy import import_files

                import_files(database, settings.data_dir)
        return database

    @classmethod
    def memory(cls) -> Database:
        """A database in memory, up to date (for tests and `:memory:` deployments)."""
        database = cls(_engine(make_url("sqlite://")))
        database.upgrade()
        return database

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)})"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction, committed at the end of the block (rolled back if it
        raises). Database errors are translated here, once."""
        with self._serial or nullcontext():
            try:
                with self.engine.begin() as connection:
                    yield connection
            except SQLAlchemyError as error:
                raise StoreError(f"the database failed: {_reason(error)}") from None

    def lock(self, connection: Connection, name: str) -> None:
        """Hold the lock `name` until `connection`'s transaction ends: one process at a time
        runs what follows (SQLite: every transaction already holds the whole file)."""
        if self.postgresql:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Run the block alone: one thread of one process at a time holds `name` (for work
        that reads then writes the graph, like a review). Its own transactions are apart.
        A process that dies lets go of it (PostgreSQL ends its session); SQLite serves one
        machine, where a lock of this process is enough."""
        with self._locks.setdefault(name, threading.Lock()):
            if not self.postgresql:
                yield
                return
            try:
                connection = self.engine.connect()
                connection.begin()
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})
            except SQLAlchemyError as error:
                raise StoreError(f"the database failed: {_reason(error)}") from None
            try:
                yield
            finally:
                connection.close()  # rolls back: the lock goes with the transaction

    # -- the shared data version ----------------------------------------------------------------

    def version(self) -> int:
        """The data version: a number every write to the graph bumps, in any process (read
        from memory while nothing changed: `version.VersionWatch`)."""
        return self._watch.version()

    @property
    def version_watched(self) -> bool:
        """Whether `version` reads from memory now (see `version.VersionWatch`)."""
        return self._watch.watching

    def _read_version(self) -> int:
        with self.transaction() as connection:
            return int(connection.scalar(select(data_version.c.version)) or 0)

    def bump(self) -> int:
        """Count a write to the graph; the new version (other processes are notified of it
        when the transaction commits)."""
        with self.transaction() as connection:
            connection.execute(update(data_version).values(version=data_version.c.version + 1))
            version = int(connection.scalar(select(data_version.c.version)) or 0)
            if self.postgresql:
                connection.execute(
                    text("SELECT pg_notify(:channel, :version)"),
                    {"channel": CHANNEL, "version": str(version)},
                )
        self._watch.wrote(version)
        return version

    # -- leases --------------------------------------------------------------------------------

    def hold(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew the lease `name` for `seconds`: True if `holder` has it now, False
        while another holder's lease runs (clocks of the machines are taken as agreeing within
        a few seconds)."""
        moment = time.time()
        with self.transaction() as connection:
            self.lock(connection, f"lease:{name}")
            row = connection.execute(
                select(lease.c.holder, lease.c.expires).where(lease.c.name == name)
            ).first()
            if row is None:
                connection.execute(
                    insert(lease).values(name=name, holder=holder, expires=moment + seconds)
                )
            elif row.holder == holder or row.expires < moment:
                connection.execute(
                    update(lease)
                    .where(lease.c.name == name)
                    .values(holder=holder, expires=moment + seconds)
                )
            else:
                return False
        return True

    def release(self, name: str, holder: str) -> None:
        """Give the lease up, if `holder` has it."""
        with self.transaction() as connection:
            connection.execute(lease.delete().where(lease.c.name == name, lease.c.holder == holder))

    # -- the schema ----------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Bring the schema to the latest revision (one process at a time)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.transaction() as connection:
            self.lock(connection, "schema")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The schema's current revision (None before the first)."""
        with self.transaction() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self._watch.close()
        self.engine.dispose()


def _engine(url: URL) -> Engine:
    options: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url.database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
        else:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        file = url.database not in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def connected(dbapi_connection: Any, record: object) -> None:
            dbapi_connection.isolation_level = None  # transactions begun below, not by sqlite3
            if file:
                dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "begin")
        def begun(connection: Connection) -> None:
            # the file is taken at the start: a transaction that reads then writes never
            # meets another writer in between
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _reason(error: SQLAlchemyError) -> str:
    """What went wrong, without the statement or its parameters."""
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).strip().splitlines()[0][:300]


__all__ = ["FILE", "Database", "database_url"]
