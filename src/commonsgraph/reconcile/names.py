"""How alike two names of places are, from 0 (nothing in common) to 1 (the same words).

Names are folded (`vocab.fold`: no accents, case or punctuation) and stripped of the words
that say what kind of place it is or that join words ("tiers-lieu", "fablab", "coworking",
"la", "le", "de"…): "Le Hangar – FabLab" and "hangar" are the same name. A name made only of
such words keeps them all ("Fablab" stays "fablab").

Two comparisons, the better one counts: the remaining words joined without spaces, in their
order (insensitive to "co-work" against "cowork"), and the same words sorted (insensitive to
word order), each compared with difflib's ratio (twice the matching characters over the
total).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

from commonsgraph.vocab import fold

GENERIC = frozenset(
    [
        "tiers",
        "lieu",
        "lieux",
        "tierslieu",
        "tierslieux",
        "tl",
        "fablab",
        "fablabs",
        "fab",
        "lab",
        "labs",
        "lab",
        "coworking",
        "coworkings",
        "cowork",
        "co",
        "working",
        "espace",
        "espaces",
        "space",
        "spaces",
        "makerspace",
        "hackerspace",
        "hacklab",
        "livinglab",
        "living",
        "le",
        "la",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "et",
        "a",
        "au",
        "aux",
        "en",
        "sur",
        "sous",
        "un",
        "une",
        "pour",
        "par",
        "chez",
        "the",
        "of",
        "and",
        "at",
        "in",
        "on",
    ]
)
"""Words that name a kind of place, and function words, in French and English (folded)."""


@lru_cache(maxsize=65536)
def core(name: str) -> tuple[str, ...]:
    """The telling words of a name, folded, in their order."""
    words = fold(name).split()
    telling = tuple(w for w in words if w not in GENERIC and len(w) > 1)
    return telling or tuple(words)


def similarity(first: str, second: str) -> float:
    """How alike two names are, in [0, 1]."""
    a, b = core(first), core(second)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    joined = SequenceMatcher(None, "".join(a), "".join(b), autojunk=False).ratio()
    ordered = SequenceMatcher(
        None, " ".join(sorted(a)), " ".join(sorted(b)), autojunk=False
    ).ratio()
    return max(joined, ordered)


def best(names: list[str], others: list[str]) -> tuple[float, str, str]:
    """The most alike pair of names of two resources (each may have several labels)."""
    found = (0.0, names[0] if names else "", others[0] if others else "")
    for name in names:
        for other in others:
            score = similarity(name, other)
            if score > found[0]:
                found = (score, name, other)
    return found
