"""The search index: the graph's named resources in SQLite FTS5, kept up to date as the data
changes.

Each process keeps its own index file in the data directory (`search/index-{pid}.sqlite3`,
files of processes that are gone are removed), written by one thread at a time and read by
every thread on its own connection (WAL: readers see the last committed state). Names are
tokenized by FTS5's `unicode61` with diacritics removed (`remove_diacritics 2`), so "Gueret"
finds "Guéret"; each word of a query is a prefix ("fab nan" finds "FabLab de Nantes").

The index remembers the data version it reflects. When the store's version moves, it asks the
store which subjects the writes since then changed (`LocalStore.changes_since`), reads again the
entries of those and of the resources that show them (`entries.dependants`), and replaces them;
when the store cannot tell (an update given as SPARQL text, a remote store, another process),
it rebuilds the whole index.

Resources that `owl:sameAs` links are one thing and one hit (`clusters`): the entry of the
canonical member holds the names of all (each still matches) and the facets of all, so that
totals and facet counts count the thing once; the others keep an entry of their own (for
`get`) without names. Adding or removing a link is a change like any other: the entries of
both groups, before and after, are read again.

Ranking: a name equal to the query first, then one that starts with it as whole words, then
one that starts with it, then one where it is made of whole words, then the rest; within each,
the kind asked for, then the kinds people look for first (`search.priority`), then shorter
names.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from commonsgraph.store import Store
from commonsgraph.textindex import clusters, tables
from commonsgraph.textindex.entries import FACETS, dependants, read
from commonsgraph.vocab import fold

__all__ = ["FACETS", "Facet", "Hit", "Results", "SearchIndex"]

log = logging.getLogger(__name__)

MAX_PAGE = 100
FACET_VALUES = 30
"""Values shown per facet, the most frequent first."""

_CLOSENESS = """CASE WHEN n.folded = :needle THEN 0
  WHEN n.folded LIKE :needle || ' %' THEN 1
  WHEN n.folded LIKE :needle || '%' THEN 2
  WHEN ' ' || n.folded || ' ' LIKE '% ' || :needle || ' %' THEN 3 ELSE 4 END"""


@runtime_checkable
class Journaled(Protocol):
    """A store that can tell which subjects changed since a data version."""

    def changes_since(self, version: str) -> frozenset[str] | None: ...


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str | None
    place: str
    """Its commune, else its country or area ("" when it has none)."""
    summary: str
    same: tuple[str, ...] = ()
    """The other resources that are the same thing (owl:sameAs), grouped with it."""


@dataclass(frozen=True)
class Facet:
    name: str
    values: list[tuple[str, str, int]]
    """(value, label, count), the most frequent first."""


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    facets: list[Facet] = field(default_factory=list)


@dataclass(frozen=True)
class Refresh:
    """What bringing the index up to date did."""

    rebuilt: bool
    entries: int
    """Entries written."""
    seconds: float


def match_expression(query: str) -> str | None:
    """The FTS5 query for `query`: each folded word a prefix, all of them required (folded words
    are letters and digits only: nothing of FTS5's syntax gets through)."""
    words = fold(query).split()
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


class SearchIndex:
    """The search index of one process over `store`, in `directory` (a temporary directory
    when None: an in-memory store).

    A full rebuild writes a new file while the previous one keeps answering, then replaces it
    in one step (readers open the new file on their next query). Searches never wait for one
    when an index exists: they start it in the background (`refresh(wait=False)`); only the
    very first search of a process waits for the first index (`start` builds it at service
    start, in the background)."""

    def __init__(self, store: Store, directory: Path | None) -> None:
        self.store = store
        self._temporary = directory is None
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="cg-search-"))
        directory.mkdir(parents=True, exist_ok=True)
        _remove_orphans(directory)
        for path in directory.glob(f"index-{os.getpid()}[-.]*"):
            path.unlink(missing_ok=True)
        self.directory = directory
        self.before_swap: Callable[[], object] | None = None
        """Called in the rebuilding thread once a new index is written, before it replaces
        the previous one (a hook for tests: hold a rebuild while searches go on)."""
        self._write_lock = threading.Lock()
        """Held while the current file is written, replaced, or a reader opens it."""
        self._rebuild_lock = threading.Lock()
        """One full rebuild at a time."""
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._path: Path | None = None
        self._generation = 0
        self._version: str | None = None
        self._builder: threading.Thread | None = None
        self._closed = False

    @property
    def path(self) -> Path | None:
        """The file searches read (None before the first build)."""
        return self._path

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        local = self._local
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is None or local.generation != self._generation:
            with self._write_lock:  # the file is not replaced while it is opened
                if connection is not None:
                    self._forget(connection)
                assert self._path is not None
                connection = sqlite3.connect(self._path, check_same_thread=False, timeout=30)
                connection.execute("PRAGMA synchronous=OFF")  # rebuilt when a process starts
                local.connection, local.generation = connection, self._generation
                self._connections.append(connection)
        yield connection

    def _forget(self, connection: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
        with contextlib.suppress(ValueError):
            self._connections.remove(connection)

    def close(self) -> None:
        with self._write_lock:
            self._closed = True
            builder = self._builder
        if builder is not None:
            builder.join()
        with self._write_lock:
            for connection in list(self._connections):
                self._forget(connection)
            if self._path is not None:
                tables.unlink(self._path)
        if self._temporary:
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- keeping up with the data -------------------------------------------------------------

    def start(self) -> None:
        """Build the index in the background (the service does at start, so that the first
        search does not wait for it)."""
        self._rebuild_in_background()

    def refresh(self, *, wait: bool = True) -> Refresh | None:
        """Bring the index up to the store's data version (None: it was). What the store says
        changed is written at once; when it cannot say, the whole index is rebuilt: here, or
        when `wait` is False and an index exists, in the background (None is returned and the
        previous index answers until the new one replaces it)."""
        version = self.store.data_version()
        if self._path is not None and version is not None and version == self._version:
            return None
        with self._write_lock:
            if self._path is not None and version is not None and version == self._version:
                return None
            current, changed = self._path, None
            if (
                current is not None
                and self._version is not None
                and isinstance(self.store, Journaled)
            ):
                changed = self.store.changes_since(self._version)
            if current is not None and changed is not None:
                started = time.perf_counter()
                iris = set(changed) | dependants(self.store, changed) if changed else set()
                with contextlib.closing(sqlite3.connect(current)) as connection:
                    iris, links = tables.widened(self.store, connection, iris)
                    entries = read(self.store, iris) if iris else {}
                    tables.update(connection, entries, iris, links)
                self._version = version
                return Refresh(False, len(entries), time.perf_counter() - started)
            exists = self._path is not None
        if wait or not exists:
            return self._rebuild()
        self._rebuild_in_background()
        return None

    def _rebuild_in_background(self) -> None:
        with self._write_lock:
            if self._closed or (self._builder is not None and self._builder.is_alive()):
                return
            self._builder = threading.Thread(
                target=self._rebuild_logged, name="search-index", daemon=True
            )
            self._builder.start()

    def _rebuild_logged(self) -> None:
        try:
            self._rebuild()
        except Exception:  # the previous index answers; the next search tries again
            log.exception("rebuilding the search index failed")

    def _rebuild(self) -> Refresh | None:
        """Write a new index from the whole store, then put it in place of the previous one."""
        with self._rebuild_lock:
            version = self.store.data_version()
            if self._path is not None and version is not None and version == self._version:
                return None  # another thread rebuilt it meanwhile
            started = time.perf_counter()
            entries = read(self.store)  # its rows listed in this thread
            links = clusters.links(self.store)
            path = self.directory / f"index-{os.getpid()}-{self._generation + 1}.sqlite3"
            try:
                tables.build(path, entries, links)
                if self.before_swap is not None:
                    self.before_swap()
            except BaseException:
                tables.unlink(path)  # nothing half-written is left
                raise
            with self._write_lock:
                if self._closed:
                    tables.unlink(path)
                    return None
                previous, self._path = self._path, path
                self._generation += 1
                self._version = version
                if previous is not None:
                    tables.unlink(previous)  # its readers keep their open file until they reopen
            return Refresh(True, len(entries), time.perf_counter() - started)

    # -- searching ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        filters: Mapping[str, Sequence[str]] | None = None,
        kind: str | None = None,
        lang: str = "fr",
        offset: int = 0,
        limit: int = 20,
        facets: bool = True,
    ) -> Results:
        """The resources whose names hold every word of `query` as a prefix, in `filters`
        (facet: values, any of them), best first; `kind`: the kind asked for, first."""
        self.refresh(wait=False)
        expression = match_expression(query)
        if expression is None:
            return Results(0, [])
        limit = max(0, min(limit, MAX_PAGE))
        offset = max(0, offset)
        needle = " ".join(fold(query).split())
        conditions, parameters = _filtering(filters or {})
        parameters.update({"match": expression, "needle": needle, "kind": kind or "", "lang": lang})
        matched = f"""SELECT n.entry AS entry, MIN({_CLOSENESS}) AS closeness,
                        MIN(length(n.folded)) AS length
                      FROM name n WHERE name MATCH :match GROUP BY n.entry"""  # noqa: S608 (ours)
        with self._connection() as connection:
            connection.execute("DROP TABLE IF EXISTS temp.hits")
            connection.execute(
                f"""CREATE TEMP TABLE hits AS SELECT m.entry, m.closeness, m.length
                    FROM ({matched}) m {conditions}""",  # noqa: S608 (parameters bound)
                parameters,
            )
            total = connection.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
            rows = connection.execute(
                f"""SELECT e.iri, e.label_{_lang(lang)}, e.kind, e.place, e.summary_{_lang(lang)}
                    FROM temp.hits h JOIN entry e ON e.id = h.entry
                    ORDER BY h.closeness, e.kind IS NOT :kind, e.priority, h.length,
                             e.label_fr, e.iri
                    LIMIT :limit OFFSET :offset""",  # noqa: S608 (fr or en)
                {"kind": kind or "", "limit": limit, "offset": offset},
            ).fetchall()
            found = [Facet(name, _facet(connection, name)) for name in FACETS] if facets else []
            connection.execute("DROP TABLE temp.hits")
            same = _same(connection, [row[0] for row in rows])
        return Results(total, [_hit(row, same) for row in rows], found)

    def suggest(
        self, prefix: str, *, kinds: Sequence[str] = (), lang: str = "fr", limit: int = 10
    ) -> list[Hit]:
        """Resources whose names start with the words of `prefix`, of one of `kinds` (any when
        empty), best first: what a search box proposes while one types."""
        return self.search(
            prefix,
            filters={"kind": list(kinds)} if kinds else None,
            lang=lang,
            limit=limit,
            facets=False,
        ).hits

    def candidates(
        self, words: Sequence[str], *, kinds: Sequence[str] = (), limit: int = 30
    ) -> list[str]:
        """The IRIs whose names hold any of `words` (folded, each a prefix when it has three
        letters or more), of one of `kinds`, the rarest words' holders first (BM25): the
        candidates a name spelled otherwise may be."""
        terms = sorted({w for word in words for w in fold(word).split()})
        if not terms:
            return []
        self.refresh(wait=False)
        expression = " OR ".join(f'"{t}"*' if len(t) >= 3 else f'"{t}"' for t in terms)
        conditions, parameters = _filtering({"kind": list(kinds)} if kinds else {})
        parameters.update({"match": expression, "limit": max(1, min(limit, 1000))})
        with self._connection() as connection:
            rows = connection.execute(
                f"""SELECT e.iri FROM (SELECT r.entry AS entry, MIN(r.rank) AS rank FROM
                      (SELECT entry, rank FROM name WHERE name MATCH :match) r
                      GROUP BY r.entry) m
                    JOIN entry e ON e.id = m.entry {conditions}
                    ORDER BY m.rank, e.priority, e.iri LIMIT :limit""",  # noqa: S608 (bound)
                parameters,
            ).fetchall()
        return [row[0] for row in rows]

    def get(self, iris: Sequence[str], lang: str = "fr") -> dict[str, Hit]:
        """The entries of `iris` that the index holds (each its own, the members of a group
        too; `same` names the others)."""
        self.refresh(wait=False)
        found: dict[str, Hit] = {}
        listed = list(dict.fromkeys(iris))
        with self._connection() as connection:
            same = _same(connection, listed)
            for start in range(0, len(listed), 500):
                chunk = listed[start : start + 500]
                for row in connection.execute(
                    f"""SELECT iri, label_{_lang(lang)}, kind, place, summary_{_lang(lang)}
                        FROM entry WHERE iri IN ({", ".join("?" * len(chunk))})""",  # noqa: S608
                    chunk,
                ):
                    found[row[0]] = _hit(row, same)
        return found

    def canonical(self, iris: Sequence[str]) -> dict[str, str]:
        """The canonical member of the group of each of `iris` that the index holds (itself
        when it stands alone)."""
        self.refresh(wait=False)
        found: dict[str, str] = {}
        listed = list(dict.fromkeys(iris))
        with self._connection() as connection:
            for start in range(0, len(listed), 500):
                chunk = listed[start : start + 500]
                found.update(
                    connection.execute(
                        f"""SELECT iri, cluster FROM entry
                            WHERE iri IN ({", ".join("?" * len(chunk))})""",  # noqa: S608
                        chunk,
                    ).fetchall()
                )
        return found

    def facet_values(self, iri: str, facet: str) -> list[tuple[str, str]]:
        """The values (IRI, label) of one facet of an entry."""
        self.refresh(wait=False)
        with self._connection() as connection:
            return [
                (value, label)
                for value, label in connection.execute(
                    """SELECT f.value, f.label FROM facet f JOIN entry e ON e.id = f.entry
                       WHERE e.iri = ? AND f.facet = ? ORDER BY f.value""",
                    (iri, facet),
                )
            ]

    def __len__(self) -> int:
        """The resources the index holds (each member of a group counts)."""
        self.refresh(wait=False)
        with self._connection() as connection:
            return int(connection.execute("SELECT count(*) FROM entry").fetchone()[0])

    def things(self) -> int:
        """The things the index holds: a group of resources counts once."""
        self.refresh(wait=False)
        with self._connection() as connection:
            return int(
                connection.execute("SELECT count(*) FROM entry WHERE cluster = iri").fetchone()[0]
            )


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "fr"


