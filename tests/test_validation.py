"""Validation against the shapes, with the neighbourhood the data refers to."""

from pathlib import Path

from commonsgraph.config import Settings
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore
from commonsgraph.validation import Validator, neighbourhood

from .conftest import BASE, FILES, FIXTURES


def validator(settings: Settings) -> Validator:
    return Validator(sorted(settings.resource("shapes").glob("*.ttl")), BASE)


def test_each_problem_is_reported_in_french_and_english(
    seeded: LocalStore, settings: Settings
) -> None:
    data = parse_triples(FIXTURES / "bad-place.ttl", base_iri=BASE, limits=FILES)
    report = validator(settings).validate(data, neighbourhood(seeded, data))
    assert not report.conforms
    violations = {
        (f.path or "").rsplit("/", 1)[-1].rsplit("#", 1)[-1]: f
        for f in report.findings
        if f.severity == "Violation"
    }
    assert set(violations) >= {"label", "typology", "lat", "containedInPlace", "hasGeometry"}
    assert violations["typology"].message("fr") == "typologie inconnue"
    assert violations["typology"].message("en") == "unknown typology"
    assert violations["typology"].value == BASE + "scheme/typology/not-a-typology"


def test_references_resolve_through_the_neighbourhood(
    seeded: LocalStore, settings: Settings, tmp_path: Path
) -> None:
    place = tmp_path / "place.ttl"
    place.write_text(
        """@prefix cg: <https://w3id.org/commonsgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix schema: <http://schema.org/> .
        <tiers-lieu/new> a cg:TiersLieu ; rdfs:label "New" ; cg:typology <scheme/typology/fablab> ;
            schema:containedInPlace <commune/69266> ; cg:network <organisation/rfflabs> ."""
    )
    data = parse_triples(place, base_iri=BASE, limits=FILES)
    context = neighbourhood(seeded, data)
    report = validator(settings).validate(data, context)
    assert report.conforms, [f.message() for f in report.findings]
    # Without the neighbourhood, the commune, the concept and the network are unknown.
    alone = validator(settings).validate(data)
    assert {
        f.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        for f in alone.findings
        if f.severity == "Violation" and f.path
    } == {
        "typology",
        "containedInPlace",
        "network",
    }


def test_the_context_itself_is_not_validated(seeded: LocalStore, settings: Settings) -> None:
    data = parse_triples(FIXTURES / "bad-place.ttl", base_iri=BASE, limits=FILES)
    report = validator(settings).validate(data, neighbourhood(seeded, data))
    assert {f.focus for f in report.findings} == {BASE + "tiers-lieu/broken"}


def test_the_pool_finds_what_one_validator_finds(seeded: LocalStore, settings: Settings) -> None:
    """Shared between worker processes, resources that refer to each other (places of a
    network described in the same upload) are judged as they are in one process."""
    from commonsgraph.validation import ValidationPool

    lines = [
        "@prefix cg: <https://w3id.org/commonsgraph/ns#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix org: <http://www.w3.org/ns/org#> .",
        '<organisation/reseau-x> a org:Organization, cg:Network ; rdfs:label "Réseau X" .',
    ]
    for n in range(90):
        name = "" if n % 7 == 0 else f'rdfs:label "Lieu {n}" ;'  # every 7th has no name
        typology = "not-a-typology" if n % 11 == 0 else "coworking"
        lines.append(
            f"<tiers-lieu/lieu-{n}> a cg:TiersLieu ; {name} cg:typology <scheme/typology/{typology}> ;"
            f" cg:network <organisation/reseau-x> ; <http://schema.org/containedInPlace> <commune/23096> ."
        )
    assert settings.data_dir is not None
    path = settings.data_dir / "upload.ttl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    data = parse_triples(path, base_iri=BASE, limits=FILES)
    assert len(data) > 400
    context = neighbourhood(seeded, data)
    single = validator(settings)
    pool = ValidationPool(single, workers=2, threshold=400)
    try:
        alone, shared = single.validate(data, context), pool.validate(data, context)
    finally:
        pool.close()
    assert alone.counts()["Violation"] == 13 + 9  # 13 without a name, 9 with an unknown typology
    assert shared.findings == alone.findings
