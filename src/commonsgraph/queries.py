"""Named queries: the `queries/*.rq` files, each with a `#+` YAML header.

    #+ name: places-by-typology
    #+ title: {fr: "…", en: "…"}
    #+ description: {fr: "…", en: "…"}
    #+ tags: [researchers]
    #+ parameters:
    #+   typology: {type: iri, prefix: "scheme/typology/", default: fablab, values: […]}
    #+   region: {type: iri, prefix: "region/", optional: true}
    #+ coordinates: [lat, long]

A parameter is bound as an RDF term (`sparqltext.bind`), never pasted into the query text as
given. Types: iri, string, integer, decimal, boolean, date, dateTime, year, and licence (an SPDX
id or expression, read by the legal engine and never bound into the text). An `iri` parameter
may be given relative to its `prefix` (itself relative to the canonical base): `fablab` for
`{base}scheme/typology/fablab`, or as a prefixed name of the project's prefixes: `cc:ShareAlike`.
A parameter without default is required, unless it is `optional`: then it is bound to the empty
string, which the query tests (`?region = ""`).
Relative IRIs in a query resolve against the canonical base.

`engine: NAME` marks a query whose rows the legal engine computes (commonsgraph.legal.named):
the query text joins what the graph says of them (rule texts, names) to the rows the engine
gives as a VALUES clause put first in its WHERE clause.

`coordinates` names the variables holding WGS84 latitude and longitude of a query that returns
places: it is then offered as GeoJSON too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, RdfFormat

from commonsgraph import formats, geojson
from commonsgraph.errors import DataSyntaxError, ParameterError
from commonsgraph.safetext import spreadsheet_csv
from commonsgraph.sparqlcheck import query_form
from commonsgraph.sparqltext import bind, values_first
from commonsgraph.store import Term
from commonsgraph.vocab import PREFIXES, XSD

HEADER = "#+"
TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "dateTime", "year", "licence")


@dataclass(frozen=True)
class Output:
    """A format a named query's results are offered in."""

    name: str
    media_type: str
    results: QueryResultsFormat | None = None
    graph: RdfFormat | None = None


