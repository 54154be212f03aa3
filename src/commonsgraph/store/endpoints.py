"""Where a remote store answers, and how its engine differs: one table of engine profiles.

A profile names the engine's URL layout under one base URL (the query, update and Graph Store
endpoints) and the few ways its engine departs from the SPARQL 1.1 protocols; the settings
may name each URL apart (`COMMONSGRAPH_STORE_QUERY_URL`…), and read replicas for queries.
Credentials are given apart from the URLs (a URL with user information is refused: URLs reach
logs and error messages, a password must not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commonsgraph.errors import ConfigError, QuerySyntaxError
from commonsgraph.sparqllex import tokens


@dataclass(frozen=True)
class Profile:
    """An engine: its URL layout and its departures from the protocols."""

    name: str
    query: str
    """The query endpoint's path under the base URL ("": the base URL itself)."""
    update: str
    graph_store: str | None
    """The Graph Store endpoint's path; None: its URL must be given apart."""
    form_requests: bool = False
    """POST queries and updates as HTML forms (`query=`, `update=`), never as
    `application/sparql-query` (Virtuoso never answers that)."""
    base_first: bool = False
    """A query's BASE declaration must come before every PREFIX (Virtuoso refuses it after)."""
    lists_empty_graphs: bool = True
    """`GRAPH ?g { }` lists the graphs (Virtuoso answers one unbound row: graphs are listed
    from their statements)."""
    system_graphs: tuple[str, ...] = ()
    """IRI prefixes of the engine's own graphs, left out of the graphs listed and of the
    statements counted. (Virtuoso's pragma that excludes graphs from the default graph makes
    it answer nothing for `GRAPH <g>` patterns: a deployment makes its own graphs private to
    its SPARQL user instead, which leaves them out of every query; see the README.)"""
    tables_from_json: bool = False
    """CSV and TSV results are asked as SPARQL JSON and written here (Virtuoso quotes every
    CSV field, and writes TSV terms as plain text)."""
    geometry_datatype: str = ""
    """The datatype the engine gives back WKT literals with (Virtuoso's virtrdf:Geometry),
    read as geo:wktLiteral again."""

    def text(self, prologue: str, query: str) -> str:
        """The text an engine is sent: `prologue` (the project's prefixes) before the query,
        and before that the query's BASE declarations for an engine that wants BASE first
        (blanked where they stood: the engine's error positions still hold)."""
        if not self.base_first:
            return prologue + query
        spans = shape(query).bases
        bases = " ".join(query[start:end] for start, end in spans)
        for start, end in spans:
            query = query[:start] + " " * (end - start) + query[end:]
        return f"{bases}\n{prologue}{query}"


PROFILES = {
    profile.name: profile
    for profile in (
        Profile("oxigraph", "/query", "/update", "/store"),
        Profile("fuseki", "/query", "/update", "/data"),  # under the dataset: …:3030/ds
        Profile(
            "virtuoso",
            "/sparql",
            "/sparql",
            "/sparql-graph-crud",
            form_requests=True,
            base_first=True,
            lists_empty_graphs=False,
            tables_from_json=True,
            system_graphs=(
                "http://www.openlinksw.com/",
                "http://www.w3.org/ns/ldp#",
                "http://localuriqaserver/",
                "http://localhost:8890/",
                "urn:virtuoso:",
            ),
            geometry_datatype="http://www.openlinksw.com/schemas/virtrdf#Geometry",
        ),
        Profile("generic", "", "", None),  # the base URL answers queries and updates
    )
}
"""The engines a deployment may name with COMMONSGRAPH_STORE_PROFILE."""


