"""Rewriting SPARQL text: binding variables to RDF terms, adding an update's USING clauses.

Variables are bound by replacing them with their RDF terms (the semantics of SPARQL SEP-0007,
which pyoxigraph implements for SELECT projections only), whatever the query form and the
backend. The terms are written by pyoxigraph's own serializer: a bound value is always exactly
one RDF term, never query syntax.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commonsgraph.errors import QuerySyntaxError
from commonsgraph.sparqllex import CLOSING, OPENING, Token, tokens


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


def values_first(query: str, clause: str) -> str:
    """`query` with `clause` (a VALUES block) as the first pattern of its WHERE clause, so that
    the rest of the pattern is evaluated for the rows the clause gives only."""
    for token in tokens(query):
        if token.text == "{":
            return query[: token.end] + clause + query[token.end :]
    raise QuerySyntaxError("the query has no group pattern to put VALUES in")


@functools.lru_cache(maxsize=512)
def _variables(query: str) -> tuple[tuple[int, int, str, str], ...]:
    """Where each variable of a query stands: (start, end, name, context), the context being
    "projection", "condition" (GROUP BY, ORDER BY), "assigned" (after AS) or "pattern"."""
    found: list[tuple[int, int, str, str]] = []
    clause: str | None = None
    parentheses = 0
    previous = ""
    for token in tokens(query):
        word = token.value if token.kind == "word" else ""
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


# -- the dataset of an update -------------------------------------------------------------------


def operations(update: str) -> list[list[Token]]:
    """The tokens of each operation of an update request (split on `;` outside brackets)."""
    found: list[list[Token]] = [[]]
    depth = 0
    for token in tokens(update):
        if token.text in OPENING:
            depth += 1
        elif token.text in CLOSING:
            depth -= 1
        if token.text == ";" and depth == 0:
            found.append([])
        else:
            found[-1].append(token)
    return [op for op in found if op]


def without_prologue(operation: list[Token]) -> list[Token]:
    """An operation's tokens after its PREFIX, BASE and VERSION declarations."""
    index = 0
    while index < len(operation) and operation[index].value in ("PREFIX", "BASE", "VERSION"):
        index += 3 if operation[index].value == "PREFIX" else 2
    return operation[index:]


def has_dataset_clause(update: str) -> bool:
    """Whether an update names its own dataset (USING, USING NAMED or WITH)."""
    return any(t.kind == "word" and t.value in ("USING", "WITH") for t in tokens(update))


def add_using(update: str, default: list[NamedNode], named: list[NamedNode]) -> str:
    """The update with `USING`/`USING NAMED` clauses (the protocol's using-graph-uri and
    using-named-graph-uri) added to each of its DELETE/INSERT … WHERE operations."""
    clause = " ".join([*(f"USING {g}" for g in default), *(f"USING NAMED {g}" for g in named)])
    if not clause:
        return update
    inserts: list[int] = []
    for operation in map(without_prologue, operations(update)):
        head = [t.value for t in operation[:2]]
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
            elif depth == 0 and token.kind == "word" and token.value == "WHERE":
                inserts.append(token.start)
                break
    for offset in reversed(inserts):
        update = f"{update[:offset]}{clause} {update[offset:]}"
    return update
