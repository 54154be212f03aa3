"""The spreadsheet templates (data/templates/) and their imports: the fixtures written for the
tests (tests/fixtures/programme/, fictional) load and conform to the shapes; bad rows are left
out with their line, column and why; a malformed file changes nothing; a second load of the same
file leaves the same statements."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.bundled import load_bundled
from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.errors import DataSyntaxError
from commonsgraph.importers.base import ImportReport
from commonsgraph.importers.sheets import Cells, Column, Statements, Template, import_sheet
from commonsgraph.importers.templates import TEMPLATES
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator, neighbourhood
from commonsgraph.vocab import CG, PROV

from .conftest import BASE, ROOT
from .programme import MINTER, PROGRAMME, load_fixtures


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator.of_project(Settings(data_dir=None, base_iri=BASE))


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, validator: Validator
) -> Iterator[tuple[LocalStore, list[ImportReport]]]:
    store = LocalStore()
    load_bundled(store, Settings(data_dir=tmp_path_factory.mktemp("sheets"), base_iri=BASE))
    reports = load_fixtures(store, validator)
    yield store, reports
    store.close()


def report_of(reports: list[ImportReport], kind: str) -> ImportReport:
    return next(report for report in reports if report.source == kind)


def test_the_templates_ship_with_their_header_and_documented_columns() -> None:
    readme = (ROOT / "data" / "templates" / "README.md").read_text()
    for kind, template in TEMPLATES.items():
        with (ROOT / "data" / "templates" / f"{kind}.csv").open(newline="") as file:
            assert list(csv.reader(file)) == [template.header()]
        assert f"commonsgraph import {kind} data/templates/{kind}.csv" in readme
        for column in template.columns:
            assert f"| `{column.name}` |" in readme


def test_the_fixtures_load_whole_and_conform(
    loaded: tuple[LocalStore, list[ImportReport]], validator: Validator
) -> None:
    store, reports = loaded
    created = {report.source: dict(report.created) for report in reports}
    assert created == {
        "projects": {"projects": 5, "stage changes": 12},
        "offers": {"funding offers": 2},
        "grants": {"grants": 4},
        "articles": {"articles": 3},
        "dossiers": {"dossiers": 1, "dossier items": 2},
    }
    assert all(report.skipped == [] for report in reports)
    # what the shapes only warn of stays with its line
    assert [str(n) for n in report_of(reports, "articles").warnings] == [
        "articles.csv:4: warning: no licence (dct:license): nobody can tell what reuse is allowed"
    ]
    for report in reports:
        graph = MINTER.graph(f"import/{report.source}/{report.source}")
        assert report.changes[0].graph == graph
        data = store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
        )
        assert validator.validate(data, neighbourhood(store, data)).conforms, report.source


def test_a_project_and_its_stage_history(loaded: tuple[LocalStore, list[ImportReport]]) -> None:
    store, _ = loaded
    rows = store.select(
        """SELECT ?stage ?time ?source WHERE {
             ?project cg:stageChange ?change .
             ?change cg:stage/skos:notation ?stage ; prov:atTime ?time ; dct:source ?source }
           ORDER BY ?time""",
        {"project": MINTER.iri("project/test-craon")},
    )
    assert [(lexical(r["stage"]), lexical(r["time"])) for r in rows] == [
        ("idea", "2019-06-01"),
        ("prefiguration", "2020-01"),
        ("building-site", "2021-02-01"),
        ("open", "2021-06-01"),
    ]
    assert {
        r["time"].datatype.value.rsplit("#")[-1] for r in rows if isinstance(r["time"], Literal)
    } == {
        "date",
        "gYearMonth",
    }
    changes = {
        lexical(r["change"])
        for r in store.select(
            "SELECT ?change WHERE { ?project cg:stageChange ?change }",
            {"project": MINTER.iri("project/test-craon")},
        )
    }
    assert changes == {f"{BASE}project/test-craon#stage-{n}" for n in range(1, 5)}


def test_amounts_are_decimals_in_euros(loaded: tuple[LocalStore, list[ImportReport]]) -> None:
    store, _ = loaded
    amounts = store.select(
        """SELECT ?offer ?min ?max WHERE {
             VALUES ?offer { <offer/test-ami-fabriques> <offer/test-appel-chantier> }
             ?offer cg:minAmount ?min ; cg:maxAmount ?max }
           ORDER BY ?offer""".replace("<offer/", f"<{BASE}offer/")
    )
    decimal = NamedNode(XSD_DECIMAL)
    # "10000,00" and "150 000" as a spreadsheet writes them
    assert [(lexical(r["offer"]), r["min"], r["max"]) for r in amounts] == [
        (BASE + "offer/test-ami-fabriques", Literal("75000", datatype=decimal),
         Literal("150000", datatype=decimal)),
        (BASE + "offer/test-appel-chantier", Literal("10000", datatype=decimal),
         Literal("50000", datatype=decimal)),
    ]  # fmt: skip


XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def test_each_bad_row_is_left_out_with_its_line_column_and_reason(
    loaded: tuple[LocalStore, list[ImportReport]], validator: Validator
) -> None:
    store, _ = loaded
    report = import_sheet(
        store, MINTER, TEMPLATES["projects"], PROGRAMME / "projects-bad.csv", validator
    )
    said = {note.line: note.message for note in report.skipped}
    assert said == {
        2: "column slug: 'Test Bad' is not a slug (lower-case letters, digits and single "
        "hyphens; 'test-bad' would do)",
        3: "column stage: 'wip' is not in the scheme stage (building-site, closed, idea, open, "
        "prefiguration)",
        4: "column idea_date: '2021-13-01' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
        5: "column holders: organisation/nobody is not in the graph (load it first)",
        6: "column holders: licence/MIT is not an organisation or a local authority",
        7: "column stage: not the latest dated stage (prefiguration, 2022)",
        8: "column prefiguration_source: a source for the stage prefiguration, which has no date",
        10: "column slug: 'test-ok' is already on line 9",
        11: "column territory: '<script>alert(1)</script>' is not the path of a resource (like "
        "organisation/anct)",
    }
    assert dict(report.created) == {"projects": 1, "stage changes": 1}
    label = store.select(
        "SELECT ?name WHERE { ?p rdfs:label ?name }", {"p": MINTER.iri("project/test-ok")}
    )
    assert [lexical(r["name"]) for r in label] == ["Projet <b>gras</b>"]  # kept as text
    store.drop_graph(report.changes[0].graph)


def test_bad_grants(loaded: tuple[LocalStore, list[ImportReport]], validator: Validator) -> None:
    store, _ = loaded
    report = import_sheet(
        store, MINTER, TEMPLATES["grants"], PROGRAMME / "grants-bad.csv", validator
    )
    assert {note.line: note.message for note in report.skipped} == {
        2: "column amount: a grant's amount is more than 0",
        3: "column amount: 'beaucoup' is not an amount in euros (digits, like 150000.50)",
        4: "column offer: programme/fabriques-de-territoire is not a funding offer",
        5: "column funded_item: scheme/theme/culture is not a project, a place, a commons or an "
        "actor",
        6: "column source: 'mailto:x@example.org' is not an http(s) address",
    }
    assert report.created == {}
    store.drop_graph(report.changes[0].graph)


def test_rows_whose_statements_break_a_shape_are_left_out_with_its_message(
    tmp_path: Path, loaded: tuple[LocalStore, list[ImportReport]], validator: Validator
) -> None:
    """A template whose mapping writes a stage change without its stage: the cells are fine,
    the shapes are not, so the row is left out with the shape's message."""
    store, _ = loaded

    def careless(cells: Cells, out: Statements) -> NamedNode | None:
        key = cells.slug("slug")
        project = MINTER.iri(f"project/{key}")
        out.typed(project, (CG.Project,), "projects")
        out.add(project, CG.stage, MINTER.concept("stage", "idea"))
        if key == "test-careless":
            change = MINTER.part(project, "stage-1")
            out.add(project, CG.stageChange, change)
            out.typed(change, (CG.StageChange,), "stage changes")
            out.add(change, PROV.atTime, Literal("2021", datatype=NamedNode(XSD_GYEAR)))
        out.add(project, MINTER_LABEL, Literal(key or ""))
        return project

    template = Template("careless", "essai", "test", (Column("slug", True, ""),), careless)
    sheet = tmp_path / "careless.csv"
    sheet.write_text("slug\ntest-careful\ntest-careless\n")
    report = import_sheet(store, MINTER, template, sheet, validator)
    assert [str(note) for note in report.skipped] == [
        "careless.csv:3: a stage change names the stage reached, from the stage scheme"
    ]
    assert dict(report.created) == {"projects": 1}
    store.drop_graph(report.changes[0].graph)


