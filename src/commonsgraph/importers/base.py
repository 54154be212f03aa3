"""What every importer shares: the report, progress, and reading input files with clear errors.

An importer reads its files completely and builds the graph in memory before touching the store,
so a malformed file (reported with its name and line) leaves the store as it was; then it
publishes the graph with `graphs.publish`, which replaces the previous import atomically.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.errors import DataSyntaxError
from commonsgraph.store import GraphChange
from commonsgraph.vocab import RDF, XSD

Progress = Callable[[int, int], None]
"""Called with (done, total) as an importer advances."""


def no_progress(done: int, total: int) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True)
class Note:
    """Something an importer skipped or kept incomplete, and where."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """The summary of one import: what was read, created, skipped and why."""

    source: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    created: Counter[str] = field(default_factory=Counter)
    skipped: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    facts: dict[str, int] = field(default_factory=dict)
    """Counts worth stating, e.g. how rows without a commune code were resolved."""
    changes: list[GraphChange] = field(default_factory=list)

    def skip(self, file: str, line: int | None, message: str) -> None:
        self.skipped.append(Note(file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.warnings.append(Note(file, line, message))

    def count(self, fact: str, n: int = 1) -> None:
        self.facts[fact] = self.facts.get(fact, 0) + n


def read_text(path: Path) -> str:
    """A UTF-8 file's text; invalid bytes are reported with their line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataSyntaxError(path.name, f"cannot be read ({error.strerror})") from None
    return decode_text(data, path.name)


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a leading BOM dropped); invalid bytes are reported with their line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataSyntaxError(name, "is not valid UTF-8", line) from None


def read_json(path: Path) -> object:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise DataSyntaxError(path.name, error.msg, error.lineno, error.colno) from None


Rows = list[tuple[int, dict[str, str]]]
"""CSV rows as mappings from column to field, each with the line it starts on."""


def read_csv(path: Path, required: Sequence[str]) -> tuple[list[str], Rows]:
    """The header and the rows (with their line numbers) of a CSV file.

    The header must hold every `required` column, and every row must have as many fields as
    the header: a truncated or shifted row is an error that names its line.
    """
    return parse_csv(read_text(path), path.name, required)


def parse_csv(
    text: str, name: str, required: Sequence[str], *, exact: bool = False
) -> tuple[list[str], Rows]:
    """`read_csv` on text; with `exact`, columns beyond `required` are an error too."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataSyntaxError(name, "is empty", 1) from None
    except csv.Error as error:
        raise DataSyntaxError(name, f"malformed CSV ({error})", 1) from None
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise DataSyntaxError(name, f"repeated column(s): {', '.join(repeated)}", 1)
    missing = [column for column in required if column not in header]
    if missing:
        raise DataSyntaxError(name, f"missing column(s): {', '.join(missing)}", 1)
    extra = [column for column in header if column not in required]
    if exact and extra:
        raise DataSyntaxError(
            name, f"unexpected column(s): {', '.join(extra)}; expected {', '.join(required)}", 1
        )
    rows: Rows = []
    line = reader.line_num
    try:
        for fields in reader:
            start = line + 1
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataSyntaxError(
                    name,
                    f"the row has {len(fields)} fields where the header has {len(header)} "
                    "(truncated or shifted row)",
                    start,
                )
            rows.append((start, dict(zip(header, fields, strict=True))))
    except csv.Error as error:
        raise DataSyntaxError(name, f"malformed CSV ({error})", reader.line_num) from None
    return header, rows


def chunks(total: int, progress: Progress, every: int = 500) -> Iterator[int]:
    """Indices 0..total-1, reporting progress every `every` items and at the end."""
    for index in range(total):
        if index % every == 0:
            progress(index, total)
        yield index
    progress(total, total)


def decimal_literal(value: str) -> Literal | None:
    """An xsd:decimal literal in canonical form, or None when `value` is not a number."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    text = format(number.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def integer_literal(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


class TripleBuilder:
    """Collects the triples of an import, counting the resources created per class."""

    def __init__(self, report: ImportReport) -> None:
        self.triples: list[Triple] = []
        self._report = report

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.triples.append(Triple(subject, predicate, obj))

    def typed(self, subject: NamedNode, cls: NamedNode, label: str) -> None:
        """Declare a resource of class `cls`, counted in the report under `label`."""
        self.add(subject, RDF.type, cls)
        self._report.created[label] += 1


Record = dict[str, object]
"""A JSON object read from an input file."""


def text_field(record: Record, key: str) -> str | None:
    """A field as text (numbers included), or None when absent or empty."""
    value = record.get(key)
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    return str(value)


def int_field(record: Record, key: str) -> int | None:
    value = record.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def list_field(record: Record, key: str) -> list[object]:
    value = record.get(key)
    return value if isinstance(value, list) else []
