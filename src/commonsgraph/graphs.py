"""Named graphs and their provenance.

Every source (the ontology, each scheme, each import…) is one named graph that describes itself,
inside itself, with PROV-O, DCTERMS and VoID: replacing the graph replaces its provenance in the
same atomic step. See docs/model.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph import __version__
from commonsgraph.store import GraphChange, Store, lexical
from commonsgraph.vocab import CG, DCT, FOAF, PROV, RDF, RDFS, VOID, XSD, Minter


@dataclass(frozen=True)
class GraphSource:
    """Where a named graph comes from."""

    name: str
    """The graph's name under `graph/`, e.g. `import/census`."""
    title_fr: str
    title_en: str
    source: NamedNode | None = None
    """The dataset the statements come from (a `dcat:Dataset`, see data/sources.ttl)."""
    licence: NamedNode | None = None
    used: str | None = None
    """What the activity read: a file name or a URL (never a local path)."""
    checksum: str | None = None


@dataclass(frozen=True)
class GraphInfo:
    """A named graph as the store describes it."""

    graph: NamedNode
    title: str | None
    triples: int | None
    generated: datetime | None
    source: NamedNode | None
    licence: NamedNode | None
    checksum: str | None = field(default=None, repr=False)
    titles: dict[str, str] = field(default_factory=dict, repr=False)
    """The title in each language it has (`title` is the English one)."""

    def title_in(self, lang: str) -> str | None:
        """The title in `lang`, else in English, else any."""
        return self.titles.get(lang) or self.title or next(iter(self.titles.values()), None)


def file_checksum(path: Path, *salt: str) -> str:
    """SHA-256 of a file (and of `salt`, e.g. the base IRI its relative IRIs resolve against)."""
    digest = hashlib.sha256(path.read_bytes())
    for part in salt:
        digest.update(part.encode())
    return digest.hexdigest()


def _now() -> Literal:
    return Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)


def describe(
    graph: NamedNode,
    origin: GraphSource,
    minter: Minter,
    count: int,
    issued: Literal | None = None,
) -> list[Triple]:
    """The statements by which a graph describes its own provenance; `issued` is when it was
    first loaded (`first_issued`), now when it is new."""
    activity = Minter.part(graph, "activity")
    now = _now()
    triples = [
        Triple(graph, RDF.type, PROV.Entity),
        Triple(graph, RDF.type, VOID.Dataset),
        Triple(graph, DCT.title, Literal(origin.title_fr, language="fr")),
        Triple(graph, DCT.title, Literal(origin.title_en, language="en")),
        Triple(graph, RDFS.label, Literal(origin.title_fr, language="fr")),
        Triple(graph, RDFS.label, Literal(origin.title_en, language="en")),
        Triple(graph, PROV.generatedAtTime, now),
        Triple(graph, DCT.modified, now),
        Triple(graph, DCT.issued, issued or now),
        Triple(graph, PROV.wasGeneratedBy, activity),
        Triple(graph, VOID.triples, Literal(str(count), datatype=XSD.integer)),
        Triple(activity, RDF.type, PROV.Activity),
        Triple(activity, PROV.endedAtTime, now),
        Triple(activity, PROV.wasAssociatedWith, minter.iri("agent/commonsgraph")),
        Triple(
            activity,
            RDFS.label,
            Literal(f"commonsgraph {__version__} : {origin.title_fr}", language="fr"),
        ),
        Triple(
            activity,
            RDFS.label,
            Literal(f"commonsgraph {__version__}: {origin.title_en}", language="en"),
        ),
    ]
    if origin.source is not None:
        triples += [
            Triple(graph, DCT.source, origin.source),
            Triple(activity, PROV.used, origin.source),
        ]
    if origin.licence is not None:
        triples.append(Triple(graph, DCT.license, origin.licence))
    if origin.used is not None:
        triples += [
            Triple(activity, DCT.description, Literal(f"lu : {origin.used}", language="fr")),
            Triple(activity, DCT.description, Literal(f"read {origin.used}", language="en")),
        ]
    if origin.checksum is not None:
        triples.append(Triple(graph, CG.checksum, Literal(origin.checksum)))
    return triples


