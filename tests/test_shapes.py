"""The shapes, constraint by constraint: what each one refuses, in French and English, and a
counterpart that passes. Uploads are validated as contributions are: with their neighbourhood
in a store holding the project's own graphs."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat
from rdflib.collection import Collection
from rdflib.namespace import SH

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore
from commonsgraph.validation import Finding, ValidationReport, Validator, neighbourhood

from .conftest import BASE, FILES

CG = "https://w3id.org/commonsgraph/ns#"
DCT = "http://purl.org/dc/terms/"
DOAP = "http://usefulinc.com/ns/doap#"
FOAF = "http://xmlns.com/foaf/0.1/"
GEO = "http://www.opengis.net/ont/geosparql#"
IGEO = "http://rdf.insee.fr/def/geo#"
LOCN = "http://www.w3.org/ns/locn#"
ORG = "http://www.w3.org/ns/org#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "http://schema.org/"
CC = "http://creativecommons.org/ns#"

PREFIXES = """@prefix cc: <http://creativecommons.org/ns#> .
@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix doap: <http://usefulinc.com/ns/doap#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """The project's own graphs (schemes, licences, seed), as the neighbourhood of uploads."""
    store = LocalStore()
    load_bundled(store, Settings(data_dir=tmp_path_factory.mktemp("shapes"), base_iri=BASE))
    yield store
    store.close()


@pytest.fixture(scope="module")
def shape_files() -> list[Path]:
    return sorted(Settings(data_dir=None, base_iri=BASE).resource("shapes").glob("*.ttl"))


@pytest.fixture(scope="module")
def validator(shape_files: list[Path]) -> Validator:
    return Validator(shape_files, BASE)


def check(validator: Validator, store: LocalStore, turtle: str) -> ValidationReport:
    """Validate a Turtle snippet (relative IRIs) with its neighbourhood in the store."""
    data = parse_triples(
        (PREFIXES + turtle).encode(), format=RdfFormat.TURTLE, base_iri=BASE, limits=FILES
    )
    return validator.validate(data, neighbourhood(store, data))


def saying(report: ValidationReport, english: str) -> list[Finding]:
    return [f for f in report.findings if f.message("en") == english]


def violations(report: ValidationReport) -> list[str]:
    return [
        f"{f.focus} {f.path}: {f.message()}" for f in report.findings if f.severity == "Violation"
    ]


# -- Building blocks ---------------------------------------------------------------------------


def place(props: str = "", address: str = 'locn:postCode "69100" ; locn:adminUnitL1 "FR"') -> str:
    """A tiers-lieu with its address, plus `props` on the place and `address` on the address."""
    return f"""<tiers-lieu/t> a cg:TiersLieu ; rdfs:label "T" ; cg:typology <scheme/typology/fablab> ;
        locn:address <tiers-lieu/t#address> {props} .
    <tiers-lieu/t#address> a locn:Address ; locn:fullAddress "1 rue du Luizet" ; {address} ."""


def role(props: str) -> str:
    """A tiers-lieu and one actor role with `props`."""
    return f"""<tiers-lieu/t> a cg:TiersLieu ; rdfs:label "T" ; cg:typology <scheme/typology/fablab> ;
        cg:actorRole <tiers-lieu/t#role-1> .
    <tiers-lieu/t#role-1> a cg:ActorRole ; {props} ."""


def organisation(props: str = "") -> str:
    return f'<organisation/o> a org:Organization ; rdfs:label "O" {props} .'


def grant(props: str) -> str:
    return f"<grant/g> a schema:MonetaryGrant ; {props} ."


def project(props: str = "", stage: str = "idea") -> str:
    """A project in Guéret at `stage` with one stage change (idea), plus `props` on the project."""
    return f"""<project/p> a cg:Project ; rdfs:label "P" ; cg:holder <organisation/ca-grand-gueret> ;
        schema:location <commune/23096> ; cg:stage <scheme/stage/{stage}> ;
        cg:stageChange <project/p#stage-1> {props} .
    <project/p#stage-1> a cg:StageChange ; cg:stage <scheme/stage/idea> ;
        prov:atTime "2021"^^xsd:gYear ; dct:source <https://example.org/p> ."""


def offer(props: str = "") -> str:
    return f"""<offer/o> a cg:FundingOffer ; rdfs:label "AMI" ;
        schema:offeredBy <organisation/france-tiers-lieux> ;
        foaf:homepage <https://example.org/ami> {props} ."""


def article(props: str = "") -> str:
    return f"""<article/a> a schema:Article ; rdfs:label "A"@fr ;
        cg:contentKind <scheme/content-kind/interview> ; schema:author "Camille" ;
        schema:datePublished "2024-05-02"^^xsd:date ; dct:license <licence/CC-BY-4.0> {props} ."""


def dossier(items: str, props: str = "") -> str:
    return f"""{article()}
    <dossier/d> a schema:Collection ; rdfs:label "D"@fr ; schema:hasPart <article/a> {props} .
    {items}"""


GRANT = """rdfs:label "Subvention de fonctionnement" ; schema:funder <organisation/ca-grand-gueret> ;
    schema:fundedItem <tiers-lieu/la-quincaillerie-gueret> ; cg:programme <programme/fabriques-de-territoire> ;
    dct:date "2021"^^xsd:gYear"""


def commons(props: str = "") -> str:
    return (
        f'<commons/k> a cg:Commons ; rdfs:label "Kit" ; dct:license <licence/CC-BY-4.0> {props} .'
    )


def licence(props: str = "") -> str:
    return f'<licence/X-1.0> a cc:License ; rdfs:label "X licence" {props} .'


