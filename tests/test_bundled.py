"""The project's own files: the ontology, the schemes, the licences, the seed — and their loading."""

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from commonsgraph.bundled import bundled_files, load_bundled
from commonsgraph.config import Settings
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator, neighbourhood
from commonsgraph.vocab import CG, Minter

from .conftest import count


def test_every_bundled_file_becomes_a_described_graph(
    seeded: LocalStore, settings: Settings
) -> None:
    minter = Minter(settings.base_iri)
    for bundled in bundled_files(settings):
        graph = minter.graph(bundled.name)
        assert seeded.triple_count(graph) > 0, bundled.path
        rows = seeded.select(
            """SELECT ?g ?at ?n ?licence WHERE { GRAPH ?g {
                 ?g a prov:Entity ; prov:generatedAtTime ?at ; void:triples ?n ; dct:license ?licence ;
                    prov:wasGeneratedBy/prov:wasAssociatedWith ?agent } }""",
            {"g": graph},
        )
        assert len(rows) == 1, f"{graph.value} does not describe its provenance"


def test_loading_again_changes_nothing_until_a_file_changes(tmp_path: Path) -> None:
    store = LocalStore()
    settings = Settings(data_dir=None)
    assert load_bundled(store, settings)
    total = store.triple_count()
    assert load_bundled(store, settings) == []
    assert store.triple_count() == total
    store.close()


def test_another_base_iri_moves_instances_not_the_ontology() -> None:
    store = LocalStore()
    load_bundled(store, Settings(data_dir=None, base_iri="https://data.example.org/"))
    assert store.ask("ASK { <https://data.example.org/tiers-lieu/la-myne> a cg:TiersLieu }")
    assert store.ask(
        "ASK { <https://data.example.org/scheme/typology/fablab> skos:inScheme <https://data.example.org/scheme/typology> }"
    )
    assert not store.ask(
        "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/commonsgraph/tiers-lieu/')) }"
    )
    store.close()


def test_every_minted_term_has_french_and_english_labels_and_definitions(
    seeded: LocalStore,
) -> None:
    missing = seeded.select(
        """SELECT DISTINCT ?term WHERE {
             ?term rdfs:isDefinedBy <https://w3id.org/commonsgraph/ns> .
             FILTER NOT EXISTS {
               ?term rdfs:label ?fr . FILTER(lang(?fr) = "fr")
               ?term rdfs:label ?en . FILTER(lang(?en) = "en")
               ?term skos:definition ?dfr . FILTER(lang(?dfr) = "fr")
               ?term skos:definition ?den . FILTER(lang(?den) = "en") } }"""
    )
    assert missing == []
    minted = count(
        seeded,
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t rdfs:isDefinedBy <https://w3id.org/commonsgraph/ns> }",
    )
    assert minted >= 30
    required = ["TiersLieu", "Commons", "Network", "Programme", "ActorRole", "Contribution"]
    for name in required:
        assert seeded.ask("ASK { ?c a owl:Class }", {"c": CG[name]}), name
    assert seeded.ask("ASK { cg:TiersLieu rdfs:subClassOf schema:Place }")


def test_every_cg_term_used_anywhere_is_defined(seeded: LocalStore) -> None:
    used = seeded.select(
        """SELECT DISTINCT ?term WHERE {
             { ?s ?term ?o } UNION { ?s a ?term }
             FILTER(STRSTARTS(STR(?term), "https://w3id.org/commonsgraph/ns#"))
             FILTER NOT EXISTS { ?term rdfs:label ?l . FILTER(lang(?l) = "fr") }
           }"""
    )
    assert used == []


def test_the_ontology_has_version_licence_and_creators(seeded: LocalStore) -> None:
    assert seeded.ask(
        """ASK { <https://w3id.org/commonsgraph/ns> a owl:Ontology ; owl:versionInfo ?v ;
                 dct:license ?l ; dct:creator ?c }"""
    )


def test_pair_alignment_maps_by_iri(seeded: LocalStore) -> None:
    for pair_term in ("Organization", "Place", "Project", "hasLocation", "hasPostalAddress"):
        assert seeded.ask(
            "ASK { { ?t ?rel ?x } UNION { ?x ?rel ?t } }",
            {"t": NamedNode("http://virtual-assembly.org/ontologies/pair#" + pair_term)},
        ), pair_term


