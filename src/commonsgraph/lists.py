"""Browsable lists of places: the tiers-lieux of a territory, of a typology, of a network or of
a programme, filtered (typology, stage, programme), sorted (name, commune) and paged, with the
totals, the points of exactly the filtered set and the same list as CSV or GeoJSON.

One table (`SCOPES`) says how the places of each kind of resource are reached; the filters
come from a request and are validated here (`ListRequest.of`), a wrong value is a
`ParameterError` naming its parameter. Every query binds the resource and the language by
substitution: nothing from a request is pasted into SPARQL.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pyoxigraph import Literal, NamedNode

from commonsgraph import kinds
from commonsgraph.errors import ParameterError
from commonsgraph.safetext import spreadsheet_cell
from commonsgraph.store import Store
from commonsgraph.vocab import compact

CG, IGEO, SKOS = kinds.CG, kinds.IGEO, kinds.SKOS

PATH = "/places"
"""Where lists are served (`web.lists`)."""

SCOPES: dict[str, str] = {
    IGEO + "Region": "schema:containedInPlace+",
    IGEO + "Departement": "schema:containedInPlace+",
    IGEO + "Commune": "schema:containedInPlace+",
    IGEO + "Intercommunalite": "schema:containedInPlace+",
    IGEO + "ArrondissementMunicipal": "schema:containedInPlace+",
    CG + "Network": "cg:network",
    CG + "Programme": "cg:programme|schema:containedInPlace/cg:programme",
    SKOS + "Concept": "cg:typology",
}
"""For the class of a resource, the SPARQL property path from a place to it (written here,
never taken from a request); the first that a resource's classes name wins (a programme may
also be a concept)."""

FACETS: dict[str, str] = {
    "typology": "cg:typology",
    "stage": "cg:stage",
    "programme": "cg:programme|schema:containedInPlace/cg:programme",
}
"""The filters, each with the path from a place to its values."""

SORTS = ("name", "commune")
FORMATS = ("html", "csv", "geojson")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_PLACES = 20000
"""At most this many places are read for one list (the census has about 4,000 in France)."""


def scope_path(types: list[str]) -> str | None:
    """The path from a place to a resource of these classes (None: it lists no places)."""
    return next((path for cls, path in SCOPES.items() if cls in types), None)


def _whole(parameters: Mapping[str, str], name: str, default: int, highest: int) -> int:
    value = parameters.get(name, "")
    if value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= highest:
        raise ParameterError(name, f"a whole number from 1 to {highest} is expected")
    return int(value)


def _iri(parameters: Mapping[str, str], name: str) -> str | None:
    value = parameters.get(name, "")
    if value == "":
        return None
    if len(value) > 2000 or not value.startswith(("http://", "https://")):
        raise ParameterError(name, "an absolute http(s) IRI is expected")
    try:
        NamedNode(value)
    except ValueError:
        raise ParameterError(name, "an absolute http(s) IRI is expected") from None
    return value


@dataclass(frozen=True)
class ListRequest:
    """What a reader asked of a list: filters (IRIs), order, page, size and format."""

    filters: dict[str, str]
    sort: str = "name"
    page: int = 1
    page_size: int = PAGE_SIZE
    format: str = "html"

    @classmethod
    def of(cls, parameters: Mapping[str, str]) -> ListRequest:
        sort = parameters.get("sort", "") or "name"
        if sort not in SORTS:
            raise ParameterError("sort", "one of " + ", ".join(SORTS) + " is expected")
        chosen = (parameters.get("format", "") or "html").lower()
        if chosen not in FORMATS:
            raise ParameterError("format", "one of " + ", ".join(FORMATS) + " is expected")
        filters = {name: value for name in FACETS if (value := _iri(parameters, name))}
        return cls(
            filters,
            sort,
            _whole(parameters, "page", 1, 1_000_000),
            _whole(parameters, "page_size", PAGE_SIZE, MAX_PAGE_SIZE),
            chosen,
        )

    def query(self, **changes: object) -> dict[str, str]:
        """The parameters of this request, with `changes` (for links to other pages)."""
        found: dict[str, object] = {
            **self.filters,
            "sort": self.sort,
            "page": self.page,
            "page_size": self.page_size,
            **changes,
        }
        return {k: str(v) for k, v in found.items() if v not in (None, "")}


@dataclass
class Row:
    iri: str
    label: str
    commune: str = ""
    commune_iri: str = ""
    lat: float | None = None
    long: float | None = None
    facets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """For each filter, the (IRI, label) of the place's values."""

    def labels(self, facet: str) -> str:
        return ", ".join(label for _, label in self.facets.get(facet, []))


@dataclass(frozen=True)
class Option:
    iri: str
    label: str
    count: int
    chosen: bool


