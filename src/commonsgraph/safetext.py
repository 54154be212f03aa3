"""Text from outside, made safe to show: credentials redacted, control characters escaped.

A partner's URL may carry its credentials (`https://user:secret@host/…`, `?apikey=…`), and
so may every message that names it (a harvest's error, the provenance of its graph). `redact`
is the one function that hides them, wherever a source URL or a partner error is shown or
stored for showing: pages, JSON, the command line, logs, published provenance. It masks the
user information of a URL and the values of query (and fragment) parameters whose name says
secret (`key`, `token`, `secret`, `password`, `auth`, `signature`, `session`…), and the
material of `Authorization` headers quoted in a message. A secret that hides in a URL's path
cannot be told from a path: partners' secrets go in the user information or a parameter.

A request's path or a value read from a client may hold a line break (`%0a`) that would forge
a log line, or other control characters that a terminal obeys: `printable` escapes them, and
the loggers of `logger(name)` escape (and redact) every record, traceback included.

A CSV download opened in a spreadsheet runs a cell that starts like a formula
(`=HYPERLINK(…)`, `+`, `-`, `@`, a tab, a carriage return): `spreadsheet_csv` neutralises such
cells as OWASP advises ("CSV Injection"), with a leading `'`. Numbers (`-1.55`, a longitude)
are left as they are: a spreadsheet reads them as numbers, not formulas.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import traceback
from types import TracebackType

MASK = "***"

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>\"'`]+")
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#@]*)@")
_SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|auth|sig|credential|session|jwt|bearer|cookie|private"
)
_AUTHORIZATION = re.compile(
    r"(?i)\b(?P<name>(?:proxy-)?authorization\s*[:=]\s*(?:(?:basic|bearer|digest|token)\s+)?"
    r"|bearer\s+|basic\s+)"
    r"(?P<value>[A-Za-z0-9._~+/=\-]+)"
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def redact(text: str) -> str:
    """`text` (a URL, or a message that may quote URLs) with its credentials masked."""
    text = _URL.sub(lambda match: _redact_url(match.group(0)), text)
    return _AUTHORIZATION.sub(lambda match: match.group("name") + MASK, text)


def _redact_url(url: str) -> str:
    url = _USERINFO.sub(lambda match: match.group("scheme") + MASK + "@", url, count=1)
    head, hash_, fragment = url.partition("#")
    head, question, query = head.partition("?")
    if question:
        head += question + _redact_parameters(query)
    return head + (hash_ + _redact_parameters(fragment) if hash_ else "")


def _redact_parameters(parameters: str) -> str:
    """`a=1&apikey=s3cret` -> `a=1&apikey=***`, the rest left as it was written."""
    pairs = []
    for pair in re.split(r"([&;])", parameters):
        name, equals, _ = pair.partition("=")
        folded = re.sub(r"[^a-z0-9]", "", name.lower())
        pairs.append(name + equals + MASK if equals and _SECRET_NAME.search(folded) else pair)
    return "".join(pairs)


def printable(text: str) -> str:
    """`text` with its control characters (line breaks included), lone surrogates and line
    separators escaped as Python would write them: one line, that a terminal shows as is."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    character = match.group(0)
    if character in _ESCAPES:
        return _ESCAPES[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP)."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_csv(body: bytes) -> bytes:
    """A CSV document (UTF-8, CRLF lines, as SPARQL results in CSV are) with every cell made
    safe for a spreadsheet by `spreadsheet_cell`."""
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return output.getvalue().encode("utf-8")


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class SafeRecords(logging.Filter):
    """Makes each record of a logger safe to write: its message redacted and on one line, and
    the messages of its exceptions too (the traceback's own lines are the code's, kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(redact(record.getMessage()))
        record.args = None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = _traceback(record.exc_info)
        return True


def _traceback(exc_info: ExcInfo) -> str:
    chunks = []
    for chunk in traceback.TracebackException(*exc_info).format():
        trusted = chunk.startswith(("Traceback (most recent call last):", "  File ", "\n"))
        chunks.append(chunk if trusted else printable(redact(chunk.rstrip("\n"))) + "\n")
    return "".join(chunks).rstrip("\n")


def logger(name: str) -> logging.Logger:
    """The logger `name`, whose records are redacted and escaped (see `SafeRecords`)."""
    log = logging.getLogger(name)
    if not any(isinstance(f, SafeRecords) for f in log.filters):
        log.addFilter(SafeRecords())
    return log
