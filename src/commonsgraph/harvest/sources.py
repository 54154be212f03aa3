"""Partner sources: what to harvest, from where, and how it maps onto our model.

Sources are declared in `<data dir>/sources.toml` (by hand, or with `commonsgraph source add`):

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

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from pyoxigraph import NamedNode

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
    """The sources of `<data dir>/sources.toml` (none when there is no data directory)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def all(self) -> list[Source]:
        if self.path is None or not self.path.exists():
            return []
        try:
            document = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise DataSyntaxError(self.path.name, str(error)) from None
        tables = document.get("sources", {})
        if not isinstance(tables, dict):
            raise DataSyntaxError(self.path.name, "[sources] must be a table of sources")
        return [_source(name, table, self.path.name) for name, table in sorted(tables.items())]

    def get(self, name: str) -> Source:
        for source in self.all():
            if source.name == name:
                return source
        raise NotFound(f"no source {name!r}; `commonsgraph source list` lists them")

    def add(self, source: Source) -> None:
        source.check()
        self._write({**{s.name: s for s in self.all()}, source.name: source})

    def remove(self, name: str) -> None:
        sources = {s.name: s for s in self.all()}
        if name not in sources:
            raise NotFound(f"no source {name!r}")
        del sources[name]
        self._write(sources)

    def _write(self, sources: dict[str, Source]) -> None:
        if self.path is None:
            raise InputError("sources are kept in the data directory; there is none")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"sources": {name: s.as_toml() for name, s in sorted(sources.items())}}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(tomli_w.dumps(document), encoding="utf-8")
        temporary.replace(self.path)  # atomic: never a half-written file