XSD_GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"
MINTER_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def test_a_malformed_file_changes_nothing(
    tmp_path: Path, loaded: tuple[LocalStore, list[ImportReport]], validator: Validator
) -> None:
    store, _ = loaded
    sheet = tmp_path / "more-offers.csv"
    good = (PROGRAMME / "offers.csv").read_text()
    sheet.write_text(good)
    import_sheet(store, MINTER, TEMPLATES["offers"], sheet, validator)
    graph = MINTER.graph("import/offers/more-offers")
    before = store.triple_count(graph)
    sheet.write_text(good + "test-cut,Une offre coupée\n")
    with pytest.raises(DataSyntaxError, match="line 4"):
        import_sheet(store, MINTER, TEMPLATES["offers"], sheet, validator)
    sheet.write_bytes(good.encode() + b"test-bytes,\xff\xfe,,,,,,,,,,,\n")
    with pytest.raises(DataSyntaxError, match="UTF-8"):
        import_sheet(store, MINTER, TEMPLATES["offers"], sheet, validator)
    assert store.triple_count(graph) == before
    sheet.write_text(good)
    again = import_sheet(store, MINTER, TEMPLATES["offers"], sheet, validator)
    store.drop_graph(graph)
    assert again.changes[0].graph == graph


def test_loading_the_same_file_again_leaves_the_same_statements(
    loaded: tuple[LocalStore, list[ImportReport]], validator: Validator
) -> None:
    store, _ = loaded
    graph = MINTER.graph("import/grants/grants")

    def statements() -> set[Triple]:
        """The graph's statements but its own provenance (this load's times)."""
        found = store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
        )
        return {t for t in found if not lexical(t.subject).startswith(graph.value)}

    before = statements()
    report = import_sheet(store, MINTER, TEMPLATES["grants"], PROGRAMME / "grants.csv", validator)
    assert report.changes[0].graph == graph
    assert statements() == before
    # 11 statements a grant at most; g2 gives no source, g3 no programme nor source, g4 no
    # beneficiary, offer nor source
    assert len(before) == 4 * 11 - 6


def test_the_command_line_loads_a_template_and_says_why_rows_were_left_out(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "--data-dir",
            str(tmp_path / "var"),
            "import",
            "projects",
            str(PROGRAMME / "projects-bad.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "projects-bad.csv:4: column idea_date: '2021-13-01' is not a date" in result.output
    assert "rows skipped" in result.output
    help_text = runner.invoke(main, ["import", "--help"]).output
    for kind in TEMPLATES:
        assert kind in help_text
