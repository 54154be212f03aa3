"""JSON-LD written against the project's published context (`/context.jsonld`).

The context maps the project's prefixes; a document refers to it by URL and uses compact IRIs
for vocabulary terms, so that every JSON-LD processor expands it to the same triples as the
Turtle of the same resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commonsgraph.vocab import PREFIXES, XSD

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def context() -> dict[str, object]:
    """The published context: the project's prefixes."""
    return {"@context": dict(PREFIXES)}


def compact_iri(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            local = iri[len(namespace) :]
            if all(c.isalnum() or c in "_-." for c in local) and not local.startswith("."):
                return f"{prefix}:{local}"
    return iri


def _node(term: NamedNode | BlankNode) -> str:
    return f"_:{term.value}" if isinstance(term, BlankNode) else compact_iri(term.value)


def _value(term: object) -> object:
    if isinstance(term, NamedNode | BlankNode):
        return {"@id": _node(term)}
    assert isinstance(term, Literal)
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD.string.value:
        return term.value
    return {"@value": term.value, "@type": compact_iri(term.datatype.value)}


def dumps(triples: Iterable[Triple], context_url: str | None) -> bytes:
    """A compacted JSON-LD document of `triples`, one node object per subject; its context is
    the published one at `context_url`, or (None) written inline, for readers that fetch no
    remote context (harvesters)."""
    nodes: dict[str, dict[str, list[object]]] = {}
    for triple in triples:
        if not isinstance(triple.subject, NamedNode | BlankNode):
            continue
        node = nodes.setdefault(_node(triple.subject), {})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, NamedNode):
            node.setdefault("@type", []).append(compact_iri(triple.object.value))
        else:
            node.setdefault(compact_iri(triple.predicate.value), []).append(_value(triple.object))
    graph = [{"@id": identifier, **properties} for identifier, properties in nodes.items()]
    document = {"@context": context()["@context"] if context_url is None else context_url}
    document["@graph"] = graph
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
