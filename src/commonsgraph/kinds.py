"""The kinds of resources the project mints: one table says, for each, what it is and where it
shows.

A kind is the first segment of the path of the IRIs it mints (`tiers-lieu/…`); its entry names
its class, its labels in the interface's languages, its icon, what its page shows above the
generic table of properties (facts and sections, each a SPARQL property path from the
resource), its rank in search results, whether the home page counts it, and who may describe it
in a contribution. Everything else reads the table: the Minter (`Minter.mint`), the routes that
publish pages (`web.resources`), the contribution workflow, search, the home page's counts and
the page builder (`views`). A new kind is one entry here, its template (optional) and its
shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commonsgraph.vocab import PREFIXES

CG = PREFIXES["cg"]
SCHEMA = PREFIXES["schema"]
IGEO = PREFIXES["igeo"]
SKOS = PREFIXES["skos"]
ARTICLE, GRANT, OFFER, PROJECT = (
    SCHEMA + "Article",
    SCHEMA + "MonetaryGrant",
    CG + "FundingOffer",
    CG + "Project",
)

CONTRIBUTOR = "contributor"
"""The role that may describe a kind in a contribution (curators and admins may too)."""


@dataclass(frozen=True)
class Shown:
    """Something a kind's page shows: under the interface word `key`, the values reached from
    the resource by the SPARQL property `path` (written here, never taken from a request)."""

    key: str
    path: str
    of: str | None = None
    """The class the values must have (None: any)."""


@dataclass(frozen=True)
class Kind:
    path: str | None
    """The first segment of the path of its IRIs: `tiers-lieu` (None: its resources are minted
    as another kind's, e.g. a network is an organisation)."""
    cls: str | None
    """The class of its resources (None: resources of several classes, e.g. `scheme/`)."""
    label: dict[str, str]
    """Its name in each language of the interface, singular."""
    plural: dict[str, str]
    icon: str = "·"
    """A character shown beside its resources in lists and search results."""
    facts: tuple[Shown, ...] = ()
    """Shown at the top of its page (addresses, dates, amounts…)."""
    sections: tuple[Shown, ...] = ()
    """Lists of links on its page (holders, grants, articles…)."""
    builder: str | None = None
    """The part of the page builder (`views.PageBuilder.BUILDERS`) that adds what only this kind
    shows: a map, a timeline, verdicts…"""
    template: str = "resource.html"
    """The template of its page (each extends resource.html)."""
    priority: int = 6
    """Its rank in search results: 0 first."""
    home: bool = False
    """Counted on the home page."""
    contributors: tuple[str, ...] = field(default=())
    """The roles that may describe it in a contribution (empty: none)."""

    def name(self, language: str) -> str:
        return self.label.get(language, self.label["en"])

    def names(self, language: str) -> str:
        return self.plural.get(language, self.plural["en"])


def _kind(
    path: str | None, cls: str | None, fr: str, en: str, frs: str, ens: str, **more: object
) -> Kind:
    return Kind(path, cls, {"fr": fr, "en": en}, {"fr": frs, "en": ens}, **more)  # type: ignore[arg-type]


ANYONE = (CONTRIBUTOR,)

KINDS: tuple[Kind, ...] = (
    _kind("tiers-lieu", CG + "TiersLieu", "tiers-lieu", "tiers-lieu", "tiers-lieux",
          "tiers-lieux", icon="⌂", builder="tiers_lieu", priority=0, home=True,
          contributors=ANYONE),
    _kind("organisation", PREFIXES["org"] + "Organization", "organisation", "organisation",
          "organisations", "organisations", icon="◆", priority=2, home=True,
          contributors=ANYONE),
    _kind(None, CG + "Network", "réseau", "network", "réseaux", "networks", icon="⋈",
          priority=1, home=True),
    _kind("commons", CG + "Commons", "commun", "commons", "communs", "commons", icon="❖",
          priority=1, home=True, contributors=ANYONE),
    _kind("licence", PREFIXES["cc"] + "License", "licence", "licence", "licences", "licences",
          icon="§", builder="licence", priority=3, home=True),
    _kind("programme", CG + "Programme", "programme", "programme", "programmes", "programmes",
          icon="★", home=True),  # its places, projects, offers and grants: lists.LISTINGS
    _kind("project", PROJECT, "projet", "project", "projets", "projects", icon="◔",
          builder="project", template="project.html", priority=1, home=True,
          contributors=ANYONE,
          facts=(Shown("stage", "cg:stage"), Shown("territory", "schema:location"),
                 Shown("became", "prov:generated")),
          sections=(Shown("holders", "cg:holder"), Shown("programmes", "cg:programme"),
                    Shown("grants", "^schema:fundedItem", GRANT),
                    Shown("content_about", "^schema:about", ARTICLE))),
    _kind("offer", OFFER, "offre de financement", "funding offer", "offres de financement",
          "funding offers", icon="€", builder="offer", priority=2, home=True,
          contributors=ANYONE,
          facts=(Shown("funder", "schema:offeredBy"), Shown("programmes", "cg:programme"),
                 Shown("eligible_kinds", "cg:eligibleOrganisationKind"),
                 Shown("eligible_stages", "cg:eligibleStage"),
                 Shown("eligible_regions", "schema:eligibleRegion"),
                 Shown("homepage", "foaf:homepage"))),  # its grants: lists.LISTINGS
    _kind("grant", GRANT, "subvention", "grant", "subventions", "grants",
          icon="€", builder="grant", priority=2, home=True, contributors=ANYONE,
          facts=(Shown("funder", "schema:funder"), Shown("funded", "schema:fundedItem"),
                 Shown("beneficiary", "cg:beneficiary"), Shown("date", "dct:date"),
                 Shown("programmes", "cg:programme"), Shown("offer", "cg:offer"))),
    _kind("article", ARTICLE, "article", "article", "articles", "articles", icon="✎",
          builder="article", priority=2, home=True, contributors=ANYONE,
          facts=(Shown("content_kind", "cg:contentKind"), Shown("authors", "schema:author"),
                 Shown("date_published", "schema:datePublished"),
                 Shown("in_language", "schema:inLanguage"), Shown("licence_heading", "dct:license"),
                 Shown("published_at", "schema:url")),
          sections=(Shown("about", "schema:about"),
                    Shown("in_dossiers", "^schema:hasPart", SCHEMA + "Collection"))),
    _kind("dossier", SCHEMA + "Collection", "dossier", "dossier", "dossiers", "dossiers",
          icon="▤", builder="dossier", priority=2, home=True),
    _kind("commune", IGEO + "Commune", "commune", "commune", "communes", "communes", icon="▪",
          priority=5, home=True),
    _kind("departement", IGEO + "Departement", "département", "département", "départements",
          "départements", icon="▪", priority=4, home=True),
    _kind("region", IGEO + "Region", "région", "région", "régions", "régions", icon="▪",
          priority=3, home=True),
    _kind("epci", IGEO + "Intercommunalite", "intercommunalité", "intercommunality",
          "intercommunalités", "intercommunalities", icon="▪"),
    _kind("arrondissement-municipal", IGEO + "ArrondissementMunicipal",
          "arrondissement municipal", "municipal arrondissement", "arrondissements municipaux",
          "municipal arrondissements", icon="▪"),
    _kind("commune-deleguee", IGEO + "CommuneDeleguee", "commune déléguée", "delegated commune",
          "communes déléguées", "delegated communes", icon="▪"),
    _kind("commune-associee", IGEO + "CommuneAssociee", "commune associée", "associated commune",
          "communes associées", "associated communes", icon="▪"),
    _kind("country", SCHEMA + "Country", "pays", "country", "pays", "countries",
          icon="▪"),  # its places: lists.LISTINGS
    _kind("subdivision", SCHEMA + "AdministrativeArea", "subdivision", "subdivision",
          "subdivisions", "subdivisions", icon="▪"),
    _kind(None, SKOS + "Concept", "concept", "concept", "concepts", "concepts", icon="≡",
          builder="concept",
          sections=(Shown("content_about", "^schema:about", ARTICLE),)),
    # a kind of commons' commons, a stage's projects, a typology's places: lists.LISTINGS
    _kind("scheme", None, "vocabulaire", "vocabulary", "vocabulaires", "vocabularies", icon="≡"),
    _kind("graph", None, "graphe", "graph", "graphes", "graphs", icon="○"),
    _kind("source", None, "source", "source", "sources", "sources", icon="○"),
    _kind("agent", None, "agent", "agent", "agents", "agents", icon="○"),
    _kind("dataset", PREFIXES["dcat"] + "Dataset", "jeu de données", "dataset",
          "jeux de données", "datasets", icon="○"),
    _kind("catalog", PREFIXES["dcat"] + "Catalog", "catalogue", "catalogue", "catalogues",
          "catalogues", icon="○"),
    _kind("compatibility", CG + "CompatibilityRule", "règle de compatibilité",
          "compatibility rule", "règles de compatibilité", "compatibility rules", icon="§"),
)  # fmt: skip
"""Every kind, in the order lists and the home page show them."""


def of_path(segment: str) -> Kind | None:
    """The kind whose IRIs start with `segment` (the table is read at each call: it is short)."""
    return next((kind for kind in KINDS if kind.path == segment), None)


def minted(segment: str) -> bool:
    """Whether `segment` is the first segment of the IRIs of a kind."""
    return of_path(segment) is not None


def of_class(cls: str | None) -> Kind | None:
    return next((kind for kind in KINDS if kind.cls is not None and kind.cls == cls), None)


def contributable(role: str = CONTRIBUTOR) -> tuple[str, ...]:
    """The kinds (path segments) a contribution by `role` may describe."""
    return tuple(k.path for k in KINDS if k.path is not None and role in k.contributors)


def home_classes() -> tuple[str, ...]:
    return tuple(kind.cls for kind in KINDS if kind.home and kind.cls is not None)


def of_types(types: list[str]) -> list[Kind]:
    """The kinds of a resource of these classes, in the table's order."""
    return [kind for kind in KINDS if kind.cls is not None and kind.cls in types]


def priority(cls: str | None) -> int:
    """The rank in search results of a resource of class `cls`."""
    kind = of_class(cls)
    return 6 if kind is None else kind.priority
