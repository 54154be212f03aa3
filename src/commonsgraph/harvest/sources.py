"""Partner sources: what to harvest, from where, and how it maps onto our model.

Sources are kept in the deployment's database (`commonsgraph source add`, shared by every
process), and may be declared by hand in `<data dir>/sources.toml`, read in whenever it changes:

    [sources.reseau-x]
    kind = "sparql"                 # sparql | rdf | gogocarto | geojson | json | csv
    url = "https://reseau-x.example/sparql"
    mapping = "pair"                # sparql, rdf: "pair" or a CONSTRUCT query file (.rq)
    licence = "etalab-2.0"          # the partner's licence: an SPDX id or an IRI
    title = "Réseau X (SemApps)"

    [sources.carte-y]
    kind = "geojson"
    url = "https://carte-y.example/lieux.geojson"
    [sources.carte-y.fields]        # feed field -> our property (see FIELDS)
    id = "identifiant"
    label = "nom"
    [sources.carte-y.typologies]    # feed values -> typology notations
    "Fab lab" = "fablab"
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode
from sqlalchemy import Connection, delete, insert, select

from commonsgraph.database import Database
from commonsgraph.database.tables import legacy_import
from commonsgraph.database.tables import partner_source as table
from commonsgraph.errors import DataSyntaxError, InputError, NotFound
from commonsgraph.safetext import redact

KINDS = ("sparql", "rdf", "gogocarto", "geojson", "json", "csv")
FIELDS = (
    "id", "label", "description", "homepage", "email", "street", "postcode", "locality",
    "commune", "country", "latitude", "longitude", "typology", "modified",
)  # fmt: skip
"""What a feed's fields can map to: `id` and `label` are required; `commune` is an INSEE code,
`country` an ISO 3166-1 code (FR when the feed gives none)."""
BUILT_IN_MAPPINGS = ("pair",)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    url: str
    title: str = ""
    licence: str | None = None
    mapping: str | None = None
    """sparql, rdf: a built-in mapping name or the path of a CONSTRUCT query."""
    fields: dict[str, str] = field(default_factory=dict)
    """Feeds: our property -> the feed's field name (dotted for nested JSON: `geo.latitude`)."""
    typologies: dict[str, str] = field(default_factory=dict)
    records: str | None = None
    """json: the dotted path of the list of records in the document (`data`)."""

    @property
    def shown_url(self) -> str:
        """The url as it may be shown and published: its credentials masked (`redact`)."""
        return redact(self.url)

    def check(self) -> None:
        """Refuse a declaration that cannot work, naming what is wrong."""
        where = f"source {self.name!r}"
        if not _NAME.match(self.name):
            raise InputError(f"{where}: a name is lowercase letters, digits and dashes")
        if self.kind not in KINDS:
            raise InputError(f"{where}: kind must be one of {', '.join(KINDS)}")
        if not self.url.startswith(("http://", "https://")):
            raise InputError(f"{where}: the url must be http(s), got {self.shown_url!r}")
        try:
            NamedNode(self.url)
        except ValueError as error:
            raise InputError(f"{where}: the url is not an IRI ({error})") from None
        if self.kind == "sparql" and not self.mapping:
            raise InputError(f"{where}: a SPARQL source needs a mapping (pair, or a .rq file)")
        if (
            self.mapping
            and self.mapping not in BUILT_IN_MAPPINGS
            and not Path(self.mapping).is_file()
        ):
            raise InputError(f"{where}: no mapping file {self.mapping!r}")
        if self.kind in ("geojson", "json", "csv"):
            unknown = sorted(set(self.fields) - set(FIELDS))
            if unknown:
                raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}; use {FIELDS}")
            missing = [name for name in ("id", "label") if name not in self.fields]
            if missing:
                raise InputError(f"{where}: the fields must map {' and '.join(missing)}")

    def as_toml(self) -> dict[str, Any]:
        table: dict[str, Any] = {"kind": self.kind, "url": self.url}
        for key in ("title", "licence", "mapping", "records"):
            value = getattr(self, key)
            if value:
                table[key] = value
        if self.fields:
            table["fields"] = dict(self.fields)
        if self.typologies:
            table["typologies"] = dict(self.typologies)
        return table


