"""Filled forms into statements, and back: the one function the live check and the submission
share (`Reader.read`: entries to statements about the resource and its parts), and the
entries of a resource as the public graph describes it (to edit it), with the choices a form
offers.

What is refused with the input named (`ParameterError`, a 400), besides what `entries`
refuses: a picked resource that is no http(s) IRI or not of the field's classes, a name that
names no resource or several, a choice that is not among the field's, a part that is not the
resource's. What is well-formed but wrong (a missing name, a date that is no date, a latitude
of 200) is for the shapes to say, next to the field.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph import i18n
from commonsgraph.describe import labels_of, pick
from commonsgraph.errors import NotFound
from commonsgraph.forms.entries import MAX_ROWS, MAX_VALUES, ODD, Entry, Filled, Refused, Row
from commonsgraph.forms.model import (
    CHOICE,
    DATE,
    DECIMAL,
    GROUP,
    INTEGER,
    MULTILINGUAL,
    PICKER,
    RDF,
    RDFS,
    URL,
    XSD,
    Field,
    Form,
)
from commonsgraph.store import Store
from commonsgraph.vocab import Minter, fold, slug

RDF_TYPE = NamedNode(RDF + "type")
LABEL = RDFS + "label"
_DATES = (
    (re.compile(r"^-?[0-9]{4}$"), XSD + "gYear"),
    (re.compile(r"^-?[0-9]{4}-[0-9]{2}$"), XSD + "gYearMonth"),
    (re.compile(r"^-?[0-9]{4}-[0-9]{2}-[0-9]{2}$"), XSD + "date"),
)

_SPACES = re.compile(r"\s+")
"""Spaces between a number's digits: ordinary, no-break, narrow no-break (French thousands)."""

Lookup = Callable[[str, Sequence[str]], list[tuple[str, str]]]
"""Resources of one of some classes whose names start with a text: (IRI, name), best first."""
Staged = Callable[[NamedNode], bool]
"""Whether a contribution not yet reviewed describes a resource (a new one is not named so)."""


@dataclass(frozen=True)
class Reading:
    """The statements a filled form makes, and which input each (focus, path) came from."""

    subject: NamedNode
    triples: list[Triple]
    inputs: dict[tuple[str, str], str]
    """(focus IRI, path IRI) → the name of the field's first input: where a finding shows."""


