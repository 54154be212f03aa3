"""Reading a `multipart/form-data` body (RFC 7578, on RFC 2046's syntax) into its parts.

The body is already in memory and bounded (`web/limits.py`); it is cut at its delimiters in one
pass, without recursion (a part that is itself multipart is a part like any other, whose media
type the caller refuses), and at most `MAX_PARTS` parts are taken. Each part keeps what a
reader needs: its media type, its file name and its bytes. A body that does not follow the
syntax (no boundary, no closing delimiter, a part without the blank line after its headers)
is an `InputError` that says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from commonsgraph.errors import InputError, TooLarge

MEDIA_TYPE = "multipart/form-data"
MAX_PARTS = 64
"""Parts one body may hold (each is read by a parser of its own)."""
MAX_HEADER_BYTES = 8_192
"""Bytes of headers one part may have."""


@dataclass(frozen=True)
class Part:
    media_type: str | None
    """The part's Content-Type, parameters included (None when it has none)."""
    filename: str | None
    name: str | None
    """The form field's name."""
    data: bytes

    @property
    def label(self) -> str:
        """The part, as messages name it."""
        return self.filename or self.name or "a part"


def is_multipart(content_type: str | None) -> bool:
    return (
        bool(content_type)
        and _header("content-type", content_type or "").get_content_type() == MEDIA_TYPE
    )


def parts(body: bytes, content_type: str) -> list[Part]:
    """The parts of a `multipart/form-data` body, in order."""
    boundary = _header("content-type", content_type).get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise InputError("a multipart/form-data body needs a boundary of 1 to 70 characters")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)  # chunks[0]: the preamble, ignored
    if len(chunks) < 2:
        raise InputError(f"the multipart body never opens with its boundary {boundary!r}")
    found: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):  # the close delimiter; what follows is the epilogue
            return found
        if len(found) == MAX_PARTS:
            raise TooLarge(f"a multipart body may hold at most {MAX_PARTS} parts")
        found.append(_part(chunk, len(found) + 1))
    raise InputError(f"the multipart body is cut short: no closing '--{boundary}--'")


def _part(chunk: bytes, number: int) -> Part:
    line_end = chunk.find(b"\r\n")
    if line_end < 0 or chunk[:line_end].strip(b" \t"):
        raise InputError(f"part {number} of the multipart body: the boundary line runs on")
    rest = chunk[line_end + 2 :]
    if rest.startswith(b"\r\n"):  # no headers
        head, data = b"", rest[2:]
    else:
        head, separator, data = rest.partition(b"\r\n\r\n")
        if not separator:
            raise InputError(f"part {number} of the multipart body has no end to its headers")
    if len(head) > MAX_HEADER_BYTES:
        raise TooLarge(
            f"part {number} of the multipart body has over {MAX_HEADER_BYTES} bytes of headers"
        )
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n") if head else []:
        field, colon, value = line.partition(":")
        if not colon:
            raise InputError(f"part {number} of the multipart body has a malformed header")
        headers[field.strip().lower()] = value.strip()
    disposition = _header("content-disposition", headers.get("content-disposition", ""))
    filename = disposition.get_filename()
    name = disposition.get_param("name", header="content-disposition")
    return Part(
        media_type=headers.get("content-type") or None,
        filename=filename,
        name=name if isinstance(name, str) else None,
        data=data,
    )


def _header(field: str, value: str) -> Message:
    """A header, its parameters read by the standard library (quoting, RFC 2231)."""
    message = Message()
    message[field] = value
    return message