def _source(name: str, table: object, path: str) -> Source:
    if not isinstance(table, dict):
        raise DataSyntaxError(path, f"[sources.{name}] must be a table")
    strings = {k: v for k, v in table.items() if isinstance(v, str)}
    for key in ("kind", "url"):
        if key not in strings:
            raise DataSyntaxError(path, f"[sources.{name}] needs a {key}")
    mappings = {k: table.get(k, {}) for k in ("fields", "typologies")}
    for key, value in mappings.items():
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise DataSyntaxError(path, f"[sources.{name}.{key}] must map names to strings")
    return Source(
        name=name,
        kind=strings["kind"],
        url=strings["url"],
        title=strings.get("title", ""),
        licence=strings.get("licence"),
        mapping=strings.get("mapping"),
        fields={str(k): str(v) for k, v in mappings["fields"].items()},
        typologies={str(k): str(v) for k, v in mappings["typologies"].items()},
        records=strings.get("records"),
    )


class SourceRegistry:
    """The partner sources of a deployment, in its database, so that every process knows
    them. `file` (`<data dir>/sources.toml`), when there is one, is read in whenever it changed
    since it was last read: the sources it declares are added or replaced, and those it had
    declared and no longer does are removed; sources added with `commonsgraph source add` (or
    by another machine's file) are left alone."""

    def __init__(self, database: Database, file: Path | None = None) -> None:
        self.database = database
        self.path = file

    def all(self) -> list[Source]:
        self._read_file()
        with self.database.transaction() as connection:
            rows = connection.execute(
                select(table.c.name, table.c.declaration).order_by(table.c.name)
            ).all()
        return [
            _source(name, json.loads(declaration), "the database") for name, declaration in rows
        ]

    def get(self, name: str) -> Source:
        for source in self.all():
            if source.name == name:
                return source
        raise NotFound(f"no source {name!r}; `commonsgraph source list` lists them")

    def add(self, source: Source) -> None:
        source.check()
        self._read_file()  # first: the file's older word does not replace this one
        with self.database.transaction() as connection:
            self.database.lock(connection, "partner-sources")
            _put(connection, source, None)

    def remove(self, name: str) -> None:
        self._read_file()
        with self.database.transaction() as connection:
            removed = connection.execute(delete(table).where(table.c.name == name)).rowcount
        if not removed:
            raise NotFound(f"no source {name!r}")

    def _read_file(self) -> None:
        if self.path is None or not self.path.is_file():
            return
        text = self.path.read_bytes()
        digest = hashlib.sha256(text).hexdigest()
        key = str(self.path.resolve())
        if self._digest(key) == digest:
            return
        try:
            document = tomllib.loads(text.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise DataSyntaxError(self.path.name, str(error)) from None
        tables = document.get("sources", {})
        if not isinstance(tables, dict):
            raise DataSyntaxError(self.path.name, "[sources] must be a table of sources")
        declared = [_source(name, found, self.path.name) for name, found in sorted(tables.items())]
        with self.database.transaction() as connection:
            self.database.lock(connection, "partner-sources")
            connection.execute(
                delete(table).where(
                    table.c.origin == key, table.c.name.not_in([s.name for s in declared])
                )
            )
            for source in declared:
                _put(connection, source, key)
            connection.execute(delete(legacy_import).where(legacy_import.c.file == key))
            connection.execute(
                insert(legacy_import).values(
                    file=key, imported=datetime.now(UTC).isoformat(), rows=len(declared),
                    digest=digest,
                )
            )  # fmt: skip

    def _digest(self, key: str) -> str | None:
        with self.database.transaction() as connection:
            found = connection.scalar(
                select(legacy_import.c.digest).where(legacy_import.c.file == key)
            )
        return None if found is None else str(found)


def _put(connection: Connection, source: Source, origin: str | None) -> None:
    """Add or replace a source's declaration."""
    connection.execute(delete(table).where(table.c.name == source.name))
    connection.execute(
        insert(table).values(
            name=source.name,
            declaration=json.dumps(source.as_toml(), ensure_ascii=False),
            origin=origin,
        )
    )
