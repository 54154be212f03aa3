"""The text of a query or update as the service checked it, and what it reaches outside.

A check that reads a text with one parser, while the engine evaluates it with another, is only
as good as their agreement: a comment the engine ends at a carriage return and the check at a
line feed hides a SERVICE call from the check. So the check does not look at the client's text
and then let it through; it *re-emits* the text from its own tokens (`sparqllex`), and only
that text is evaluated:

- comments are dropped; tokens are separated by one space, or by the line feeds that separated
  them (so that the engine's line numbers are the client's);
- prefixed names and relative IRIs are expanded to absolute `<IRI>`s (the prologue's PREFIX
  and BASE declarations, then the predeclared prefixes), and the prologue is dropped;
- strings are written again with only `\\\\`, `\\"`, `\\n` and `\\r` escaped;
- the endpoints of SERVICE and the documents of LOAD are written in their normal form
  (`iris.normalize`), which is also the form the allow-lists are matched against.

Where the engine would read the original differently from this lexer, it now reads a text in
which every token stands alone and means one thing: a different or invalid query, never a
hidden call. Nesting is bounded too (pyoxigraph's recursive parser overflows its stack a few
thousand levels deep, which kills the process), and so is the length of the chains the engine
builds into trees as deep as they are long: UNION, `||`, `+`, `/` in paths, OPTIONAL, BIND,
triple patterns, object lists… (pyoxigraph walks those trees recursively, and 10,000 UNIONs, a
170 KB text, overflow an 8 MiB stack: an update is evaluated in the service's own process). A
text may hold `MAX_TERMS` tokens outside its DATA and VALUES blocks (which the engine reads as
flat lists, however long), and a DESCRIBE may name `MAX_DESCRIBED` resources (each one nests a
level as deep as six other tokens do).

A text that cannot reach outside the store whatever reads it — no backslash (no escape that a
preprocessing engine could turn into a keyword), none of "service", "load", "define", "bif:",
"sql:", "describe" in any case, fewer brackets than the nesting bound, and fewer tokens than
`MAX_TERMS` (counted only when it has more characters) — is evaluated as sent: the common case
costs a scan.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from commonsgraph import iris
from commonsgraph.errors import QuerySyntaxError
from commonsgraph.sparqllex import (
    CLOSING,
    OPENING,
    TOKEN,
    Token,
    error,
    is_keyword,
    position,
    tokens,
)

MAX_DEPTH = 200
"""Nesting levels (parentheses, brackets, braces, triple terms) a query may use."""
MAX_TERMS = 2000
"""Tokens a text may hold outside its DATA and VALUES blocks (measured on pyoxigraph 0.5.13, in
a thread with an 8 MiB stack: a chain of 2,600 BINDs, 15,600 tokens, overflows it; 6,400
UNIONs, 38,000 tokens; a named query of this project holds at most 450)."""
MAX_DESCRIBED = 100
"""Resources a DESCRIBE may name (2,500 overflow an 8 MiB stack)."""

_REACHES_OUT = ("service", "load", "define", "bif:", "sql:", "describe")
"""What a text that reaches outside the store must hold (case folded): SERVICE and LOAD, and
Virtuoso's DEFINE pragmas (its sponger fetches documents) and built-in functions
(`bif:http_get`); and DESCRIBE, whose resources are counted (`MAX_DESCRIBED`). Looked for as
plain substrings: six searches in C take a fifth of the time of one alternation."""
_ENGINE_FUNCTIONS = ("bif", "sql")
"""Schemes of IRIs a remote Virtuoso would call as its own functions."""
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
_PROLOGUE = re.compile(
    r"""(?:[ \t\r\n]+|\#[^\r\n]*|(?i:BASE)[ \t\r\n]*<[^>]*>
       |(?i:VERSION)[ \t\r\n]*(?:'[^']*'|"[^"]*")
       |(?i:PREFIX)[ \t\r\n]*[^ \t\r\n:]*:[ \t\r\n]*<[^>]*>)*""",
    re.VERBOSE,
)
_FORM = re.compile(r"(?i:SELECT|CONSTRUCT|ASK|DESCRIBE)(?![A-Za-z0-9_:])")
_FROM = re.compile(r"[Ff][Rr][Oo][Mm](?![A-Za-z0-9_])")
"""Where the keyword FROM may end (`_from_word` looks before it)."""
_ASCII_LETTERS = frozenset(string.ascii_letters)
_GLUED = ("ask", "construct")
"""The keywords FROM may follow without a space: the engine reads `ASKFROM <g>` as ASK FROM
<g> (a keyword of its grammar may be followed by the next at once), the lexer one word."""
_GLUED_FROM = re.compile(r"(?i:ASK|CONSTRUCT)[Ff][Rr][Oo][Mm](?![A-Za-z0-9_])")
_PIECE = re.compile(r"[0-9]+|\w+|\S")
_KINDS = (
    bytes(
        ord("0")
        if chr(c).isdigit()
        else ord("a")
        if chr(c).isalpha() or chr(c) == "_"
        else ord(" ")
        if chr(c) in " \t\n\r\x0b\x0c"
        else ord(".")
        for c in range(128)
    )
    + b"." * 128
)
"""The kind of each ASCII character, for `_pieces`: a word character's (`a`, a digit's `0`),
white space's, or another's (`.`: the characters `\\S` matches, and a few it does not)."""
_UNSEEN = frozenset({"space", "comment"})
_ENGINE_POSITION = re.compile(r"\bat \d+:\d+")
_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_RELATIVE = re.compile(r'<(?![A-Za-z][A-Za-z0-9+.-]*:)[^<>"{}|^`\\\x00-\x20]*>')
"""What may be a relative IRI: `<…>` that does not start with a scheme (an operator `<` too, at
worst: the text is then re-emitted, which is always right)."""


@dataclass(frozen=True)
class Reference:
    """An IRI the text reaches outside the store with (a SERVICE endpoint, a LOADed document)
    and where the checked text names it."""

    iri: str | None
    """The IRI in normal form (None: named by a variable, or not an IRI)."""
    silent: bool
    start: int
    end: int


@dataclass(frozen=True)
class Checked:
    """A query or update as the engine will read it, and what it reaches outside."""

    text: str
    """The text to evaluate (the re-emitted one, or the client's when it cannot reach out)."""
    form: str | None
    """SELECT, CONSTRUCT, ASK, DESCRIBE, or None for an update."""
    services: list[Reference] = field(default_factory=list)
    loads: list[Reference] = field(default_factory=list)
    declares_dataset: bool = False
    """FROM or FROM NAMED at the top level."""
    from_graphs: tuple[str, ...] = ()
    """The IRIs of FROM (the default graph's), when `declares_dataset`."""
    from_named: tuple[str, ...] = ()
    """The IRIs of FROM NAMED, when `declares_dataset`."""
    _positions: tuple[tuple[int, int], ...] = ()
    """(offset in `text`, offset in the client's text) of each re-emitted token."""
    original: str = ""

    def relocate(self, error: QuerySyntaxError) -> QuerySyntaxError:
        """The engine's error on `text`, its position moved to the client's text."""
        if error.line is None or error.column is None or not self._positions:
            return error
        line, column = self.client_position(error.line, error.column)
        message = _ENGINE_POSITION.sub(f"at {line}:{column}", str(error), count=1)
        return QuerySyntaxError(message, line, column)

    def client_position(self, line: int, column: int) -> tuple[int, int]:
        """Where a line and column of `text` (e.g. in an engine's error) are in the client's."""
        if not self._positions:
            return line, column
        lines = self.text.split("\n")
        offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
        emitted, client = next(
            ((e, c) for e, c in reversed(self._positions) if e <= offset), self._positions[0]
        )
        return position(self.original, client + max(0, offset - emitted))


def check(
    text: str,
    prefixes: Mapping[str, str],
    base: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_terms: int = MAX_TERMS,
) -> Checked:
    """Read a query or update once, for everything that is checked before it runs.

    `prefixes` are predeclared (the text's own declarations override them); `base` resolves
    relative IRIs (the text's own BASE is resolved against it). A text that declares its dataset
    (FROM) is re-emitted too, so that its graphs are known, as absolute IRIs.
    """
    folded = text.casefold()
    nesting = text.count("(") + text.count("[") + text.count("{") + text.count("<")
    if (
        "\\" not in text
        and not any(word in folded for word in _REACHES_OUT)
        and nesting <= max_depth
        and (
            _visible(text) <= max_terms
            or _pieces(text) <= max_terms
            or _matches(text) <= max_terms
            or _few_terms(text, max_terms)
        )
        and (base is None or not _RELATIVE.search(text))
        and not (_from_word(text) and (_from(text) or _GLUED_FROM.search(text)))
    ):
        return Checked(text, query_form(text))
    return reemit(text, prefixes, base, max_depth, max_terms)


def reemit(
    text: str,
    prefixes: Mapping[str, str],
    base: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_terms: int = MAX_TERMS,
) -> Checked:
    """The text re-emitted from its tokens, whatever it holds (`check` does so only when the
    text could reach outside the store)."""
    return _Emitter(text, prefixes, base, max_depth, max_terms).run()


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE (None for updates and unreadable text), read after
    the prologue (what it decides is only which formats are offered: the engine's results are
    what they are)."""
    found = _FORM.match(text, _PROLOGUE.match(text).end())  # type: ignore[union-attr]
    return found.group().upper() if found else None


def _visible(text: str) -> int:
    """The characters of a text but its white space: at least as many as its tokens (each token
    holds one at least), counted without reading the tokens."""
    return len(text) - sum(text.count(space) for space in " \t\r\n")


def _pieces(text: str) -> int:
    """Runs of word characters (a run of digits apart) and other visible characters: at least
    as many as the text's tokens (a token starts a piece: tokens not parted by white space are
    parted by a character that is not a word character, or are a number then a word), counted
    in C; a BSBM query holds 2,000 visible characters but 600 pieces, and 90 tokens.

    An ASCII text is not matched but counted from its characters' kinds (`_KINDS`: `a` a
    letter or `_`, `0` a digit, a space, `.` anything else): a piece is a `.`, or starts a run
    of word characters (after a space or a `.`, or first), or starts its run's letters after
    its first digits (after a `0a`, which a run such as `a0a` holds without starting a piece):
    at least as many as the expression's matches, in eight passes in C (5 µs on a BSBM query,
    the expression 38)."""
    if not text.isascii():
        return _PIECE.subn("", text)[1]
    kinds = text.encode("ascii").translate(_KINDS)
    starts = sum(kinds.count(pair) for pair in (b" a", b".a", b" 0", b".0"))
    first = 1 if kinds[:1] in (b"a", b"0") else 0
    return kinds.count(b".") + starts + first + kinds.count(b"0a")


def _matches(text: str) -> int:
    """The tokens of a text, counted without reading their values; a text the lexer refuses
    counts as many as its characters (`_few_terms` then reads it, and `reemit` says why)."""
    count = 0
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "error" or (kind == "word" and not is_keyword(match.group())):
            return len(text)
        if kind not in _UNSEEN:
            count += 1
    return count


def _few_terms(text: str, max_terms: int) -> bool:
    """Whether the lexer reads a text and finds at most `max_terms` tokens outside its DATA and
    VALUES blocks (if not, `reemit` says why)."""
    counter = _Terms()
    try:
        return all(counter.count(token) <= max_terms for token in tokens(text))
    except QuerySyntaxError:
        return False


class _Terms:
    """Counts the tokens of a text outside its DATA and VALUES blocks (read as flat lists:
    100,000 rows of VALUES are fine), token by token."""

    def __init__(self) -> None:
        self.terms = 0
        self.depth = 0
        self.data: int | None = None
        """The depth a DATA block's content starts at, while in one."""
        self._awaiting = False
        """After DATA or VALUES (and VALUES' variables), until the block opens."""

    def count(self, token: Token) -> int:
        """Count `token`: the tokens counted so far."""
        if token.text in OPENING:
            self.depth += 1
            if self._awaiting and token.text == "{":
                self.data = self.depth
        elif token.text in CLOSING:
            if self.data is not None and self.depth == self.data:
                self.data = None
            self.depth -= 1
        if token.kind == "word" and token.value in ("DATA", "VALUES"):
            self._awaiting = True
        elif token.kind != "var" and token.text not in ("(", ")"):
            self._awaiting = False
        if self.data is None:
            self.terms += 1
        return self.terms


