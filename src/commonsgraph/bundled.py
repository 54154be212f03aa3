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
from commonsgraph.queries import parse_named_query
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


MATRIX = "derived/compatibility-matrix"


def load_bundled(store: Store, settings: Settings) -> list[GraphChange]:
    """Load every bundled file whose content changed since it was last loaded, then derive
    what depends on them (the licence compatibility matrix)."""
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
    if changes or minter.graph(MATRIX) not in store.graphs():
        changes.append(derive_matrix(store, settings))
    return changes


def derive_matrix(store: Store, settings: Settings) -> GraphChange:
    """The verdict of the most specific compatibility rule for every pair of classified
    licences, computed by the named query `compatibility-matrix` and kept as a graph."""
    minter = Minter(settings.base_iri)
    path = settings.resource("queries", "compatibility-matrix.rq")
    query = parse_named_query(path.read_text(encoding="utf-8"), path.name)
    origin = GraphSource(
        name=MATRIX,
        title_fr="Matrice de compatibilité des licences (dérivée des règles)",
        title_en="Licence compatibility matrix (derived from the rules)",
        source=minter.source("commonsgraph"),
        licence=minter.licence(PROJECT_LICENCE),
        used=f"queries/{path.name} over graph/compatibility and graph/licences",
    )
    return publish(store, minter, origin, store.construct(query.prepared({}, settings.base_iri)))
