"""The content templates: articles, interviews and place studies (`data/templates/articles.csv`,
one row per piece) and dossiers (`data/templates/dossiers.csv`, one row per dossier, its
articles in their order). docs/model.md, "Published content"."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from commonsgraph.importers.projects import TERRITORIES
from commonsgraph.importers.sheets import Cells, Column, Statements, Template
from commonsgraph.vocab import CG, DCT, FOAF, ORG, RDFS, SCHEMA, SKOS, XSD

ABOUT = (
    CG.TiersLieu.value,
    CG.Project.value,
    CG.Commons.value,
    ORG.Organization.value,
    SKOS.Concept.value,
    *TERRITORIES,
)
"""What a piece may be about: places, projects, commons, actors, themes, territories."""

AUTHORS = (ORG.Organization.value, FOAF.Agent.value, FOAF.Person.value)

ARTICLE_COLUMNS = (
    Column("slug", True, "the piece's name in its IRI, article/{slug}"),
    Column("kind", True, "article, interview or place-study (scheme/content-kind)"),
    Column("title", True, "its title, in the piece's language"),
    Column("authors", False, "organisation/… paths, or names as written, separated by |"),
    Column("date_published", False, "YYYY-MM-DD"),
    Column("language", True, "fr, en, es…"),
    Column("licence", False, "the SPDX identifier of its licence (CC-BY-SA-4.0, etalab-2.0…)"),
    Column("url", False, "the http(s) page where it is published"),
    Column("about", False, "tiers-lieu/…, project/…, commons/…, commune/…, scheme/theme/… paths"),
    Column("abstract", False, "a few lines, in the piece's language"),
)


def map_article(cells: Cells, out: Statements) -> NamedNode | None:
    key = cells.slug("slug")
    kind = cells.concept("kind", "content-kind", required=True)
    language = cells.language("language", required=True)
    title = cells.raw("title", required=True)
    authors = cells.refs_or_names("authors", AUTHORS, "an actor")
    published = cells.when("date_published", day_only=True)
    licence = cells.licence("licence")
    url = cells.url("url")
    about = cells.refs("about", ABOUT, "a place, project, commons, actor, theme or territory")
    abstract = cells.raw("abstract")
    if key is None or language is None or title is None:
        return None
    article = cells.minter.iri(f"article/{key}")
    out.typed(article, (SCHEMA.Article,), "articles")
    out.add(article, RDFS.label, Literal(title, language=language))
    out.add(article, SCHEMA.headline, Literal(title, language=language))
    out.add(article, CG.contentKind, kind)
    out.each(article, SCHEMA.author, authors)
    out.add(article, SCHEMA.datePublished, published)
    out.add(article, SCHEMA.inLanguage, Literal(language))
    out.add(article, DCT.license, licence)
    out.add(article, SCHEMA.url, url)
    out.each(article, SCHEMA.about, about)
    if abstract is not None:
        out.add(article, SCHEMA.abstract, Literal(abstract, language=language))
    return article


ARTICLES = Template(
    kind="articles",
    title_fr="Articles, entretiens et études de lieux",
    title_en="Articles, interviews and place studies",
    columns=ARTICLE_COLUMNS,
    mapping=map_article,
)

DOSSIER_COLUMNS = (
    Column("slug", True, "the dossier's name in its IRI, dossier/{slug}"),
    Column("title", True, "its title, in French"),
    Column("description", False, "what it gathers, in French"),
    Column("articles", True, "its article/… paths, in their order, separated by |"),
)


def map_dossier(cells: Cells, out: Statements) -> NamedNode | None:
    key = cells.slug("slug")
    title = cells.text("title", language="fr", required=True)
    description = cells.text("description", language="fr")
    articles = cells.refs("articles", (SCHEMA.Article.value,), "an article", required=True)
    if len(set(articles)) != len(articles):
        cells.fail("articles", "an article is listed twice")
    if key is None:
        return None
    dossier = cells.minter.iri(f"dossier/{key}")
    out.typed(dossier, (SCHEMA.Collection,), "dossiers")
    out.add(dossier, RDFS.label, title)
    out.add(dossier, SCHEMA.description, description)
    for position, article in enumerate(articles, 1):
        item = cells.minter.part(dossier, f"item-{position}")
        out.add(dossier, SCHEMA.hasPart, article)
        out.add(dossier, SCHEMA.itemListElement, item)
        out.typed(item, (SCHEMA.ListItem,), "dossier items")
        out.add(item, SCHEMA.position, Literal(str(position), datatype=XSD.integer))
        out.add(item, SCHEMA.item, article)
    return dossier


DOSSIERS = Template(
    kind="dossiers",
    title_fr="Dossiers thématiques",
    title_en="Thematic dossiers",
    columns=DOSSIER_COLUMNS,
    mapping=map_dossier,
)
