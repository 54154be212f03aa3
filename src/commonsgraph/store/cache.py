"""Serialized results of read queries, kept until the data changes.

Researchers' clients and partner platforms send the same queries again and again (a dashboard's
counts, a BSBM driver's product pages, Comunica's COUNT and ASK per pattern). A query's answer
only changes when the data does, so the answers are kept, keyed by the store's data version
(`Store.data_version`, which changes with every write), the text as checked, the dataset and
the formats. The version is read *before* the query runs: an answer computed while a write
commits is filed under the version before it, which no request asks for once the write is done.
So a cached answer is never served after the data changed; every entry of an older version is
dropped when the first request of a new one arrives.

Only answers that a second evaluation would give again are kept: no query that calls SERVICE
(another server's data changes unseen), nor one that uses RAND, NOW, UUID, STRUUID or BNODE
(a word matched anywhere in the text, so that an IRI or a variable named so is only a missed
chance, never a false hit). The cache holds `capacity` bytes of bodies (least recently used
first out), and no single answer larger than an eighth of it; 0 turns it off. It takes the
place of the query worker, not of the client's turn: a cached answer waits for its turn like any
other (`web/scheduler.py`), so that the per-client shares and queues hold as they are.

The event loop is the only user: no locks. The entries are tuples of strings and bytes, which
the garbage collector leaves out of its passes: a full cache does not slow every collection.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from commonsgraph.store.base import Serialized

_VOLATILE = re.compile(
    r"(?<![A-Za-z])(?:RAND|NOW|UUID|STRUUID|BNODE|SERVICE)(?![A-Za-z0-9_])", re.IGNORECASE
)
"""Words whose query may answer differently with the same data (a keyword is never next to a
letter before it, nor a word character after it)."""
_WORDS = ("RAND", "NOW", "UUID", "BNODE", "SERVICE")
"""What `_VOLATILE` looks for, as plain substrings (STRUUID holds UUID): a text that holds none
is not searched (`str.upper` and `in` take 5 µs for a BSBM query, the expression 45)."""
_OVERHEAD = 200
"""Bytes counted for an entry besides its body and its text (the key, the objects)."""


class ResultKey(NamedTuple):
    """What an answer depends on besides the data: the checked text, its dataset, its formats
    (a tuple: hashed and compared in C; kept as a plain one, which the garbage collector
    leaves out)."""

    text: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    results_media_type: str
    graph_media_type: str


def _size(key: tuple[object, ...]) -> int:
    """The bytes counted for a key (a `ResultKey`, kept as a plain tuple)."""
    text = key[0]
    assert isinstance(text, str)
    return len(text) + _OVERHEAD


def cacheable(text: str) -> bool:
    """Whether the answer to the query `text` only depends on the data."""
    upper = text.upper()
    if not any(word in upper for word in _WORDS):
        return True
    return _VOLATILE.search(text) is None


class ResultCache:
    """Serialized answers by data version and `ResultKey`, within `capacity` bytes."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._version: str | None = None
        self._entries: OrderedDict[tuple[object, ...], tuple[bytes, str]] = OrderedDict()
        """Each answer's body and media type (a `Serialized` would be tracked by the garbage
        collector, and each collection would go through the whole cache)."""

    async def answer(
        self,
        data_version: Callable[[], str | None],
        key: ResultKey,
        evaluate: Callable[[], Awaitable[Serialized]],
    ) -> Serialized:
        """The answer kept for `key` at the data version `data_version()` gives now, or the one
        `evaluate` gives (kept when it may be). A version of None (unknown) keeps nothing."""
        if not self.capacity or not cacheable(key.text):
            return await evaluate()
        version = data_version()  # before the evaluation: see the module's text
        if version is None:
            return await evaluate()
        if version != self._version:
            self._entries.clear()
            self.size = 0
            self._version = version
        kept = tuple(key)
        found = self._entries.get(kept)
        if found is not None:
            self._entries.move_to_end(kept)
            self.hits += 1
            return Serialized(*found)
        self.misses += 1
        result = await evaluate()
        if version == self._version:  # no newer version was seen meanwhile
            self._keep(kept, result)
        return result

    def _keep(self, key: tuple[object, ...], result: Serialized) -> None:
        size = len(result.body) + _size(key)
        if size > self.capacity // 8 or key in self._entries:
            return
        self._entries[key] = (result.body, result.media_type)
        self.size += size
        while self.size > self.capacity:
            old_key, (old_body, _) = self._entries.popitem(last=False)
            self.size -= len(old_body) + _size(old_key)

    def __len__(self) -> int:
        return len(self._entries)
