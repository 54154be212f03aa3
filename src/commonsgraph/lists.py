"""Browsable lists: the places of a territory, a country, a typology, a network or a programme;
the members of a network; the commons under a licence or of a kind; the projects of a stage or
a programme; the funding offers and grants of a programme (and an offer's grants) — filtered,
sorted (name, commune) and paged, with the totals, the points of exactly the filtered set and
the same list as CSV or GeoJSON.

One table (`LISTINGS`) says, for each kind of list, what it lists, how an item reaches the
resource whose page shows it, which filters apply and where an item's point and commune come
from: a place has its own; an organisation is mapped at the places where it holds a role
(`cg:actorRole`/`cg:agent`), a commons at the place that produced it
(`schema:locationCreated`), a project at the place it became (`prov:generated`), a grant at
the place it funds (or the place its project became); an offer has none. One without such a
place is listed without a point. A resource that another of its class names with `owl:sameAs`
(the census row of a seed place) is listed once, as the other (`stats.once`). The filters
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

from commonsgraph import kinds, stats
from commonsgraph.errors import ParameterError
from commonsgraph.geojson import point
from commonsgraph.safetext import spreadsheet_cell
from commonsgraph.store import Store
from commonsgraph.vocab import PREFIXES, compact

CG, IGEO, SKOS, SCHEMA = kinds.CG, kinds.IGEO, kinds.SKOS, kinds.SCHEMA
ORG, CC = PREFIXES["org"], PREFIXES["cc"]

FACETS: dict[str, str] = {
    "typology": "cg:typology",
    "stage": "cg:stage",
    "programme": "cg:programme|schema:containedInPlace/cg:programme",
    "organisation_kind": "cg:organisationKind",
    "commons_kind": "cg:commonsKind",
    "funder": "schema:funder|schema:offeredBy",
}
"""The filters, each with the path from an item to its values (written here, never taken from
a request)."""


@dataclass(frozen=True)
class Listing:
    """A kind of list: its items, how they reach the listing resource, its filters, its points."""

    name: str
    """`places`, `members`, `commons`…: its address (`/name?within=…`), its words, its file."""
    classes: tuple[str, ...]
    """An item is of one of these classes."""
    scopes: tuple[tuple[str, str], ...]
    """(class of the resource, SPARQL property path from an item to it); the first that the
    resource's classes name wins (a programme is also a concept)."""
    facets: tuple[str, ...]
    """Its filters (`FACETS`), in the order the page and the CSV show them."""
    column: str
    """The filter shown as a column of the page's table."""
    site: str | None = None
    """The path from an item to the place that gives its point and commune (None: its own)."""

    @property
    def path(self) -> str:
        return "/" + self.name

    def scope(self, types: list[str]) -> str | None:
        """The path from an item to a resource of these classes (None: it lists none)."""
        return next((path for cls, path in self.scopes if cls in types), None)


TERRITORY = "schema:containedInPlace+"

LISTINGS: tuple[Listing, ...] = (
    Listing(
        "places",
        (CG + "TiersLieu",),
        (
            (IGEO + "Region", TERRITORY),
            (IGEO + "Departement", TERRITORY),
            (IGEO + "Commune", TERRITORY),
            (IGEO + "Intercommunalite", TERRITORY),
            (IGEO + "ArrondissementMunicipal", TERRITORY),
            (SCHEMA + "AdministrativeArea", TERRITORY),
            (SCHEMA + "Country", "locn:address/locn:adminUnitL1/^cg:iso3166Code"),
            (CG + "Network", "cg:network"),
            (CG + "Programme", FACETS["programme"]),
            (SKOS + "Concept", "cg:typology"),
        ),
        ("typology", "stage", "programme"),
        "typology",
    ),
    Listing(
        "members",
        (ORG + "Organization",),
        ((CG + "Network", "org:memberOf|^org:hasMember|^org:member/org:organization"),),
        ("organisation_kind", "programme"),
        "organisation_kind",
        site="^cg:agent/^cg:actorRole",
    ),
    Listing(
        "commons",
        (CG + "Commons",),
        ((CC + "License", "dct:license|cc:license"), (SKOS + "Concept", "cg:commonsKind")),
        ("commons_kind",),
        "commons_kind",
        site="schema:locationCreated",
    ),
    Listing(
        "projects",
        (kinds.PROJECT,),
        ((CG + "Programme", "cg:programme"), (SKOS + "Concept", "cg:stage")),
        ("stage", "programme"),
        "stage",
        site="prov:generated",
    ),
    Listing(
        "offers",
        (kinds.OFFER,),
        ((CG + "Programme", "cg:programme"),),
        ("funder",),
        "funder",
    ),
    Listing(
        "grants",
        (kinds.GRANT,),
        ((CG + "Programme", "cg:programme"), (kinds.OFFER, "cg:offer")),
        ("funder", "programme"),
        "funder",
        site="schema:fundedItem|schema:fundedItem/prov:generated",
    ),
)
"""Every kind of list; a page shows each one whose items it has."""

