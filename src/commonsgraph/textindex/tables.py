"""The index's file: its tables, written whole from every entry (`build`) or in part, the
entries a write changed and their groups (`widened`, `update`); each group of resources that
`owl:sameAs` links (`clusters`) under its canonical member.

Tables: `entry` (one row a resource: what its hit shows, its group's canonical IRI in
`cluster`), `name` (FTS5: the folded names, each a row of the entry that shows it: a group's
names are its canonical member's) and `facet` (the facets of an entry; a group's canonical
member has those of every member).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from commonsgraph.search import priority
from commonsgraph.store import Store
from commonsgraph.textindex import clusters
from commonsgraph.textindex.entries import Entry
from commonsgraph.vocab import fold

_TABLES = """
CREATE TABLE entry (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, cluster TEXT NOT NULL, label_fr TEXT NOT NULL,
  label_en TEXT NOT NULL, kind TEXT, priority INTEGER NOT NULL, place TEXT NOT NULL,
  summary_fr TEXT NOT NULL, summary_en TEXT NOT NULL);
CREATE VIRTUAL TABLE name USING fts5(
  text, entry UNINDEXED, folded UNINDEXED, tokenize = "unicode61 remove_diacritics 2");
CREATE TABLE facet (
  entry INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX facet_entry ON facet (entry, facet);
CREATE INDEX entry_cluster ON entry (cluster);
CREATE INDEX facet_value ON facet (facet, value, entry);
"""


def widened(
    store: Store, connection: sqlite3.Connection, iris: set[str]
) -> tuple[set[str], set[clusters.Link]]:
    """`iris` with every resource of their groups, before (the index's) and after (the
    store's owl:sameAs links) the change, and those links."""
    every, frontier, links = set(iris), set(iris), set[clusters.Link]()
    while frontier:
        found = clusters.links(store, frontier)
        links |= found
        reached = {iri for link in found for iri in link} | _mates(connection, frontier)
        frontier = reached - every
        every |= reached
    return every, links


def _mates(connection: sqlite3.Connection, iris: set[str]) -> set[str]:
    """The members of the groups of `iris` in the index."""
    listed = sorted(iris)
    found: set[str] = set()
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        found.update(
            row[0]
            for row in connection.execute(
                f"""SELECT iri FROM entry WHERE cluster IN (SELECT cluster FROM entry
                    WHERE iri IN ({", ".join("?" * len(chunk))}))""",  # noqa: S608
                chunk,
            )
        )
    return found


def build(path: Path, entries: Mapping[str, Entry], links: set[clusters.Link]) -> None:
    """Write a new index file holding `entries`: one transaction, no journal (a file nobody
    reads yet), the lookup indexes made once the rows are in."""
    unlink(path)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.executescript(_TABLES)
        with connection:
            _insert(connection, entries, 1, links)
        connection.executescript(_INDEXES)
        connection.execute("PRAGMA journal_mode=WAL")  # readers see the last committed state


def update(
    connection: sqlite3.Connection,
    entries: Mapping[str, Entry],
    iris: set[str],
    links: set[clusters.Link],
) -> None:
    """Replace the entries of `iris` (whole groups) by `entries`, grouped by `links`, in one
    transaction: readers see the old index or the new one."""
    with connection:
        for iri in iris:
            row = connection.execute("SELECT id FROM entry WHERE iri = ?", (iri,)).fetchone()
            if row is not None:
                connection.execute("DELETE FROM entry WHERE id = ?", row)
                connection.execute("DELETE FROM name WHERE entry = ?", row)
                connection.execute("DELETE FROM facet WHERE entry = ?", row)
        first = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM entry").fetchone()[0]
        _insert(connection, entries, first, links)


def _insert(
    connection: sqlite3.Connection,
    entries: Mapping[str, Entry],
    first: int,
    links: set[clusters.Link],
) -> None:
    """Insert `entries`, numbered from `first`, each group of them (`links`) under its
    canonical member: three statements whatever their number."""
    canonical = clusters.group(entries, links)
    groups: dict[str, list[Entry]] = {}
    for iri, head in canonical.items():
        groups.setdefault(head, []).append(entries[iri])
    rows: list[tuple[object, ...]] = []
    names: list[tuple[str, int, str]] = []
    facets: list[tuple[int, str, str, str]] = []
    priorities: dict[str | None, int] = {}
    for rowid, entry in enumerate(entries.values(), first):
        head = canonical.get(entry.iri, entry.iri)
        grouped = head == entry.iri and head in groups  # the canonical member of a group
        members = _canonical_first(groups[head], head) if grouped else None
        shown = _Shown.of(entry) if members is None else _Shown.merged(members)
        if shown.kind not in priorities:
            priorities[shown.kind] = priority(shown.kind)
        rows.append(
            (
                rowid, entry.iri, head, entry.label("fr"), entry.label("en"), shown.kind,
                priorities[shown.kind], shown.place, shown.summary_fr, shown.summary_en,
            )
        )  # fmt: skip
        if head == entry.iri:  # the names of a group are its canonical member's
            seen = set()
            for member in members or (entry,):
                for name, _ in member.names:
                    folded = " ".join(fold(name).split())
                    if folded and folded not in seen:
                        seen.add(folded)
                        names.append((folded, rowid, folded))
        facets.extend((rowid, facet, value, label) for facet, value, label in shown.facets)
    connection.executemany(
        """INSERT INTO entry (id, iri, cluster, label_fr, label_en, kind, priority, place,
           summary_fr, summary_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    connection.executemany("INSERT INTO name (text, entry, folded) VALUES (?, ?, ?)", names)
    connection.executemany(
        "INSERT INTO facet (entry, facet, value, label) VALUES (?, ?, ?, ?)", facets
    )


def _canonical_first(members: list[Entry], head: str) -> list[Entry]:
    return sorted(members, key=lambda m: (m.iri != head, m.iri))


@dataclass(frozen=True)
class _Shown:
    """What a hit shows and is filtered by: an entry's own, or a group's (its canonical
    member's, else the first other member's that has it; the facets of all)."""

    kind: str | None
    place: str
    summary_fr: str
    summary_en: str
    facets: set[tuple[str, str, str]]

    @classmethod
    def of(cls, entry: Entry) -> _Shown:
        return cls(
            entry.kind, entry.place(), entry.summary("fr"), entry.summary("en"),
            entry.all_facets(),
        )  # fmt: skip

    @classmethod
    def merged(cls, members: Sequence[Entry]) -> _Shown:
        each = [cls.of(member) for member in members]
        return cls(
            next((s.kind for s in each if s.kind), None),
            next((s.place for s in each if s.place), ""),
            next((s.summary_fr for s in each if s.summary_fr), ""),
            next((s.summary_en for s in each if s.summary_en), ""),
            {f for s in each for f in s.facets},
        )


def unlink(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
