"""The four imports of the real open data, checked as a new user would (issue: foundation)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from commonsgraph.config import Settings
from commonsgraph.importers.base import ImportReport
from commonsgraph.importers.census import import_census
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.licences import import_licences
from commonsgraph.importers.programmes import import_programme
from commonsgraph.store import LocalStore
from commonsgraph.validation import Validator, neighbourhood
from commonsgraph.vocab import Minter

from .conftest import BASE, FILES, count


def test_census_places_have_a_label_and_coordinates(imported: LocalStore) -> None:
    assert count(imported, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cg:TiersLieu }") >= 1500
    assert (
        count(
            imported,
            """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             GRAPH <https://w3id.org/commonsgraph/graph/import/census> { ?p a cg:TiersLieu }
             FILTER NOT EXISTS { ?p rdfs:label ?l ; wgs:lat ?lat ; wgs:long ?long ; geo:hasGeometry/geo:asWKT ?wkt } }""",
        )
        == 0
    )


def test_census_places_are_linked_to_communes_with_insee_codes(imported: LocalStore) -> None:
    linked = count(
        imported,
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             GRAPH <https://w3id.org/commonsgraph/graph/import/census> { ?p a cg:TiersLieu ; schema:containedInPlace ?c }
             ?c igeo:codeINSEE ?code }""",
    )
    assert linked >= 1300


def test_every_census_place_reaches_its_region(imported: LocalStore) -> None:
    in_region = count(
        imported,
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             GRAPH <https://w3id.org/commonsgraph/graph/import/census> { ?p a cg:TiersLieu }
             ?p schema:containedInPlace+ ?r . ?r a igeo:Region }""",
    )
    assert in_region >= 1300


def test_communes_have_their_departement_and_region(imported: LocalStore) -> None:
    communes = count(
        imported,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a igeo:Commune ; igeo:codeINSEE ?code }",
    )
    assert 34_000 <= communes <= 36_000
    complete = count(
        imported,
        """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a igeo:Commune ; schema:containedInPlace ?d .
             ?d a igeo:Departement ; schema:containedInPlace ?r . ?r a igeo:Region }""",
    )
    assert complete >= 34_800
    assert (
        count(imported, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a igeo:Departement }") == 109
    )
    assert count(imported, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a igeo:Region }") == 26
    assert (
        count(imported, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a igeo:Intercommunalite }")
        == 1255
    )


def test_programme_communes_are_linked(imported: LocalStore) -> None:
    pvd = count(
        imported,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cg:programme <https://w3id.org/commonsgraph/programme/petites-villes-de-demain> ; a igeo:Commune }",
    )
    acv = count(
        imported,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cg:programme <https://w3id.org/commonsgraph/programme/action-coeur-de-ville> ; a igeo:Commune }",
    )
    # The PVD file has 1,607 rows, one of them a placeholder ("Trifouilly-les-Oies", code 999999).
    assert pvd == 1606
    assert acv == 244


def test_licences_from_spdx_with_facts(imported: LocalStore) -> None:
    assert (
        count(imported, "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?l spdx:licenseId ?id }") >= 600
    )
    assert (
        count(
            imported,
            "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?l spdx:licenseId ?id ; cc:permits|cc:requires|cc:prohibits ?x }",
        )
        >= 40
    )
    assert imported.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/CC-BY-SA-4.0> cc:requires cc:Attribution, cc:ShareAlike }"
    )
    assert imported.ask(
        """ASK { <https://w3id.org/commonsgraph/licence/CC-BY-SA-4.0>
                   owl:sameAs <http://spdx.org/licenses/CC-BY-SA-4.0>, <http://creativecommons.org/licenses/by-sa/4.0/> }"""
    )
    assert imported.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/GPL-3.0-only> cc:requires cc:SourceCode, cc:Copyleft }"
    )
    assert imported.ask(
        "ASK { <https://w3id.org/commonsgraph/licence/CC-BY-SA-3.0> dct:isReplacedBy <https://w3id.org/commonsgraph/licence/CC-BY-SA-4.0> }"
    )


def test_imported_census_conforms_with_warnings_for_what_the_source_lacks(
    imported: LocalStore,
) -> None:
    settings = Settings(data_dir=None, base_iri=BASE)
    graph = Minter(BASE).graph("import/census")
    data = imported.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
    )
    report = Validator(sorted(settings.resource("shapes").glob("*.ttl")), BASE).validate(
        data, neighbourhood(imported, data)
    )
    assert report.conforms
    # 49 rows of the census carry no typology: reported as warnings, nothing else.
    assert report.counts() == {"Warning": 49}
    assert {f.message("fr") for f in report.findings} == {
        "aucune typologie (cg:typology) : la source ne dit pas de quel type de lieu il s'agit"
    }


def test_each_import_describes_its_provenance(imported: LocalStore) -> None:
    for name, source in [
        ("import/census", "cget-tiers-lieux-2019"),
        ("import/geo", "decoupage-administratif"),
        ("import/petites-villes-de-demain", "petites-villes-de-demain"),
        ("import/action-coeur-de-ville", "action-coeur-de-ville"),
        ("import/licences", "spdx-license-list"),
    ]:
        minter = Minter(BASE)
        assert imported.ask(
            "ASK { GRAPH ?g { ?g dct:source ?src ; prov:generatedAtTime ?t ; void:triples ?n } }",
            {"g": minter.graph(name), "src": minter.source(source)},
        ), name