BY_NAME = {listing.name: listing for listing in LISTINGS}
PLACES = BY_NAME["places"]

ONCE = stats.once("?class", item="?p")
"""Leaves out an item that another item of its class names with owl:sameAs: one thing, listed
once, as the description kept (as the home page counts it)."""

SORTS = ("name", "commune")
FORMATS = ("html", "csv", "geojson")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_ITEMS = 20000
"""At most this many items are read for one list (the census has about 4,000 places in France)."""


def listings_of(types: list[str]) -> list[tuple[Listing, str]]:
    """The kinds of list a resource of these classes may show, each with its scope path."""
    return [(listing, path) for listing in LISTINGS if (path := listing.scope(types))]


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
    def of(cls, parameters: Mapping[str, str], listing: Listing = PLACES) -> ListRequest:
        sort = parameters.get("sort", "") or "name"
        if sort not in SORTS:
            raise ParameterError("sort", "one of " + ", ".join(SORTS) + " is expected")
        chosen = (parameters.get("format", "") or "html").lower()
        if chosen not in FORMATS:
            raise ParameterError("format", "one of " + ", ".join(FORMATS) + " is expected")
        for name in FACETS:
            if name not in listing.facets and parameters.get(name, ""):
                offered = ", ".join(listing.facets)
                raise ParameterError(name, f"not a filter of a list of {listing.name}: {offered}")
        filters = {name: value for name in listing.facets if (value := _iri(parameters, name))}
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
    site: str = ""
    """The place that gives its point and commune (its own IRI for a place)."""
    site_label: str = ""
    facets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """For each filter, the (IRI, label) of the item's values."""

    def labels(self, facet: str) -> str:
        return ", ".join(label for _, label in self.facets.get(facet, []))


@dataclass(frozen=True)
class Option:
    iri: str
    label: str
    count: int
    chosen: bool


