"""Every licence the service answers for, with its family and the source of that family.

Three sources classify licences, the first that speaks wins:
  1. the project's curated base (data/licences.ttl, graph `licences`), read by hand from the
     legal texts;
  2. the Creative Commons licence elements written in an SPDX id (BY, SA, NC, ND): a CC id
     says what the licence requires (graph `derived/licence-families-cc`);
  3. ScanCode's licence database category (Permissive, Copyleft, Copyleft Limited, Public
     Domain, Proprietary Free…) as shipped in the `license-expression` package's index
     (graph `derived/licence-families-scancode`).
The derived graphs are written at start-up (`derive_families`), each naming its source, so the
graph says which source gave which family. `Catalogue.from_store` reads the families back.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.graphs import GraphSource, publish
from commonsgraph.store import GraphChange, Store, lexical
from commonsgraph.vocab import CC, CG, RDF, SPDX, Minter

FAMILIES = (
    "public-domain",
    "permissive",
    "weak-copyleft",
    "strong-copyleft",
    "non-commercial",
    "no-derivatives",
    "restricted",
)

SCANCODE_FAMILY = {
    "Public Domain": "public-domain",
    "Permissive": "permissive",
    "Copyleft Limited": "weak-copyleft",
    "Copyleft": "strong-copyleft",
}
"""ScanCode's categories; every other one (Proprietary Free, Free Restricted, Source-available,
Commercial, CLA, Patent License, Unstated License) is filed as `restricted`."""

FRENCH_ALIASES = {
    "LO-1.0": "LicenseRef-Licence-Ouverte-1.0",
    "Licence-Ouverte-1.0": "LicenseRef-Licence-Ouverte-1.0",
    "LO-2.0": "etalab-2.0",
    "Licence-Ouverte-2.0": "etalab-2.0",
}
"""The names French public bodies give the Licence Ouverte (SPDX has only etalab-2.0)."""

SCANCODE_GRAPH = "derived/licence-families-scancode"
CC_GRAPH = "derived/licence-families-cc"

VERSIONED = re.compile(
    r"^(?P<name>.+?)-(?P<version>\d+(?:\.\d+)*)(?P<variant>.*?)(?P<scope>-only|-or-later|\+)?$"
)


@dataclass(frozen=True)
class Version:
    """What an id says of its version: `GPL-2.0-or-later` is GPL, 2.0, or later."""

    name: str
    number: tuple[int, ...]
    variant: str
    or_later: bool

    @classmethod
    def of(cls, licence_id: str) -> Version | None:
        match = VERSIONED.match(licence_id)
        if match is None:
            return None
        return cls(
            name=match["name"],
            number=tuple(int(n) for n in match["version"].split(".")),
            variant=match["variant"],
            or_later=match["scope"] in ("-or-later", "+"),
        )

    def accepts(self, later: Version) -> bool:
        """Whether this "or later" licence lets a work be used under `later`."""
        return (
            self.or_later
            and (later.name, later.variant) == (self.name, self.variant)
            and later.number >= self.number
        )


@dataclass(frozen=True)
class Licence:
    id: str
    family: str
    label: str
    version: Version | None
    adaptable: bool = True
    """False when the licence forbids derivatives: its family is no-derivatives, or the curated
    base describes what it permits and that does not include cc:DerivativeWorks."""


@dataclass(frozen=True)
class ScanCodeEntry:
    id: str
    category: str
    aliases: tuple[str, ...]
    exception: bool


def scancode_index() -> list[ScanCodeEntry]:
    """The SPDX licences and exceptions of ScanCode's index, as `license-expression` ships it."""
    path = files("license_expression") / "data" / "scancode-licensedb-index.json"
    entries = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        key = item.get("spdx_license_key")
        if not key or key.startswith("LicenseRef-"):
            continue
        aliases = tuple(
            a for a in item.get("other_spdx_license_keys") or () if not a.startswith("LicenseRef-")
        )
        entries.append(
            ScanCodeEntry(key, str(item["category"]), aliases, bool(item.get("is_exception")))
        )
    return entries


def cc_family(licence_id: str) -> str | None:
    """The family the Creative Commons elements of an id say, if it is a CC licence id."""
    if licence_id in ("CC0-1.0", "CC-PDDC", "CC-PDM-1.0"):
        return "public-domain"
    if not licence_id.startswith("CC-BY"):
        return None
    elements = licence_id.split("-")
    if "NC" in elements:
        return "non-commercial"
    if "ND" in elements:
        return "no-derivatives"
    if "SA" in elements:
        return "strong-copyleft"
    return "permissive"


def curated_ids(store: Store, minter: Minter) -> set[str]:
    rows = store.select(
        "SELECT ?id WHERE { GRAPH ?g { ?l spdx:licenseId ?id ; cg:licenceFamily ?f } }",
        {"g": minter.graph("licences")},
    )
    return {lexical(row["id"]) for row in rows}


@dataclass(frozen=True)
class FamilySource:
    """A derived graph of families: its name, titles, source dataset and what it read."""

    graph: str
    title_fr: str
    title_en: str
    source: str
    used: str


