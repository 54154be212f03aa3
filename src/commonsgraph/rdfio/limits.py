"""What reading RDF from outside may cost: one explicit object per route, built from Settings.

Every limit is enforced before or while the input is parsed, never after the whole of it is
held in memory: sizes and nesting before the parser sees it, statements and literals as they
stream out of it (see `commonsgraph.rdfio`).
"""

from __future__ import annotations

from dataclasses import dataclass

from commonsgraph.config import Settings


@dataclass(frozen=True)
class ReadLimits:
    statements: int
    """Statements the input may hold; reading stops at the first one over."""
    literal_chars: int
    """Characters one literal may hold (and one text or attribute of an RDF/XML document)."""
    depth: int
    """Nesting levels of JSON-LD objects and arrays, or of RDF/XML elements."""
    size: int
    """Bytes the input may have; for RDF/XML, once its entities are expanded."""
    jsonld_memory: int
    """Bytes of memory the child process that reads JSON-LD may use."""
    jsonld_seconds: float = 120.0
    """Seconds the child process that reads JSON-LD may take before it is stopped."""

    @classmethod
    def upload(cls, settings: Settings) -> ReadLimits:
        """A contribution (`POST /contributions`)."""
        return cls._of(settings, settings.max_upload_statements, settings.max_body_bytes)

    @classmethod
    def graph_store(cls, settings: Settings) -> ReadLimits:
        """The body of a Graph Store PUT or POST."""
        return cls._of(settings, settings.max_graph_store_statements, settings.max_body_bytes)

    @classmethod
    def harvest(cls, settings: Settings) -> ReadLimits:
        """What a partner sends: a dump, a feed, the answer to a CONSTRUCT query."""
        return cls._of(settings, settings.max_harvest_statements, settings.max_harvest_bytes)

    @classmethod
    def files(cls, settings: Settings) -> ReadLimits:
        """A file named on the command line, or bundled with the project: as a harvest."""
        return cls.harvest(settings)

    @classmethod
    def _of(cls, settings: Settings, statements: int, size: int) -> ReadLimits:
        return cls(
            statements=statements,
            literal_chars=settings.max_literal_chars,
            depth=settings.max_rdf_depth,
            size=size,
            jsonld_memory=settings.max_jsonld_memory,
        )
