"""The tokens of a SPARQL text, by the letter of the grammar's terminals (SPARQL 1.1 §19.8, with
the RDF 1.2 additions pyoxigraph reads: triple terms, reifiers, annotations, directional
language tags, VERSION).

The lexer is strict: a character that starts no terminal, a word that is no keyword, an escape
outside strings, IRIs and local names, are errors with their line and column. It takes the
longest match at each position, as the grammar says (`<a&&b>` is an IRI, even where an engine
reading in context would see two comparisons).

Each token knows its `value`: an IRI or a string with its escapes read, a prefixed name split
into prefix and local part with its escapes read. `sparqlcheck` re-emits a text from these
values, so that the text an engine evaluates is the one this lexer read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from commonsgraph.errors import QuerySyntaxError

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"
_EXPONENT = r"[eE][+-]?[0-9]+"

TOKEN = re.compile(
    rf"""
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''
              |\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\"
              |'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'
              |"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*")
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<var>[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)
  | (?P<number>[+-]?(?:[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}
                      |[0-9]*\.[0-9]+|[0-9]+))
  | (?P<word>[A-Za-z][A-Za-z0-9_]*)
  | (?P<punct><<\(|\)>>|<<|>>|\{{\||\|}}|\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.*=<>!+\-/^|?~])
  | (?P<error>.)
    """,
    re.VERBOSE | re.DOTALL,
)
"""The terminals, one named group each (and `error`: a character that starts none)."""

_KEYWORDS = """
    BASE PREFIX VERSION SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED
    GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD
    TO MOVE COPY INSERT DATA DELETE WITH USING DEFAULT ALL GRAPH OPTIONAL SERVICE BIND UNDEF
    MINUS UNION FILTER NOT IN EXISTS LATERAL TRUE FALSE SEPARATOR
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN
    UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY
    HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE
    IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT ADJUST
    TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG HASLANGDIR STRLANGDIR
"""
KEYWORDS = frozenset(_KEYWORDS.split())
"""The words of SPARQL 1.1 and of the RDF 1.2 additions pyoxigraph reads (case-insensitive);
`a` is the one case-sensitive keyword."""

OPENING = frozenset({"(", "[", "{", "{|", "<<", "<<("})
CLOSING = frozenset({")", "]", "}", "|}", ">>", ")>>"})

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
_STRING_ESCAPE = re.compile(rf"{_UCHAR}|{_ECHAR}")
_IRI_ESCAPE = re.compile(_UCHAR)
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class Token:
    """One terminal: its kind, its text, where it stands, and what it means.

    kind: iri, pname, var, bnode, string, langtag, number, word (a keyword, upper-cased in
    `value`, or `a`), punct. `value`: the IRI or the string with escapes read, the keyword, the
    variable's name; for a prefixed name, the prefix (without its colon) — `local` holds the
    local part with its escapes read.
    """

    kind: str
    text: str
    start: int
    value: str
    local: str = ""

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def is_keyword(word: str) -> bool:
    """Whether a word (a match of the `word` terminal) is one of SPARQL's keywords."""
    return word == "a" or word.upper() in KEYWORDS


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (from 1) of an offset; lines end at line feeds."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def error(text: str, offset: int, message: str) -> QuerySyntaxError:
    line, column = position(text, offset)
    return QuerySyntaxError(f"{message} (line {line}, column {column})", line, column)


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, comments and white space left out (lazily: a caller that
    wants the prologue only reads no further)."""
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        raw = match.group()
        start = match.start()
        if kind in ("space", "comment"):
            continue
        if kind == "string":
            yield Token(kind, raw, start, _string(text, start, raw))
        elif kind == "iri":
            yield Token(kind, raw, start, _unescape(text, start, raw[1:-1], _IRI_ESCAPE))
        elif kind == "pname":
            prefix, _, local = raw.partition(":")
            yield Token(kind, raw, start, prefix, _LOCAL_ESCAPE.sub(r"\1", local))
        elif kind == "var":
            yield Token(kind, raw, start, raw[1:])
        elif kind == "word":
            if not is_keyword(raw):
                raise error(text, start, f"unknown keyword {raw!r}")
            yield Token(kind, raw, start, raw if raw == "a" else raw.upper())
        elif kind == "error":
            what = "an escape" if raw == "\\" else f"the character {raw!r}"
            raise error(text, start, f"{what} cannot start a SPARQL token here")
        else:
            assert kind is not None
            yield Token(kind, raw, start, raw)


def _string(text: str, start: int, raw: str) -> str:
    quotes = 3 if raw[:3] in ("'''", '"""') else 1
    return _unescape(text, start, raw[quotes:-quotes], _STRING_ESCAPE)


def _unescape(text: str, start: int, body: str, escapes: re.Pattern[str]) -> str:
    def one(match: re.Match[str]) -> str:
        escape = match.group()
        if escape[1] in "uU":
            code = int(escape[2:], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise error(text, start, f"{escape} is not a character")
            return chr(code)
        return _ESCAPES.get(escape[1], escape[1])

    return escapes.sub(one, body) if "\\" in body else body
