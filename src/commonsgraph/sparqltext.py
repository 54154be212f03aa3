"""Reading SPARQL text without evaluating it: a small lexer, and binding variables to RDF terms.

Variables are bound by replacing them with their RDF terms (the semantics of SPARQL SEP-0007,
which pyoxigraph implements for SELECT projections only), whatever the query form and the
backend. The terms are written by pyoxigraph's own serializer: a bound value is always exactly
one RDF term, never query syntax.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commonsgraph.errors import QuerySyntaxError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
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


@dataclass(frozen=True)
class ServiceCall:
    """A SERVICE clause: the endpoint it calls, and where the text names it."""

    iri: str | None
    """The endpoint, resolved (None: named by a variable or unresolvable)."""
    silent: bool
    start: int
    """Where the token naming the endpoint (an IRI or a prefixed name) starts in the text."""
    end: int


@dataclass(frozen=True)
class Analysis:
    """What the text of a query or update says before it is evaluated."""

    form: str | None
    """SELECT, CONSTRUCT, ASK, DESCRIBE, or None for an update (or unreadable text)."""
    service_calls: list[ServiceCall]
    """The SERVICE clauses, in the order of the text."""
    loads: list[str | None]
    """The documents LOADed (None: unresolvable)."""
    declares_dataset: bool
    """FROM or FROM NAMED at the top level."""


def analyse(text: str, prefixes: Mapping[str, str]) -> Analysis:
    """Read a query or update once, for everything the endpoint checks before running it."""
    lowered = text.lower()
    if "service" not in lowered and "load" not in lowered and "from" not in lowered:
        # nothing reached outside the store, no dataset: the prologue says all (keywords are
        # never escaped: the parser reads \u escapes in IRIs and strings only)
        return Analysis(_form(tokens(text)), [], [], False)
    return _analyse_all(text, prefixes)


def _analyse_all(text: str, prefixes: Mapping[str, str]) -> Analysis:
    items = list(tokens(text))
    calls, loads = _external(items, prefixes)
    return Analysis(_form(items), calls, loads, _declares_dataset(items))


def replace_spans(text: str, replacements: Iterable[tuple[int, int, str]]) -> str:
    """`text` with each (start, end) span replaced, e.g. the tokens of `ServiceCall`s."""
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(replacements):
        if start < position:
            raise ValueError("overlapping spans")
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE (None for updates and unreadable text)."""
    return _form(tokens(query))


def _form(items: Iterable[Token]) -> str | None:
    expect_prefix = False
    for token in items:
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


def declares_dataset(query: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED."""
    return _declares_dataset(tokens(query))


def _declares_dataset(items: Iterable[Token]) -> bool:
    depth = 0
    for token in items:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "FROM":
            return True
    return False


def term_text(term: NamedNode | BlankNode | Literal | Triple) -> str:
    """A term in SPARQL syntax, written by pyoxigraph (blank nodes cannot be bound)."""
    if isinstance(term, BlankNode):
        raise ValueError("a blank node cannot be bound in a query")
    return str(term)


def bind(query: str, bindings: Mapping[str, NamedNode | BlankNode | Literal | Triple]) -> str:
    """`query` with each variable of `bindings` replaced by its term (SEP-0007 semantics).

    A bound variable in a projection becomes `(term AS ?var)`, in GROUP BY or ORDER BY
    `(term)`; elsewhere the term itself. The terms are written by pyoxigraph, so a value is
    always exactly one RDF term, never query syntax.
    """
    if not bindings:
        return query
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"invalid variable name {name!r}")
    texts = {name: term_text(term) for name, term in bindings.items()}
    pieces: list[str] = []
    position = 0
    for start, end, name, context in _variables(query):
        if name not in texts:
            continue
        if context == "assigned":
            raise QuerySyntaxError(f"?{name} is assigned in the query and cannot be bound")
        replacement = texts[name]
        if context == "projection":
            replacement = f"({replacement} AS ?{name})"
        elif context == "condition":
            replacement = f"({replacement})"
        pieces += [query[position:start], replacement]
        position = end
    pieces.append(query[position:])
    return "".join(pieces)


@functools.lru_cache(maxsize=512)
def _variables(query: str) -> tuple[tuple[int, int, str, str], ...]:
    """Where each variable of a query stands: (start, end, name, context), the context being
    "projection", "condition" (GROUP BY, ORDER BY), "assigned" (after AS) or "pattern"."""
    found: list[tuple[int, int, str, str]] = []
    clause: str | None = None
    parentheses = 0
    previous = ""
    for token in tokens(query):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "SELECT":
            clause, parentheses = "projection", 0
        elif word == "BY" and previous in ("GROUP", "ORDER"):
            clause, parentheses = "condition", 0
        elif token.text in ("{", "}") or word in ("WHERE", "HAVING", "LIMIT", "OFFSET", "VALUES"):
            clause = None
        elif token.text == "(":
            parentheses += 1
        elif token.text == ")":
            parentheses -= 1
        elif token.kind == "var":
            if previous == "AS":
                context = "assigned"
            elif clause is not None and parentheses == 0:
                context = clause
            else:
                context = "pattern"
            found.append((token.start, token.start + len(token.text), token.text[1:], context))
        previous = word or token.text
    return tuple(found)


# -- what a query or update reaches outside the store -------------------------------------------

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _unescape_iri(text: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text[1:-1])


class _Resolver:
    """Resolves IRIs as the SPARQL parser will: BASE, PREFIX declarations, predeclared prefixes."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self.base: str | None = None

    def iri(self, token: Token) -> str | None:
        """The absolute IRI a token denotes, or None when it is not an IRI we can resolve."""
        if token.kind == "iri":
            value = _unescape_iri(token.text)
        elif token.kind == "word" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            if prefix not in self.prefixes:
                return None
            value = self.prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        else:
            return None
        if self.base is not None and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value):
            value = urljoin(self.base, value)
        return value


