"""One real-world thing, one entry: the resources that `owl:sameAs` links (the seed's place and
its census row, one of ours and a partner's record of it) are grouped, in the index, under one
of them, the canonical member; the others' names are its alternative names.

The canonical member of a group is the one that no other member names with `owl:sameAs`: the
description that is kept, as the named queries count it (`MINUS { ?seen owl:sameAs ?place }`,
docs/model.md, "The same place in two sources"); the seed or a curator's description over the
imported or harvested one. When several are (two sources both naming a third) or none is (a
cycle), the one with most names, then the first in IRI order.

A link groups two resources only when both are named (entries) and share a class, as the named
queries count a place once only when the other description is a place too: a link from a place
to a commune, by mistake or malice, hides neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyoxigraph import NamedNode

from commonsgraph.sparqltext import term_text
from commonsgraph.store import Store, lexical
from commonsgraph.textindex.entries import Entry

CHUNK = 500

Link = tuple[str, str]
"""(subject, object) of an owl:sameAs statement between IRIs."""

_EVERY_LINK = """SELECT ?s ?o WHERE { ?s owl:sameAs ?o FILTER(isIRI(?s) && isIRI(?o)) }"""
_LINKS = """SELECT ?s ?o WHERE {
  { {values_s} ?s owl:sameAs ?o } UNION { {values_o} ?s owl:sameAs ?o }
  FILTER(isIRI(?s) && isIRI(?o)) }"""


def links(store: Store, iris: Iterable[str] | None = None) -> set[Link]:
    """The owl:sameAs links between IRIs, all of them or those with an end in `iris`."""
    if iris is None:
        return {(lexical(r["s"]), lexical(r["o"])) for r in store.select(_EVERY_LINK)}
    listed = sorted(set(iris))
    found: set[Link] = set()
    for start in range(0, len(listed), CHUNK):
        terms = " ".join(term_text(NamedNode(i)) for i in listed[start : start + CHUNK])
        query = _LINKS.replace("{values_s}", f"VALUES ?s {{ {terms} }}").replace(
            "{values_o}", f"VALUES ?o {{ {terms} }}"
        )
        found.update((lexical(r["s"]), lexical(r["o"])) for r in store.select(query))
    return found


def group(entries: Mapping[str, Entry], found: Iterable[Link]) -> dict[str, str]:
    """The canonical member of each of `entries` that `found` links to another entry of a
    class it has too; entries left out stand alone."""
    parent: dict[str, str] = {}

    def root(iri: str) -> str:
        parent.setdefault(iri, iri)
        while parent[iri] != iri:
            parent[iri] = parent[parent[iri]]
            iri = parent[iri]
        return iri

    listed = [
        (subject, obj)
        for subject, obj in found
        if subject != obj
        and subject in entries
        and obj in entries
        and entries[subject].kinds & entries[obj].kinds
    ]
    for subject, obj in listed:
        parent[root(subject)] = root(obj)
    named_by_another = {obj for _, obj in listed}
    members: dict[str, list[str]] = {}
    for iri in parent:
        members.setdefault(root(iri), []).append(iri)
    canonical: dict[str, str] = {}
    for group_members in members.values():
        if len(group_members) < 2:
            continue
        kept = [m for m in group_members if m not in named_by_another] or group_members
        chosen = min(kept, key=lambda m: (-len(entries[m].names), m))
        canonical.update((m, chosen) for m in group_members)
    return canonical