def contribution(props: str = "") -> str:
    return f"""<commons/semapps#contribution-1> a cg:Contribution ; cg:contributor <organisation/aurore> ;
        cg:contributesTo <commons/semapps> ; cg:contributionKind <scheme/contribution-kind/time> ;
        schema:value 12 {props} ."""


def commune(code: str, props: str = "") -> str:
    return f'<commune/{code}> a igeo:Commune ; rdfs:label "C" ; igeo:codeINSEE "{code}" {props} .'


# -- One case per constraint -------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    bad: str
    good: str
    path: str | None
    """The finding's sh:resultPath; None for a constraint on the node itself."""
    en: str
    fr: str
    severity: str = "Violation"


CASES = [
    # tiers-lieux
    Case(
        "place-is-an-iri",
        '[] a cg:TiersLieu ; rdfs:label "T" ; cg:typology <scheme/typology/fablab> .',
        '<tiers-lieu/t> a cg:TiersLieu ; rdfs:label "T" ; cg:typology <scheme/typology/fablab> .',
        None,
        "a third place is named by an IRI, not by a blank node",
        "un tiers-lieu est nommé par une IRI, pas par un nœud anonyme",
    ),
    Case(
        "coordinates-in-france",
        place("; wgs:lat 45.0 ; wgs:long -30.0"),  # in the Atlantic
        place(
            "; wgs:lat -21.115 ; wgs:long 55.536", 'locn:postCode "97400" ; locn:adminUnitL1 "FR"'
        ),
        None,
        "coordinates (wgs:lat, wgs:long) outside the country of the address (locn:adminUnitL1)",
        "coordonnées (wgs:lat, wgs:long) hors du pays de l'adresse (locn:adminUnitL1)",
        "Warning",
    ),
    Case(
        "coordinates-in-belgium",  # the census's Tournai row, placed by hand in Cannes
        place("; wgs:lat 43.566227 ; wgs:long 7.007696", 'locn:adminUnitL1 "BE"'),
        place("; wgs:lat 50.60715 ; wgs:long 3.38932", 'locn:adminUnitL1 "BE"'),
        None,
        "coordinates (wgs:lat, wgs:long) outside the country of the address (locn:adminUnitL1)",
        "coordonnées (wgs:lat, wgs:long) hors du pays de l'adresse (locn:adminUnitL1)",
        "Warning",
    ),
    Case(
        "coordinates-not-swapped",  # Grenoble, latitude and longitude exchanged
        place("; wgs:lat 5.72 ; wgs:long 45.19"),
        place("; wgs:lat 45.19 ; wgs:long 5.72"),
        None,
        "latitude and longitude look swapped: exchanged, they fall in the country of the address",
        "latitude et longitude semblent inversées : échangées, elles tombent dans le pays de l'adresse",
    ),
    Case(
        "homepage-not-an-email",  # census row 313 as it was imported before
        place("; foaf:homepage <http://nomade.lyon@laposte.fr>"),
        place('; foaf:homepage <https://www.laposte.fr/> ; schema:email "nomade.lyon@laposte.fr"'),
        FOAF + "homepage",
        "the website must be an http(s) address without a user name (an e-mail address goes in schema:email)",
        "le site web doit être une adresse http(s) sans nom d'utilisateur (une adresse électronique va dans schema:email)",
    ),
    Case(
        "email-is-an-address",
        place('; schema:email "nomade.lyon"'),
        place('; schema:email "nomade.lyon@laposte.fr"'),
        SCHEMA + "email",
        "invalid e-mail address (schema:email, text: name@domain)",
        "adresse électronique invalide (schema:email, du texte : nom@domaine)",
    ),
    Case(
        "organisation-kind-from-its-scheme",
        organisation("; cg:organisationKind <scheme/role/owner>"),
        organisation("; cg:organisationKind <scheme/organisation-kind/property-company>"),
        CG + "organisationKind",
        "unknown kind of organisation: from the organisation-kind scheme",
        "nature d'organisation inconnue : prise dans le schéma des natures d'organisation",
    ),
    Case(
        "a-foncière-is-no-role",  # it is a kind of organisation, holding the owner role
        role("cg:agent <organisation/darwin-bastide> ; cg:role <scheme/role/property-company>"),
        role("cg:agent <organisation/darwin-bastide> ; cg:role <scheme/role/owner>"),
        CG + "role",
        "one role from the role scheme is required",
        "un rôle pris dans le schéma des rôles est requis, et un seul",
    ),
    Case(
        "coordinates-complete",
        place("; wgs:lat 45.78"),
        place("; wgs:lat 45.78 ; wgs:long 4.88"),
        None,
        "missing or incomplete coordinates (wgs:lat, wgs:long): the place cannot be shown on a map",
        "coordonnées absentes ou incomplètes (wgs:lat, wgs:long) : le lieu ne peut pas être placé sur une carte",
        "Warning",
    ),
    Case(
        "geometry-is-typed",
        place("; geo:hasGeometry <tiers-lieu/t#geometry>")
        + ' <tiers-lieu/t#geometry> geo:asWKT "POINT(4.88 45.78)"^^geo:wktLiteral .',
        place("; geo:hasGeometry <tiers-lieu/t#geometry>")
        + ' <tiers-lieu/t#geometry> a geo:Geometry ; geo:asWKT "POINT(4.88 45.78)"^^geo:wktLiteral .',
        GEO + "hasGeometry",
        "one geometry, a geo:Geometry (a WKT point)",
        "une seule géométrie, de type geo:Geometry (un point WKT)",
    ),
    Case(
        "one-commune",
        place("; schema:containedInPlace <commune/69266>, <commune/38185>"),
        place("; schema:containedInPlace <arrondissement-municipal/75114>"),
        SCHEMA + "containedInPlace",
        "the commune must be one known commune or arrondissement municipal (abroad, an ISO 3166-2 subdivision or a country)",
        "la commune doit être une commune ou un arrondissement municipal connus (à l'étranger, une subdivision ISO 3166-2 ou un pays), et une seule",
    ),
    Case(
        "source-is-an-iri",
        place('; dct:source "le recensement de 2019"'),
        place("; dct:source <source/cget-tiers-lieux-2019>"),
        DCT + "source",
        "a source (dct:source) is an IRI: a web page or a dataset",
        "une source (dct:source) est une IRI : une page web ou un jeu de données",
    ),
    Case(
        "actor-role-is-typed",
        role("cg:agent <organisation/aurore> ; cg:role <scheme/role/operator>").replace(
            "<tiers-lieu/t#role-1> a cg:ActorRole ;", "<tiers-lieu/t#role-1>"
        ),
        role("cg:agent <organisation/aurore> ; cg:role <scheme/role/operator>"),
        CG + "actorRole",
        "invalid actor role: a node of type cg:ActorRole",
        "rôle d'acteur invalide : un nœud de type cg:ActorRole",
    ),
    # addresses
    Case(
        "french-postcode",
        place(address='locn:postCode "6910" ; locn:adminUnitL1 "FR"'),
        place(address='locn:postCode "1000" ; locn:adminUnitL1 "BE"'),
        None,
        "in France (FR), the postcode (locn:postCode) has 5 digits",
        "en France (FR), le code postal (locn:postCode) a 5 chiffres",
    ),
    Case(
        "one-street",
        place(address='locn:thoroughfare "Rue A", "Rue B" ; locn:adminUnitL1 "FR"'),
        place(address='locn:thoroughfare "Rue du Luizet" ; locn:adminUnitL1 "FR"'),
        LOCN + "thoroughfare",
        "one street (locn:thoroughfare), as text",
        "une seule voie (locn:thoroughfare), sous forme de texte",
    ),
    Case(
        "town-is-text",
        place(address='locn:postName 69100 ; locn:adminUnitL1 "FR"'),
        place(address='locn:postName "Villeurbanne" ; locn:adminUnitL1 "FR"'),
        LOCN + "postName",
        "one town (locn:postName), as text",
        "une seule localité (locn:postName), sous forme de texte",
    ),
    Case(
        "country-required",
        place(address='locn:postCode "69100"'),
        place(address='locn:postCode "69100" ; locn:adminUnitL1 "FR"'),
        LOCN + "adminUnitL1",
        'the address does not give the country (locn:adminUnitL1, "FR" for France)',
        "l'adresse ne dit pas le pays (locn:adminUnitL1, « FR » pour la France)",
        "Warning",
    ),
    # actor roles
    Case(
        "role-agent-is-known",
        role("cg:agent <organisation/nobody> ; cg:role <scheme/role/operator>"),
        role("cg:agent <organisation/aurore> ; cg:role <scheme/role/operator>"),
        CG + "agent",
        "a role names exactly one known actor (organisation, local authority)",
        "un rôle nomme exactement un acteur connu (organisation, collectivité)",
    ),
    Case(
        "one-role",
        role(
            "cg:agent <organisation/aurore> ; cg:role <scheme/role/operator>, <scheme/role/owner>"
        ),
        role("cg:agent <organisation/aurore> ; cg:role <scheme/role/owner>"),
        CG + "role",
        "one role from the role scheme is required",
        "un rôle pris dans le schéma des rôles est requis, et un seul",
    ),
    Case(
        "role-of-a-place",
        "<tiers-lieu/t#role-1> a cg:ActorRole ; cg:agent <organisation/aurore> ; cg:role <scheme/role/operator> .",
        role("cg:agent <organisation/aurore> ; cg:role <scheme/role/operator>"),
        None,
        "this role is the role of no third place (cg:actorRole)",
        "ce rôle n'est le rôle d'aucun tiers-lieu (cg:actorRole)",
        "Warning",
    ),
    # organisations, networks, people, memberships
    Case(
        "organisation-is-an-iri",
        '[] a org:Organization ; rdfs:label "O" .',
        organisation(),
        None,
        "an organisation is named by an IRI, not by a blank node",
        "une organisation est nommée par une IRI, pas par un nœud anonyme",
    ),
    Case(
        "siren-check-digit",
        organisation('; cg:siren "732829321"'),
        organisation('; cg:siren "732829320"'),
        CG + "siren",
        "invalid SIREN: its check digit (Luhn formula) does not match",
        "SIREN invalide : sa clé de contrôle (formule de Luhn) ne correspond pas",
    ),
    Case(
        "siret-check-digit",
        organisation('; cg:siret "73282932000075"'),
        organisation('; cg:siret "73282932000074"'),
        CG + "siret",
        "invalid SIRET: its check digit (Luhn formula) does not match",
        "SIRET invalide : sa clé de contrôle (formule de Luhn) ne correspond pas",
    ),
    Case(
        "siret-of-its-siren",
        organisation('; cg:siren "732829320" ; cg:siret "55208131700000"'),
        organisation('; cg:siren "732829320" ; cg:siret "73282932000074"'),
        CG + "siret",
        "a SIRET starts with the SIREN of the organisation",
        "le SIRET d'un établissement commence par le SIREN de l'organisation",
    ),
    Case(
        "organisation-profiles",
        organisation("; schema:sameAs <ftp://example.org/o>"),
        organisation("; schema:sameAs <https://twitter.com/o>"),
        SCHEMA + "sameAs",
        "profiles must be http(s) addresses",
        "les profils doivent être des adresses http(s)",
    ),
    Case(
        "organisation-programme",
        organisation("; cg:programme <programme/not-a-programme>"),
        organisation("; cg:programme <programme/petites-villes-de-demain>"),
        CG + "programme",
        "unknown programme",
        "programme inconnu",
    ),
    Case(
        "member-of-an-organisation",
        organisation("; org:memberOf <licence/MIT>"),
        organisation("; org:memberOf <organisation/n>")
        + ' <organisation/n> a org:Organization, cg:Network ; rdfs:label "N" .',
        ORG + "memberOf",
        "membership is of a known organisation",
        "on est membre d'une organisation connue",
    ),
    Case(
        "members-are-organisations",
        organisation("; org:hasMember <scheme/role/operator>"),
        organisation("; org:hasMember <organisation/m>")
        + ' <organisation/m> a org:Organization ; rdfs:label "M" .',
        ORG + "hasMember",
        "the members of an organisation or a network are known organisations",
        "les membres d'une organisation ou d'un réseau sont des organisations connues",
    ),
    Case(
        "network-is-an-organisation",
        '<organisation/n> a cg:Network ; rdfs:label "N" .',
        '<organisation/n> a cg:Network, org:Organization ; rdfs:label "N" .',
        None,
        "a network is also an organisation (org:Organization)",
        "un réseau est aussi une organisation (org:Organization)",
    ),
    Case(
        "person-name",
        "<person/p> a foaf:Person .",
        '<person/p> a foaf:Person ; rdfs:label "Camille" .',
        RDFS + "label",
        "a person must have a name (rdfs:label)",
        "une personne doit avoir un nom (rdfs:label)",
    ),
    Case(
        "membership-organisation",
        organisation()
        + " <organisation/o#membership> a org:Membership ; org:member <organisation/o> ;"
        + " org:organization <commons/semapps> .",
        organisation()
        + ' <organisation/n> a org:Organization ; rdfs:label "N" .'
        + " <organisation/o#membership> a org:Membership ; org:member <organisation/o> ;"
        + " org:organization <organisation/n> .",
        ORG + "organization",
        "a membership names one known organisation",
        "une adhésion nomme une seule organisation connue",
    ),
    Case(
        "membership-member",
        organisation()
        + " <organisation/o#membership> a org:Membership ; org:organization <organisation/o> .",
        organisation()
        + ' <organisation/m> a org:Organization ; rdfs:label "M" .'
        + " <organisation/o#membership> a org:Membership ; org:member <organisation/m> ;"
        + " org:organization <organisation/o> .",
        ORG + "member",
        "a membership names one member, a known actor",
        "une adhésion nomme un seul membre, acteur connu",
    ),
    # programmes and grants
    Case(
        "programme-in-its-scheme",
        '<programme/nouveau> a cg:Programme ; rdfs:label "Nouveau" .',
        '<programme/nouveau> a cg:Programme ; rdfs:label "Nouveau" ; skos:inScheme <scheme/programme> .',
        None,
        "a programme is a concept of the programme scheme (skos:inScheme)",
        "un programme est un concept du schéma des programmes (skos:inScheme)",
    ),
    Case(
        "programme-launch-date",
        '<programme/nouveau> a cg:Programme ; rdfs:label "Nouveau" ; skos:inScheme <scheme/programme> ;'
        ' schema:startDate "2018" .',
        '<programme/nouveau> a cg:Programme ; rdfs:label "Nouveau" ; skos:inScheme <scheme/programme> ;'
        ' schema:startDate "2018"^^xsd:gYear .',
        SCHEMA + "startDate",
        "the launch date must be a date or a year",
        "la date de lancement doit être une date ou une année",
    ),
    Case(
        "grant-amount-required",
        grant(GRANT),
        grant(GRANT + " ; schema:amount 50000.00"),
        SCHEMA + "amount",
        "a grant has one amount (schema:amount)",
        "une subvention a un montant (schema:amount), et un seul",
    ),
    Case(
        "grant-amount-positive",
        grant(GRANT + " ; schema:amount -50000.00"),
        grant(GRANT + " ; schema:amount 50000"),
        SCHEMA + "amount",
        "the amount is a positive decimal number, in euros",
        "le montant est un nombre décimal positif, en euros",
    ),
    Case(
        "grant-in-euros",
        grant(GRANT + ' ; schema:amount 50000.00 ; schema:currency "USD"'),
        grant(GRANT + ' ; schema:amount 50000.00 ; schema:currency "EUR"'),
        SCHEMA + "currency",
        'amounts are in euros (schema:currency "EUR")',
        "les montants sont en euros (schema:currency « EUR »)",
    ),
    Case(
        "grant-funder",
        grant(
            GRANT.replace("organisation/ca-grand-gueret", "organisation/nobody")
            + " ; schema:amount 1.0"
        ),
        grant(GRANT + " ; schema:amount 1.0"),
        SCHEMA + "funder",
        "a grant names its funder (schema:funder), a known actor",
        "une subvention nomme son financeur (schema:funder), acteur connu",
    ),
    Case(
        "grant-beneficiary",
        grant(
            GRANT.replace("tiers-lieu/la-quincaillerie-gueret", "licence/MIT")
            + " ; schema:amount 1.0"
        ),
        grant(
            GRANT.replace("tiers-lieu/la-quincaillerie-gueret", "commons/semapps")
            + " ; schema:amount 1.0"
        ),
        SCHEMA + "fundedItem",
        "a grant names what it funds (schema:fundedItem): a known project, third place, actor or commons",
        "une subvention nomme ce qu'elle finance (schema:fundedItem) : projet, tiers-lieu, acteur ou"
        " commun connu",
    ),
    Case(
        "grant-programme",
        grant(GRANT.replace("fabriques-de-territoire", "not-a-programme") + " ; schema:amount 1.0"),
        grant(GRANT + " ; schema:amount 1.0"),
        CG + "programme",
        "one programme, from the programme scheme",
        "un seul programme, pris dans le schéma des programmes",
    ),
    Case(
        "grant-without-programme",
        grant(
            GRANT.replace(" cg:programme <programme/fabriques-de-territoire> ;", "")
            + " ; schema:amount 1.0"
        ),
        grant(GRANT + " ; schema:amount 1.0"),
        CG + "programme",
        "the grant comes under no national programme (cg:programme)",
        "la subvention ne relève d'aucun programme national (cg:programme)",
        "Info",
    ),
    Case(
        "grant-date",
        grant(GRANT.replace('"2021"^^xsd:gYear', '"2021"') + " ; schema:amount 1.0"),
        grant(
            GRANT.replace('"2021"^^xsd:gYear', '"2021-06"^^xsd:gYearMonth') + " ; schema:amount 1.0"
        ),
        DCT + "date",
        "one award date: a date, a month or a year",
        "une seule date d'attribution : une date, un mois ou une année",
    ),
    Case(
        "grant-dated",
        grant(GRANT.replace(' ;\n    dct:date "2021"^^xsd:gYear', "") + " ; schema:amount 1.0"),
        grant(GRANT + " ; schema:amount 1.0"),
        DCT + "date",
        "the grant has no date (dct:date)",
        "la subvention n'est pas datée (dct:date)",
        "Warning",
    ),
    Case(
        "grant-label",
        grant(
            GRANT.replace('rdfs:label "Subvention de fonctionnement" ;', "")
            + " ; schema:amount 1.0"
        ),
        grant(GRANT + " ; schema:amount 1.0"),
        RDFS + "label",
        "the grant has no label (rdfs:label)",
        "la subvention n'a pas de libellé (rdfs:label)",
        "Warning",
    ),
    Case(
        "grant-is-an-iri",
        "[] a schema:MonetaryGrant ; " + GRANT + " ; schema:amount 1.0 .",
        grant(GRANT + " ; schema:amount 1.0"),
        None,
        "a grant is named by an IRI, not by a blank node",
        "une subvention est nommée par une IRI, pas par un nœud anonyme",
    ),
    # commons, licences, contributions
    Case(
        "commons-is-an-iri",
        '[] a cg:Commons ; rdfs:label "Kit" ; dct:license <licence/CC-BY-4.0> .',
        commons(),
        None,
        "a commons is named by an IRI, not by a blank node",
        "un commun est nommé par une IRI, pas par un nœud anonyme",
    ),
    Case(
        "commons-description",
        commons("; dct:description 42"),
        commons('; dct:description "Un kit de préfiguration."@fr'),
        DCT + "description",
        "a description is a text",
        "une description est un texte",
    ),
    Case(
        "commons-community",
        commons("; cg:community <licence/MIT>"),
        commons("; cg:community <organisation/reseau-tela>"),
        CG + "community",
        "the community of the commons is a known actor (a network, an organisation)",
        "la communauté du commun est un acteur connu (un réseau, une organisation)",
    ),
    Case(
        "commons-governance",
        commons("; cg:governance <https://example.org/statuts>"),
        commons('; cg:governance "Un comité de pilotage ouvert."@fr'),
        CG + "governance",
        "the governance is described by a text",
        "la gouvernance est décrite par un texte",
    ),
    Case(
        "commons-repository",
        commons('; doap:repository "github.com/example/kit"'),
        commons("; doap:repository <https://github.com/example/kit>"),
        DOAP + "repository",
        "the repository must be an http(s) address",
        "le dépôt doit être une adresse http(s)",
    ),
    Case(
        "licence-legal-code",
        licence('; cc:legalcode "texte"'),
        licence("; cc:legalcode <https://example.org/x-1.0/legalcode>"),
        CC + "legalcode",
        "the legal code (cc:legalcode) must be an http(s) address",
        "le texte juridique (cc:legalcode) doit être une adresse http(s)",
    ),
    Case(
        "licence-replaced-by-a-licence",
        licence("; dct:isReplacedBy <commons/semapps>"),
        licence("; dct:isReplacedBy <licence/X-2.0>")
        + ' <licence/X-2.0> a cc:License ; rdfs:label "X licence 2.0" .',
        DCT + "isReplacedBy",
        "a licence is replaced by a known licence (cc:License)",
        "une licence est remplacée par une licence connue (cc:License)",
    ),
    Case(
        "licence-version",
        licence('; dct:hasVersion "1.0", "1.1"'),
        licence('; dct:hasVersion "1.0"'),
        DCT + "hasVersion",
        'one version, as text ("4.0")',
        "une seule version, sous forme de texte (« 4.0 »)",
    ),
    Case(
        "contribution-unit",
        contribution("; schema:unitText <https://example.org/hours>"),
        contribution('; schema:unitText "heures"@fr, "hours"@en'),
        SCHEMA + "unitText",
        'the unit of the quantity is a text ("hours"@en)',
        "l'unité de la quantité est un texte (« heures »@fr)",
    ),
    # communes
    Case(
        "insee-code",
        commune("2C004"),
        commune("2A004"),
        IGEO + "codeINSEE",
        "a commune's INSEE code has 5 characters: the département (2A/2B for Corsica, 97x/98x overseas)"
        " then the number",
        "le code INSEE d'une commune a 5 caractères : le département (2A/2B pour la Corse, 97x/98x"
        " outre-mer) puis le numéro",
    ),
    Case(
        "commune-postcode",
        commune("2A004", '; schema:postalCode "2000"'),
        commune("2A004", '; schema:postalCode "20000"'),
        SCHEMA + "postalCode",
        "a French postcode has 5 digits",
        "un code postal français a 5 chiffres",
    ),
    Case(
        "commune-programme",
        commune("23096", "; cg:programme <scheme/theme/culture>"),
        commune("23096", "; cg:programme <programme/petites-villes-de-demain>"),
        CG + "programme",
        "unknown programme",
        "programme inconnu",
    ),
    # projects, offers, content (issue 16)
    Case(
        "project-stage-change-time",
        project().replace('"2021"^^xsd:gYear', '"mars 2021"'),
        project().replace('"2021"^^xsd:gYear', '"2021-03"^^xsd:gYearMonth'),
        "http://www.w3.org/ns/prov#atTime",
        "a stage change has a date (prov:atTime): a day, a month or a year",
        "un changement de stade a une date (prov:atTime) : un jour, un mois ou une année",
    ),
    Case(
        "project-stage-change-source",
        project().replace("<https://example.org/p>", '"le journal"'),
        project(),
        DCT + "source",
        "the source is an http(s) address",
        "la source est une adresse http(s)",
    ),
    Case(
        "project-current-stage",
        project("; cg:stageChange <project/p#stage-2>")
        + """ <project/p#stage-2> a cg:StageChange ; cg:stage <scheme/stage/prefiguration> ;
            prov:atTime "2022-03-01"^^xsd:date ; dct:source <https://example.org/p> .""",
        project("; cg:stageChange <project/p#stage-2>", stage="prefiguration")
        + """ <project/p#stage-2> a cg:StageChange ; cg:stage <scheme/stage/prefiguration> ;
            prov:atTime "2022-03-01"^^xsd:date ; dct:source <https://example.org/p> .""",
        None,
        "the current stage (cg:stage) is not that of the latest stage change",
        "le stade actuel (cg:stage) n'est pas celui du dernier changement de stade",
        "Warning",
    ),
    Case(
        "project-location",
        project("; schema:location <licence/MIT>"),
        project("; schema:location <arrondissement-municipal/75114>"),
        SCHEMA + "location",
        "the project's territory is a known commune, intercommunality, département, région or subdivision",
        "le territoire du projet est une commune, une intercommunalité, un département, une région ou une"
        " subdivision connue",
    ),
    Case(
        "offer-amount-range",
        offer("; cg:minAmount 150000.0 ; cg:maxAmount 75000.0"),
        offer("; cg:minAmount 75000.0 ; cg:maxAmount 150000.0"),
        None,
        "the minimum amount (cg:minAmount) exceeds the maximum amount (cg:maxAmount)",
        "le montant minimal (cg:minAmount) dépasse le montant maximal (cg:maxAmount)",
    ),
    Case(
        "offer-period",
        offer(
            '; schema:validFrom "2021-03-31"^^xsd:date ; schema:validThrough "2021-01-01"^^xsd:date'
        ),
        offer(
            '; schema:validFrom "2021-01-01"^^xsd:date ; schema:validThrough "2021-03-31"^^xsd:date'
        ),
        None,
        "the offer closes (schema:validThrough) before it opens (schema:validFrom)",
        "l'offre se clôt (schema:validThrough) avant d'ouvrir (schema:validFrom)",
    ),
    Case(
        "offer-eligible-stage",
        offer("; cg:eligibleStage <scheme/theme/culture>"),
        offer("; cg:eligibleStage <scheme/stage/prefiguration>"),
        CG + "eligibleStage",
        "eligible stages come from the stage scheme",
        "les stades éligibles sont pris dans le schéma des stades",
    ),
    Case(
        "grant-offer",
        grant(GRANT + " ; schema:amount 1.0 ; cg:offer <programme/fabriques-de-territoire>"),
        grant(GRANT + " ; schema:amount 1.0 ; cg:offer <offer/o>") + offer(),
        CG + "offer",
        "one offer (cg:offer), a known funding offer",
        "une seule offre (cg:offer), offre de financement connue",
    ),
    Case(
        "article-kind",
        article().replace("content-kind/interview", "typology/fablab"),
        article(),
        CG + "contentKind",
        "a piece of content has one kind (cg:contentKind): article, interview or place study",
        "un contenu a un genre (cg:contentKind) : article, entretien ou étude de lieu",
    ),
    Case(
        "article-about",
        article("; schema:about <licence/MIT>"),
        article("; schema:about <tiers-lieu/la-myne>, <scheme/theme/culture>, <commune/23096>"),
        SCHEMA + "about",
        "a piece is about known places, projects, commons, actors, territories or themes (schema:about)",
        "un contenu parle de lieux, projets, communs, acteurs, territoires ou thématiques connus"
        " (schema:about)",
    ),
    Case(
        "article-language",
        article('; schema:inLanguage "French"'),
        article('; schema:inLanguage "fr"'),
        SCHEMA + "inLanguage",
        'the language is a BCP 47 code ("fr", "en", "es")',
        "la langue est un code BCP 47 (« fr », « en », « es »)",
    ),
    Case(
        "dossier-order",
        dossier(
            """<dossier/d#item-1> a schema:ListItem ; schema:position 1 ; schema:item <article/a> .
            <dossier/d#item-2> a schema:ListItem ; schema:position 1 ; schema:item <article/a> .""",
            "; schema:itemListElement <dossier/d#item-1>, <dossier/d#item-2>",
        ),
        dossier(
            """<dossier/d#item-1> a schema:ListItem ; schema:position 1 ; schema:item <article/a> .""",
            "; schema:itemListElement <dossier/d#item-1>",
        ),
        None,
        "two items of the dossier have the same position (schema:position)",
        "deux éléments du dossier ont le même rang (schema:position)",
    ),
    Case(
        "dossier-item-position",
        dossier(
            """<dossier/d#item-1> a schema:ListItem ; schema:position 0 ; schema:item <article/a> .""",
            "; schema:itemListElement <dossier/d#item-1>",
        ),
        dossier(
            """<dossier/d#item-1> a schema:ListItem ; schema:position 1 ; schema:item <article/a> .""",
            "; schema:itemListElement <dossier/d#item-1>",
        ),
        SCHEMA + "position",
        "an item has one position (schema:position), an integer from 1",
        "un élément a un rang (schema:position), entier à partir de 1",
    ),
    Case(
        "commons-kind",
        commons("; cg:commonsKind <scheme/stage/idea>"),
        commons("; cg:commonsKind <scheme/commons-kind/prefiguration-kit>"),
        CG + "commonsKind",
        "the kind of the commons comes from the commons-kind scheme",
        "la nature du commun est prise dans le schéma des natures de communs",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_constraint_says_what_is_wrong_in_french_and_english(
    validator: Validator, store: LocalStore, case: Case
) -> None:
    bad = check(validator, store, case.bad)
    found = saying(bad, case.en)
    assert found, [f"{f.path}: {f.message()}" for f in bad.findings]
    assert {f.severity for f in found} == {case.severity}
    assert {f.path for f in found} == {case.path}
    assert {f.message("fr") for f in found} == {case.fr}
    good = check(validator, store, case.good)
    assert good.conforms, violations(good)
    assert not saying(good, case.en)


# -- Identifiers -------------------------------------------------------------------------------


def luhn_valid(number: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(number)):
        digit = int(character) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siret_valid(number: str) -> bool:
    """Luhn, or for La Poste (SIREN 356000000) digits adding up to a multiple of 5."""
    return luhn_valid(number) or (number.startswith("356000000") and sum(map(int, number)) % 5 == 0)


def test_check_digits_agree_with_the_luhn_formula(validator: Validator, store: LocalStore) -> None:
    draw = random.Random(2019)
    sirens = [f"{draw.randrange(10**9):09d}" for _ in range(24)] + ["732829320", "356000000"]
    sirets = [f"{draw.randrange(10**14):014d}" for _ in range(20)] + [
        "73282932000074",
        "35600000000048",  # La Poste, valid by Luhn
        "35600000000001",  # La Poste, digits add up to 15
        "35600000000002",  # La Poste, neither
        "35600000049532",
    ]
    turtle = (
        "\n".join(
            f'<organisation/s{i}> a org:Organization ; rdfs:label "S" ; cg:siren "{siren}" .'
            for i, siren in enumerate(sirens)
        )
        + "\n"
        + "\n".join(
            f'<organisation/t{i}> a org:Organization ; rdfs:label "T" ; cg:siret "{siret}" .'
            for i, siret in enumerate(sirets)
        )
    )
    report = check(validator, store, turtle)
    refused_sirens = {
        f.value
        for f in saying(report, "invalid SIREN: its check digit (Luhn formula) does not match")
    }
    refused_sirets = {
        f.value
        for f in saying(report, "invalid SIRET: its check digit (Luhn formula) does not match")
    }
    assert refused_sirens == {s for s in sirens if not luhn_valid(s)}
    assert refused_sirets == {s for s in sirets if not siret_valid(s)}
    assert "35600000000002" in refused_sirets
    assert not {"35600000000001", "35600000000048", "73282932000074"} & refused_sirets


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ('cg:siren "12345"', "a SIREN number has 9 digits"),
        ('cg:siren "7328293201"', "a SIREN number has 9 digits"),
        ('cg:siret "7328293200007A"', "a SIRET number has 14 digits"),
    ],
)
def test_a_malformed_number_is_reported_once(
    validator: Validator, store: LocalStore, props: str, message: str
) -> None:
    report = check(validator, store, organisation("; " + props))
    assert [f.message("en") for f in report.findings] == [message]


