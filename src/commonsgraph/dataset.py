"""The dataset as a whole, for partners: its VoID and DCAT description with statistics computed
from the store, and its dumps (gzipped N-Quads of every public graph, Turtle per graph).
"""

from __future__ import annotations

import gzip
import itertools
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from commonsgraph import __version__
from commonsgraph.graphs import GraphInfo, graph_infos
from commonsgraph.store import Store, lexical
from commonsgraph.vocab import DCAT, DCT, FOAF, PREFIXES, RDF, RDFS, VOID, XSD, Minter, Namespace

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATA_LICENCE = "etalab-2.0"
LEVEL = 6
"""gzip's level for the dumps (the geography Turtle: 11.9 MB to 1.50 MB in 0.3 s; level 9 takes
twice as long for 4% less)."""
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
    """The VoID dataset and DCAT catalog of the graph, with its endpoint, dumps and licence;
    its blank nodes are labelled in order, so that the same data gives the same bytes."""
    numbers = itertools.count(1)

    def node() -> BlankNode:
        return BlankNode(f"b{next(numbers)}")

    dataset = minter.iri("dataset")
    catalog = minter.iri("catalog")
    record = Minter.part(catalog, "record")
    endpoint = NamedNode(service_root + "sparql")
    dump = NamedNode(service_root + "dumps/commonsgraph.nq.gz")
    triples = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, RDF.type, DCAT.Dataset),
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
        Triple(dataset, DCT.publisher, Literal("commonsgraph contributors")),
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
        Triple(catalog, RDF.type, DCAT.Catalog),
        Triple(catalog, DCT.title, Literal("commonsgraph", language="en")),
        Triple(catalog, DCAT.dataset, dataset),
        Triple(catalog, DCAT.record, record),
        Triple(record, RDF.type, DCAT.CatalogRecord),
        Triple(record, FOAF.primaryTopic, dataset),
        Triple(record, DCT.modified, Literal(__version__)),
    ]
    for vocabulary in sorted(set(PREFIXES.values())):
        triples.append(Triple(dataset, VOID.vocabulary, NamedNode(vocabulary)))
    for name, url, media in (
        ("SPARQL endpoint", endpoint.value, "application/sparql-results+json"),
        ("N-Quads dump (gzip)", dump.value, RdfFormat.N_QUADS.media_type),
    ):
        distribution = node()
        triples += [
            Triple(dataset, DCAT.distribution, distribution),
            Triple(distribution, RDF.type, DCAT.Distribution),
            Triple(distribution, DCT.title, Literal(name, language="en")),
            Triple(distribution, DCAT.accessURL, NamedNode(url)),
            Triple(distribution, DCAT.mediaType, Literal(media)),
            Triple(distribution, DCT.license, minter.licence(DATA_LICENCE)),
        ]
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
                DCAT.distribution,
                NamedNode(service_root + "dumps/" + dump_name(minter, info) + ".ttl"),
            ),
        ]
    return triples


def dump_name(minter: Minter, info: GraphInfo) -> str:
    return "graph/" + info.graph.value.removeprefix(minter.graph("").value)


class Dumps:
    """The dumps of the current data, written once per data version, in the background of
    requests (the service keeps answering while a dump is written)."""

    def __init__(self, store: Store, directory: Path, minter: Minter) -> None:
        self.store = store
        self.directory = directory
        self.minter = minter
        self._lock = threading.Lock()

    def _version_dir(self) -> tuple[str, Path]:
        version = self.store.data_version() or "current"
        return version, self.directory / version.replace("/", "_")

    def full(self) -> tuple[Path, str]:
        """The gzipped N-Quads of every public graph, and its ETag."""
        version, folder = self._version_dir()
        path = folder / "commonsgraph.nq.gz"
        with self._lock:
            if not path.exists():
                self._clean(folder)
                folder.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(".partial")
                with gzip.open(temporary, "wb") as output:
                    self.store.dump(output, RdfFormat.N_QUADS)  # type: ignore[arg-type]
                temporary.rename(path)
        return path, f'"{version}"'

    def graph(self, name: str) -> tuple[Path, str] | None:
        """The Turtle of one public graph (`import/census`…), and its ETag; None if unknown."""
        try:
            graph = self.minter.graph(name)
        except ValueError:  # a name no IRI may hold (a space, a NUL…) names no graph
            return None
        if graph not in self.store.graphs():
            return None
        version, folder = self._version_dir()
        path = folder / "graph" / (name.replace("/", "__") + ".ttl")
        with self._lock:
            if not path.exists():
                self._clean(folder)
                path.parent.mkdir(parents=True, exist_ok=True)
                data = self.store.graph_data(graph, RdfFormat.TURTLE) or b""
                temporary = path.with_suffix(".partial")
                temporary.write_bytes(data)
                temporary.rename(path)
        return path, f'"{version}-{name}"'

    def gzipped(self, path: Path) -> Path:
        """The gzipped copy of a dump written by `graph`, written once (next to it)."""
        zipped = path.with_name(path.name + ".gz")
        with self._lock:
            if not zipped.exists():
                temporary = zipped.with_suffix(".partial")
                with path.open("rb") as source, gzip.open(temporary, "wb", LEVEL) as output:
                    shutil.copyfileobj(source, output)
                temporary.rename(zipped)
        return zipped

    def _clean(self, keep: Path) -> None:
        if self.directory.is_dir():
            for old in self.directory.iterdir():
                if old != keep:
                    shutil.rmtree(old, ignore_errors=True)