class Reader:
    """Filled forms into statements, against the store (what exists, what is of which class)."""

    def __init__(
        self, store: Store, minter: Minter, lookup: Lookup, staged: Staged = lambda node: False
    ) -> None:
        self.store = store
        self.minter = minter
        self.lookup = lookup
        self.staged = staged

    def subject(self, form: Form, entries: Filled, edit: str | None) -> NamedNode:
        """The resource the form describes: the one edited, or a new one named after it (a
        name neither the graph nor a contribution not yet reviewed gives to another)."""
        prefix = self.minter.iri(form.kind + "/").value
        if edit:
            node = _iri(edit)
            if (
                node is None
                or not edit.startswith(prefix)
                or any(c in edit[len(prefix) :] for c in "#/?")
            ):
                raise Refused("edit", "edit", f"not the IRI of a {form.kind} of this graph")
            if not self._exists(node):
                raise NotFound(f"no {form.kind} {edit}")
            return node
        names = [e.value for e in entries.values.get(_key(form, LABEL), []) if e.value]
        key = slug(names[0])[:80].strip("-") if names else secrets.token_hex(4)
        for n in range(1, 100):
            node = self.minter.mint(form.kind, key if n == 1 else f"{key}-{n}")
            if not self._exists(node) and not self.staged(node):
                return node
        return self.minter.mint(form.kind, f"{key}-{secrets.token_hex(4)}")

    def _exists(self, node: NamedNode) -> bool:
        return self.store.ask("ASK { GRAPH ?g { ?s ?p ?o } }", {"s": node})

    def read(self, form: Form, entries: Filled, subject: NamedNode, keep: bool = False) -> Reading:
        """The statements the entries make about `subject` (and its parts); with `keep` (an
        edit), also what the public graph says of it that the form does not ask (a
        contribution replaces the whole description of what it describes)."""
        triples = [Triple(subject, RDF_TYPE, NamedNode(form.cls))]
        if keep:
            asked = {f.path for f in form.fields}
            said = self._said(subject)
            _overfull(form, said)
            triples += [
                Triple(subject, NamedNode(p), o)
                for p, objects in said.items()
                if p not in asked
                for o in objects
            ]
            triples = list(dict.fromkeys(triples))
        inputs: dict[tuple[str, str], str] = {}
        for f in form.fields:
            if f.widget == GROUP:
                inputs[(subject.value, f.path)] = f"{f.key}.1.@id"
                rows = entries.rows.get(f.key, [])
                if len(rows) > MAX_ROWS:
                    raise Refused(f.key, "rows", f"at most {MAX_ROWS} rows", most=MAX_ROWS)
                for index, row in enumerate(rows, 1):
                    n = row.number or index
                    part = self._part(subject, f, row, n)
                    if not any(e.value for es in row.values.values() for e in es):
                        continue
                    triples += [Triple(subject, NamedNode(f.path), part),
                                Triple(part, RDF_TYPE, NamedNode(f.classes[0]))]  # fmt: skip
                    for sub in f.fields:
                        name = f"{f.key}.{n}.{sub.key}"
                        inputs[(part.value, sub.path)] = name
                        for e in row.values.get(sub.key, []):
                            if e.value:
                                triples.append(
                                    Triple(part, NamedNode(sub.path), self._term(sub, name, e))
                                )
                continue
            inputs[(subject.value, f.path)] = f.key
            for e in entries.values.get(f.key, []):
                if e.value:
                    triples.append(Triple(subject, NamedNode(f.path), self._term(f, f.key, e)))
        return Reading(subject, triples, inputs)

    def _part(self, subject: NamedNode, group: Field, row: Row, n: int) -> NamedNode:
        if row.id:
            node = _iri(row.id)
            if node is None or not row.id.startswith(subject.value + "#"):
                raise Refused(f"{group.key}.{n}.@id", "part", "not a part of this resource")
            return node
        name = slug(group.classes[0].rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1])
        return Minter.part(subject, f"{name}-{n}")

    def _term(self, f: Field, name: str, e: Entry) -> NamedNode | Literal:
        value = e.value
        if f.widget == URL:
            return _http(name, value)
        if f.widget == PICKER:
            return self._picked(f, name, value)
        if f.widget == CHOICE:
            return self._chosen(f, name, value)
        if f.widget == MULTILINGUAL:
            return Literal(value, language=e.lang) if e.lang else Literal(value)
        if f.widget == DATE:
            for pattern, datatype in _DATES:
                if pattern.match(value) and datatype in f.datatypes:
                    return Literal(value, datatype=NamedNode(datatype))
            return Literal(value)  # the shapes say it is no date
        if f.widget in (DECIMAL, INTEGER):
            number = _SPACES.sub("", value).replace(",", ".")  # 12 000,50 (French)
            whole = re.fullmatch(r"[+-]?[0-9]+", number) is not None
            datatype = (
                XSD + "integer"
                if f.widget == INTEGER or (whole and XSD + "integer" in f.datatypes)
                else XSD + "decimal"
            )
            return Literal(number, datatype=NamedNode(datatype))
        return Literal(value)

    def _picked(self, f: Field, name: str, value: str) -> NamedNode:
        if "://" not in value:  # a name: the one resource of these classes so named
            exact = [
                iri for iri, label in self.lookup(value, f.classes) if fold(label) == fold(value)
            ]
            if not exact:
                raise Refused(name, "nameless", f"no resource named {value!r}", typed=value)
            if len(set(exact)) > 1:
                raise Refused(name, "names", f"several resources named {value!r}", typed=value)
            value = exact[0]
        node = _http(name, value)
        classes = " ".join(f"<{c}>" for c in f.classes)
        if not self.store.ask(
            f"ASK {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?x a ?c }} }}", {"x": node}
        ):
            raise Refused(name, "kind", f"<{value}> is not one of the resources this field takes")
        return node

    def _chosen(self, f: Field, name: str, value: str) -> NamedNode | Literal:
        for option in f.options:
            if option.value == value:
                return option  # type: ignore[return-value]
        if f.scheme is not None:
            node = _http(name, value)
            if self.store.ask(
                "ASK { GRAPH ?g { ?c skos:inScheme ?s } }", {"c": node, "s": NamedNode(f.scheme)}
            ):
                return node
        raise Refused(name, "choice", f"{value!r} is not one of the choices")

    # -- the other way: what the store says, and what to choose from --------------------------

    def of_store(self, form: Form, subject: NamedNode, lang: str) -> Filled:
        """The entries of `subject` as the public graph describes it (to edit it)."""
        by_path = self._said(subject)
        _overfull(form, by_path)
        out = Filled()
        for f in form.fields:
            found = by_path.get(f.path, [])[:MAX_VALUES]
            if f.widget == GROUP:
                out.rows[f.key] = [
                    Row(part.value, self.of_store_part(f, part))
                    for part in found
                    if isinstance(part, NamedNode)
                ]
            else:
                out.values[f.key] = [_entry(term) for term in found]
        self.name_picked(form, out, lang)
        return out

    def _said(self, subject: NamedNode) -> dict[str, list[NamedNode | Literal]]:
        """What the public graph says of `subject`: its values (no blank node) by predicate."""
        by_path: dict[str, list[NamedNode | Literal]] = {}
        for row in self.store.select(
            "SELECT DISTINCT ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"s": subject}
        ):
            p, o = row["p"], row["o"]
            if isinstance(p, NamedNode) and isinstance(o, NamedNode | Literal):
                by_path.setdefault(p.value, []).append(o)
        return by_path

    def of_store_part(self, group: Field, part: NamedNode) -> dict[str, list[Entry]]:
        rows = self.store.select(
            "SELECT DISTINCT ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"s": part}
        )
        values: dict[str, list[Entry]] = {}
        for sub in group.fields:
            values[sub.key] = [
                _entry(row["o"])
                for row in rows
                if row["p"] == NamedNode(sub.path) and isinstance(row["o"], NamedNode | Literal)
            ][:MAX_VALUES]
        return values

    def name_picked(self, form: Form, entries: Filled, lang: str) -> None:
        """Give the picked resources (IRIs) their names, for the pickers to show."""
        found: list[Entry] = []
        for f in form.fields:
            if f.widget == PICKER:
                found += entries.values.get(f.key, [])
            for sub in f.fields:
                if sub.widget == PICKER:
                    found += [
                        e
                        for row in entries.rows.get(f.key, [])
                        for e in row.values.get(sub.key, [])
                    ]
        iris = {node for e in found if "://" in e.value and (node := _iri(e.value)) is not None}
        labels = labels_of(self.store, iris)
        languages = i18n.preferring(lang)
        for e in found:
            e.label = pick(labels.get(e.value, {}), languages) or ""

    def choices(self, f: Field, lang: str) -> list[tuple[str, str]]:
        """The values a choice offers, with their names in `lang`, by name."""
        languages = i18n.preferring(lang)
        if f.scheme is not None:
            rows = self.store.select(
                "SELECT DISTINCT ?c WHERE { GRAPH ?g { ?c skos:inScheme ?s } }",
                {"s": NamedNode(f.scheme)},
            )
            iris = [r["c"] for r in rows if isinstance(r["c"], NamedNode)]
        else:
            iris = [o for o in f.options if isinstance(o, NamedNode)]
        labels = labels_of(self.store, iris)
        named = [
            (i.value, pick(labels.get(i.value, {}), languages) or _local(i.value)) for i in iris
        ]
        named += [(o.value, o.value) for o in f.options if isinstance(o, Literal)]
        return sorted(named, key=lambda pair: fold(pair[1]))