@pytest.mark.parametrize(
    "scheme",
    [
        "typology",
        "theme",
        "stage",
        "programme",
        "legal-form",
        "role",
        "licence-family",
        "contribution-kind",
        "commons-kind",
        "content-kind",
    ],
)
def test_every_concept_has_bilingual_labels_and_a_notation(seeded: LocalStore, scheme: str) -> None:
    minter = Minter("https://w3id.org/commonsgraph/")
    iri = minter.scheme(scheme)
    concepts = count(
        seeded, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c skos:inScheme <{iri.value}> }}"
    )
    assert concepts >= (3 if scheme == "content-kind" else 5)  # article, interview, place study
    incomplete = seeded.select(
        """SELECT ?c ?scheme WHERE { ?c skos:inScheme ?scheme .
             FILTER NOT EXISTS { ?c skos:prefLabel ?fr FILTER(lang(?fr) = "fr") }
           } """,
        {"scheme": iri},
    ) + seeded.select(
        """SELECT ?c ?scheme WHERE { ?c skos:inScheme ?scheme .
             FILTER NOT EXISTS { ?c skos:prefLabel ?en FILTER(lang(?en) = "en") ?c skos:notation ?no }
           } """,
        {"scheme": iri},
    )
    assert incomplete == []


def test_legal_forms_carry_insee_codes_and_scic(seeded: LocalStore) -> None:
    minter = Minter("https://w3id.org/commonsgraph/")
    for code in ("9220", "5710", "7210", "7346", "7410", "5458"):
        assert seeded.ask(
            "ASK { ?c skos:notation ?code }",
            {"c": minter.concept("legal-form", code), "code": Literal(code)},
        ), code
    assert seeded.ask(
        "ASK { ?c skos:inScheme ?s ; skos:scopeNote ?note }",
        {"c": minter.concept("legal-form", "SCIC"), "s": minter.scheme("legal-form")},
    )


def test_stages_run_from_idea_to_closed(seeded: LocalStore) -> None:
    rows = seeded.select(
        "SELECT ?n WHERE { ?c skos:inScheme <https://w3id.org/commonsgraph/scheme/stage> ; skos:notation ?n ; schema:position ?p } ORDER BY ?p"
    )
    assert [lexical(r["n"]) for r in rows] == [
        "idea",
        "prefiguration",
        "building-site",
        "open",
        "closed",
    ]


def test_curated_licences_state_their_facts(seeded: LocalStore) -> None:
    assert seeded.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/CC-BY-SA-4.0> cc:requires cc:Attribution, cc:ShareAlike }"
    )
    assert seeded.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/CC-BY-NC-4.0> cc:prohibits cc:CommercialUse }"
    )
    assert not seeded.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/CC-BY-ND-4.0> cc:permits cc:DerivativeWorks }"
    )
    for licence in (
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-ND-4.0",
        "CC-BY-NC-SA-4.0",
        "etalab-2.0",
        "ODbL-1.0",
        "MIT",
        "Apache-2.0",
        "GPL-3.0-only",
        "AGPL-3.0-only",
        "LGPL-3.0-only",
        "MPL-2.0",
        "EUPL-1.2",
        "CECILL-2.1",
        "CERN-OHL-S-2.0",
        "CERN-OHL-W-2.0",
        "CERN-OHL-P-2.0",
    ):
        assert seeded.ask(
            "ASK { ?l a cc:License ; cg:licenceFamily ?f ; cc:permits ?p }",
            {"l": NamedNode(f"https://w3id.org/commonsgraph/licence/{licence}")},
        ), licence


def test_the_seed_holds_real_places_networks_and_commons(seeded: LocalStore) -> None:
    assert seeded.ask(
        "ASK { <https://w3id.org/commonsgraph/organisation/france-tiers-lieux> a cg:Network }"
    )
    assert seeded.ask("ASK { <https://w3id.org/commonsgraph/organisation/rfflabs> a cg:Network }")
    assert (
        count(
            seeded,
            "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cg:TiersLieu ; schema:containedInPlace ?c }",
        )
        >= 5
    )
    assert (
        count(
            seeded,
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cg:Commons ; dct:license ?l . ?l a cc:License }",
        )
        >= 2
    )


@pytest.mark.parametrize(
    "name",
    ["seed", "licences", "sources", "ontology", "alignment-pair"]
    + [
        f"scheme/{s}"
        for s in (
            "typology",
            "theme",
            "stage",
            "programme",
            "legal-form",
            "role",
            "licence-family",
            "contribution-kind",
            "unit",
            "commons-kind",
            "content-kind",
        )
    ],
)
def test_project_data_conforms_to_the_shapes(
    seeded: LocalStore, settings: Settings, name: str
) -> None:
    graph = Minter(settings.base_iri).graph(name)
    data = seeded.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})
    validator = Validator(sorted(settings.resource("shapes").glob("*.ttl")), settings.base_iri)
    report = validator.validate(data, neighbourhood(seeded, data))
    assert report.conforms, [f"{f.focus} {f.path}: {f.message()}" for f in report.findings]
