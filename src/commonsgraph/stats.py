"""What the store holds: statements per graph and resources per class."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from commonsgraph.graphs import GraphInfo, graph_infos
from commonsgraph.store import Store, lexical


@dataclass(frozen=True)
class GraphCount:
    info: GraphInfo
    statements: int


@dataclass(frozen=True)
class ClassCount:
    cls: NamedNode
    label: str | None
    resources: int


def graph_counts(store: Store) -> list[GraphCount]:
    """Every named graph with the number of statements it holds."""
    infos = {info.graph: info for info in graph_infos(store)}
    counts = []
    for graph in store.graphs():
        info = infos.get(graph) or GraphInfo(graph, None, None, None, None, None)
        counts.append(GraphCount(info, store.triple_count(graph)))
    return counts


def class_counts(store: Store, language: str = "en") -> list[ClassCount]:
    """Distinct resources per class, most populated first."""
    rows = store.select(
        """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?l) AS ?label) WHERE {
             ?s a ?class .
             OPTIONAL { ?class rdfs:label ?l FILTER(langMatches(lang(?l), ?lang)) }
           } GROUP BY ?class ORDER BY DESC(?n) ?class""",
        {"lang": Literal(language)},
    )
    counts = []
    for row in rows:
        cls = row["class"]
        if isinstance(cls, NamedNode):
            label = row.get("label")
            text = lexical(label) if label is not None else None
            counts.append(ClassCount(cls, text, int(lexical(row["n"]))))
    return counts
