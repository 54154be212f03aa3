"""The four imports of the real open data, checked as a new user would (issue: foundation)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.config import Settings
from commonsgraph.importers.base import ImportReport
from commonsgraph.importers.census import import_census
from commonsgraph.importers.geo import import_geo
from commonsgraph.importers.licences import import_licences
from commonsgraph.importers.programmes import import_programme
from commonsgraph.stats import home_counts
from commonsgraph.store import LocalStore
from commonsgraph.validation import Validator, neighbourhood
from commonsgraph.vocab import CG, RDF, RDFS, SCHEMA, Minter

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
        == 1  # Tournai (row 848), whose coordinates are in Cannes: left out and reported
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
    # 49 rows of the census carry no typology, and Tournai's coordinates (in Cannes) were left
    # out: reported as warnings, nothing else.
    assert report.counts() == {"Warning": 50}
    assert {f.message("fr") for f in report.findings} == {
        "aucune typologie (cg:typology) : la source ne dit pas de quel type de lieu il s'agit",
        "coordonnées absentes ou incomplètes (wgs:lat, wgs:long) : le lieu ne peut pas être "
        "placé sur une carte",
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
    assert sum(zero.values()) == 156  # and Tournai (row 848), in Belgium
    assert report.facts["abroad: in BE, by ISO 3166-2 unit"] == 1
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


CENSUS_FILE = "cget-tiers-lieux-2019.csv"


@pytest.fixture(scope="module")
def census_report(imported: LocalStore, shared_data: Path) -> ImportReport:
    return import_census(imported, Minter(BASE), shared_data / "tiers-lieux" / CENSUS_FILE)


def said(report: ImportReport, line: int) -> list[str]:
    return [note.message for note in report.warnings if note.line == line]


def test_the_census_belgian_row_is_in_belgium_and_its_coordinates_are_reported(
    imported: LocalStore, census_report: ImportReport
) -> None:
    """Row 848 (line 849): SPRING BOX COWORKING, chaussée de Lille, Tournai; the census wrote
    no postcode nor commune and placed it by hand in Cannes."""
    notes = said(census_report, 849)
    assert [n.split(":", 1)[0] for n in notes] == [
        "corrected COUNTRY from '' to 'BE'",
        "corrected SUBDIVISION from '' to 'BE-WHT'",
        "coordinates (43.566227, 7.007696) are outside Belgium (BE), the country of the address; "
        "they fall in France (FR)",
    ]
    assert census_report.facts["coordinates outside the country of the address (left out)"] == 1
    place = f"<{BASE}tiers-lieu/cget-2019-848>"
    assert imported.ask(
        f"""ASK {{ {place} locn:address/locn:adminUnitL1 "BE" ;
                 schema:containedInPlace <{BASE}subdivision/BE-WHT> .
               <{BASE}subdivision/BE-WHT> cg:iso3166Code "BE-WHT" ;
                 schema:containedInPlace <{BASE}subdivision/BE-WAL> .
               <{BASE}subdivision/BE-WAL> schema:containedInPlace <{BASE}country/BE> .
               <{BASE}country/BE> rdfs:label "Belgique"@fr }}"""
    )
    assert not imported.ask(f"ASK {{ {place} wgs:lat ?lat }}")
    assert not imported.ask(f"ASK {{ {place} schema:containedInPlace <{BASE}commune/06029> }}")


def test_an_email_address_is_not_a_homepage(
    imported: LocalStore, census_report: ImportReport
) -> None:
    """Row 313 (line 314) gives nomade.lyon@laposte.fr as its web site."""
    assert said(census_report, 314) == [
        "WEB is an e-mail address, not a web page: 'nomade.lyon@laposte.fr' is kept as "
        "schema:email, not foaf:homepage"
    ]
    place = f"<{BASE}tiers-lieu/cget-2019-313>"
    assert imported.ask(f'ASK {{ {place} schema:email "nomade.lyon@laposte.fr" }}')
    assert not imported.ask(f"ASK {{ {place} foaf:homepage ?page }}")
    assert not imported.ask(
        'ASK { ?place foaf:homepage ?page FILTER(CONTAINS(STR(?page), "@")) }'
    ), "no homepage holds a user name (Jena refuses them in the dumps)"


def test_census_rows_of_seed_places_are_linked_reported_and_counted_once(
    imported: LocalStore, census_report: ImportReport
) -> None:
    linked = {
        note.line or 0: note.message
        for note in census_report.warnings
        if note.message.endswith("owl:sameAs: counted once")
    }
    assert sorted(linked) == [192, 281, 1120, 1131, 1167, 1468]
    assert linked[192].startswith(f"the same place as {BASE}tiers-lieu/darwin-ecosysteme ")
    assert census_report.facts["rows another source describes too (owl:sameAs)"] == 6
    counts = home_counts(imported, "en")
    places = dict((label, n) for _, label, n in counts.classes)
    # 1,512 census rows and 7 seed places, 6 of which are census rows too
    assert places["third place (tiers-lieu)"] == 1512 + 7 - 6
    assert [(label, n) for _, label, n in counts.countries] == [("France", 1512), ("Belgium", 1)]


def test_coordinates_far_from_their_commune_are_reported(census_report: ImportReport) -> None:
    """Row 1460 (line 1461): SICTIAM, at Sophia Antipolis (Valbonne) by its coordinates, but
    with the commune code of Hérouville-Saint-Clair (Calvados)."""
    assert said(census_report, 1461) == [
        "coordinates (43.627222, 7.0412) lie in Valbonne (06152, région 93) according to the "
        "census, another région than the stated commune Hérouville-Saint-Clair (14327, région 28)"
    ]
    assert census_report.facts["coordinates in another région than the stated commune"] == 1


def test_corrections_are_checked_before_anything_is_written(
    imported: LocalStore, shared_data: Path, minter: Minter, tmp_path: Path
) -> None:
    from commonsgraph.errors import DataSyntaxError

    census = shared_data / "tiers-lieux" / CENSUS_FILE
    before = imported.triple_count()
    for body, reason in [
        ("ID,column,value,reason,source\n848,NOPE,x,why,https://x.example/\n", "cannot be"),
        ("ID,column,value,reason,source\n848,COUNTRY,BE,,https://x.example/\n", "a reason"),
        ("ID,column,value,reason,source\n848,COUNTRY,BE,why,http://x.example/\n", "https"),
    ]:
        corrections = tmp_path / "corrections.csv"
        corrections.write_text(body)
        with pytest.raises(DataSyntaxError, match=reason) as caught:
            import_census(imported, minter, census, corrections=corrections)
        assert (caught.value.source, caught.value.line) == ("corrections.csv", 2)
    assert imported.triple_count() == before


def test_a_census_row_like_a_place_of_another_source_is_reported(
    imported: LocalStore, shared_data: Path
) -> None:
    """A fictional place of another source, named like row 313 ("La Poste Nomade", Lyon 2e)
    but not linked to it: the import says so on the row's line, and counts it."""
    graph = NamedNode(BASE + "graph/test/lookalike")
    place = NamedNode(BASE + "tiers-lieu/test-nomade")
    imported.replace_graph(
        graph,
        [
            Triple(place, RDF.type, CG.TiersLieu),
            Triple(place, RDFS.label, Literal("Nomade – La Poste (coworking)")),
            Triple(
                place, SCHEMA.containedInPlace, NamedNode(BASE + "arrondissement-municipal/69382")
            ),
        ],
    )
    try:
        report = import_census(imported, Minter(BASE), shared_data / "tiers-lieux" / CENSUS_FILE)
    finally:
        imported.drop_graph(graph)
    assert said(report, 314)[-1] == (
        f"looks like {place.value} (graph {graph.value}): the same name and commune, but no "
        "owl:sameAs links them, so both are counted"
    )
    assert report.facts["rows that look like a place of another source (not linked)"] == 1
    assert census_report_facts_without_lookalikes(imported, shared_data)


def census_report_facts_without_lookalikes(imported: LocalStore, shared_data: Path) -> bool:
    report = import_census(imported, Minter(BASE), shared_data / "tiers-lieux" / CENSUS_FILE)
    return "rows that look like a place of another source (not linked)" not in report.facts