SPARQL_TEXT = Output("sparql", "application/sparql-query")
"""The query itself, parameters bound: what would run."""
GEOJSON = Output("geojson", "application/geo+json", results=QueryResultsFormat.JSON)
SELECT_OUTPUTS = tuple(
    Output(formats.name(f), f.media_type, results=f) for f in formats.RESULTS_FORMATS
)
GRAPH_OUTPUTS = tuple(
    Output(formats.name(f), f.media_type, graph=f) for f in formats.TRIPLE_FORMATS
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None = None
    values: tuple[str, ...] = ()
    description: dict[str, str] = field(default_factory=dict)
    prefix: str = ""
    optional: bool = False

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional

    def term(self, value: str, base: str) -> Term:
        """The RDF term a value given for this parameter stands for."""
        term = self._term(value, base)
        if self.values and term not in {self._term(v, base) for v in self.values}:
            raise ParameterError(self.name, f"{value!r} is not one of {', '.join(self.values)}")
        return term

    def _term(self, value: str, base: str) -> Term:
        try:
            return _convert(self, value, base)
        except InvalidOperation:
            raise ParameterError(self.name, f"{value!r} is not a valid {self.type}") from None
        except ValueError as error:
            raise ParameterError(
                self.name, f"{value!r} is not a valid {self.type} ({error})"
            ) from None


def _convert(parameter: Parameter, value: str, base: str) -> Term:
    kind = parameter.type
    if kind == "iri":
        prefix, colon, local = value.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            value = PREFIXES[prefix] + local  # cc:ShareAlike
        elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value):
            value = base + parameter.prefix + value  # relative to the parameter's prefix
        if any(c in value for c in ' <>"{}|^`\\'):
            raise ValueError('an IRI cannot contain spaces or <>"{}|^`\\')
        return NamedNode(value)
    if kind in ("string", "licence"):
        return Literal(value)
    if kind == "integer":
        return Literal(str(int(value)), datatype=XSD.integer)
    if kind == "decimal":
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError("not a finite number")
        return Literal(format(number, "f"), datatype=XSD.decimal)
    if kind == "boolean":
        if value.lower() not in ("true", "false", "1", "0"):
            raise ValueError("expected true or false")
        return Literal("true" if value.lower() in ("true", "1") else "false", datatype=XSD.boolean)
    if kind == "date":
        return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
    if kind == "dateTime":
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return Literal(moment.isoformat(), datatype=XSD.dateTime)
    if kind == "year":
        if not re.fullmatch(r"-?\d{4}", value):
            raise ValueError("expected a four-digit year")
        return Literal(value, datatype=XSD.gYear)
    raise ValueError(f"unknown parameter type {kind!r}")


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
    coordinates: tuple[str, str] | None = None
    """The variables holding latitude and longitude, when the query returns places."""
    engine: str | None = None
    """The legal engine's answerer that computes the query's rows, if any."""

    @property
    def outputs(self) -> tuple[Output, ...]:
        """The formats offered, the default first; the query text itself last."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return (*GRAPH_OUTPUTS, SPARQL_TEXT)
        geojson = (GEOJSON,) if self.coordinates else ()
        return (*SELECT_OUTPUTS, *geojson, SPARQL_TEXT)

    def output(self, name: str) -> Output:
        for output in self.outputs:
            if output.name == name.strip().lower():
                return output
        offered = ", ".join(o.name for o in self.outputs)
        raise ParameterError("format", f"{name!r} is not offered; use one of {offered}")

    def shape(self, output: Output, results: bytes) -> bytes:
        """The body to send for `output`, from the results the store serialized for it."""
        if output is GEOJSON and self.coordinates:
            return geojson.dumps(geojson.from_results(results, *self.coordinates))
        if output.results == QueryResultsFormat.CSV:  # a download for spreadsheets
            return spreadsheet_csv(results)
        return results

    def label(self, language: str = "en") -> str:
        return self.title.get(language) or self.title.get("en") or self.name

    def bindings(
        self, given: Mapping[str, str], base: str, *, partial: bool = False
    ) -> dict[str, Term]:
        """The terms the parameters stand for, from the values given (as text) and defaults;
        `partial` leaves the required parameters that are not given unbound."""
        known = {p.name for p in self.parameters}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ParameterError(unknown[0], f"the query {self.name} has no such parameter")
        terms: dict[str, Term] = {}
        for parameter in self.parameters:
            value = given.get(parameter.name)
            if value is None or value == "":
                if parameter.default is not None:
                    value = parameter.default
                elif parameter.optional:
                    terms[parameter.name] = Literal("")
                    continue
                elif partial:
                    continue
                else:
                    raise ParameterError(parameter.name, "is required")
            terms[parameter.name] = parameter.term(value, base)
        return terms

    def prepared(self, given: Mapping[str, str], base: str, values: str = "") -> str:
        """The query, ready to run: relative IRIs resolved, parameters bound as terms (but
        licences, which the engine reads), `values` (an engine's VALUES clause) as the first
        pattern of its WHERE clause."""
        terms = self.bindings(given, base)
        bound = {p.name: terms[p.name] for p in self.parameters if p.type != "licence"}
        text = bind(self.text, bound)
        return f"BASE <{base}>\n" + (values_first(text, values) if values else text)

    def example(self, base: str) -> str:
        """The query with its defaults bound and its required parameters left as variables,
        for a person to fill in (the query editor)."""
        return f"BASE <{base}>\n" + bind(self.text, self.bindings({}, base, partial=True))


def _bilingual(value: object, where: str, key: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise DataSyntaxError(where, f"'{key}' must be a text or a {{fr: …, en: …}} mapping")
    return {str(k): str(v) for k, v in value.items()}


def _parameter(name: str, spec: object, source: str) -> Parameter:
    if not isinstance(spec, dict) or spec.get("type") not in TYPES:
        raise DataSyntaxError(source, f"parameter {name!r} needs a type among {', '.join(TYPES)}")
    parameter = Parameter(
        name=name,
        type=str(spec["type"]),
        default=None if spec.get("default") is None else str(spec["default"]),
        values=tuple(str(v) for v in spec.get("values") or ()),
        description=_bilingual(spec.get("description", {}), source, "description"),
        prefix=str(spec.get("prefix", "")),
        optional=bool(spec.get("optional", False)),
    )
    for value in (*parameter.values, *(() if parameter.default is None else (parameter.default,))):
        try:
            parameter.term(value, "https://example.org/")
        except ParameterError as error:
            raise DataSyntaxError(source, f"default or allowed value: {error}") from None
    return parameter


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
    parameters = tuple(
        _parameter(str(name), spec, source)
        for name, spec in (header.get("parameters") or {}).items()
    )
    body = "\n".join(body_lines).strip() + "\n"
    form = query_form(body)
    if form is None:
        raise DataSyntaxError(source, "the file holds no SPARQL query")
    coordinates = header.get("coordinates")
    if coordinates is not None and (
        form != "SELECT"
        or not isinstance(coordinates, list)
        or len(coordinates) != 2
        or not all(isinstance(c, str) for c in coordinates)
    ):
        raise DataSyntaxError(source, "'coordinates' names two variables of a SELECT: [lat, long]")
    return NamedQuery(
        name=str(header["name"]),
        title=_bilingual(header["title"], source, "title"),
        description=_bilingual(header.get("description", {}), source, "description"),
        tags=tuple(str(t) for t in header.get("tags") or ()),
        parameters=parameters,
        text=body,
        form=form,
        coordinates=None if coordinates is None else (coordinates[0], coordinates[1]),
        engine=None if header.get("engine") is None else str(header["engine"]),
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
