"""Value shares with units: contribution-shares converts hours, days (at the commons' declared
hours per day) and euros by the unit scheme, and says why a quantity it cannot convert does not
count, instead of adding "5 days" to hours. The shapes warn at upload.

Expected rows come from FIXTURE data (tests/fixtures/reuse-and-units.ttl, whose header does the
arithmetic)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.queries import NamedQuery, load_queries
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator, neighbourhood

from .conftest import BASE, FILES, FIXTURES, ROOT

FIXTURE = FIXTURES / "reuse-and-units.ttl"
SH = "http://www.w3.org/ns/shacl#"
CGSH = BASE + "shapes#"


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    store = LocalStore()
    load_bundled(store, Settings(data_dir=tmp_path_factory.mktemp("units"), base_iri=BASE))
    store.replace_graph(
        NamedNode(BASE + "graph/test/units"),
        parse_triples(FIXTURE, base_iri=BASE, limits=FILES),
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def shares() -> NamedQuery:
    return next(q for q in load_queries(ROOT / "queries") if q.name == "contribution-shares")


def run(graph: LocalStore, query: NamedQuery, **given: str) -> dict[str, dict[str, str]]:
    rows = graph.select(query.prepared(given, BASE))
    return {
        lexical(row["contributorName"]): {k: lexical(v) for k, v in row.items()} for row in rows
    }


def test_days_hours_and_euros_are_converted(graph: LocalStore, shares: NamedQuery) -> None:
    rows = run(graph, shares, commons="units-kit")
    assert {name: (r["valued"], r["value"], r["share"]) for name, r in rows.items()} == {
        "Atelier X": ("1", "1750", "57.38"),  # 5 days x 7 h x 50 €, not 5 h x 50 €
        "Atelier Y": ("3", "800", "26.23"),  # 10 HUR + 250 "€" + 1 " Hours "
        "Atelier Z": ("1", "500", "16.39"),  # the declared value wins over an unknown unit
    }
    assert "warnings" not in rows["Atelier Y"]


def test_what_cannot_be_converted_is_said_not_counted(
    graph: LocalStore, shares: NamedQuery
) -> None:
    rows = run(graph, shares, commons="units-kit")
    assert rows["Atelier X"]["warnings"] == (
        "contribution-2 (3 semaines) : unit unknown to the unit scheme: not counted"
    )
    assert sorted(rows["Atelier Z"]["warnings"].split("\n")) == [
        "contribution-6 (4) : quantity with no unit (schema:unitCode or schema:unitText):"
        " not counted",
        "contribution-7 (2 days) : several different units for one quantity: not counted",
    ]
    french = run(graph, shares, commons="units-kit", lang="fr")
    assert french["Atelier X"]["warnings"] == (
        "contribution-2 (3 semaines) : unité inconnue du schéma des unités : non comptée"
    )


def test_days_need_hours_per_day_and_time_needs_a_rate(
    graph: LocalStore, shares: NamedQuery
) -> None:
    rows = run(graph, shares, commons="bare-kit")
    assert {name: (r["value"], r["share"]) for name, r in rows.items()} == {
        "Atelier Y": ("100", "100"),
        "Atelier X": ("0", "0"),
    }
    warnings = rows["Atelier X"]["warnings"].split("\n")
    assert len(warnings) == 2
    assert any("declares no hours per day (cg:hoursPerDay)" in w for w in warnings)
    assert any("declares no reference hourly rate" in w for w in warnings)


def test_the_shapes_name_the_units_of_the_scheme(graph: LocalStore) -> None:
    """The shapes' list of unit codes and pattern of unit texts hold what data/schemes/unit.ttl
    names, and nothing it does not."""
    shapes = parse_triples(ROOT / "shapes" / "commons.ttl", base_iri=BASE, limits=FILES)
    pattern = next(
        lexical(t.object)
        for t in shapes
        if lexical(t.subject) == CGSH + "Contribution-unitText-known"
        and t.predicate.value == SH + "pattern"
    )
    names = {
        lexical(row["name"])
        for row in graph.select(
            "SELECT ?name { ?u skos:inScheme ?scheme ; skos:notation|skos:prefLabel|skos:altLabel ?name }",
            {"scheme": NamedNode(BASE + "scheme/unit")},
        )
    }
    codes = {
        lexical(row["code"])
        for row in graph.select(
            "SELECT ?code { ?u skos:inScheme ?scheme ; skos:notation ?code }",
            {"scheme": NamedNode(BASE + "scheme/unit")},
        )
    }
    assert codes == {"HUR", "DAY", "EUR"}
    assert all(re.fullmatch(pattern, name, re.IGNORECASE) for name in names), names
    for other in ("semaines", "minutes", "5 days", "heures de bénévolat", ""):
        assert not re.fullmatch(pattern, other, re.IGNORECASE), other
    listed = re.search(
        r'sh:in \( ("[A-Z]{3}"(?: "[A-Z]{3}")*) \)', (ROOT / "shapes" / "commons.ttl").read_text()
    )
    assert listed is not None
    assert set(re.findall(r"[A-Z]{3}", listed.group(1))) == codes


def test_the_shapes_warn_of_units_that_do_not_convert(
    graph: LocalStore, settings: Settings, tmp_path: Path
) -> None:
    validator = Validator(sorted(settings.resource("shapes").glob("*.ttl")), BASE)
    data = parse_triples(FIXTURE, base_iri=BASE, limits=FILES)
    report = validator.validate(data, neighbourhood(graph, data))
    assert report.counts()["Violation"] == 0, [f.message() for f in report.findings]
    warned = {(f.focus, f.message("en")) for f in report.findings if f.severity == "Warning"}
    assert (
        BASE + "commons/units-kit#contribution-2",
        "unit unknown to the unit scheme (hours, days, euros): the quantity does not count in"
        " the value share",
    ) in warned
    assert (
        BASE + "commons/units-kit#contribution-6",
        "a quantity with no unit (schema:unitCode or schema:unitText) does not count in the"
        " value share",
    ) in warned
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        @prefix schema: <http://schema.org/> .
        <commons/units-kit> a cg:Commons ; cg:hoursPerDay 30 .
        <commons/units-kit#contribution-9> a cg:Contribution ;
            cg:contributor <organisation/atelier-x> ; cg:contributesTo <commons/units-kit> ;
            cg:contributionKind <scheme/contribution-kind/time> ;
            schema:value 3 ; schema:unitCode "WEE" .
        <commons/units-kit#contribution-10> a cg:Contribution ;
            cg:contributor <organisation/atelier-x> ; cg:contributesTo <commons/units-kit> ;
            cg:contributionKind <scheme/contribution-kind/time> ;
            schema:value 3 ; schema:unitCode <scheme/typology/fablab> ."""
    )
    data = parse_triples(bad, base_iri=BASE, limits=FILES)
    report = validator.validate(data, neighbourhood(graph, data))
    violations = [(f.focus, f.message("en")) for f in report.findings if f.severity == "Violation"]
    code = "the unit code is HUR, DAY or EUR (or the IRI of a unit of the unit scheme)"
    assert (BASE + "commons/units-kit#contribution-9", code) in violations
    assert (BASE + "commons/units-kit#contribution-10", code) in violations
    assert any("hours per day" in message for _, message in violations)


