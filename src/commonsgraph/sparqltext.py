"""Reading SPARQL text without evaluating it: a small lexer, and binding variables to RDF terms.

Variables are bound with a VALUES block placed at the start of the query's top-level WHERE
group, so that the whole group (filters and OPTIONALs included) sees them, whatever the query
form (SELECT, ASK, CONSTRUCT, DESCRIBE) and whatever the backend. The terms are written by
pyoxigraph's own serializer: a bound value is always exactly one RDF term, never query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commonsgraph.errors import QuerySyntaxError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()\[\];,.]*)?|:[^\s{}()\[\];,.]*)
  | (?P<punct>\^\^|[{}()\[\];,.*=<>!&|+/^@-]|[^\s])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


def tokens(query: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, comments and whitespace left out."""
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start())


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE (None for updates and unreadable text)."""
    expect_prefix = False
    for token in tokens(query):
        if token.kind == "iri":
            expect_prefix = False
            continue
        if token.kind != "word":
            return None
        keyword = token.text.upper()
        if expect_prefix:
            expect_prefix = False
        elif keyword in ("PREFIX", "BASE"):
            expect_prefix = keyword == "PREFIX"
        elif keyword in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return keyword
        else:
            return None
    return None


def where_start(query: str) -> int:
    """The offset just after the `{` that opens the query's top-level WHERE group."""
    form = query_form(query)
    if form is None:
        raise QuerySyntaxError("not a SPARQL query (SELECT, CONSTRUCT, ASK or DESCRIBE)")
    depth = 0
    seen_where = False
    skip_template = form == "CONSTRUCT"
    for token in tokens(query):
        if token.kind == "word" and token.text.upper() == "WHERE" and depth == 0:
            if skip_template:
                raise QuerySyntaxError(
                    "the short form CONSTRUCT WHERE cannot bind variables: "
                    "write CONSTRUCT { template } WHERE { pattern }"
                )
            seen_where = True
        elif token.text == "{":
            if depth == 0 and (seen_where or not skip_template):
                return token.start + 1
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0 and skip_template:
                skip_template = False
    raise QuerySyntaxError("the query has no WHERE group")


def term_text(term: NamedNode | BlankNode | Literal | Triple) -> str:
    """A term in SPARQL syntax, written by pyoxigraph (blank nodes cannot be bound)."""
    if isinstance(term, BlankNode):
        raise ValueError("a blank node cannot be bound in a query")
    return str(term)


def bind(query: str, bindings: Mapping[str, NamedNode | BlankNode | Literal | Triple]) -> str:
    """`query` with each variable of `bindings` bound to its term."""
    if not bindings:
        return query
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"invalid variable name {name!r}")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_text(term) for term in bindings.values())
    offset = where_start(query)
    return f"{query[:offset]} VALUES ({names}) {{ ({values}) }} {query[offset:]}"
