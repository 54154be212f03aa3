"""The fictional programme data of tests/fixtures/programme/ (projects, offers, grants,
articles, a dossier and their actors), loaded into a store from its CSV templates as a
programme team would: used by tests/test_sheets.py and tests/test_named_queries.py."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Triple

from commonsgraph.importers.base import ImportReport
from commonsgraph.importers.sheets import import_sheet
from commonsgraph.importers.templates import TEMPLATES
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore
from commonsgraph.validation import Validator
from commonsgraph.vocab import IGEO, RDF, SCHEMA, Minter

from .conftest import BASE, FILES

PROGRAMME = Path(__file__).parent / "fixtures" / "programme"
MINTER = Minter(BASE)


def territories() -> list[Triple]:
    """The territories the fixtures name (the real communes' IRIs, typed only)."""
    communes = [MINTER.commune(code) for code in ("23001", "53084", "46045")]
    return [
        *(Triple(commune, RDF.type, IGEO.Commune) for commune in communes),
        Triple(MINTER.division("region", "52"), RDF.type, IGEO.Region),
        Triple(MINTER.country("FR"), RDF.type, SCHEMA.Country),
    ]


def load_fixtures(store: LocalStore, validator: Validator) -> list[ImportReport]:
    """The fictional actors, the territories they need, then each template in loading order."""
    store.replace_graph(
        MINTER.graph("test/programme-actors"),
        parse_triples(PROGRAMME / "actors.ttl", base_iri=BASE, limits=FILES),
    )
    store.add_to_graph(MINTER.graph("test/programme-actors"), territories())
    return [
        import_sheet(store, MINTER, template, PROGRAMME / f"{kind}.csv", validator)
        for kind, template in TEMPLATES.items()
    ]