def test_a_siret_alone_needs_no_siren(validator: Validator, store: LocalStore) -> None:
    report = check(validator, store, organisation('; cg:siret "55208131700000"'))
    assert report.findings == []


# -- Places: INSEE codes, postcodes, coordinates ------------------------------------------------

CODE_MESSAGE = CASES[[c.id for c in CASES].index("insee-code")].en


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("2A004", True),  # Ajaccio
        ("2B033", True),  # Bastia
        ("01001", True),
        ("75114", True),
        ("97411", True),  # Saint-Denis (La Réunion)
        ("97611", True),  # Mamoudzou
        ("97502", True),  # Saint-Pierre (Saint-Pierre-et-Miquelon)
        ("98735", True),  # Papeete
        ("2C004", False),
        ("20004", False),  # Corsica has been 2A and 2B since 1976
        ("00001", False),
        ("96001", False),
        ("97911", False),
        ("9741", False),
        ("974111", False),
        ("2a004", False),
    ],
)
def test_insee_codes(validator: Validator, store: LocalStore, code: str, valid: bool) -> None:
    report = check(validator, store, commune(code))
    assert bool(saying(report, CODE_MESSAGE)) is not valid


POSTCODE_MESSAGE = "in France (FR), the postcode (locn:postCode) has 5 digits"


