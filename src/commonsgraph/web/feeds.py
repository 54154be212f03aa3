"""/feed.atom: the Atom feed of the newest articles, overall or about a theme (`?theme=` the
theme's name in `scheme/theme/`: `/feed.atom?theme=digital-inclusion`)."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Request, Response
from pyoxigraph import Literal, NamedNode

from commonsgraph import feed, i18n
from commonsgraph.errors import NotFound, ParameterError
from commonsgraph.store import Store
from commonsgraph.views import Linker
from commonsgraph.vocab import Minter
from commonsgraph.web import conditional, languages
from commonsgraph.web.state import Configured, Stored

THEME = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")

router = APIRouter(tags=["content"])


@router.get(
    "/feed.atom",
    summary="The newest articles as an Atom feed (RFC 4287), overall or about a theme",
    response_class=Response,
)
async def atom(
    request: Request, settings: Configured, store: Stored, theme: str | None = None
) -> Response:
    node: NamedNode | None = None
    language = languages.of_request(request)  # `lang`, its cookie, then Accept-Language
    words = i18n.words(language)
    title = f"commonsgraph — {words['feed_title']}"
    if theme is not None:
        if not THEME.fullmatch(theme):
            raise ParameterError("theme", "a theme's name: lower-case letters, digits and '-'")
        node = Minter(settings.base_iri).concept("theme", theme)
        label = await asyncio.to_thread(_label, store, node, language)
        if label is None:
            raise NotFound(f"there is no theme {theme!r} (scheme/theme/{theme})")
        title = f"{title} — {label}"
    found = await asyncio.to_thread(feed.entries, store, node)
    body = feed.atom(found, Linker(settings.base_iri), settings.public_base, title, theme)
    return conditional.tagged(
        request,
        body,
        feed.MEDIA_TYPE,
        {
            "Cache-Control": "public, max-age=60",
            "Vary": "Accept-Language",  # and Cookie: languages.RememberLanguage adds it
            "Content-Language": language,
        },
    )


def _label(store: Store, concept: NamedNode, language: str) -> str | None:
    """The concept's label in `language` (its IRI when it has none); None: no such concept."""
    rows = store.select(
        """SELECT ?label WHERE {
             ?c a skos:Concept OPTIONAL { ?c skos:prefLabel ?label FILTER(lang(?label) = ?lang) }
           } LIMIT 1""",
        {"c": concept, "lang": Literal(language)},
    )
    if not rows:
        return None
    label = rows[0].get("label")
    return getattr(label, "value", None) or concept.value
