"""Spreadsheets a programme team fills in: the CSV templates of `data/templates/` (projects,
funding offers, grants, articles, dossiers) and what every one of their imports shares.

A template is a list of columns and a function that maps one row to statements. The import
reads the file (a malformed one stops with its name and line, the store untouched), reads each
row cell by cell (every bad cell is reported with its line, its column and why, and the row is
left out), validates what the good rows make against the project's shapes together with what
the store says of the resources they name (a row whose resources break a shape is left out
with the shape's message), then replaces the graph `import/{kind}/{file}` in one write.

Cells name the project's resources by their path under the base (`organisation/anct`,
`commune/53130`, `project/friche-x`, `scheme/theme/culture`) or by their full IRI under the
base; concepts of
a scheme by their notation (`prefiguration`); licences by their SPDX identifier
(`CC-BY-SA-4.0`). A cell holds several values separated by `|`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import (
    ImportReport,
    Progress,
    chunks,
    no_progress,
    read_csv,
)
from commonsgraph.store import Store, lexical
from commonsgraph.validation import Finding, Validator, neighbourhood
from commonsgraph.vocab import RDF, XSD, Minter, slug

SEPARATOR = "|"

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_PATH = re.compile(r"[a-z][a-z-]*(?:/[A-Za-z0-9._~%-]+)+")

MAX_CELL = 10_000
"""The longest cell read, in characters: a description, not a book."""


@dataclass(frozen=True)
class Column:
    """A column of a template: its header, whether a row must fill it, what it holds."""

    name: str
    required: bool
    doc: str


class Lookup:
    """What the store already holds that cells may name: typed resources, scheme concepts by
    notation, licences. Answers are cached: a column names the same few resources again and
    again."""

    def __init__(self, store: Store, minter: Minter) -> None:
        self.store = store
        self.minter = minter
        self._types: dict[NamedNode, frozenset[str]] = {}
        self._schemes: dict[str, dict[str, NamedNode]] = {}

    def types(self, node: NamedNode) -> frozenset[str]:
        """The classes the store gives `node` (empty when it knows nothing of it)."""
        if node not in self._types:
            rows = self.store.select("SELECT DISTINCT ?type WHERE { ?x a ?type }", {"x": node})
            self._types[node] = frozenset(lexical(row["type"]) for row in rows if "type" in row)
        return self._types[node]

    def concepts(self, scheme: str) -> dict[str, NamedNode]:
        """The concepts of `scheme`, by notation."""
        if scheme not in self._schemes:
            rows = self.store.select(
                "SELECT ?concept ?notation WHERE { ?concept skos:inScheme ?scheme ; "
                "skos:notation ?notation }",
                {"scheme": self.minter.scheme(scheme)},
            )
            found: dict[str, NamedNode] = {}
            for row in rows:
                concept = row.get("concept")
                if isinstance(concept, NamedNode):
                    found[lexical(row["notation"])] = concept
            self._schemes[scheme] = found
        return self._schemes[scheme]


class Cells:
    """One row, read column by column: each reader returns the cell's value, or None (or an
    empty list) after noting, with the column's name, why the cell cannot be used."""

    def __init__(self, row: dict[str, str], lookup: Lookup) -> None:
        self.row = row
        self.lookup = lookup
        self.minter = lookup.minter
        self.errors: list[str] = []

    def fail(self, column: str, message: str) -> None:
        self.errors.append(f"column {column}: {message}")

    def raw(self, column: str, required: bool = False) -> str | None:
        value = self.row.get(column, "").strip()
        if not value:
            if required:
                self.fail(column, "empty, and a value is required")
            return None
        if len(value) > MAX_CELL:
            self.fail(column, f"longer than {MAX_CELL:,} characters")
            return None
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            self.fail(column, "holds control characters")
            return None
        return value

    def values(self, column: str, required: bool = False) -> list[str]:
        value = self.raw(column, required)
        if value is None:
            return []
        parts = [part.strip() for part in value.split(SEPARATOR)]
        if any(not part for part in parts):
            self.fail(column, f"an empty value between two '{SEPARATOR}'")
            return []
        return parts

    def text(
        self, column: str, language: str | None = None, required: bool = False
    ) -> Literal | None:
        value = self.raw(column, required)
        if value is None:
            return None
        return Literal(value, language=language) if language else Literal(value)

    def slug(self, column: str) -> str | None:
        value = self.raw(column, required=True)
        if value is None:
            return None
        if not SLUG.fullmatch(value):
            self.fail(
                column,
                f"{value!r} is not a slug (lower-case letters, digits and single hyphens; "
                f"{slug(value)!r} would do)",
            )
            return None
        return value

    def _reference(self, column: str, value: str) -> NamedNode | None:
        if value.startswith(self.minter.base):
            value = value[len(self.minter.base) :]
        if not _PATH.fullmatch(value):
            self.fail(column, f"{value!r} is not the path of a resource (like organisation/anct)")
            return None
        return self.minter.iri(value)

    def refs(
        self, column: str, classes: Sequence[str], what: str, required: bool = False
    ) -> list[NamedNode]:
        """Resources the store holds with one of `classes` (IRIs), named by path or IRI."""
        found = []
        for value in self.values(column, required):
            node = self._reference(column, value)
            if node is None:
                continue
            types = self.lookup.types(node)
            if not types:
                self.fail(column, f"{value} is not in the graph (load it first)")
            elif not types & set(classes):
                self.fail(column, f"{value} is not {what}")
            else:
                found.append(node)
        return found

    def refs_or_names(
        self, column: str, classes: Sequence[str], what: str
    ) -> list[NamedNode | Literal]:
        """Resources named by path or IRI (a value with a '/'), or names written as text."""
        found: list[NamedNode | Literal] = []
        for value in self.values(column):
            if "/" not in value:
                found.append(Literal(value))
                continue
            node = self._reference(column, value)
            if node is not None and not self.lookup.types(node) & set(classes):
                self.fail(column, f"{value} is not {what} of the graph")
            elif node is not None:
                found.append(node)
        return found

    def ref(
        self, column: str, classes: Sequence[str], what: str, required: bool = False
    ) -> NamedNode | None:
        found = self.refs(column, classes, what, required)
        if len(found) > 1:
            self.fail(column, "one value only")
            return None
        return found[0] if found else None

    def concepts(self, column: str, scheme: str, required: bool = False) -> list[NamedNode]:
        known = self.lookup.concepts(scheme)
        found = []
        for value in self.values(column, required):
            concept = known.get(value)
            if concept is None:
                self.fail(
                    column, f"{value!r} is not in the scheme {scheme} ({', '.join(sorted(known))})"
                )
            else:
                found.append(concept)
        return found

    def concept(self, column: str, scheme: str, required: bool = False) -> NamedNode | None:
        found = self.concepts(column, scheme, required)
        if len(found) > 1:
            self.fail(column, "one value only")
            return None
        return found[0] if found else None

    def when(self, column: str, required: bool = False, day_only: bool = False) -> Literal | None:
        """A day (2021-03-01), a month (2021-03) or a year (2021): xsd:date, gYearMonth, gYear."""
        value = self.raw(column, required)
        if value is None:
            return None
        if not day_only and re.fullmatch(r"[0-9]{4}", value):
            return Literal(value, datatype=XSD.gYear)
        if not day_only and re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
            return Literal(value, datatype=XSD.gYearMonth)
        try:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        except ValueError:
            pass
        forms = "YYYY-MM-DD" if day_only else "YYYY-MM-DD, YYYY-MM or YYYY"
        self.fail(column, f"{value!r} is not a date ({forms})")
        return None

    def amount(self, column: str, required: bool = False) -> Literal | None:
        """Euros, as xsd:decimal: "150000", "150 000", "150000.50" or "150000,50"."""
        value = self.raw(column, required)
        if value is None:
            return None
        text = re.sub(r"[\s\u00a0\u202f]", "", value.removesuffix("€").strip())
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) else None
        except InvalidOperation:
            number = None
        if number is None or number > Decimal(10) ** 12:
            self.fail(column, f"{value!r} is not an amount in euros (digits, like 150000.50)")
            return None
        lexical = format(number.normalize(), "f")
        return Literal(lexical if "." in lexical else lexical + ".0", datatype=XSD.decimal)

    def url(self, column: str, required: bool = False) -> NamedNode | None:
        found = self.urls(column, required)
        if len(found) > 1:
            self.fail(column, "one address only")
            return None
        return found[0] if found else None

    def urls(self, column: str, required: bool = False) -> list[NamedNode]:
        found = []
        for value in self.values(column, required):
            try:
                parts = urlsplit(value)
                ok = (
                    parts.scheme in ("http", "https")
                    and "." in parts.netloc
                    and "@" not in parts.netloc
                    and not re.search(r"[\s<>\"{}|\\^`]", value)
                )
                node = NamedNode(value) if ok else None
            except ValueError:
                node = None
            if node is None:
                self.fail(column, f"{value!r} is not an http(s) address")
            else:
                found.append(node)
        return found

    def licence(self, column: str, required: bool = False) -> NamedNode | None:
        value = self.raw(column, required)
        if value is None:
            return None
        node = self.minter.licence(value) if re.fullmatch(r"[A-Za-z0-9.+-]+", value) else None
        if node is None or "http://creativecommons.org/ns#License" not in self.lookup.types(node):
            self.fail(column, f"{value!r} is not the SPDX identifier of a licence of the graph")
            return None
        return node

    def language(self, column: str, required: bool = False) -> str | None:
        value = self.raw(column, required)
        if value is None:
            return None
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", value):
            self.fail(column, f"{value!r} is not a language code (fr, en, es)")
            return None
        return value