def test_reimporting_leaves_the_same_number_of_statements(
    tmp_path: Path, shared_data: Path, minter: Minter
) -> None:
    store = LocalStore(tmp_path / "store")
    runs: list[Callable[[], ImportReport]] = [
        lambda: import_geo(store, minter, [shared_data / "geo"]),
        lambda: import_programme(
            store, minter, shared_data / "programmes" / "action-coeur-de-ville.geojson"
        ),
        lambda: import_programme(
            store, minter, shared_data / "programmes" / "petites-villes-de-demain-2020.csv"
        ),
        lambda: import_licences(store, minter, [shared_data / "licences"], limits=FILES),
        lambda: import_census(
            store, minter, shared_data / "tiers-lieux" / "cget-tiers-lieux-2019.csv"
        ),
    ]
    for run in runs:
        first = run().changes[0]
        before = store.triple_count()
        second = run().changes[0]
        assert store.triple_count() == before
        assert second.total == first.total
        # Only the provenance timestamps changed.
        assert second.added == second.removed <= 3
    store.close()


def test_census_rows_without_a_commune_code_are_resolved_and_counted(
    imported: LocalStore, shared_data: Path, minter: Minter
) -> None:
    report = import_census(
        imported, minter, shared_data / "tiers-lieux" / "cget-tiers-lieux-2019.csv"
    )
    zero = {fact: n for fact, n in report.facts.items() if "code 0" in fact}
    assert sum(zero.values()) == 157
    assert sum(n for fact, n in zero.items() if "unresolved" not in fact) >= 150
    assert report.rows_read == 1512
    assert report.skipped == []


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (b"ID,NOM_TL\n1,x\n", 1, "missing column"),
        (None, 4, "fields where the header has"),
        (b"\xff\xfe", 1, "not valid UTF-8"),
    ],
)
def test_a_broken_census_file_names_file_and_line_and_changes_nothing(
    imported: LocalStore,
    tmp_path: Path,
    shared_data: Path,
    minter: Minter,
    content: bytes | None,
    line: int,
    reason: str,
) -> None:
    from commonsgraph.errors import DataSyntaxError

    source = (shared_data / "tiers-lieux" / "cget-tiers-lieux-2019.csv").read_bytes()
    if content is None:  # truncated in the middle of its fourth line
        lines = source.split(b"\n")
        content = b"\n".join(lines[:3]) + b"\n" + lines[3][:40]
    broken = tmp_path / "census.csv"
    broken.write_bytes(content)
    before = imported.triple_count()
    with pytest.raises(DataSyntaxError) as caught:
        import_census(imported, minter, broken)
    assert caught.value.source == "census.csv"
    assert caught.value.line == line
    assert reason in str(caught.value)
    assert imported.triple_count() == before


def test_broken_json_and_rdf_inputs_name_file_and_line(
    tmp_path: Path, shared_data: Path, minter: Minter
) -> None:
    from commonsgraph.errors import DataSyntaxError

    geo = tmp_path / "geo"
    geo.mkdir()
    for name in ("regions.json", "departements.json", "epci.json"):
        (geo / name).write_bytes((shared_data / "geo" / name).read_bytes())
    communes = (shared_data / "geo" / "communes.json").read_bytes()
    (geo / "communes.json").write_bytes(communes[: len(communes) // 2])
    store = LocalStore()
    with pytest.raises(DataSyntaxError) as caught:
        import_geo(store, minter, [geo])
    assert caught.value.source == "communes.json"
    assert caught.value.line is not None
    assert caught.value.line > 1000
    assert store.triple_count() == 0

    licences = tmp_path / "licences"
    (licences / "creativecommons").mkdir(parents=True)
    (licences / "spdx-licenses.json").write_bytes(
        (shared_data / "licences" / "spdx-licenses.json").read_bytes()
    )
    (licences / "choosealicense").symlink_to(shared_data / "licences" / "choosealicense")
    rdf = (
        shared_data / "licences" / "creativecommons" / "creativecommons.org_licenses_by-sa_4.0_.rdf"
    ).read_bytes()
    (licences / "creativecommons" / "by-sa.rdf").write_bytes(rdf[:3000])
    with pytest.raises(DataSyntaxError) as caught:
        import_licences(store, minter, [licences], limits=FILES)
    assert caught.value.source == "by-sa.rdf"
    assert caught.value.line is not None
    assert store.triple_count() == 0
    store.close()


@pytest.mark.parametrize(
    ("value", "host", "iri"),
    [
        ("www.ade-coworking.net", None, "http://www.ade-coworking.net"),
        ("https://twitter.com/x", "twitter.com", "https://twitter.com/x"),
        ("@leKUB16210", "twitter.com", "https://twitter.com/leKUB16210"),
        ("CoworkingWigwam", "twitter.com", "https://twitter.com/CoworkingWigwam"),
        (
            "/groups/wigwam.lannion",
            "www.facebook.com",
            "https://www.facebook.com/groups/wigwam.lannion",
        ),
        (
            "pages/Creafab-Lorient/309015802619837",
            "www.facebook.com",
            "https://www.facebook.com/pages/Creafab-Lorient/309015802619837",
        ),
        ("https://atelier-d-cales.jimdo.com|site web", None, "https://atelier-d-cales.jimdo.com"),
        ("www.facebook.com/x", "www.facebook.com", "http://www.facebook.com/x"),
        ("en cours", None, None),
        ("https://twitter.com/a http://b.fr", "twitter.com", None),
        ("http://[bad", None, None),
    ],
)
def test_census_links(value: str, host: str | None, iri: str | None) -> None:
    from commonsgraph.importers.census import web_iri

    found = web_iri(value, host)
    assert (found.value if found else None) == iri