CC_SOURCE = FamilySource(
    CC_GRAPH,
    "Familles des licences Creative Commons, lues dans leurs éléments",
    "Families of Creative Commons licences, read from their elements",
    "creative-commons",
    "SPDX ids of Creative Commons licences",
)
SCANCODE_SOURCE = FamilySource(
    SCANCODE_GRAPH,
    "Familles des licences selon la catégorie de ScanCode LicenseDB",
    "Licence families from ScanCode LicenseDB categories",
    "scancode-licensedb",
    "license_expression/data/scancode-licensedb-index.json",
)


def derive_families(store: Store, minter: Minter, licence: NamedNode) -> list[GraphChange]:
    """The families that the Creative Commons ids and ScanCode's index give to every licence
    the curated base does not classify, one graph per source (`licence`: the graphs' own)."""
    classified = curated_ids(store, minter)
    families: dict[FamilySource, dict[str, str]] = {CC_SOURCE: {}, SCANCODE_SOURCE: {}}
    for entry in scancode_index():
        if entry.exception or entry.id in classified:
            continue
        family = cc_family(entry.id)
        if family is not None:
            families[CC_SOURCE][entry.id] = family
        else:
            families[SCANCODE_SOURCE][entry.id] = SCANCODE_FAMILY.get(entry.category, "restricted")
    return [
        publish(
            store,
            minter,
            GraphSource(
                name=source.graph,
                title_fr=source.title_fr,
                title_en=source.title_en,
                source=minter.source(source.source),
                licence=licence,
                used=source.used,
            ),
            list(_family_triples(minter, found)),
        )
        for source, found in families.items()
    ]


def _family_triples(minter: Minter, families: Mapping[str, str]) -> Iterator[Triple]:
    for licence_id, family in sorted(families.items()):
        node = minter.licence(licence_id)
        yield Triple(node, RDF.type, CC.License)
        yield Triple(node, SPDX.licenseId, Literal(licence_id))
        yield Triple(node, CG.licenceFamily, minter.concept("licence-family", family))


class Catalogue:
    """The licences and exceptions the service knows, by id (case-insensitive, with the
    deprecated SPDX ids as aliases)."""

    def __init__(
        self, licences: Iterable[Licence], aliases: Mapping[str, str], exceptions: Iterable[str]
    ) -> None:
        self.licences = {licence.id: licence for licence in licences}
        self.exceptions = frozenset(exceptions)
        self._by_key = {key.lower(): key for key in self.licences}
        for alias, target in aliases.items():
            if target in self.licences:
                self._by_key.setdefault(alias.lower(), target)

    @classmethod
    def from_store(cls, store: Store) -> Catalogue:
        rows = store.select(
            # counts rather than EXISTS in an expression: Virtuoso refuses the latter
            """SELECT ?id (SAMPLE(?notation) AS ?family) (SAMPLE(?name) AS ?label)
                      (COUNT(DISTINCT ?permits) AS ?permitted)
                      (COUNT(DISTINCT ?derivatives) AS ?adaptable) WHERE {
                 ?l spdx:licenseId ?id ; cg:licenceFamily/skos:notation ?notation .
                 OPTIONAL { ?l rdfs:label ?name }
                 OPTIONAL { ?l cc:permits ?permits }
                 OPTIONAL { ?l cc:permits ?derivatives FILTER(?derivatives = cc:DerivativeWorks) }
               } GROUP BY ?id"""
        )
        licences = [
            Licence(
                id=lexical(row["id"]),
                family=lexical(row["family"]),
                label=lexical(row["label"]) if "label" in row else lexical(row["id"]),
                version=Version.of(lexical(row["id"])),
                # no derivatives: its family says so, or it lists what it permits, not adapting
                adaptable=lexical(row["family"]) != "no-derivatives"
                and (lexical(row["permitted"]) == "0" or lexical(row["adaptable"]) != "0"),
            )
            for row in rows
        ]
        index = scancode_index()
        aliases = {alias: e.id for e in index for alias in e.aliases} | FRENCH_ALIASES
        return cls(licences, aliases, (e.id for e in index if e.exception))

    def __len__(self) -> int:
        return len(self.licences)

    def key(self, given: str) -> str | None:
        """The canonical id of a licence, or None."""
        return self._by_key.get(given.lower())

    def of_iri(self, iri: str, base: str, declared: str | None = None) -> str | None:
        """The canonical id of a licence node: its declared `spdx:licenseId`, else the id in
        its IRI (ours, `{base}licence/{id}`, or SPDX's); None when the catalogue lacks it."""
        if declared is None:
            for prefix in (base + "licence/", "http://spdx.org/licenses/"):
                if iri.startswith(prefix):
                    declared = iri.removeprefix(prefix)
        return None if declared is None else self.key(declared)

    def suggest(self, given: str, count: int = 5) -> list[str]:
        """The known ids closest to `given`: those it begins, then the most alike."""
        wanted = given.lower()[:100]
        keys = [k for k in sorted(self._by_key) if wanted and k.startswith(wanted)]
        keys += difflib.get_close_matches(wanted, self._by_key, n=count, cutoff=0.5)
        return list(dict.fromkeys(self._by_key[k] for k in keys))[:count]