def _overfull(form: Form, said: dict[str, list[NamedNode | Literal]]) -> None:
    """Refuse to edit by a form a resource with more values of a field than a form takes:
    those the form would not show, its submission would drop without a word."""
    for f in form.fields:
        most = MAX_ROWS if f.widget == GROUP else MAX_VALUES
        count = len(said.get(f.path, ()))
        if count > most:
            raise Refused(
                f.key,
                "stored",
                f"the resource has {count} values of this field, a form takes at most {most}: "
                "describe it with an upload",
                count=count,
                most=most,
            )


def _key(form: Form, path: str) -> str:
    found = next((f for f in form.fields if f.path == path), None)
    return found.key if found is not None else ""


def _entry(term: NamedNode | Literal) -> Entry:
    if isinstance(term, Literal):
        return Entry(term.value, term.language or "")
    return Entry(term.value)


def _local(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _plain(iri: str) -> bool:
    """An IRI without the characters that cannot be in one."""
    return not any(c in iri for c in ' <>"{}|\\^`') and not ODD.search(iri)


def _iri(value: str) -> NamedNode | None:
    """`value` as an IRI, None when it is none (pyoxigraph checks the syntax: a second `#`,
    a broken `%` escape; `_plain` the characters an IRI cannot hold)."""
    if not _plain(value):
        return None
    try:
        return NamedNode(value)
    except ValueError:
        return None


def _http(name: str, value: str) -> NamedNode:
    try:
        parts = urlsplit(value)
    except ValueError:  # a bracketed host that is no IPv6 address (`http://[zz]/`)
        raise Refused(name, "http", f"{value!r} is not an http(s) address") from None
    node = _iri(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or node is None:
        raise Refused(name, "http", f"{value!r} is not an http(s) address")
    return node