@pytest.mark.parametrize(
    ("country", "postcode", "valid"),
    [
        ("FR", "69100", True),
        ("FR", "01000", True),
        ("FR", "20000", True),  # Ajaccio
        ("FR", "97400", True),  # Saint-Denis (La Réunion)
        ("FR", "1000", False),  # a leading zero lost in a spreadsheet
        ("FR", "691000", False),
        ("FR", "00100", False),
        ("FR", "99000", False),
        ("BE", "1000", True),
        ("GB", "SW1A 1AA", True),
    ],
)
def test_postcodes_in_france_have_five_digits(
    validator: Validator, store: LocalStore, country: str, postcode: str, valid: bool
) -> None:
    report = check(
        validator,
        store,
        place(address=f'locn:postCode "{postcode}" ; locn:adminUnitL1 "{country}"'),
    )
    assert bool(saying(report, POSTCODE_MESSAGE)) is not valid
    assert report.conforms is valid


COORDINATES_MESSAGE = CASES[[c.id for c in CASES].index("coordinates-in-france")].en


@pytest.mark.parametrize(
    ("lat", "long", "valid"),
    [
        ("48.85341", "2.3488", True),  # Paris
        ("41.91886", "8.73812", True),  # Ajaccio
        ("48.39029", "-4.48628", True),  # Brest
        ("51.03297", "2.377", True),  # Dunkerque
        ("16.24125", "-61.53614", True),  # Pointe-à-Pitre
        ("14.60892", "-61.07334", True),  # Fort-de-France
        ("4.93333", "-52.33333", True),  # Cayenne
        ("-21.11522", "55.53638", True),  # Saint-Denis (La Réunion)
        ("-12.78234", "45.22878", True),  # Mamoudzou
        ("46.77914", "-56.1773", True),  # Saint-Pierre
        ("18.06667", "-63.08333", True),  # Marigot (Saint-Martin)
        ("45.0", "-30.0", False),  # the Atlantic
        ("0.0", "0.0", False),
        ("2.3488", "48.85341", False),  # Paris, swapped
        ("21.11522", "55.53638", False),  # La Réunion, north of the equator
        ("40.41678", "-3.70379", False),  # Madrid
        ("52.52001", "13.40495", False),  # Berlin
    ],
)
def test_coordinates_of_a_place_in_france(
    validator: Validator, store: LocalStore, lat: str, long: str, valid: bool
) -> None:
    coordinates = f'; wgs:lat "{lat}"^^xsd:decimal ; wgs:long "{long}"^^xsd:decimal'
    report = check(validator, store, place(coordinates, 'locn:adminUnitL1 "FR"'))
    assert bool(saying(report, COORDINATES_MESSAGE)) is not valid
    # outside France is a warning; swapped (exchanged, they would be in France) a violation
    assert report.conforms is (valid or (lat, long) != ("2.3488", "48.85341"))


