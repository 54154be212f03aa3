"""The project's own graphs: ontology, alignment, SKOS schemes, licences, sources, seed, shapes.

They are loaded into the store at start-up, and reloaded only when a file (or the base IRI its
relative IRIs resolve against) changed since it was loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commonsgraph.config import Settings
from commonsgraph.graphs import GraphSource, file_checksum, publish, stored_checksum
from commonsgraph.legal.catalogue import CC_GRAPH, SCANCODE_GRAPH, derive_families
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import GraphChange, Store
from commonsgraph.vocab import Minter

PROJECT_LICENCE = "CC-BY-4.0"


@dataclass(frozen=True)
class BundledFile:
    path: Path
    name: str
    title_fr: str
    title_en: str


def bundled_files(settings: Settings) -> Iterator[BundledFile]:
    """Every file the project ships as a graph, in loading order."""
    ontology = settings.resource("ontology")
    data = settings.resource("data")
    yield BundledFile(
        ontology / "commonsgraph.ttl", "ontology", "Ontologie commonsgraph", "commonsgraph ontology"
    )
    yield BundledFile(
        ontology / "labels.ttl",
        "labels",
        "Libellés des termes réutilisés",
        "Labels of reused terms",
    )
    yield BundledFile(
        ontology / "alignment-pair.ttl",
        "alignment-pair",
        "Alignement avec PAIR",
        "Alignment with PAIR",
    )
    for path in sorted((data / "schemes").glob("*.ttl")):
        yield BundledFile(
            path,
            f"scheme/{path.stem}",
            f"Schéma de concepts « {path.stem} »",
            f"Concept scheme '{path.stem}'",
        )
    yield BundledFile(data / "sources.ttl", "sources", "Sources de données", "Data sources")
    yield BundledFile(data / "licences.ttl", "licences", "Licences choisies", "Curated licences")
    yield BundledFile(
        data / "compatibility.ttl",
        "compatibility",
        "Règles de compatibilité des licences",
        "Licence compatibility rules",
    )
    yield BundledFile(data / "seed.ttl", "seed", "Données d'amorçage", "Seed data")
    for path in sorted(settings.resource("shapes").glob("*.ttl")):
        yield BundledFile(
            path,
            f"shapes/{path.stem}",
            f"Formes SHACL « {path.stem} »",
            f"SHACL shapes '{path.stem}'",
        )


RETIRED = ("derived/compatibility-matrix",)
"""Graphs earlier versions derived and that are no longer kept: the pair-by-pair matrix gave way
to answers computed in process (commonsgraph.legal)."""


def load_bundled(store: Store, settings: Settings) -> list[GraphChange]:
    """Load every bundled file whose content changed since it was last loaded, then derive
    what depends on them (the families of the licences the curated base does not classify)."""
    minter = Minter(settings.base_iri)
    changes = []
    for bundled in bundled_files(settings):
        checksum = file_checksum(bundled.path, settings.base_iri)
        if stored_checksum(store, minter.graph(bundled.name)) == checksum:
            continue
        triples = parse_triples(
            bundled.path, limits=ReadLimits.files(settings), base_iri=settings.base_iri
        )
        origin = GraphSource(
            name=bundled.name,
            title_fr=bundled.title_fr,
            title_en=bundled.title_en,
            source=minter.source("commonsgraph"),
            licence=minter.licence(PROJECT_LICENCE),
            used=bundled.path.name,
            checksum=checksum,
        )
        changes.append(publish(store, minter, origin, triples))
    for name in RETIRED:
        store.drop_graph(minter.graph(name))
    derived = minter.graph(SCANCODE_GRAPH), minter.graph(CC_GRAPH)
    if changes or not all(store.has_graph(graph) for graph in derived):
        changes.extend(derive_families(store, minter, minter.licence(PROJECT_LICENCE)))
    return changes
