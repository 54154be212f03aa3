"""shacl.py against pySHACL: the same findings on the project's data, its fixtures, the real
census and uploads full of mistakes; and what shacl.py refuses to evaluate."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from commonsgraph.config import Settings
from commonsgraph.shacl import Shapes
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Finding, Validator, neighbourhood

from .conftest import BASE, FIXTURES

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
Key = tuple[str, str, str | None, str | None, tuple[tuple[str, str], ...]]


def rdflib_term(term: object) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, Literal)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def pyshacl_findings(validator: Validator, data: list[Triple], context: list[Triple]) -> set[Key]:
    """What pySHACL reports on the resources `data` describes."""
    graph = rdflib.Graph()
    for t in [*data, *context]:
        graph.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    shapes = rdflib.Graph()
    for path in validator.shape_files:
        shapes.parse(path, format="turtle", publicID=BASE)
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes, allow_warnings=True, allow_infos=True, inference=None
    )
    described = {lexical(t.subject) for t in data}
    details = set(report.objects(None, SH.detail))
    found: set[Key] = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = str(report.value(result, SH.focusNode))
        if result in details or focus not in described:
            continue
        path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
        messages = {
            getattr(m, "language", None) or "en": str(m)
            for m in report.objects(result, SH.resultMessage)
        }
        found.add(
            (
                SEVERITIES[report.value(result, SH.resultSeverity)],
                focus,
                str(path) if isinstance(path, rdflib.URIRef) else None,
                None if value is None else str(value),
                tuple(sorted(messages.items())),
            )
        )
    return found


def keys(findings: list[Finding]) -> set[Key]:
    return {
        (f.severity, f.focus, f.path, f.value, tuple(sorted(f.messages.items()))) for f in findings
    }


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator.of_project(Settings(data_dir=None, base_iri=BASE))


def graph_of(store: LocalStore, name: str) -> list[Triple]:
    return store.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(BASE + name)}
    )


def same(validator: Validator, store: LocalStore, data: list[Triple]) -> set[Key]:
    context = neighbourhood(store, data)
    ours = keys(validator.validate(data, context).findings)
    assert ours == pyshacl_findings(validator, data, context)
    return ours


@pytest.mark.parametrize(
    "graph", ["seed", "licences", "compatibility", "scheme/programme", "import/census"]
)
def test_the_same_findings_on_the_projects_data(
    validator: Validator, imported: LocalStore, graph: str
) -> None:
    data = graph_of(imported, f"graph/{graph}")
    assert data
    same(validator, imported, sample(validator, imported, data))


SAMPLE = 50
"""Resources without findings kept from a large graph: pySHACL parses a SPARQL-based constraint
again for every focus node (minutes on the 1,500 census places)."""


def sample(validator: Validator, store: LocalStore, data: list[Triple]) -> list[Triple]:
    """The statements of one resource for each kind of finding our validator reports (the first
    by IRI), of the first `SAMPLE` resources without findings, and of every blank node."""
    findings = validator.validate(data, neighbourhood(store, data)).findings
    kinds: dict[tuple[object, ...], str] = {}
    for f in sorted(findings, key=lambda f: f.focus):
        kinds.setdefault((f.severity, f.path, tuple(sorted(f.messages.items()))), f.focus)
    flagged = {f.focus for f in findings}
    others = sorted({lexical(t.subject) for t in data} - flagged)[:SAMPLE]
    kept = set(kinds.values()) | set(others)
    return [t for t in data if isinstance(t.subject, BlankNode) or lexical(t.subject) in kept]


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.ttl")))
def test_the_same_findings_on_the_fixtures(
    validator: Validator, imported: LocalStore, fixture: str
) -> None:
    data = [q.triple for q in parse(path=str(FIXTURES / fixture), base_iri=BASE)]
    same(validator, imported, data)


MISTAKES = f"""@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> . @prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix locn: <http://www.w3.org/ns/locn#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix cc: <http://creativecommons.org/ns#> .
<{BASE}tiers-lieu/a> a cg:TiersLieu ; rdfs:label "" ; cg:typology <{BASE}scheme/theme/culture> ;
    wgs:lat "91"^^xsd:decimal ; wgs:long "abc"^^xsd:decimal ; cg:openingDate "2020-13-45"^^xsd:date ;
    schema:containedInPlace <{BASE}commune/99999> ;
    locn:address <{BASE}tiers-lieu/a#address> ; cg:actorRole <{BASE}tiers-lieu/a#role> .
<{BASE}tiers-lieu/a#address> a locn:Address ; locn:adminUnitL1 "FR" ; locn:postCode "2300" .
<{BASE}tiers-lieu/a#role> a cg:ActorRole ; cg:agent <{BASE}organisation/x> ;
    cg:role <{BASE}scheme/typology/fablab> .
<{BASE}organisation/x> a org:Organization ; rdfs:label "X" ; cg:siren "732829321" ;
    cg:siret "73282932000074", "12345678901234" .
<{BASE}tiers-lieu/b> a cg:TiersLieu ; rdfs:label "B" ; wgs:lat "46.1"^^xsd:decimal ;
    wgs:long "2.1"^^xsd:decimal ; locn:address <{BASE}tiers-lieu/b#address> .
<{BASE}tiers-lieu/b#address> a locn:Address ; locn:adminUnitL1 "FR" ; locn:postCode "23000" .
<{BASE}commons/k> a cg:Commons ; rdfs:label "K" ; dct:license <{BASE}licence/MIT>, <{BASE}licence/NONE> ;
    cg:referenceHourlyRate "-5"^^xsd:decimal .
"""


def test_the_same_findings_on_an_upload_full_of_mistakes(
    validator: Validator, imported: LocalStore
) -> None:
    data = [q.triple for q in parse(MISTAKES.encode(), format=RdfFormat.TURTLE)]
    found = same(validator, imported, data)
    assert len([k for k in found if k[0] == "Violation"]) >= 10


def test_a_parameter_it_does_not_evaluate_is_refused() -> None:
    shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <{BASE}shapes#S> a sh:NodeShape ; sh:targetClass <{BASE}ns#X> ;
            sh:closed true ."""
    with pytest.raises(ValueError, match="closed"):
        Shapes([q.triple for q in parse(shapes.encode(), format=RdfFormat.TURTLE)])


def test_the_project_shapes_load(validator: Validator, tmp_path: Path) -> None:
    assert len(validator.shapes.shapes) > 100