def test_places_abroad_are_not_held_to_french_rules(
    validator: Validator, store: LocalStore
) -> None:
    madrid = place(
        "; wgs:lat 40.41678 ; wgs:long -3.70379",
        'locn:postCode "28013" ; locn:postName "Madrid" ; locn:adminUnitL1 "ES"',
    )
    brussels = (
        madrid.replace("tiers-lieu/t", "tiers-lieu/b")
        .replace("28013", "1000")
        .replace("40.41678 ; wgs:long -3.70379", "50.85045 ; wgs:long 4.34878")
        .replace('"ES"', '"BE"')
    )
    report = check(validator, store, madrid + "\n" + brussels)
    assert report.conforms, violations(report)
    assert not saying(report, COORDINATES_MESSAGE)
    assert not saying(report, POSTCODE_MESSAGE)


# -- How the shapes are written ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes(shape_files: list[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in shape_files:
        graph.parse(path, format="turtle", publicID=BASE)
    return graph


def test_every_targeted_constraint_speaks_french_and_english(shapes: rdflib.Graph) -> None:
    parameters = {
        SH.path, SH.nodeKind, SH["class"], SH.node, SH["or"], SH["not"], SH.sparql,
    }  # fmt: skip
    silent = []
    for shape in set(shapes.subjects(SH.targetClass, None)):
        if not parameters & set(shapes.predicates(shape, None)):
            continue  # a node shape that only names its class
        languages = {getattr(m, "language", None) for m in shapes.objects(shape, SH.message)}
        if not {"fr", "en"} <= languages:
            silent.append(shape)
    for constraint in shapes.objects(None, SH.sparql):
        languages = {getattr(m, "language", None) for m in shapes.objects(constraint, SH.message)}
        if not {"fr", "en"} <= languages:
            silent.append(constraint)
    assert silent == []


