"""The templates of the HTML pages, and the rules that keep data from running in a reader's
browser.

Everything a page shows comes from the graph, and the graph takes labels and IRIs from
contributors and, without review, from harvests. So:

- every template is escaped (`autoescape` on, whatever its name); there is no `|safe` on data;
- data for a script (the points of a map, the editor's configuration) goes through `tojson`
  (which writes `<`, `>`, `&` and `'` as `\\u003c`…) into a `<script type="application/json">`
  block that a static script reads; pages hold no inline script (the Content-Security-Policy
  of `web.headers` forbids it);
- a link from data is a link only when following it can only fetch a document or write a mail:
  `link()` is the one place of that rule, and every template writes its links with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from commonsgraph import i18n, kinds

LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def followable(href: str) -> bool:
    """Whether `href` may be a link: an http, https or mailto URL, or a reference relative to
    this site (`/tiers-lieu/…`, `?page=2`); not `javascript:`, `data:`, `vbscript:`, `file:`…

    Browsers drop tabs and newlines anywhere in a URL and spaces and control characters around
    it (`java\\tscript:` and ` JavaScript:` are `javascript:`), so a reference that holds any
    of them is never a link; a scheme is compared without regard to case.
    """
    if not href or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in href):
        return False
    scheme = _SCHEME.match(href)
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


def link(href: str, label: str, css: str = "") -> Markup:
    """`<a href="…">label</a>` when `href` is followable, else the label as text (in a
    `span.unlinked` that shows the address on hover); both escaped."""
    if not followable(href):
        return Markup('<span class="unlinked" title="{}">{}</span>').format(href, label)
    if css:
        return Markup('<a class="{}" href="{}">{}</a>').format(css, href, label)
    return Markup('<a href="{}">{}</a>').format(href, label)


def switch_language(kept: Mapping[str, str] | None, code: str) -> str:
    """The link that shows this page in language `code`: its query (`?status=pending`,
    `?q=…`, `?page=2`) kept, `lang` replaced; percent-encoded."""
    parameters = {k: v for k, v in (kept or {}).items() if k != "lang"}
    return "?" + urlencode({**parameters, "lang": code})


def templates(directory: Path) -> Jinja2Templates:
    """The pages' templates, escaped, with `link()` at hand and the filters that write numbers,
    sizes and dates in the page's language (`{{ count | number(lang) }}`)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(directory), autoescape=True)
    environment.globals["link"] = link
    environment.globals["switch_language"] = switch_language
    environment.globals["contributable"] = kinds.contributable  # the forms a page links to
    environment.filters["number"] = i18n.number  # {{ count | number(lang) }}
    environment.filters["size"] = i18n.size
    environment.filters["day"] = i18n.day
    environment.filters["moment"] = i18n.moment
    return Jinja2Templates(env=environment)
