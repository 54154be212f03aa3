"""What searching ranks by: the kinds of resource people look for first, and their names.

Every ranking (the search page, suggestions, reconciliation) reads a kind's priority through
`priority` and its name through `kind_name`; the index itself is `commonsgraph.textindex`.
"""

from __future__ import annotations

# Resources people look for first: places, then actors and commons, then the rest.
PRIORITY = {
    "https://w3id.org/commonsgraph/ns#TiersLieu": 0,
    "https://w3id.org/commonsgraph/ns#Commons": 1,
    "https://w3id.org/commonsgraph/ns#Network": 1,
    "http://www.w3.org/ns/org#Organization": 2,
    "http://creativecommons.org/ns#License": 3,
    "http://rdf.insee.fr/def/geo#Region": 3,
    "http://rdf.insee.fr/def/geo#Departement": 4,
    "http://rdf.insee.fr/def/geo#Commune": 5,
}
LAST = 6
"""The priority of every other kind."""

KIND_NAMES = {
    "https://w3id.org/commonsgraph/ns#TiersLieu": ("tiers-lieu", "third place"),
    "https://w3id.org/commonsgraph/ns#Commons": ("commun", "commons"),
    "https://w3id.org/commonsgraph/ns#Network": ("réseau", "network"),
    "https://w3id.org/commonsgraph/ns#Programme": ("programme", "programme"),
    "http://www.w3.org/ns/org#Organization": ("organisation", "organisation"),
    "http://creativecommons.org/ns#License": ("licence", "licence"),
    "http://rdf.insee.fr/def/geo#Region": ("région", "region"),
    "http://rdf.insee.fr/def/geo#Departement": ("département", "département"),
    "http://rdf.insee.fr/def/geo#Commune": ("commune", "commune"),
    "http://rdf.insee.fr/def/geo#Intercommunalite": ("intercommunalité", "inter-municipality"),
    "http://rdf.insee.fr/def/geo#ArrondissementMunicipal": (
        "arrondissement municipal",
        "municipal district",
    ),
    "http://rdf.insee.fr/def/geo#CommuneDeleguee": ("commune déléguée", "delegated commune"),
    "http://rdf.insee.fr/def/geo#CommuneAssociee": ("commune associée", "associated commune"),
    "http://schema.org/Country": ("pays", "country"),
    "http://schema.org/AdministrativeArea": ("subdivision", "administrative area"),
    "http://www.w3.org/2004/02/skos/core#Concept": ("concept", "concept"),
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": ("vocabulaire", "vocabulary"),
    "http://www.w3.org/ns/dcat#Dataset": ("jeu de données", "dataset"),
    "http://www.w3.org/2002/07/owl#Class": ("classe", "class"),
    "http://www.w3.org/2002/07/owl#ObjectProperty": ("propriété", "property"),
    "http://www.w3.org/2002/07/owl#DatatypeProperty": ("propriété", "property"),
}


def priority(kind: str | None) -> int:
    """How early resources of `kind` (a class IRI) come: 0 first."""
    return PRIORITY.get(kind or "", LAST)


def kind_name(kind: str | None, lang: str) -> str:
    """The kind of a resource in words, in `lang` (fr or en); its IRI's last part when it has
    no name here."""
    if not kind:
        return ""
    names = KIND_NAMES.get(kind)
    if names is None:
        return kind.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return names[0] if lang == "fr" else names[1]


def most_telling(kinds: set[str] | list[str]) -> str | None:
    """The kind a resource is best known by: the one of least priority, then the one named
    here, then the first in IRI order."""
    if not kinds:
        return None
    return min(kinds, key=lambda k: (priority(k), k not in KIND_NAMES, k))