def _external(
    items: list[Token], prefixes: Mapping[str, str]
) -> tuple[list[ServiceCall], list[str | None]]:
    resolver = _Resolver(prefixes)
    calls: list[ServiceCall] = []
    loads: list[str | None] = []
    for index, token in enumerate(items):
        keyword = token.text.upper() if token.kind == "word" else ""
        following = items[index + 1 : index + 4]
        if keyword == "PREFIX" and len(following) >= 2 and following[1].kind == "iri":
            resolver.prefixes[following[0].text.rstrip(":")] = resolver.iri(following[1]) or ""
        elif keyword == "BASE" and following and following[0].kind == "iri":
            resolver.base = resolver.iri(following[0])
        elif keyword in ("SERVICE", "LOAD"):
            target = next((t for t in following if t.text.upper() != "SILENT"), None)
            iri = resolver.iri(target) if target is not None else None
            if keyword == "LOAD":
                loads.append(iri)
            elif target is None:
                calls.append(ServiceCall(None, False, token.start, token.start))
            else:
                silent = target is not following[0]
                end = target.start + len(target.text)
                calls.append(ServiceCall(iri, silent, target.start, end))
    return calls, loads


# -- the dataset of an update -------------------------------------------------------------------


def _operations(update: str) -> list[list[Token]]:
    """The tokens of each operation of an update request (split on `;` outside braces)."""
    operations: list[list[Token]] = [[]]
    depth = 0
    for token in tokens(update):
        if token.text in ("{", "["):
            depth += 1
        elif token.text in ("}", "]"):
            depth -= 1
        if token.text == ";" and depth == 0:
            operations.append([])
        else:
            operations[-1].append(token)
    return [op for op in operations if op]


def _without_prologue(operation: list[Token]) -> list[Token]:
    index = 0
    while index < len(operation) and operation[index].text.upper() in ("PREFIX", "BASE"):
        index += 3 if operation[index].text.upper() == "PREFIX" else 2
    return operation[index:]


def has_dataset_clause(update: str) -> bool:
    """Whether an update names its own dataset (USING, USING NAMED or WITH)."""
    return any(t.kind == "word" and t.text.upper() in ("USING", "WITH") for t in tokens(update))


def add_using(update: str, default: list[NamedNode], named: list[NamedNode]) -> str:
    """The update with `USING`/`USING NAMED` clauses (the protocol's using-graph-uri and
    using-named-graph-uri) added to each of its DELETE/INSERT … WHERE operations."""
    clause = " ".join([*(f"USING {g}" for g in default), *(f"USING NAMED {g}" for g in named)])
    if not clause:
        return update
    inserts: list[int] = []
    for operation in map(_without_prologue, _operations(update)):
        head = [t.text.upper() for t in operation[:2]]
        if not head or head[0] not in ("DELETE", "INSERT", "WITH"):
            continue
        if head[1:] in (["DATA"], ["WHERE"]):
            continue  # INSERT DATA, DELETE DATA and DELETE WHERE take no USING
        depth = 0
        for token in operation:
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth -= 1
            elif depth == 0 and token.kind == "word" and token.text.upper() == "WHERE":
                inserts.append(token.start)
                break
    for offset in reversed(inserts):
        update = f"{update[:offset]}{clause} {update[offset:]}"
    return update
