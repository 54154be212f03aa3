"""Searching labels: accent- and case-insensitive, in French and English.

The index holds every labelled resource (rdfs:label, skos:prefLabel) and is rebuilt when the
data changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from commonsgraph import kinds
from commonsgraph.store import Store
from commonsgraph.vocab import fold


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    language: str
    kind: str | None
    """The most telling class of the resource."""


class LabelIndex:
    """Labels of the store, searched by folded substring."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._version: str | None = None
        self._entries: list[tuple[str, int, Hit]] = []
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        version = self.store.data_version()
        if version is not None and version == self._version:
            return
        with self._lock:
            if version is not None and version == self._version:
                return
            rows = self.store.select(
                """SELECT ?x ?label (SAMPLE(?t) AS ?type) WHERE {
                     ?x rdfs:label|skos:prefLabel ?label FILTER(isIRI(?x))
                     OPTIONAL { ?x a ?t }
                   } GROUP BY ?x ?label"""
            )
            entries = []
            for row in rows:
                iri, label, kind = row["x"], row["label"], row.get("type")
                if isinstance(iri, NamedNode) and isinstance(label, Literal):
                    kind_iri = kind.value if isinstance(kind, NamedNode) else None
                    priority = kinds.priority(kind_iri)
                    hit = Hit(iri.value, label.value, label.language or "", kind_iri)
                    entries.append((fold(label.value), priority, hit))
            self._entries = entries
            self._version = version

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        """Labels containing every word of `query` (folded), best first."""
        needle = fold(query)
        if not needle:
            return []
        self._refresh()
        words = needle.split()
        scored: dict[str, tuple[tuple[int, int, int, str], Hit]] = {}
        for folded, priority, hit in self._entries:
            if all(word in folded for word in words):
                exact = 0 if folded == needle else 1 if folded.startswith(needle) else 2
                key = (exact, priority, len(folded), hit.label)
                if hit.iri not in scored or key < scored[hit.iri][0]:
                    scored[hit.iri] = (key, hit)
        return [hit for _, hit in sorted(scored.values(), key=lambda item: item[0])[:limit]]