@dataclass
class ItemList:
    """The filtered list (all of it: `page_rows` is the page shown)."""

    listing: Listing
    within: str
    """The IRI of the resource whose items these are."""
    request: ListRequest
    rows: list[Row]
    total: int
    """Items of the resource before filtering."""
    options: dict[str, list[Option]]

    @property
    def name(self) -> str:
        return self.listing.name

    def address(self, **changes: object) -> str:
        """The address of this list, with `changes` to its parameters."""
        query = {"within": self.within, **self.request.query(**changes)}
        return self.listing.path + "?" + urlencode(query)

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
        """GeoJSON points of every item of the filtered list that has one (its own or its
        place's)."""
        return [
            point(
                row.lat,
                row.long,
                {
                    "iri": row.iri,
                    "title": row.label,
                    "href": href(row.iri) if href else row.iri,
                    "commune": row.commune,
                    self.listing.column: row.labels(self.listing.column),
                    **({"place": row.site_label} if self.listing.site else {}),
                },
                id=row.iri,
            )
            for row in self.rows
            if row.lat is not None and row.long is not None
        ]

    def geojson(self) -> dict[str, object]:
        return {"type": "FeatureCollection", "features": self.features()}

    def csv(self) -> bytes:
        """The filtered list as CSV (a header, one row an item, cells safe in spreadsheets)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        sited = self.listing.site is not None
        place = ["place"] if sited else []
        writer.writerow(["iri", "label", *place, "commune", *self.listing.facets, "lat", "long"])
        for row in self.rows:
            cells = [
                row.iri,
                row.label,
                *([row.site if row.site != row.iri else ""] if sited else []),
                row.commune,
                *(row.labels(name) for name in self.listing.facets),
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


def item_list(
    store: Store,
    listing: Listing,
    scope: NamedNode,
    path: str,
    request: ListRequest,
    language: str,
) -> ItemList:
    """The items of `listing` reached from `scope` by `path` (its scope path), filtered as
    asked."""
    bindings: dict[str, NamedNode | Literal] = {"scope": scope, "lang": Literal(language)}
    classes = " ".join(f"<{cls}>" for cls in listing.classes)
    items = f"VALUES ?class {{ {classes} }} ?p a ?class ; {path} ?scope . {ONCE}"
    details = """OPTIONAL { ?at rdfs:label ?atLabel }
              OPTIONAL { ?at schema:containedInPlace ?commune . ?commune a igeo:Commune .
                         OPTIONAL { ?commune rdfs:label ?communeLabel } }
              OPTIONAL { ?at wgs:lat ?lat ; wgs:long ?long }"""
    site = (  # inside the OPTIONAL, so that an item without a place never joins with any
        f"BIND(?p AS ?at) {details}"
        if listing.site is None
        else f"OPTIONAL {{ ?p {listing.site} ?at . ?at a cg:TiersLieu . {details} }}"
    )
    rows: dict[str, Row] = {}
    for found in store.select(
        f"""SELECT ?p ?label ?at ?atLabel ?commune ?communeLabel ?lat ?long WHERE {{
              {items}
              OPTIONAL {{ ?p rdfs:label ?label }}
              {site}
            }} LIMIT {MAX_ITEMS * 4}""",
        bindings,
    ):
        item = found.get("p")
        if not isinstance(item, NamedNode):
            continue
        label = found.get("label")
        row = rows.get(item.value)
        if row is None:
            if len(rows) >= MAX_ITEMS:
                continue
            row = rows[item.value] = Row(item.value, compact(item.value))
            if isinstance(label, Literal):
                row.label = label.value
        elif isinstance(label, Literal) and label.language == language:
            row.label = label.value
        at, lat, long = found.get("at"), _number(found.get("lat")), _number(found.get("long"))
        located = lat is not None and long is not None
        if isinstance(at, NamedNode) and (not row.site or (row.lat is None and located)):
            # its place: the first found, or the first with a point when that one had none
            row.site, row.lat, row.long = at.value, lat, long
            row.commune = row.commune_iri = ""
            called = found.get("atLabel")
            row.site_label = called.value if isinstance(called, Literal) else compact(at.value)
        commune, called = found.get("commune"), found.get("communeLabel")
        same = isinstance(at, NamedNode) and at.value == row.site
        if same and isinstance(commune, NamedNode) and not row.commune_iri:
            row.commune_iri = commune.value
            row.commune = called.value if isinstance(called, Literal) else compact(commune.value)
    names: dict[str, str] = {}
    for name in listing.facets:
        for found in store.select(
            f"""SELECT DISTINCT ?p ?v ?vl WHERE {{
                  {items} ?p {FACETS[name]} ?v .
                  OPTIONAL {{ ?v skos:prefLabel|rdfs:label ?vl
                              FILTER(lang(?vl) = ?lang || lang(?vl) = "") }}
                }} LIMIT {MAX_ITEMS * 4}""",
            bindings,
        ):
            item, value, label = found.get("p"), found.get("v"), found.get("vl")
            if not isinstance(item, NamedNode) or not isinstance(value, NamedNode):
                continue
            row = rows.get(item.value)
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
    for name in listing.facets:
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
    return ItemList(listing, scope.value, request, chosen, len(everything), options)


def has_items(store: Store, listing: Listing, scope: NamedNode, path: str) -> bool:
    """Whether `scope` has any item of `listing` (reached by `path`)."""
    classes = " ".join(f"<{cls}>" for cls in listing.classes)
    return store.ask(
        f"ASK {{ VALUES ?class {{ {classes} }} ?p a ?class ; {path} ?scope . {ONCE} }}",
        {"scope": scope},
    )
