"""Namespaces, the prefix map, and the minting of the project's own IRIs."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from pyoxigraph import NamedNode


class Namespace:
    """A namespace whose attributes are `NamedNode`s: `CG.TiersLieu`, `SCHEMA["name"]`."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self.iri + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)

    def __repr__(self) -> str:
        return f"Namespace({self.iri!r})"


CG_ONTOLOGY = "https://w3id.org/commonsgraph/ns"

PREFIXES: dict[str, str] = {
    "cg": CG_ONTOLOGY + "#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "http://schema.org/",
    "locn": "http://www.w3.org/ns/locn#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "geof": "http://www.opengis.net/def/function/geosparql/",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "cc": "http://creativecommons.org/ns#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "spdx": "http://spdx.org/rdf/terms#",
    "doap": "http://usefulinc.com/ns/doap#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "pair": "http://virtual-assembly.org/ontologies/pair#",
}

CG = Namespace(PREFIXES["cg"])
RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
OWL = Namespace(PREFIXES["owl"])
XSD = Namespace(PREFIXES["xsd"])
SKOS = Namespace(PREFIXES["skos"])
DCT = Namespace(PREFIXES["dct"])
FOAF = Namespace(PREFIXES["foaf"])
ORG = Namespace(PREFIXES["org"])
SCHEMA = Namespace(PREFIXES["schema"])
LOCN = Namespace(PREFIXES["locn"])
GEO = Namespace(PREFIXES["geo"])
WGS = Namespace(PREFIXES["wgs"])
DCAT = Namespace(PREFIXES["dcat"])
PROV = Namespace(PREFIXES["prov"])
CC = Namespace(PREFIXES["cc"])
ODRL = Namespace(PREFIXES["odrl"])
SPDX = Namespace(PREFIXES["spdx"])
DOAP = Namespace(PREFIXES["doap"])
IGEO = Namespace(PREFIXES["igeo"])
VOID = Namespace(PREFIXES["void"])
SH = Namespace(PREFIXES["sh"])

SPDX_LICENCES = "http://spdx.org/licenses/"


def sparql_prefixes() -> str:
    """The prefix map as SPARQL PREFIX declarations, on one line (so that prepending them to a
    query leaves its line numbers as they were)."""
    return "".join(f"PREFIX {p}: <{iri}> " for p, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """`cg:TiersLieu` for a full IRI in a known namespace; the IRI itself otherwise."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def fold(text: str) -> str:
    """Text without accents, case or punctuation (words separated by one space), to compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


def slug(text: str) -> str:
    """A name for an IRI path: `Le Bar à Clous 34172` gives `le-bar-a-clous-34172`."""
    return fold(text).replace(" ", "-") or "x"


class Minter:
    """Mints the project's IRIs under a canonical base (see docs/model.md)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def iri(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    def mint(self, kind: str, key: str) -> NamedNode:
        """The IRI of a resource of a kind (`kinds.KINDS`: its path segment) by its key."""
        return self._segment(kind, key)

    def _segment(self, kind: str, key: str) -> NamedNode:
        return self.iri(f"{kind}/{quote(key, safe='-._~')}")

    def tiers_lieu(self, key: str) -> NamedNode:
        return self._segment("tiers-lieu", key)

    def organisation(self, key: str) -> NamedNode:
        return self._segment("organisation", key)

    def commons(self, key: str) -> NamedNode:
        return self._segment("commons", key)

    def licence(self, spdx_id: str) -> NamedNode:
        return self._segment("licence", spdx_id)

    def programme(self, slug: str) -> NamedNode:
        return self._segment("programme", slug)

    def division(self, kind: str, code: str) -> NamedNode:
        """A French administrative division: commune, departement, region, epci…"""
        return self._segment(kind, code)

    def commune(self, code: str) -> NamedNode:
        return self.division("commune", code)

    def country(self, code: str) -> NamedNode:
        """A country, by its ISO 3166-1 alpha-2 code."""
        return self._segment("country", code)

    def unit(self, code: str) -> NamedNode:
        """An administrative unit abroad, by its ISO 3166-2 code (e.g. BE-WHT)."""
        return self._segment("subdivision", code)

    def scheme(self, name: str) -> NamedNode:
        return self._segment("scheme", name)

    def concept(self, scheme: str, notation: str) -> NamedNode:
        return self.iri(f"scheme/{scheme}/{quote(notation, safe='-._~')}")

    def source(self, name: str) -> NamedNode:
        return self._segment("source", name)

    def graph(self, name: str) -> NamedNode:
        return self.iri(f"graph/{name}")

    @staticmethod
    def part(resource: NamedNode, fragment: str) -> NamedNode:
        """A node that belongs to `resource`: its address, geometry, roles (a hash IRI)."""
        return NamedNode(f"{resource.value}#{fragment}")