@dataclass
class PlaceList:
    """The filtered list (all of it: `page_rows` is the page shown)."""

    within: str
    """The IRI of the resource whose places these are."""
    request: ListRequest
    rows: list[Row]
    total: int
    """Places of the resource before filtering."""
    options: dict[str, list[Option]]

    def address(self, **changes: object) -> str:
        """The address of this list (`PATH`), with `changes` to its parameters."""
        return PATH + "?" + urlencode({"within": self.within, **self.request.query(**changes)})

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.request.page_size))

    @property
    def page_rows(self) -> list[Row]:
        start = (self.request.page - 1) * self.request.page_size
        return self.rows[start : start + self.request.page_size]

    def features(self, href: Any = None) -> list[dict[str, object]]:
        """GeoJSON points of every place of the filtered list that has coordinates."""
        return [
            {
                "type": "Feature",
                "id": row.iri,
                "geometry": {"type": "Point", "coordinates": [row.long, row.lat]},
                "properties": {
                    "iri": row.iri,
                    "title": row.label,
                    "href": href(row.iri) if href else row.iri,
                    "commune": row.commune,
                    "typology": row.labels("typology"),
                },
            }
            for row in self.rows
            if row.lat is not None and row.long is not None
        ]

    def geojson(self) -> dict[str, object]:
        return {"type": "FeatureCollection", "features": self.features()}

    def csv(self) -> bytes:
        """The filtered list as CSV (a header, one row a place, cells safe in spreadsheets)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["iri", "label", "commune", "typology", "stage", "programme", "lat", "long"]
        )
        for row in self.rows:
            cells = [
                row.iri,
                row.label,
                row.commune,
                row.labels("typology"),
                row.labels("stage"),
                row.labels("programme"),
                "" if row.lat is None else repr(row.lat),
                "" if row.long is None else repr(row.long),
            ]
            writer.writerow([spreadsheet_cell(cell) for cell in cells])
        return out.getvalue().encode("utf-8")


def _number(term: object) -> float | None:
    if isinstance(term, Literal):
        try:
            return float(term.value)
        except ValueError:
            return None
    return None


def place_list(
    store: Store, scope: NamedNode, path: str, request: ListRequest, language: str
) -> PlaceList:
    """The places reached from `scope` by `path` (one of `SCOPES`), filtered as asked."""
    bindings: dict[str, NamedNode | Literal] = {"scope": scope, "lang": Literal(language)}
    rows: dict[str, Row] = {}
    for found in store.select(
        f"""SELECT ?p ?label ?commune ?communeLabel ?lat ?long WHERE {{
              ?p a cg:TiersLieu ; {path} ?scope .
              OPTIONAL {{ ?p rdfs:label ?label }}
              OPTIONAL {{ ?p schema:containedInPlace ?commune . ?commune a igeo:Commune .
                          OPTIONAL {{ ?commune rdfs:label ?communeLabel }} }}
              OPTIONAL {{ ?p wgs:lat ?lat ; wgs:long ?long }}
            }} LIMIT {MAX_PLACES}""",
        bindings,
    ):
        place = found.get("p")
        if not isinstance(place, NamedNode):
            continue
        label, commune = found.get("label"), found.get("commune")
        row = rows.get(place.value)
        if row is None:
            row = rows[place.value] = Row(place.value, compact(place.value))
            if isinstance(label, Literal):
                row.label = label.value
            row.lat, row.long = _number(found.get("lat")), _number(found.get("long"))
        elif isinstance(label, Literal) and label.language == language:
            row.label = label.value
        if isinstance(commune, NamedNode) and not row.commune_iri:
            called = found.get("communeLabel")
            row.commune_iri = commune.value
            row.commune = called.value if isinstance(called, Literal) else compact(commune.value)
    names: dict[str, str] = {}
    for name, facet_path in FACETS.items():
        for found in store.select(
            f"""SELECT DISTINCT ?p ?v ?vl WHERE {{
                  ?p a cg:TiersLieu ; {path} ?scope ; {facet_path} ?v .
                  OPTIONAL {{ ?v skos:prefLabel|rdfs:label ?vl
                              FILTER(lang(?vl) = ?lang || lang(?vl) = "") }}
                }} LIMIT {MAX_PLACES * 4}""",
            bindings,
        ):
            place, value, label = found.get("p"), found.get("v"), found.get("vl")
            if not isinstance(place, NamedNode) or not isinstance(value, NamedNode):
                continue
            row = rows.get(place.value)
            if row is None:
                continue
            text = label.value if isinstance(label, Literal) else compact(value.value)
            names.setdefault(value.value, text)
            values = row.facets.setdefault(name, [])
            if all(iri != value.value for iri, _ in values):
                values.append((value.value, names[value.value]))
    everything = list(rows.values())
    chosen = [
        row
        for row in everything
        if all(
            any(iri == wanted for iri, _ in row.facets.get(name, []))
            for name, wanted in request.filters.items()
        )
    ]
    if request.sort == "commune":
        chosen.sort(key=lambda r: (r.commune == "", r.commune.lower(), r.label.lower(), r.iri))
    else:
        chosen.sort(key=lambda r: (r.label.lower(), r.iri))
    options: dict[str, list[Option]] = {}
    for name in FACETS:
        counts: dict[str, int] = {}
        for row in chosen:
            for iri, _ in row.facets.get(name, []):
                counts[iri] = counts.get(iri, 0) + 1
        options[name] = sorted(
            (
                Option(iri, names[iri], n, request.filters.get(name) == iri)
                for iri, n in counts.items()
            ),
            key=lambda o: (-o.count, o.label.lower()),
        )
    return PlaceList(scope.value, request, chosen, len(everything), options)
