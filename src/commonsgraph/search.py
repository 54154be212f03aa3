"""What searching ranks by: the kinds of resource people look for first, and their names.

Every ranking (the search page, suggestions, reconciliation) reads a kind's priority through
`priority` and its name through `kind_name`, both from the table of kinds (`commonsgraph.kinds`)
for the kinds the project mints; the index itself is `commonsgraph.textindex`.
"""

from __future__ import annotations

from commonsgraph import kinds

OTHER_NAMES = {
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": ("vocabulaire", "vocabulary"),
    "http://www.w3.org/2002/07/owl#Class": ("classe", "class"),
    "http://www.w3.org/2002/07/owl#ObjectProperty": ("propriété", "property"),
    "http://www.w3.org/2002/07/owl#DatatypeProperty": ("propriété", "property"),
}
"""The names of the classes search shows that are not kinds the project mints."""


def priority(kind: str | None) -> int:
    """How early resources of `kind` (a class IRI) come: 0 first."""
    return kinds.priority(kind)


def _named(kind: str) -> bool:
    return kinds.of_class(kind) is not None or kind in OTHER_NAMES


def kind_name(kind: str | None, lang: str) -> str:
    """The kind of a resource in words, in `lang` (fr or en); its IRI's last part when it has
    no name here."""
    if not kind:
        return ""
    entry = kinds.of_class(kind)
    if entry is not None:
        return entry.name(lang)
    names = OTHER_NAMES.get(kind)
    if names is None:
        return kind.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return names[0] if lang == "fr" else names[1]


def kind_icon(kind: str | None) -> str:
    """The character shown beside resources of `kind` in lists (empty when it is not a kind the
    project mints)."""
    entry = kinds.of_class(kind)
    return "" if entry is None else entry.icon


def most_telling(classes: set[str] | list[str]) -> str | None:
    """The kind a resource is best known by: the one of least priority, then the one named
    here, then the first in IRI order."""
    if not classes:
        return None
    return min(classes, key=lambda k: (priority(k), not _named(k), k))
