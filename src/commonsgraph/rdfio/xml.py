"""RDF/XML read through expat first: pyoxigraph parses what expat re-wrote, never the input.

pyoxigraph expands every entity an RDF/XML document declares, without limit ("billion laughs":
a 613-byte document becomes a literal of 100 MB), and its parser takes minutes on elements
nested a hundred thousand deep. So expat, whose reading we bound, reads the document and writes
it again as it streams: elements, attributes and text, with every entity expanded, and no
DOCTYPE. pyoxigraph reads that text, which declares nothing, through a file-like object that
pulls it from expat chunk by chunk: the check and the parser read the same document by
construction, and neither ever holds more of it than a chunk's expansion.

Entities stay usable as abbreviations, as Protégé writes them
(`<!ENTITY owl "http://www.w3.org/2002/07/owl#">`, then `rdf:about="&owl;Thing"`): an internal
entity whose text holds no reference and no markup is expanded. Refused, with where: nested
entities (the billion laughs, and the 613 bytes that made a literal of 100 MB), parameter,
external and unparsed entities, an external DTD, attribute-list declarations (their defaults
add attributes to elements). Bounded: a document that declares entities may not expand beyond
`limits.size` bytes — its length plus each `&` of the input counted as a reference to the
longest entity must fit before any element is read (expat builds an attribute value whole),
then every byte written is counted; one text or attribute may not exceed
`limits.literal_chars` characters; elements may not nest deeper than `limits.depth`. The
document written again drops comments and processing instructions and writes empty elements
as start and end tags: an `rdf:parseType="Literal"` value differs from the input in those
points only.
"""

from __future__ import annotations

import io
import pyexpat
from collections.abc import Callable
from typing import Any

from commonsgraph.errors import DataSyntaxError, InputError, TooLarge
from commonsgraph.rdfio.limits import ReadLimits

CHUNK = 65_536
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


class ExpandedXml(io.RawIOBase):
    """The document as expat reads it, written again without DTD, read as a binary stream.

    A refusal ends the stream early; `error` then says why (check it once the reader is done:
    what reads the stream sees only a document cut short).
    """

    def __init__(self, body: bytes, limits: ReadLimits, source: str) -> None:
        super().__init__()
        self.error: InputError | None = None
        self._body = body
        self._limits = limits
        self._source = source
        self._read = 0
        self._done = False
        self._out = bytearray()
        self._start = 0
        self._written = 0
        self._depth = 0
        self._text = 0
        self._entities: dict[str, int] = {}
        self._parser = parser = pyexpat.ParserCreate()  # no namespace processing: as written
        parser.buffer_text = True
        parser.buffer_size = CHUNK
        parser.ordered_attributes = True
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        handlers: dict[str, Callable[..., Any]] = {
            "StartDoctypeDeclHandler": self._doctype,
            "EntityDeclHandler": self._entity,
            "AttlistDeclHandler": self._attlist,
            "EndDoctypeDeclHandler": self._end_doctype,
            "SkippedEntityHandler": self._skipped,
            "ExternalEntityRefHandler": self._external,
            "StartElementHandler": self._start_element,
            "EndElementHandler": self._end_element,
            "CharacterDataHandler": self._characters,
        }
        for name, handler in handlers.items():
            setattr(parser, name, handler)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._start == len(self._out) and not self._done:
            self._out.clear()
            self._start = 0
            self._feed()
        size = min(len(buffer), len(self._out) - self._start)
        buffer[:size] = self._out[self._start : self._start + size]
        self._start += size
        return size

    def _feed(self) -> None:
        chunk = self._body[self._read : self._read + CHUNK]
        self._read += len(chunk)
        self._done = self._read >= len(self._body)
        try:
            self._parser.Parse(chunk, self._done)
        except pyexpat.ExpatError as error:
            reason = pyexpat.ErrorString(error.code) if error.code else str(error)
            self.error = DataSyntaxError(
                self._source, reason or "not well-formed", error.lineno, error.offset + 1
            )
        except InputError as error:
            self.error = error
        if self.error is not None:
            self._done = True
            self._out.clear()

    # -- the DTD: entities as abbreviations only ----------------------------------------------

    def _refuse(self, reason: str) -> None:
        line = self._parser.CurrentLineNumber
        raise DataSyntaxError(self._source, reason, line, self._parser.CurrentColumnNumber + 1)

    def _doctype(
        self, name: str, system_id: str | None, public_id: str | None, internal: int
    ) -> None:
        if system_id is not None or public_id is not None:
            self._refuse("an external DTD is not read: declare entities in the document")

    def _entity(
        self,
        name: str,
        is_parameter: int,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation: str | None,
    ) -> None:
        if is_parameter:
            self._refuse(f"parameter entity %{name}; is not accepted")
        if value is None:
            self._refuse(f"entity &{name}; is external: only entities with text are accepted")
        assert value is not None
        if "&" in value or "<" in value:
            self._refuse(
                f"entity &{name}; holds a reference or markup: entities may only abbreviate "
                "text (nested entities are refused)"
            )
        self._entities[name] = len(value)

    def _attlist(self, *declaration: object) -> None:
        self._refuse("attribute-list declarations (<!ATTLIST …>) are not accepted")

    def _end_doctype(self) -> None:
        """Before any element: the most the entities could expand the document to."""
        if not self._entities:
            return
        name, longest = max(self._entities.items(), key=lambda item: item[1])
        bound = len(self._body) + self._body.count(b"&") * longest
        if bound > self._limits.size:
            raise TooLarge(
                f"{self._source}: its entities could expand it to {bound:,} bytes (each '&' "
                f"a reference to &{name};, {longest:,} characters), over the limit of "
                f"{self._limits.size:,}: expand them, or send Turtle"
            )

    def _skipped(self, name: str, is_parameter: int) -> None:
        self._refuse(f"entity &{name}; is not declared in the document")

    def _external(self, *reference: object) -> int:
        self._refuse("external entities are not read")
        return 0

    # -- the document: written again, counted -------------------------------------------------

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._written += len(data)
        if self._entities and self._written > self._limits.size:
            raise TooLarge(
                f"{self._source}: its entities expand it to more than "
                f"{self._limits.size:,} bytes (the limit)"
            )
        self._out += data

    def _start_element(self, name: str, attributes: list[str]) -> None:
        self._depth += 1
        self._text = 0
        if self._depth > self._limits.depth:
            raise TooLarge(
                f"{self._source}: the RDF/XML nests deeper than {self._limits.depth} elements "
                f"(line {self._parser.CurrentLineNumber})"
            )
        parts = [name]
        for key, value in zip(attributes[::2], attributes[1::2], strict=True):
            self._check_length(len(value), f"attribute {key}")
            parts.append(f'{key}="{value.translate(_ATTRIBUTE)}"')
        self._write(f"<{' '.join(parts)}>")

    def _end_element(self, name: str) -> None:
        self._depth -= 1
        self._text = 0
        self._write(f"</{name}>")

    def _characters(self, data: str) -> None:
        self._text += len(data)
        self._check_length(self._text, "a text")
        self._write(data.translate(_TEXT))

    def _check_length(self, length: int, what: str) -> None:
        if length > self._limits.literal_chars:
            raise TooLarge(
                f"{self._source}: {what} of more than {self._limits.literal_chars:,} "
                f"characters (line {self._parser.CurrentLineNumber}) exceeds the limit"
            )
