"""The catalogue against the official DCAT-AP SHACL shapes (3.0.1 and 2.1.1, "Full": mandatory,
ranges, recommended, EU vocabularies, deprecated IRIs), over the real open data: no violation,
and only the warnings that are known and explained (README, "Publishing to data portals").

The shapes are read from `$DCAT_AP_SHAPES` or `../shared/data/dcat-ap` (tests/dcat-ap/README.md
says which files, from which commit, under which licence)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyshacl
import pytest
import rdflib
from fastapi.testclient import TestClient

from commonsgraph.store import LocalStore

from .conftest import ROOT, serving

SHAPES = Path(os.environ.get("DCAT_AP_SHAPES") or ROOT.parent / "shared" / "data" / "dcat-ap")
SETS = ("shapes", "range", "shapes_recommended", "mdr-vocabularies.shape", "deprecateduris")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
KNOWN_WARNINGS = {
    # a non-EU agent: the project and its sources are in no EU corporate-body list
    ("publisher", "NodeConstraintComponent"),
    # the extent computed from the graph's coordinates, and the régions (the geography's own
    # IRIs), are no place of an EU list
    ("spatial", "NodeConstraintComponent"),
    # France and the régions, without a bounding box or centroid of their own
    ("bbox", "MinCountConstraintComponent"),
    ("centroid", "MinCountConstraintComponent"),
    # vocabularies, shapes, licences and partner data cover no period of time
    ("temporal", "MinCountConstraintComponent"),
    # periods still running (the programmes, the whole graph) have no end
    ("endDate", "MinCountConstraintComponent"),
    # a source that states no licence (Action Cœur de Ville ships none): none is invented
    ("license", "MinCountConstraintComponent"),
}


def present(version: str) -> bool:
    return all((SHAPES / version / f"{name}.ttl").is_file() for name in SETS)


def profile(name: str, version: str) -> object:
    """A parameter, skipped (before the open data is imported) when its shapes are absent."""
    absent = f"the DCAT-AP {version} shapes are not at {SHAPES / version} (tests/dcat-ap/README.md)"
    return pytest.param(
        name, version, marks=pytest.mark.skipif(not present(version), reason=absent)
    )


def shapes(version: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in SETS:
        graph.parse(SHAPES / version / f"{name}.ttl", format="turtle")
    return graph


@pytest.fixture(scope="module")
def client(imported: LocalStore) -> Iterator[TestClient]:
    with serving(imported) as client:
        yield client


def findings(client: TestClient, name: str, version: str) -> Counter[tuple[str, str, str]]:
    """(severity, property, constraint) of each top-level result, counted."""
    body = client.get(f"/catalog.ttl?profile={name}&page_size=1000").text
    data = rdflib.Graph().parse(data=body, format="turtle")
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes(version), allow_warnings=True, inference=None
    )
    counted: Counter[tuple[str, str, str]] = Counter()
    for result in report.objects(None, SH.result):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        path = str(report.value(result, SH.resultPath)).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        component = str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        counted[(severity, path, component)] += 1
    return counted


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "version"), [profile("dcat-ap-3", "3.0.1"), profile("dcat-ap-2", "2.1.1")]
)
def test_catalogue_conforms_to_dcat_ap(client: TestClient, name: str, version: str) -> None:
    counted = findings(client, name, version)
    violations = {k: n for k, n in counted.items() if k[0] == "Violation"}
    assert violations == {}
    warnings = {k[1:] for k in counted if k[0] == "Warning"}
    assert warnings <= KNOWN_WARNINGS, warnings - KNOWN_WARNINGS
    # about 230: mostly one per région a dataset covers (26 régions at most, a handful of
    # datasets with places), and one per agent and per dataset without a period
    assert sum(counted.values()) < 300