class Statements:
    """The statements one row makes, and the resources it creates (counted in the report)."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self.created: Counter[str] = Counter()

    def add(
        self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal | None
    ) -> None:
        if obj is not None:
            self.triples.append(Triple(subject, predicate, obj))

    def each(
        self, subject: NamedNode, predicate: NamedNode, objects: Sequence[NamedNode | Literal]
    ) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)

    def typed(self, subject: NamedNode, classes: Sequence[NamedNode], label: str) -> None:
        self.each(subject, RDF.type, classes)
        self.created[label] += 1


Mapping = Callable[[Cells, Statements], NamedNode | None]
"""Maps one row: reads its cells, adds its statements, returns the resource it describes
(None when a cell made the row unusable; the reasons are in `Cells.errors`)."""


@dataclass(frozen=True)
class Template:
    """A spreadsheet layout: its name (the `import` command), columns and mapping."""

    kind: str
    title_fr: str
    title_en: str
    columns: tuple[Column, ...]
    mapping: Mapping
    key: str = "slug"
    """The column naming the row's resource (a row with the same key as an earlier one is left
    out)."""

    def header(self) -> list[str]:
        return [column.name for column in self.columns]


@dataclass
class _Accepted:
    line: int
    resource: NamedNode
    statements: Statements
    findings: list[Finding] = field(default_factory=list)


def graph_name(template: Template, path: Path) -> str:
    return f"import/{template.kind}/{slug(path.stem)}"


def import_sheet(
    store: Store,
    minter: Minter,
    template: Template,
    path: Path,
    validator: Validator,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import one filled-in template into the graph `import/{kind}/{file name}`."""
    report = ImportReport(template.kind, files=[path.name])
    header, rows = read_csv(path, [c.name for c in template.columns if c.required])
    known = set(template.header())
    for column in header:
        if column not in known:
            report.warn(path.name, 1, f"column {column!r} is not part of the template: not read")
    report.rows_read = len(rows)
    lookup = Lookup(store, minter)
    accepted: list[_Accepted] = []
    seen: dict[str, int] = {}
    for index in chunks(len(rows), progress, every=50):
        line, row = rows[index]
        key = row.get(template.key, "").strip()
        if key and key in seen:
            report.skip(
                path.name, line, f"column {template.key}: {key!r} is already on line {seen[key]}"
            )
            continue
        cells = Cells(row, lookup)
        statements = Statements()
        resource = template.mapping(cells, statements)
        if cells.errors or resource is None:
            report.skip(path.name, line, "; ".join(cells.errors) or "unusable row")
            continue
        seen[key] = line
        accepted.append(_Accepted(line, resource, statements))
    accepted = _conforming(store, validator, accepted, report, path.name)
    triples: list[Triple] = []
    for kept in accepted:
        triples += kept.statements.triples
        report.created.update(kept.statements.created)
        for finding in kept.findings:
            report.warn(path.name, kept.line, _said(finding))
    origin = GraphSource(
        name=graph_name(template, path),
        title_fr=f"{template.title_fr} ({path.name})",
        title_en=f"{template.title_en} ({path.name})",
        used=path.name,
    )
    report.changes.append(publish(store, minter, origin, triples))
    return report


def _conforming(
    store: Store, validator: Validator, rows: list[_Accepted], report: ImportReport, file: str
) -> list[_Accepted]:
    """The rows whose statements break no shape; the others are reported with the shapes'
    messages and left out. Warnings stay with their row. Leaving a row out may break another
    (a reference to it), so this repeats until nothing more is left out."""
    while rows:
        data = [t for row in rows for t in row.statements.triples]
        findings = validator.validate(data, neighbourhood(store, data)).findings
        by_resource: dict[str, list[Finding]] = {}
        for finding in findings:
            by_resource.setdefault(finding.focus.split("#", 1)[0], []).append(finding)
        kept, dropped = [], False
        for row in rows:
            found = by_resource.get(row.resource.value, [])
            violations = [f for f in found if f.severity == "Violation"]
            if violations:
                report.skip(file, row.line, "; ".join(_said(f) for f in violations))
                dropped = True
            else:
                row.findings = found
                kept.append(row)
        rows = kept
        if not dropped:
            break
    return rows


def _said(finding: Finding) -> str:
    where = f" ({finding.value})" if finding.value else ""
    kind = "" if finding.severity == "Violation" else f"{finding.severity.lower()}: "
    return f"{kind}{finding.message('en')}{where}"