def _filtering(filters: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, object]]:
    """A WHERE clause keeping the matched entries in every facet of `filters` (unknown facets
    are refused by the caller)."""
    clauses = []
    parameters: dict[str, object] = {}
    for index, (name, values) in enumerate(sorted(filters.items())):
        if not values:
            continue
        keys = []
        for number, value in enumerate(values):
            parameters[f"f{index}_{number}"] = value
            keys.append(f":f{index}_{number}")
        parameters[f"f{index}"] = name
        clauses.append(
            f"""m.entry IN (SELECT entry FROM facet WHERE facet = :f{index}
                AND value IN ({", ".join(keys)}))"""  # noqa: S608 (parameter names)
        )
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def _facet(connection: sqlite3.Connection, name: str) -> list[tuple[str, str, int]]:
    return [
        (value, label, count)
        for value, label, count in connection.execute(
            """SELECT f.value, MIN(f.label), count(*) AS n FROM temp.hits h
               CROSS JOIN facet f ON f.entry = h.entry AND f.facet = ?
               GROUP BY f.value ORDER BY n DESC, MIN(f.label) LIMIT ?""",
            (name, FACET_VALUES),
        )
    ]


def _hit(row: Sequence[str], same: Mapping[str, tuple[str, ...]]) -> Hit:
    iri, label, kind, place, summary = row
    return Hit(iri, label, kind, place, summary, same.get(iri, ()))


def _same(connection: sqlite3.Connection, iris: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """For each of `iris` in a group, the other members of its group."""
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(iris), 500):
        chunk = list(iris[start : start + 500])
        rows = connection.execute(
            f"""SELECT e.iri, o.iri FROM entry e JOIN entry o ON o.cluster = e.cluster
                WHERE e.iri IN ({", ".join("?" * len(chunk))}) AND o.iri != e.iri
                ORDER BY o.cluster != o.iri, o.iri""",  # noqa: S608 (placeholders)
            chunk,
        ).fetchall()
        for iri, other in rows:
            found[iri] = (*found.get(iri, ()), other)
    return found


def _remove_orphans(directory: Path) -> None:
    """Remove the index files of processes that are gone."""
    for path in directory.glob("index-*.sqlite3*"):
        pid = path.name.removeprefix("index-").split(".", 1)[0].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
