"""The dataset as a whole, for partners: its VoID description with statistics computed from the
store, linked to the DCAT-AP catalogue (catalog/) that describes it for data portals.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commonsgraph.dumps import FULL, dump_name
from commonsgraph.graphs import graph_infos
from commonsgraph.store import Store, lexical
from commonsgraph.vocab import DCT, FOAF, PREFIXES, RDF, RDFS, VOID, XSD, Minter, Namespace

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATA_LICENCE = "etalab-2.0"
PUBLISHER = "agent/commonsgraph-project"
"""The agent that publishes the dataset and its catalogue (described in data/catalog.ttl)."""
EXTERNAL = {
    "http://spdx.org/licenses/": "SPDX License List",
    "http://creativecommons.org/licenses/": "Creative Commons licences",
    "http://creativecommons.org/publicdomain/": "Creative Commons public domain tools",
    "http://rdf.insee.fr/": "INSEE",
}


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


@dataclass(frozen=True)
class Statistics:
    triples: int
    subjects: int
    objects: int
    classes: dict[str, int]
    properties: dict[str, int]
    links: dict[str, int]
    """Statements pointing into each external dataset (by namespace)."""


def statistics(store: Store) -> Statistics:
    """Counts over the default graph (the merge of the public graphs), as SPARQL sees it."""
    total = store.select(
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?o) AS ?o_) "
        "WHERE { ?s ?p ?o }"
    )[0]
    classes = {
        lexical(row["c"]): int(lexical(row["n"]))
        for row in store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
        )
        if isinstance(row.get("c"), NamedNode)
    }
    properties = {
        lexical(row["p"]): int(lexical(row["n"]))
        for row in store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    }
    links = {}
    for namespace in EXTERNAL:
        rows = store.select(
            "SELECT ?ns (COUNT(*) AS ?n) "
            "WHERE { ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?ns)) }",
            {"ns": Literal(namespace)},
        )
        links[namespace] = int(lexical(rows[0]["n"])) if rows else 0
    return Statistics(
        triples=int(lexical(total["n"])),
        subjects=int(lexical(total["s_"])),
        objects=int(lexical(total["o_"])),
        classes=classes,
        properties=properties,
        links=links,
    )


def description(store: Store, minter: Minter, service_root: str, stats: Statistics) -> list[Triple]:
    """The VoID dataset of the graph, with its endpoint, dump, licence and statistics, and a
    link to the catalogue that describes it in DCAT-AP; its blank nodes are labelled in order,
    so that the same data gives the same bytes."""
    numbers = itertools.count(1)

    def node() -> BlankNode:
        return BlankNode(f"b{next(numbers)}")

    dataset = minter.iri("dataset")
    endpoint = NamedNode(service_root + "sparql")
    dump = NamedNode(service_root + "dumps/" + FULL)
    triples = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(
            dataset,
            DCT.title,
            Literal(
                "commonsgraph : tiers-lieux, acteurs, réseaux, communs et licences", language="fr"
            ),
        ),
        Triple(
            dataset,
            DCT.title,
            Literal(
                "commonsgraph: tiers-lieux, actors, networks, commons and licences", language="en"
            ),
        ),
        Triple(
            dataset,
            DCT.description,
            Literal(
                "Graphe de connaissances ouvert des tiers-lieux français et européens.",
                language="fr",
            ),
        ),
        Triple(
            dataset,
            DCT.description,
            Literal("Open knowledge graph of French and European tiers-lieux.", language="en"),
        ),
        Triple(dataset, DCT.license, minter.licence(DATA_LICENCE)),
        Triple(dataset, DCT.publisher, minter.iri(PUBLISHER)),
        Triple(dataset, DCT.isPartOf, minter.iri("catalog")),
        Triple(dataset, RDFS.seeAlso, NamedNode(service_root + "catalog")),
        Triple(dataset, VOID.sparqlEndpoint, endpoint),
        Triple(dataset, VOID.dataDump, dump),
        Triple(dataset, VOID.uriSpace, Literal(minter.base)),
        Triple(dataset, VOID.feature, NamedNode("http://www.w3.org/ns/formats/N-Quads")),
        Triple(dataset, VOID.triples, integer(stats.triples)),
        Triple(dataset, VOID.distinctSubjects, integer(stats.subjects)),
        Triple(dataset, VOID.distinctObjects, integer(stats.objects)),
        Triple(dataset, VOID.classes, integer(len(stats.classes))),
        Triple(dataset, VOID.properties, integer(len(stats.properties))),
        Triple(dataset, FOAF.homepage, NamedNode(service_root)),
    ]
    for vocabulary in sorted(set(PREFIXES.values())):
        triples.append(Triple(dataset, VOID.vocabulary, NamedNode(vocabulary)))
    for cls, count in sorted(stats.classes.items()):
        partition = node()
        triples += [
            Triple(dataset, VOID.classPartition, partition),
            Triple(partition, VOID["class"], NamedNode(cls)),
            Triple(partition, VOID.entities, integer(count)),
        ]
    for prop, count in sorted(stats.properties.items()):
        partition = node()
        triples += [
            Triple(dataset, VOID.propertyPartition, partition),
            Triple(partition, VOID.property, NamedNode(prop)),
            Triple(partition, VOID.triples, integer(count)),
        ]
    for namespace, count in stats.links.items():
        if not count:
            continue
        linkset, target = node(), node()
        triples += [
            Triple(dataset, VOID.subset, linkset),
            Triple(linkset, RDF.type, VOID.Linkset),
            Triple(linkset, VOID.target, dataset),
            Triple(linkset, VOID.target, target),
            Triple(linkset, VOID.triples, integer(count)),
            Triple(target, RDF.type, VOID.Dataset),
            Triple(target, RDFS.label, Literal(EXTERNAL[namespace])),
            Triple(target, VOID.uriSpace, Literal(namespace)),
        ]
    for info in graph_infos(store):
        triples += [
            Triple(dataset, VOID.subset, info.graph),
            Triple(
                info.graph,
                VOID.dataDump,
                NamedNode(service_root + "dumps/" + dump_name(minter, info.graph) + ".ttl"),
            ),
        ]
    return triples