def test_shapes_used_through_others_are_target_less_node_shapes(shapes: rdflib.Graph) -> None:
    """pyshacl silently skips a shape IRI used through sh:node, sh:or… unless the Validator names
    it: it names the target-less node shapes, and the targeted ones of the upload's classes."""
    used = set(shapes.objects(None, SH.node)) | set(shapes.objects(None, SH.property))
    for predicate in (SH["or"], SH["and"], SH.xone):
        for members in shapes.objects(None, predicate):
            used |= set(Collection(shapes, members))
    used |= set(shapes.objects(None, SH["not"]))
    named = {shape for shape in used if isinstance(shape, rdflib.URIRef)}
    assert named
    for shape in named:
        assert (shape, rdflib.RDF.type, SH.NodeShape) in shapes, shape
        assert (shape, SH.targetClass, None) not in shapes, shape


def test_top_level_shapes_are_selected_by_their_class(shapes: rdflib.Graph) -> None:
    for target in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        assert (None, target, None) not in shapes
    for shape in set(shapes.subjects(SH.targetClass, None)):
        assert isinstance(shape, rdflib.URIRef)
        assert str(shape).startswith("https://w3id.org/commonsgraph/shapes#"), shape


def test_the_neighbourhood_is_not_held_to_the_shapes(
    validator: Validator, store: LocalStore
) -> None:
    report = check(validator, store, organisation("; org:memberOf <organisation/rfflabs>"))
    assert report.findings == []