def agent(minter: Minter, token_id: str) -> NamedNode:
    """The public IRI of whoever holds a token (never the token's secret)."""
    return minter.iri(f"agent/{token_id}")


def agent_statements(minter: Minter, token_id: str, label: str) -> list[Triple]:
    """What the graph says of a token's holder: an agent, with the token's label."""
    iri = agent(minter, token_id)
    return [
        Triple(iri, RDF.type, PROV.Agent),
        Triple(iri, RDF.type, FOAF.Agent),
        Triple(iri, RDFS.label, Literal(label or token_id)),
    ]


def publish(
    store: Store, minter: Minter, origin: GraphSource, triples: Sequence[Triple]
) -> GraphChange:
    """Replace the graph of `origin` with `triples` and its provenance, atomically."""
    graph = minter.graph(origin.name)
    count = len(set(triples))
    issued = first_issued(store, graph)
    return store.replace_graph(graph, [*triples, *describe(graph, origin, minter, count, issued)])


def first_issued(store: Store, graph: NamedNode) -> Literal | None:
    """When `graph` was first loaded, kept across its reloads: its `dct:issued`, or for a graph
    loaded before that was kept, its last `prov:generatedAtTime` (the earliest time known)."""
    rows = store.select(
        """SELECT ?issued ?generated WHERE { GRAPH ?g {
             { ?g dct:issued ?issued } UNION { ?g prov:generatedAtTime ?generated } } }""",
        {"g": graph},
    )
    for key in ("issued", "generated"):
        found = [term for row in rows if isinstance(term := row.get(key), Literal)]
        if found:
            return min(found, key=lexical)
    return None


def stored_checksum(store: Store, graph: NamedNode) -> str | None:
    rows = store.select("SELECT ?g ?sum WHERE { GRAPH ?g { ?g cg:checksum ?sum } }", {"g": graph})
    return lexical(rows[0]["sum"]) if rows else None


def graph_infos(store: Store) -> list[GraphInfo]:
    """Every named graph with its self-description (when it has one)."""
    rows = store.select(
        """SELECT ?g (SAMPLE(?t) AS ?title) (SAMPLE(?tfr) AS ?title_fr) (SAMPLE(?n) AS ?triples)
                  (SAMPLE(?at) AS ?generated) (SAMPLE(?src) AS ?source)
                  (SAMPLE(?lic) AS ?licence) (SAMPLE(?sum) AS ?checksum)
           WHERE { GRAPH ?g {
             OPTIONAL { ?g dct:title ?t FILTER(langMatches(lang(?t), "en")) }
             OPTIONAL { ?g dct:title ?tfr FILTER(langMatches(lang(?tfr), "fr")) }
             OPTIONAL { ?g void:triples ?n }
             OPTIONAL { ?g prov:generatedAtTime ?at }
             OPTIONAL { ?g dct:source ?src }
             OPTIONAL { ?g dct:license ?lic }
             OPTIONAL { ?g cg:checksum ?sum }
           } } GROUP BY ?g ORDER BY ?g"""
    )
    infos = []
    for row in rows:
        graph = row["g"]
        assert isinstance(graph, NamedNode)
        infos.append(
            GraphInfo(
                graph=graph,
                title=_text(row.get("title")),
                triples=int(lexical(row["triples"])) if "triples" in row else None,
                generated=datetime.fromisoformat(lexical(row["generated"]))
                if "generated" in row
                else None,
                source=_named(row.get("source")),
                licence=_named(row.get("licence")),
                checksum=_text(row.get("checksum")),
                titles={
                    lang: text
                    for lang, key in (("en", "title"), ("fr", "title_fr"))
                    if (text := _text(row.get(key))) is not None
                },
            )
        )
    return infos


def _text(term: object) -> str | None:
    return term.value if isinstance(term, Literal) else None


def _named(term: object) -> NamedNode | None:
    return term if isinstance(term, NamedNode) else None
