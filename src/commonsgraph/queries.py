"""Named queries: the `queries/*.rq` files, each with a `#+` YAML header.

    #+ name: places-by-typology
    #+ title: {fr: "…", en: "…"}
    #+ description: {fr: "…", en: "…"}
    #+ tags: [researchers]
    #+ parameters:
    #+   typology: {type: iri, default: "…", values: […], description: {fr: …, en: …}}

Parameters are bound as RDF terms (`sparqltext.bind`), never pasted into the query text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from commonsgraph.errors import DataSyntaxError
from commonsgraph.sparqltext import query_form

HEADER = "#+"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None = None
    values: tuple[str, ...] = ()
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    text: str
    """The query without its header."""
    form: str

    def label(self, language: str = "en") -> str:
        return self.title.get(language) or self.title.get("en") or self.name


def _bilingual(value: object, where: str, key: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise DataSyntaxError(where, f"'{key}' must be a text or a {{fr: …, en: …}} mapping")
    return {str(k): str(v) for k, v in value.items()}


def parse_named_query(text: str, source: str) -> NamedQuery:
    header_lines: list[str] = []
    body_lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(HEADER) and not body_lines:
            header_lines.append(line[len(HEADER) :])
        else:
            body_lines.append(line)
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as error:
        raise DataSyntaxError(source, f"invalid #+ header ({error})", 1) from None
    if not isinstance(header, dict):
        raise DataSyntaxError(source, "the #+ header must be a YAML mapping", 1)
    for key in ("name", "title"):
        if key not in header:
            raise DataSyntaxError(source, f"the #+ header lacks '{key}'", 1)
    parameters = []
    for name, spec in (header.get("parameters") or {}).items():
        if not isinstance(spec, dict) or "type" not in spec:
            raise DataSyntaxError(source, f"parameter {name!r} needs a type", 1)
        parameters.append(
            Parameter(
                name=str(name),
                type=str(spec["type"]),
                default=None if spec.get("default") is None else str(spec["default"]),
                values=tuple(str(v) for v in spec.get("values") or ()),
                description=_bilingual(spec.get("description", {}), source, "description"),
            )
        )
    body = "\n".join(body_lines).strip() + "\n"
    form = query_form(body)
    if form is None:
        raise DataSyntaxError(source, "the file holds no SPARQL query")
    return NamedQuery(
        name=str(header["name"]),
        title=_bilingual(header["title"], source, "title"),
        description=_bilingual(header.get("description", {}), source, "description"),
        tags=tuple(str(t) for t in header.get("tags") or ()),
        parameters=tuple(parameters),
        text=body,
        form=form,
    )


def load_queries(directory: Path) -> list[NamedQuery]:
    """Every named query of a directory, sorted by name."""
    queries = [
        parse_named_query(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(directory.glob("*.rq"))
    ]
    names = [q.name for q in queries]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise DataSyntaxError(
            str(directory), f"duplicate query names: {', '.join(sorted(duplicates))}"
        )
    return sorted(queries, key=lambda q: q.name)
