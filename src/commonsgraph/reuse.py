"""Reuse help: what someone who reuses a commons must do, as the named query `reuse-obligations`
answers it — the attribution text to paste for the commons and every work it derives from
(Creative Commons' TASL practice: title, author, source, licence), what each licence requires or
restricts, and the caveats of a work with no licence (all rights reserved) or no author.

The query is the one source of the answer: this module only groups its rows per work, for the
commons page (template `reuse.html`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from commonsgraph.queries import NamedQuery
from commonsgraph.store import Store, lexical

QUERY = "reuse-obligations"
CAVEATS = ("no licence", "missing")
"""The kinds of row that say what the data lacks, rather than what a licence asks."""


@dataclass
class Work:
    """One work of the chain: the commons itself (distance 0) or a work it derives from."""

    iri: str
    name: str
    distance: int
    attribution: str
    licence: str | None
    licence_name: str | None
    duties: list[tuple[str, str]]
    """(kind, label): what the licence requires, prohibits or does not permit."""
    caveats: list[str]


@dataclass(frozen=True)
class ReuseHelp:
    works: tuple[Work, ...]

    @property
    def text(self) -> str:
        """The attribution to paste: one line per work, the commons first."""
        return "\n".join(work.attribution for work in self.works)

    @property
    def unlicensed(self) -> tuple[Work, ...]:
        """The works of the chain that declare no licence: reusing them needs permission."""
        return tuple(work for work in self.works if work.licence is None)


def reuse_help(
    store: Store, query: NamedQuery, commons: NamedNode, base: str, lang: str
) -> ReuseHelp:
    """The reuse help for `commons`, in `lang` (fr or en)."""
    rows = store.select(query.prepared({"commons": commons.value, "lang": lang}, base))
    works: dict[str, Work] = {}
    for row in rows:
        iri = lexical(row["work"])
        work = works.get(iri)
        if work is None:
            licence = row.get("licence")
            work = works[iri] = Work(
                iri=iri,
                name=lexical(row["workName"]) if "workName" in row else iri,
                distance=int(lexical(row["distance"])),
                attribution=lexical(row["attribution"]),
                licence=None if licence is None else lexical(licence),
                licence_name=lexical(row["licenceName"]) if "licenceName" in row else None,
                duties=[],
                caveats=[],
            )
        kind = lexical(row["kind"]) if "kind" in row else None
        if kind is None or "obligationLabel" not in row:
            continue
        label = lexical(row["obligationLabel"])
        if kind in CAVEATS:
            if label not in work.caveats:
                work.caveats.append(label)
        elif (kind, label) not in work.duties:
            work.duties.append((kind, label))
    return ReuseHelp(tuple(sorted(works.values(), key=lambda w: (w.distance, w.name))))
