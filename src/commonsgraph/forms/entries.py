"""What a posted form holds, read into entries: one per value typed, by field (and by row, in
a group), checked for size and bytes before anything reads them as values.

Inputs are named after their field (`rdfs:label`, repeated for each value; `rdfs:label@lang`
beside each multilingual value) and, in a group, after its row (`cg:actorRole.2.cg:role`, with
`cg:actorRole.2.@id` naming a part that exists already). Refused with the input named
(`ParameterError`, a 400): names no field has, more than `MAX_VALUES` values or `MAX_ROWS` rows,
more than `MAX_INPUTS` inputs, text over `MAX_CHARS`, control characters or markup in text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from commonsgraph.errors import ParameterError
from commonsgraph.forms.model import GROUP, MULTILINGUAL, Form
from commonsgraph.i18n import LANGUAGES

MAX_VALUES = 50
"""Values one field (or one field of a row) takes."""
MAX_ROWS = 50
"""Rows of a group."""
MAX_INPUTS = 2000
"""Inputs one form posts, in all."""
MAX_CHARS = 10_000
"""Characters of one value."""
CONTROL_NAMES = frozenset({"lang", "edit", "licence", "source", "action"})
"""Inputs that are no field: the page's language, the resource edited, the contribution's."""
ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
"""Characters that are no text: controls (but tab and line breaks), non-characters, halves."""


class Refused(ParameterError):
    """An input a form refuses: why (`reason`: the interface says `refused_{reason}` in each
    language, with `details`), and in English for the problem's detail."""

    def __init__(self, name: str, reason: str, english: str, **details: object) -> None:
        super().__init__(name, english)
        self.reason = reason
        self.details = details


_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
_ROW = re.compile(r"^([1-9][0-9]{0,3})\.(.+)$")


@dataclass
class Entry:
    """One value of a field, as typed (or as the store holds it)."""

    value: str
    lang: str = ""
    label: str = ""
    """A picked resource's name."""


@dataclass
class Row:
    """One row of a group: its part's IRI when it exists, and its fields' entries."""

    id: str = ""
    values: dict[str, list[Entry]] = field(default_factory=dict)
    number: int = 0
    """Its number in the posted form (its inputs' names say it); 0: as it comes."""


@dataclass
class Filled:
    """What a form holds: entries by field key, rows by group key."""

    values: dict[str, list[Entry]] = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)


def _text(name: str, value: str) -> str:
    if len(value) > MAX_CHARS:
        raise Refused(name, "long", f"at most {MAX_CHARS:,} characters", most=MAX_CHARS)
    if ODD.search(value):
        raise Refused(name, "odd", "holds control characters or bytes that are no text")
    if _MARKUP.search(value):
        raise Refused(name, "markup", "holds markup (<…>): write plain text")
    value = value.strip()
    return value if any(_visible(c) for c in value) else ""


def _visible(character: str) -> bool:
    """Not a space nor a format character (zero-width, direction marks, joiners): a value of
    these alone shows nothing, and is no value."""
    return unicodedata.category(character)[0] not in "ZC"


def filled(form: Form, pairs: Sequence[tuple[str, str]]) -> Filled:
    """The entries of a posted form (`pairs`: its inputs in order), checked for size and
    bytes; an input no field has is refused."""
    if len(pairs) > MAX_INPUTS:
        raise Refused("form", "inputs", f"at most {MAX_INPUTS:,} inputs", most=MAX_INPUTS)
    out = Filled()
    langs: dict[str, list[str]] = {}
    rows: dict[str, dict[int, Row]] = {}
    for name, raw in pairs:
        value = _text(name, raw)
        if name in CONTROL_NAMES:
            continue
        at = name.endswith("@lang")
        base = name[: -len("@lang")] if at else name
        group, sub = None, base
        head, dot, rest = base.partition(".")
        if dot and (found := form.field(head)) is not None and found.widget == GROUP:
            match = _ROW.match(rest)
            if match is None or int(match.group(1)) > MAX_ROWS:
                raise Refused(
                    name, "rows", f"a group's rows are numbered 1 to {MAX_ROWS}", most=MAX_ROWS
                )
            group, sub = found, match.group(2)
            number = int(match.group(1))
            row = rows.setdefault(group.key, {}).setdefault(number, Row(number=number))
            if sub == "@id":
                row.id = value
                continue
            if "@" in sub:
                raise Refused(name, "unknown", "no such input")
        wanted = (
            form.field(sub)
            if group is None
            else next((f for f in group.fields if f.key == sub), None)
        )
        if wanted is None or wanted.widget == GROUP or (at and wanted.widget != MULTILINGUAL):
            raise Refused(name, "unknown", f"no such field in the form of {form.kind}")
        entries = out.values if group is None else row.values
        if at:
            langs.setdefault(name, []).append(value)
            continue
        listed = entries.setdefault(sub, [])
        if len(listed) >= MAX_VALUES:
            raise Refused(name, "values", f"at most {MAX_VALUES} values", most=MAX_VALUES)
        listed.append(Entry(value))
    for name, given in langs.items():
        base = name[: -len("@lang")]
        head, _, rest = base.partition(".")
        if head in rows and (match := _ROW.match(rest)):
            typed = rows[head][int(match.group(1))].values.get(match.group(2), [])
        else:
            typed = out.values.get(base, [])
        for entry, lang in zip(typed, given, strict=False):
            if lang and lang not in LANGUAGES:
                raise Refused(name, "language", f"one of {', '.join(LANGUAGES)}")
            entry.lang = lang
    for key, numbered in rows.items():
        out.rows[key] = [numbered[n] for n in sorted(numbered)]
    return out