def test_values_that_are_not_numbers_are_said_and_do_not_break_the_sum(
    graph: LocalStore, shares: NamedQuery
) -> None:
    hostile = NamedNode(BASE + "graph/test/not-numbers")
    graph.update(
        f"""INSERT DATA {{ GRAPH <{hostile.value}> {{
            <{BASE}commons/units-kit#contribution-90> a cg:Contribution ;
                cg:contributor <{BASE}organisation/atelier-z> ;
                cg:contributesTo <{BASE}commons/units-kit> ;
                cg:estimatedValue "beaucoup" .
            <{BASE}commons/units-kit#contribution-91> a cg:Contribution ;
                cg:contributor <{BASE}organisation/atelier-z> ;
                cg:contributesTo <{BASE}commons/units-kit> ;
                schema:value "trois" ; schema:unitText "heures (.*)*$ [" . }} }}"""
    )
    try:
        rows = run(graph, shares, commons="units-kit")
        assert {name: r["value"] for name, r in rows.items()} == {
            "Atelier X": "1750",
            "Atelier Y": "800",
            "Atelier Z": "500",
        }
        warnings = rows["Atelier Z"]["warnings"].split("\n")
        assert (
            "contribution-90 : an estimated value or a quantity that is not a number:"
            " not counted" in warnings
        )
        assert any(
            w.startswith("contribution-91 (trois ") and "not a number" in w for w in warnings
        )
    finally:
        graph.drop_graph(hostile)
