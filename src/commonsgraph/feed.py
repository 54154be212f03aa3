"""The Atom feed (RFC 4287) of the newest articles, overall or about one theme.

Entries are the `schema:Article`s with a `schema:datePublished`, newest first: the article's
IRI as its `id`, its title, its date as `updated` and `published`, its authors (their labels, or
the names given as text), its abstract as `summary`, and a link to where it is published
(`schema:url`, when it is an http(s) URL) and to its page here. The document is written by
ElementTree, which escapes every text and attribute; characters XML 1.0 cannot hold (control
characters) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote
from xml.etree import ElementTree

from pyoxigraph import Literal, NamedNode

from commonsgraph.store import Store
from commonsgraph.views import Linker

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
ENTRIES = 50
"""The newest articles a feed holds."""
EPOCH = "1970-01-01T00:00:00Z"
"""The `updated` of a feed without entries (RFC 4287 requires one)."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_ARTICLES = """
SELECT ?a (SAMPLE(?t) AS ?title) (MAX(?d) AS ?date) (SAMPLE(?u) AS ?url) (SAMPLE(?s) AS ?abstract)
WHERE {
  ?a a schema:Article ; schema:datePublished ?d . %s
  OPTIONAL { ?a rdfs:label|schema:headline ?t }
  OPTIONAL { ?a schema:url ?u FILTER(isIRI(?u)) }
  OPTIONAL { ?a schema:abstract ?s }
} GROUP BY ?a ORDER BY DESC(?date) LIMIT 500"""

_AUTHORS = """
SELECT DISTINCT ?name WHERE {
  ?a schema:author ?who .
  OPTIONAL { ?who rdfs:label ?label }
  BIND(COALESCE(?label, IF(isLiteral(?who), ?who, ?nothing)) AS ?name)
  FILTER(BOUND(?name))
} ORDER BY ?name"""


@dataclass(frozen=True)
class Entry:
    iri: str
    title: str
    updated: str
    """RFC 3339, in UTC."""
    authors: list[str]
    summary: str | None
    url: str | None
    """Where it is published (http or https)."""


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def timestamp(value: str) -> str | None:
    """An `xsd:date` or `xsd:dateTime` as an RFC 3339 date-time in UTC (None: not a date)."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat() + "T00:00:00Z"
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds") + "Z"
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def entries(store: Store, theme: NamedNode | None = None, limit: int = ENTRIES) -> list[Entry]:
    """The newest articles (about `theme`, when given), newest first."""
    about = "" if theme is None else "?a schema:about ?theme ."
    bindings = {} if theme is None else {"theme": theme}
    found = []
    for row in store.select(_ARTICLES % about, bindings):
        iri, when = row.get("a"), row.get("date")
        if not isinstance(iri, NamedNode) or not isinstance(when, Literal):
            continue
        updated = timestamp(when.value)
        if updated is None:
            continue
        title, url, summary = row.get("title"), row.get("url"), row.get("abstract")
        authors = [
            name.value
            for author in store.select(_AUTHORS, {"a": iri})
            if isinstance(name := author.get("name"), Literal)
        ]
        found.append(
            Entry(
                iri.value,
                title.value if isinstance(title, Literal) else iri.value,
                updated,
                authors,
                summary.value if isinstance(summary, Literal) else None,
                url.value if isinstance(url, NamedNode) and _web(url.value) else None,
            )
        )
    found.sort(key=lambda entry: (entry.updated, entry.iri), reverse=True)
    return found[:limit]


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _add(
    parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(
        parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def atom(
    found: list[Entry], linker: Linker, public_base: str, title: str, theme: str | None = None
) -> bytes:
    """The feed of `found`, served at `public_base` + `feed.atom` (`?theme=` the theme's slug)."""
    site = public_base.rstrip("/") + "/"
    query = "" if theme is None else "?theme=" + quote(theme, safe="")
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    _add(feed, "id", f"{site}feed.atom{query}")
    _add(feed, "title", title)
    _add(feed, "updated", max((entry.updated for entry in found), default=EPOCH))
    author = _add(feed, "author")
    _add(author, "name", "commonsgraph")
    _add(author, "uri", site)
    _add(feed, "link", rel="self", type=MEDIA_TYPE, href=f"{site}feed.atom{query}")
    home = site if theme is None else f"{site}scheme/theme/{quote(theme, safe='')}"
    _add(feed, "link", rel="alternate", type="text/html", href=home)
    _add(feed, "generator", "commonsgraph")
    for entry in found:
        item = _add(feed, "entry")
        _add(item, "id", entry.iri)
        _add(item, "title", entry.title)
        _add(item, "updated", entry.updated)
        _add(item, "published", entry.updated)
        for name in entry.authors:
            _add(_add(item, "author"), "name", name)
        page = site + linker.href(entry.iri).lstrip("/")
        _add(item, "link", rel="alternate", type="text/html", href=entry.url or page)
        if entry.url:
            _add(item, "link", rel="related", type="text/html", href=page)
        if entry.summary:
            _add(item, "summary", entry.summary)
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