def _from_word(text: str) -> bool:
    """Whether the keyword FROM may be in a text: the lexer reads no word next to a letter
    before it or a word character after it (`dataFromProducer1` in an IRI is not one), so a
    text without such a match has no FROM, and is not read for one. The letter before is looked
    at here, not in the expression: a lookbehind first would keep the engine from skipping to
    the candidates (20 µs on a BSBM query, 5 this way). A FROM glued to ASK or CONSTRUCT
    (`_GLUED`) is one too: the engine reads it, the lexer does not, so the text is re-emitted,
    which refuses its word."""
    return any(
        found.start() == 0
        or text[found.start() - 1] not in _ASCII_LETTERS
        or text[max(0, found.start() - 9) : found.start()].lower().endswith(_GLUED)
        for found in _FROM.finditer(text)
    )


def _from(text: str) -> bool:
    depth = 0
    try:
        for token in tokens(text):
            if token.text in OPENING:
                depth += 1
            elif token.text in CLOSING:
                depth -= 1
            elif depth == 0 and token.kind == "word" and token.value == "FROM":
                return True
    except QuerySyntaxError:
        return False
    return False


class _Emitter:
    """Re-emits a text from its tokens (see the module's text)."""

    def __init__(
        self,
        text: str,
        prefixes: Mapping[str, str],
        base: str | None,
        max_depth: int,
        max_terms: int,
    ) -> None:
        self.text = text
        self.prefixes = dict(prefixes)
        self.base = base
        self.max_depth = max_depth
        self.max_terms = max_terms
        self.out: list[str] = []
        self.size = 0
        self.line = 1
        """The line of the emitted text's end."""
        self.scanned = (0, 1)
        """(offset, line) in the client's text where the last emitted token ends."""
        self.positions: list[tuple[int, int]] = []

    def run(self) -> Checked:
        items = self._tokens()
        form: str | None = None
        services: list[Reference] = []
        loads: list[Reference] = []
        dataset: tuple[list[str], list[str]] = ([], [])  # FROM, FROM NAMED
        depth = 0
        index = 0
        described: int | None = None  # resources named by a DESCRIBE, while in its list
        in_prologue = True  # at the start, or after `;` between the operations of an update
        while index < len(items):
            token = items[index]
            if described is not None:
                if token.kind in ("iri", "pname", "var"):
                    described += 1
                    if described > MAX_DESCRIBED:
                        raise error(
                            self.text,
                            token.start,
                            f"a DESCRIBE may name at most {MAX_DESCRIBED} resources",
                        )
                elif token.kind != "punct" or token.text != "*":
                    described = None
            if token.kind == "word" and token.value in ("PREFIX", "BASE", "VERSION"):
                if not in_prologue:
                    raise error(self.text, token.start, f"{token.text} must open the text")
                index = self._declare(items, index)
                continue
            if in_prologue and form is None and token.kind == "word" and token.value in _FORMS:
                form = token.value
                described = 0 if form == "DESCRIBE" else None
            in_prologue = depth == 0 and token.text == ";"
            if token.text in OPENING:
                depth += 1
            elif token.text in CLOSING:
                depth -= 1
            elif token.kind == "word":
                if depth == 0 and token.value == "FROM":
                    self._dataset(items, index, dataset)
                if token.value in ("SERVICE", "LOAD"):
                    index = self._reach(
                        items, index, services if token.value == "SERVICE" else loads
                    )
                    continue
            self._emit(token, self._written(token))
            index += 1
        return Checked(
            "".join(self.out),
            form,
            services,
            loads,
            bool(dataset[0] or dataset[1]),
            tuple(dataset[0]),
            tuple(dataset[1]),
            tuple(self.positions),
            self.text,
        )

    def _tokens(self) -> list[Token]:
        """The text's tokens, read no deeper than `max_depth` and no further than `max_terms`
        outside DATA blocks."""
        items = []
        terms = _Terms()
        for token in tokens(self.text):
            counted = terms.count(token)
            if terms.depth > self.max_depth:
                raise error(
                    self.text, token.start, f"the text nests deeper than {self.max_depth} levels"
                )
            if counted > self.max_terms:
                raise error(
                    self.text,
                    token.start,
                    f"the text holds more than {self.max_terms} tokens outside its DATA and "
                    "VALUES blocks",
                )
            items.append(token)
        return items

    # -- the prologue ---------------------------------------------------------------------------

    def _declare(self, items: list[Token], index: int) -> int:
        """Read a PREFIX or BASE declaration (nothing is emitted: every IRI is written whole)
        or emit a VERSION one; the index after it."""
        keyword = items[index]
        following = items[index + 1 : index + 3]
        if keyword.value == "VERSION":
            if not following or following[0].kind != "string":
                raise error(self.text, keyword.start, "VERSION must be followed by a string")
            self._emit(keyword, keyword.text)
            self._emit(following[0], self._written(following[0]))
            return index + 2
        if keyword.value == "BASE":
            if not following or following[0].kind != "iri":
                raise error(self.text, keyword.start, "BASE must be followed by an <IRI>")
            self.base = self._iri(following[0], following[0].value)
            return index + 2
        if (
            len(following) < 2
            or following[0].kind != "pname"
            or following[0].local
            or following[0].text != following[0].value + ":"
            or following[1].kind != "iri"
        ):
            raise error(self.text, keyword.start, "PREFIX must be followed by a name: and an <IRI>")
        self.prefixes[following[0].value] = self._iri(following[1], following[1].value)
        return index + 3

    def _dataset(self, items: list[Token], index: int, found: tuple[list[str], list[str]]) -> None:
        """Note the graph a FROM (at `index`) or FROM NAMED names, as an absolute IRI."""
        following = items[index + 1] if index + 1 < len(items) else None
        named = following is not None and following.kind == "word" and following.value == "NAMED"
        target = index + 2 if named else index + 1
        if target < len(items) and items[target].kind in ("iri", "pname"):
            found[1 if named else 0].append(self._written_iri(items[target]))

    # -- SERVICE and LOAD -------------------------------------------------------------------------

    def _reach(self, items: list[Token], index: int, found: list[Reference]) -> int:
        """Emit SERVICE or LOAD, SILENT, and the IRI (in normal form) or variable they name."""
        keyword = items[index]
        self._emit(keyword, keyword.value)
        index += 1
        silent = (
            index < len(items) and items[index].kind == "word" and items[index].value == "SILENT"
        )
        if silent:
            self._emit(items[index], "SILENT")
            index += 1
        if index >= len(items):
            found.append(Reference(None, silent, self.size, self.size))
            return index
        target = items[index]
        if target.kind in ("iri", "pname"):
            iri = iris.normalize(self._written_iri(target))
            written = _bracketed(iri)
        else:
            iri, written = None, self._written(target)
        self._emit(target, written)
        found.append(Reference(iri, silent, self.size - len(written), self.size))
        return index + 1

    # -- tokens ---------------------------------------------------------------------------------

    def _written(self, token: Token) -> str:
        if token.kind in ("iri", "pname"):
            return _bracketed(self._written_iri(token))
        if token.kind == "string":
            return '"' + _escape(token.value) + '"'
        return token.text

    def _written_iri(self, token: Token) -> str:
        if token.kind == "iri":
            return self._iri(token, token.value)
        if token.value not in self.prefixes:
            raise error(self.text, token.start, f"the prefix {token.value}: is not declared")
        return self._iri(token, self.prefixes[token.value] + token.local)

    def _iri(self, token: Token, value: str) -> str:
        """An IRI, resolved against the base; refused when it could not be written back."""
        if _NOT_IN_IRI.search(value):
            raise error(self.text, token.start, f"{token.text} is not a valid IRI")
        if iris.split(value).scheme in _ENGINE_FUNCTIONS:
            raise error(self.text, token.start, f"{token.text} names an engine's own function")
        if self.base is not None and not iris.is_absolute(value):
            return iris.resolve(self.base, value)
        return value

    def _emit(self, token: Token, written: str) -> None:
        offset, line = self.scanned
        line += self.text.count("\n", offset, token.start)
        self.scanned = (token.end, line + token.text.count("\n"))
        if line > self.line:
            separator = "\n" * (line - self.line)
        else:  # tokens the client wrote together stay together (`COALESCE(`, not `COALESCE (`)
            separator = "" if token.start == offset or not self.out else " "
        self.line = line
        self.out += [separator, written]
        self.size += len(separator)
        self.positions.append((self.size, token.start))
        self.size += len(written)


def _bracketed(iri: str) -> str:
    """An IRI written back; its quotes escaped, so that no reading of the text, even one that
    takes its `<` for an operator, can find a string starting inside it."""
    return "<" + iri.replace("'", "\\u0027") + ">"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