@dataclass(frozen=True)
class Endpoints:
    """The URLs a remote store is reached at, its engine, and how to log in."""

    query: str
    update: str
    graph_store: str
    profile: Profile = PROFILES["oxigraph"]
    replicas: tuple[str, ...] = ()
    """Query URLs of read replicas of the primary (`query`)."""
    user: str = ""
    password: str = field(default="", repr=False)
    digest: bool = False
    """HTTP Digest authentication (Virtuoso's /sparql-auth) instead of Basic."""

    @classmethod
    def of(
        cls,
        base: str,
        profile: str = "oxigraph",
        *,
        query: str = "",
        update: str = "",
        graph_store: str = "",
        replicas: tuple[str, ...] = (),
        user: str = "",
        password: str = "",
        digest: bool = False,
    ) -> Endpoints:
        """The endpoints of a profile under `base`, each URL overridden when given."""
        if profile not in PROFILES:
            raise ConfigError(
                f"COMMONSGRAPH_STORE_PROFILE must be one of {', '.join(PROFILES)}, got {profile!r}"
            )
        chosen = PROFILES[profile]
        root = base if chosen.name == "generic" else base.rstrip("/")
        graph_store = graph_store or (
            "" if chosen.graph_store is None else root + chosen.graph_store
        )
        if not graph_store:
            raise ConfigError(f"the {profile} profile needs COMMONSGRAPH_STORE_GRAPH_STORE_URL")
        return cls(
            query or root + chosen.query,
            update or root + chosen.update,
            graph_store,
            chosen,
            replicas,
            user,
            password,
            digest,
        )

    def is_system(self, graph: str) -> bool:
        """Whether a graph is one of the engine's own."""
        return bool(self.profile.system_graphs) and graph.startswith(self.profile.system_graphs)


@dataclass(frozen=True)
class Shape:
    """What the client needs to know of a query's text: where the BASE declarations of its
    prologue stand, and its form."""

    bases: tuple[tuple[int, int], ...] = ()
    form: str = ""
    """SELECT, ASK, CONSTRUCT, DESCRIBE… ("" when the text does not read as SPARQL: the
    engine says why)."""


def shape(text: str) -> Shape:
    """The shape of a query, read by the project's own lexer up to its form's keyword."""
    bases: list[tuple[int, int]] = []
    try:
        found = tokens(text)
        for token in found:
            word = token.value if token.kind == "word" else ""
            if word == "BASE":
                iri = next(found, None)
                if iri is None or iri.kind != "iri":
                    break
                bases.append((token.start, iri.end))
            elif word == "PREFIX":
                next(found, None), next(found, None)
            else:
                return Shape(tuple(bases), word)
    except QuerySyntaxError:
        pass
    return Shape(tuple(bases))


_AT = re.compile(r"\bat (\d+):(\d+)")
"""Oxigraph's position of a syntax error: `error at 2:16` (line and column, from 1)."""
_NEAR = re.compile(r"\bline (\d+): [^\n]*? at '([^'\n]+)'(?: before '([^'\n]+)')?")
"""Virtuoso's: `line 2: syntax error at '}' before '}'` (the line, the token it stopped at,
and the one after it)."""


def position(message: str, sent: str, start: int) -> tuple[int, int] | None:
    """Where an engine's syntax error `message` points in a query (line and column, from 1):
    read in the text sent, then taken back to the query's own text, which begins at offset
    `start` of it (after the prologue the client adds). None when the message names no
    place, or one before the query."""
    lines = sent.split("\n")
    found = _AT.search(message)
    if found is not None:
        line, column = int(found.group(1)), int(found.group(2))
    elif (near := _NEAR.search(message)) is not None and 1 <= int(near.group(1)) <= len(lines):
        line = int(near.group(1))
        token, after = near.group(2), near.group(3)
        text = lines[line - 1]
        followed = re.search(re.escape(token) + r"\s*" + re.escape(after), text) if after else None
        index = followed.start() if followed is not None else text.find(token)
        if index < 0:
            return None
        column = index + 1
    else:
        return None
    if not 1 <= line <= len(lines):
        return None
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1 - start
    if offset < 0:
        return None
    query = sent[start:]
    return query.count("\n", 0, offset) + 1, offset - (query.rfind("\n", 0, offset) + 1) + 1
