"""Legal answers for every licence: the engine (commonsgraph.legal), the named query
`licence-compatibility` over HTTP, versions and "or later", SPDX expressions, unknown ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.errors import ParameterError, UnknownLicence
from commonsgraph.legal.catalogue import CC_GRAPH, FAMILIES, SCANCODE_GRAPH
from commonsgraph.legal.engine import Engine
from commonsgraph.legal.expressions import Leaf
from commonsgraph.legal.rules import VERDICTS
from commonsgraph.store import LocalStore, lexical
from commonsgraph.web import create_app

from .conftest import BASE


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    path = tmp_path_factory.mktemp("licence-answers")
    store = LocalStore(path / "store")
    load_bundled(store, Settings(data_dir=path, base_iri=BASE))
    yield store
    store.close()


@pytest.fixture(scope="module")
def engine(store: LocalStore) -> Engine:
    return Engine.from_store(store, BASE)


@pytest.fixture(scope="module")
def client(store: LocalStore) -> Iterator[TestClient]:
    assert store.path is not None
    settings = Settings(data_dir=store.path.parent, base_iri=BASE, tile_url="")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield client


# Material under the first licence, used under the second (use: adapt, combine or produce):
# the answer, the rule that gives it, and the clause or principle it rests on.
PAIRS = [
    # share-alike, non-commercial, no derivatives (Creative Commons)
    (
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "adapt",
        "conditional",
        "permissive--any",
        "CC BY 4.0 §3(a): credit",
    ),
    (
        "CC-BY-SA-4.0",
        "CC-BY-4.0",
        "adapt",
        "forbidden",
        "strong-copyleft--any",
        "CC BY-SA 4.0 §3(b)",
    ),
    (
        "CC-BY-NC-4.0",
        "CC-BY-4.0",
        "adapt",
        "forbidden",
        "non-commercial--any",
        "CC BY-NC 4.0 §1(i)",
    ),
    ("CC-BY-NC-4.0", "MIT", "adapt", "forbidden", "non-commercial--any", "CC BY-NC 4.0 §2(a)(1)"),
    (
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "adapt",
        "conditional",
        "non-commercial--non-commercial",
        "NC kept",
    ),
    (
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-4.0",
        "adapt",
        "forbidden",
        "CC-BY-NC-SA-4.0--any",
        "CC BY-NC-SA 4.0 §3(b)",
    ),
    (
        "CC-BY-NC-SA-4.0",
        "CC-BY-SA-4.0",
        "adapt",
        "forbidden",
        "CC-BY-NC-SA-4.0--any",
        "CC BY-NC-SA 4.0 §3(b)",
    ),
    (
        "CC-BY-SA-4.0",
        "CC-BY-NC-SA-4.0",
        "adapt",
        "forbidden",
        "strong-copyleft--any",
        "CC BY-SA 4.0 §3(b)",
    ),
    ("CC0-1.0", "CC-BY-4.0", "adapt", "allowed", "public-domain--any", "CC0 §2 waiver"),
    (
        "CC-BY-4.0",
        "CC0-1.0",
        "adapt",
        "forbidden",
        "permissive--public-domain",
        "attribution cannot be waived",
    ),
    (
        "CC-BY-ND-4.0",
        "CC-BY-4.0",
        "adapt",
        "forbidden",
        "no-derivatives--any",
        "CC BY-ND 4.0 §2(a)(1)(B)",
    ),
    (
        "CC-BY-ND-4.0",
        "CC-BY-4.0",
        "combine",
        "conditional",
        "no-derivatives--any/combine",
        "CC 4.0 collections",
    ),
    ("CC-BY-4.0", "CC-BY-ND-4.0", "adapt", "conditional", "permissive--any", "CC BY 4.0 §3(a)"),
    (
        "CC-BY-NC-ND-4.0",
        "CC-BY-NC-ND-4.0",
        "adapt",
        "forbidden",
        "CC-BY-NC-ND-4.0--any",
        "no adaptation at all",
    ),
    ("CC-BY-SA-4.0", "CC-BY-SA-4.0", "adapt", "allowed", "same-licence", "same licence"),
    (
        "CC-BY-NC-2.0",
        "CC-BY-2.0",
        "adapt",
        "forbidden",
        "non-commercial--any",
        "NC element in the id",
    ),
    (
        "CC-BY-SA-2.5",
        "CC-BY-3.0",
        "adapt",
        "forbidden",
        "strong-copyleft--any",
        "SA element in the id",
    ),
    # versions of CC BY-SA: §4(b) "a later version of this License"
    (
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "adapt",
        "conditional",
        "CC-BY-SA-3.0--CC-BY-SA-4.0",
        "CC BY-SA 3.0 §4(b)",
    ),
    (
        "CC-BY-SA-2.0",
        "CC-BY-SA-4.0",
        "adapt",
        "conditional",
        "CC-BY-SA-2.0--CC-BY-SA-4.0",
        "CC BY-SA 2.0 §4(b)",
    ),
    ("CC-BY-SA-4.0", "CC-BY-SA-3.0", "adapt", "forbidden", "other-version", "no earlier version"),
    (
        "CC-BY-SA-4.0",
        "GPL-3.0-only",
        "adapt",
        "conditional",
        "CC-BY-SA-4.0--GPL-3.0-only",
        "CC 2015 one-way",
    ),
    ("GPL-3.0-only", "CC-BY-SA-4.0", "adapt", "forbidden", "strong-copyleft--any", "one way only"),
    # open data
    ("etalab-2.0", "ODbL-1.0", "adapt", "conditional", "permissive--any", "LO 2.0: credit"),
    ("ODbL-1.0", "etalab-2.0", "adapt", "forbidden", "ODbL-1.0--any", "ODbL §4.4"),
    (
        "ODbL-1.0",
        "CC-BY-4.0",
        "produce",
        "conditional",
        "ODbL-1.0--any/produce",
        "ODbL §4.5 produced work",
    ),
    ("ODC-By-1.0", "ODbL-1.0", "adapt", "conditional", "permissive--any", "ODC-By §4.2"),
    (
        "etalab-2.0",
        "CC-BY-4.0",
        "adapt",
        "conditional",
        "etalab-2.0--CC-BY-4.0",
        "LO 2.0 compatibility",
    ),
    (
        "etalab-2.0",
        "OGL-UK-3.0",
        "adapt",
        "conditional",
        "etalab-2.0--OGL-UK-3.0",
        "LO 2.0 compatibility",
    ),
    ("OGL-UK-3.0", "etalab-2.0", "adapt", "conditional", "permissive--any", "OGL: acknowledge"),
    (
        "LicenseRef-Licence-Ouverte-1.0",
        "etalab-2.0",
        "adapt",
        "conditional",
        "LicenseRef-Licence-Ouverte-1.0--etalab-2.0",
        "LO 1.0",
    ),
    (
        "LicenseRef-Licence-Ouverte-1.0",
        "CC0-1.0",
        "adapt",
        "forbidden",
        "permissive--public-domain",
        "LO 1.0 credit",
    ),
    # software: permissive
    ("Apache-2.0", "MIT", "adapt", "conditional", "permissive--any", "Apache §4: notices stay"),
    ("MIT", "GPL-3.0-only", "adapt", "conditional", "permissive--any", "MIT: notice"),
    ("BSD-3-Clause", "GPL-2.0-only", "adapt", "conditional", "permissive--any", "BSD: notice"),
    ("Unlicense", "GPL-2.0-only", "adapt", "allowed", "public-domain--any", "Unlicense dedication"),
    ("WTFPL", "MIT", "adapt", "allowed", "public-domain--any", "WTFPL"),
    ("MIT", "Unlicense", "adapt", "forbidden", "permissive--public-domain", "MIT notice stays"),
    # software: strong copyleft
    ("GPL-3.0-only", "MIT", "adapt", "forbidden", "strong-copyleft--any", "GPLv3 §5(c)"),
    ("GPL-2.0-only", "Apache-2.0", "adapt", "forbidden", "strong-copyleft--any", "GPLv2 §2(b)"),
    ("GPL-3.0-only", "AGPL-3.0-only", "adapt", "forbidden", "strong-copyleft--any", "GPLv3 §5(c)"),
    (
        "GPL-3.0-only",
        "AGPL-3.0-only",
        "combine",
        "conditional",
        "GPL-3.0-only--AGPL-3.0-only",
        "GPLv3 §13",
    ),
    (
        "AGPL-3.0-only",
        "GPL-3.0-only",
        "combine",
        "conditional",
        "AGPL-3.0-only--GPL-3.0-only",
        "AGPLv3 §13",
    ),
    ("AGPL-3.0-or-later", "MIT", "combine", "forbidden", "strong-copyleft--any", "AGPL §5(c)"),
    (
        "GPL-3.0-only",
        "MIT",
        "combine",
        "forbidden",
        "strong-copyleft--any",
        "GPLv3 §5(c): the whole",
    ),
    # versions and "or later"
    ("GPL-2.0-or-later", "GPL-3.0-only", "adapt", "allowed", "or-later", "GPLv2 §9"),
    ("GPL-2.0-or-later", "GPL-2.0-only", "adapt", "allowed", "or-later", "choose version 2"),
    ("GPL-2.0-only", "GPL-3.0-only", "adapt", "forbidden", "other-version", "no or-later clause"),
    (
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "adapt",
        "forbidden",
        "other-version",
        "cannot add later versions",
    ),
    ("LGPL-2.1-or-later", "LGPL-3.0-only", "adapt", "allowed", "or-later", "LGPL 2.1 §13"),
    (
        "AGPL-3.0-or-later",
        "AGPL-3.0-only",
        "adapt",
        "allowed",
        "AGPL-3.0-or-later--AGPL-3.0-only",
        "AGPL §14",
    ),
    ("MPL-1.1", "MPL-2.0", "adapt", "conditional", "MPL-1.1--MPL-2.0", "MPL 1.1 §6.2"),
    ("EPL-1.0", "EPL-2.0", "adapt", "conditional", "EPL-1.0--EPL-2.0", "EPL 1.0 §7"),
    ("EUPL-1.1", "EUPL-1.2", "adapt", "conditional", "EUPL-1.1--EUPL-1.2", "EUPL 1.1 art. 13"),
    # weak copyleft: the files stay under their licence
    ("MPL-2.0", "Apache-2.0", "adapt", "forbidden", "weak-copyleft--any", "MPL 2.0 §3.2"),
    (
        "MPL-2.0",
        "Apache-2.0",
        "combine",
        "conditional",
        "weak-copyleft--any/combine",
        "MPL 2.0 §3.3",
    ),
    ("LGPL-3.0-only", "MIT", "adapt", "forbidden", "weak-copyleft--any", "LGPLv3 §2"),
    (
        "LGPL-3.0-or-later",
        "MIT",
        "combine",
        "conditional",
        "weak-copyleft--any/combine",
        "LGPLv3 §4",
    ),
    ("CECILL-C", "MIT", "adapt", "forbidden", "weak-copyleft--any", "CeCILL-C art. 5.3.2"),
    (
        "CECILL-C",
        "MIT",
        "combine",
        "conditional",
        "weak-copyleft--any/combine",
        "CeCILL-C art. 5.3.4",
    ),
    (
        "LGPL-3.0-only",
        "GPL-3.0-only",
        "adapt",
        "allowed",
        "LGPL-3.0-only--GPL-3.0-only",
        "LGPLv3 = GPLv3 + permissions",
    ),
    (
        "LGPL-2.1-only",
        "GPL-2.0-only",
        "adapt",
        "conditional",
        "LGPL-2.1-only--GPL-2.0-only",
        "LGPL 2.1 §3",
    ),
    (
        "LGPL-2.1-only",
        "GPL-3.0-or-later",
        "adapt",
        "conditional",
        "LGPL-2.1-only--GPL-3.0-or-later",
        "LGPL 2.1 §3",
    ),
    ("MPL-2.0", "GPL-3.0-only", "adapt", "conditional", "MPL-2.0--GPL-3.0-only", "MPL 2.0 §3.3"),
    (
        "MPL-2.0",
        "LGPL-2.1-or-later",
        "adapt",
        "conditional",
        "MPL-2.0--LGPL-2.1-or-later",
        "MPL 2.0 secondary",
    ),
    (
        "EPL-2.0",
        "GPL-2.0-or-later",
        "adapt",
        "conditional",
        "EPL-2.0--GPL-2.0-or-later",
        "EPL 2.0 Exhibit A",
    ),
    ("EPL-2.0", "MIT", "adapt", "forbidden", "weak-copyleft--any", "EPL 2.0 §3.1"),
    ("GPL-3.0-only", "MPL-2.0", "adapt", "forbidden", "strong-copyleft--any", "GPLv3 §5(c)"),
    # EUPL 1.2 appendix and CeCILL 2.1 art. 5.3.4
    (
        "EUPL-1.2",
        "GPL-3.0-only",
        "adapt",
        "conditional",
        "EUPL-1.2--GPL-3.0-only",
        "EUPL 1.2 appendix",
    ),
    (
        "EUPL-1.2",
        "GPL-2.0-only",
        "adapt",
        "conditional",
        "EUPL-1.2--GPL-2.0-only",
        "EUPL 1.2 appendix",
    ),
    ("EUPL-1.2", "OSL-3.0", "adapt", "conditional", "EUPL-1.2--OSL-3.0", "EUPL 1.2 appendix"),
    (
        "EUPL-1.2",
        "LiLiQ-Rplus-1.1",
        "adapt",
        "conditional",
        "EUPL-1.2--LiLiQ-Rplus-1.1",
        "EUPL 1.2 appendix",
    ),
    (
        "EUPL-1.2",
        "CC-BY-SA-4.0",
        "adapt",
        "forbidden",
        "strong-copyleft--any",
        "not in the appendix",
    ),
    ("GPL-3.0-only", "EUPL-1.2", "adapt", "forbidden", "strong-copyleft--any", "GPLv3 §5(c)"),
    (
        "CECILL-2.1",
        "GPL-3.0-only",
        "adapt",
        "conditional",
        "CECILL-2.1--GPL-3.0-only",
        "CeCILL 2.1 art. 5.3.4",
    ),
    (
        "CECILL-2.1",
        "GPL-2.0-or-later",
        "adapt",
        "conditional",
        "CECILL-2.1--GPL-2.0-or-later",
        "CeCILL 2.1 art. 5.3.4",
    ),
    (
        "CECILL-2.1",
        "EUPL-1.2",
        "adapt",
        "conditional",
        "CECILL-2.1--EUPL-1.2",
        "CeCILL 2.1 art. 5.3.4",
    ),
    ("GPL-3.0-only", "CECILL-2.1", "adapt", "forbidden", "strong-copyleft--any", "GPLv3 §5(c)"),
    # open hardware
    (
        "CERN-OHL-S-2.0",
        "CERN-OHL-P-2.0",
        "adapt",
        "forbidden",
        "strong-copyleft--any",
        "CERN-OHL-S §4",
    ),
    (
        "CERN-OHL-W-2.0",
        "CERN-OHL-S-2.0",
        "combine",
        "conditional",
        "weak-copyleft--any/combine",
        "CERN-OHL-W §8",
    ),
    # what the rules cannot decide
    ("Elastic-2.0", "MIT", "adapt", "unknown", "restricted--any", "source-available terms"),
    ("BUSL-1.1", "Apache-2.0", "combine", "unknown", "restricted--any", "source-available terms"),
]


def test_the_pair_table_is_large_and_distinct() -> None:
    pairs = {(a, b, use) for a, b, use, *_ in PAIRS}
    assert len(pairs) == len(PAIRS) >= 60
    assert {answer for *_, answer, _, _ in PAIRS} == set(VERDICTS)


@pytest.mark.parametrize(("source", "target", "use", "answer", "rule", "clause"), PAIRS)
def test_licence_compatibility(
    client: TestClient, source: str, target: str, use: str, answer: str, rule: str, clause: str
) -> None:
    url = "/api/queries/licence-compatibility"
    given = {"source": source, "target": target, "use": use}
    response = client.get(url, params=given)
    assert response.status_code == 200, response.text
    rows = [
        {k: v["value"].removeprefix(BASE) for k, v in row.items()}
        for row in response.json()["results"]["bindings"]
    ]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["answer"], row["rule"]) == (answer, f"compatibility/{rule}"), clause
    assert (row["source"], row["target"], row["use"]) == (source, target, use)
    assert row["reason"]
    assert row["ruleSource"].startswith("https://")
    if answer == "conditional":
        assert row["condition"], "a yes-if says on what condition"
    french = client.get(url, params=given | {"lang": "fr"}).json()["results"]["bindings"]
    assert french[0]["reason"]["value"] != row["reason"], "the rationale exists in French too"


def test_every_licence_has_a_family_and_says_where_it_comes_from(
    store: LocalStore, engine: Engine
) -> None:
    catalogue = engine.catalogue
    assert len(catalogue) >= 660
    families = Counter(licence.family for licence in catalogue.licences.values())
    assert set(families) == set(FAMILIES)
    assert families["permissive"] > 300
    assert families["restricted"] > 10
    for graph, source in ((SCANCODE_GRAPH, "scancode-licensedb"), (CC_GRAPH, "creative-commons")):
        rows = store.select(
            "SELECT ?source (COUNT(?l) AS ?n) { GRAPH ?g { ?g dct:source ?source . "
            "?l cg:licenceFamily ?f } } GROUP BY ?source",
            {"g": NamedNode(BASE + "graph/" + graph)},
        )
        assert [lexical(r["source"]) for r in rows] == [BASE + "source/" + source]
        assert int(lexical(rows[0]["n"])) > 20
    # the curated base wins: CeCILL-C is weak copyleft (ScanCode says Copyleft)
    assert catalogue.licences["CECILL-C"].family == "weak-copyleft"
    assert catalogue.licences["CC-BY-NC-SA-3.0"].family == "non-commercial"
    for given in ("LO-1.0", "LO-2.0", "OGL-UK-3.0", "GPL-2.0+", "gpl-3.0-only", "LGPL-2.1"):
        assert catalogue.key(given) is not None, given


def test_every_ordered_pair_gets_an_answer_with_its_reason(engine: Engine) -> None:
    ids = sorted(engine.catalogue.licences)
    seen: Counter[str] = Counter()
    rules = {}
    for a in ids:
        for b in ids:
            step = engine.step(Leaf(a), Leaf(b), "adapt")
            seen[step.verdict] += 1
            rules[step.rule.name] = step.rule
    assert sum(seen.values()) == len(ids) ** 2
    assert set(seen) == set(VERDICTS)
    for rule in rules.values():
        assert rule.reason.keys() == {"fr", "en"}, rule
        assert rule.source.startswith("https://"), rule


def test_an_unknown_id_is_a_404_that_suggests_close_ids(client: TestClient) -> None:
    response = client.get(
        "/api/queries/licence-compatibility", params={"source": "FOO", "target": "MIT"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == "source"
    assert "FOO" in problem["detail"]
    assert problem["suggestions"]
    near = client.get(
        "/api/queries/licence-compatibility", params={"source": "MIT", "target": "GPL-3.0"}
    )
    assert near.status_code == 200  # a deprecated SPDX id is an alias
    typo = client.get(
        "/api/queries/licence-compatibility", params={"source": "Apache-2", "target": "MIT"}
    ).json()
    assert "Apache-2.0" in typo["suggestions"]
    inside = client.get(
        "/api/queries/licence-compatibility", params={"source": "MIT OR GLP-3.0", "target": "MIT"}
    )
    assert inside.status_code == 404
    assert "GLP-3.0" in inside.json()["detail"]


@pytest.mark.parametrize(
    ("source", "target", "use", "answer", "rules"),
    [
        ("MIT OR GPL-3.0-only", "Apache-2.0", "adapt", "conditional", ["permissive--any"]),
        ("GPL-3.0-only OR MIT", "Apache-2.0", "adapt", "conditional", ["permissive--any"]),
        (
            "CC-BY-4.0 AND ODbL-1.0",
            "CC-BY-SA-4.0",
            "adapt",
            "forbidden",
            ["permissive--any", "ODbL-1.0--any"],
        ),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "Apache-2.0",
            "combine",
            "conditional",
            ["linking-exception"],
        ),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "Apache-2.0",
            "adapt",
            "forbidden",
            ["strong-copyleft--any"],
        ),
        ("MIT", "Apache-2.0 OR GPL-3.0-only", "adapt", "conditional", ["permissive--any"] * 2),
        (
            "LGPL-2.1-or-later",
            "GPL-3.0-only AND MIT",
            "adapt",
            "forbidden",
            ["LGPL-2.1-or-later--GPL-3.0-only", "weak-copyleft--any"],
        ),
    ],
)
def test_expressions(
    engine: Engine, source: str, target: str, use: str, answer: str, rules: list[str]
) -> None:
    found = engine.answer(source, target, use)
    assert found.verdict == answer
    assert [step.rule.name for step in found.steps] == [f"compatibility/{r}" for r in rules]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is empty"),
        ("MIT OR", "not a valid SPDX expression"),
        ("MIT WITH MIT", "not a valid SPDX expression"),
        ("Classpath-exception-2.0", "is an exception"),
        ("(" * 11 + "MIT" + ")" * 11, "deeper than 10"),
        ("MIT OR " * 100 + "MIT", "longer than 500"),
    ],
)
def test_a_malformed_expression_is_refused(engine: Engine, text: str, fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment):
        engine.answer(text, "MIT")


def test_markup_and_odd_bytes_are_refused(engine: Engine, client: TestClient) -> None:
    with pytest.raises(ParameterError):
        engine.answer("<script>alert(1)</script>", "MIT")
    with pytest.raises(UnknownLicence):
        engine.answer("MIT", "no\u00e9-such")
    response = client.get(
        "/api/queries/licence-compatibility", params={"source": "\x00\ufffe", "target": "MIT"}
    )
    assert response.status_code in (400, 404)
    assert "<script>" not in response.text


def test_the_old_matrix_graph_is_dropped(tmp_path: Path) -> None:
    store = LocalStore()
    matrix = NamedNode(BASE + "graph/derived/compatibility-matrix")
    store.update(f"INSERT DATA {{ GRAPH <{matrix.value}> {{ <{BASE}a> <{BASE}b> <{BASE}c> }} }}")
    load_bundled(store, Settings(data_dir=tmp_path, base_iri=BASE))
    assert not store.has_graph(matrix)
    store.close()


DERIVED = """@prefix dct: <http://purl.org/dc/terms/> . @prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<commons/fab-fork> a cg:Commons ; rdfs:label "Fab fork" ; dct:license <licence/{licence}> ;
    prov:wasDerivedFrom <commons/{source}> .
<commons/elastic-kit> a cg:Commons ; rdfs:label "Elastic kit" ; dct:license <licence/Elastic-2.0> .
"""


@pytest.mark.parametrize(
    ("source", "licence", "severity"),
    [
        ("fab-manager", "MIT", "Violation"),  # AGPL-3.0-or-later material under MIT
        ("fab-manager", "AGPL-3.0-or-later", None),
        ("elastic-kit", "MIT", "Warning"),  # a restricted licence: nobody can tell
        ("elastic-kit", "Elastic-2.0", None),
    ],
)
def test_a_contribution_that_breaks_its_source_licence_is_reported(
    tmp_path: Path, source: str, licence: str, severity: str | None
) -> None:
    """The source is in the store (Fab-manager) or in the contribution itself."""
    from .test_contributions import make_site

    for site in make_site(tmp_path):
        body = DERIVED.replace("{licence}", licence).replace("{source}", source)
        contribution = site.upload(body.encode())
        findings = contribution["findings"]
        assert isinstance(findings, list)
        legal = [f for f in findings if f["messages"]["en"].startswith("licence:")]
        if severity is None:
            assert legal == []
            assert contribution["status"] == "pending"
            continue
        assert [f["severity"] for f in legal] == [severity]
        assert legal[0]["focus"] == BASE + "commons/fab-fork"
        assert legal[0]["messages"]["fr"].startswith("licence : adapter")
        page = site.client.get(
            f"/contributions/{contribution['id']}", headers={**site.curator, "Accept": "text/html"}
        )
        assert "adapting" in page.text or "adapter" in page.text


def test_a_licence_page_shows_its_verdicts_as_a_table(client: TestClient) -> None:
    page = client.get("/licence/MPL-2.0", headers={"Accept": "text/html"})
    assert page.status_code == 200
    table = page.text.split('<table class="verdicts">')[1].split("</table>")[0]
    rows = {
        row.split("</th>")[0].rsplit(">", 2)[-2].split("<")[0]: row
        for row in table.split("<tr>")[2:]
    }
    assert "MPL-2.0" not in rows
    assert {"MIT", "Apache-2.0", "GPL-3.0-or-later", "etalab-2.0"} <= set(rows)
    apache = rows["Apache-2.0"].split("<td>")
    assert "verdict-forbidden" in apache[1]
    assert "weak-copyleft--any" in apache[1]
    assert "verdict-conditional" in apache[2]
    french = client.get("/licence/MPL-2.0?lang=fr", headers={"Accept": "text/html"}).text
    assert "Réutiliser sous une autre licence" in french
    assert ">non</span>" in french
    unclassified = client.get("/licence/Elastic-2.0", headers={"Accept": "text/html"})
    assert unclassified.status_code == 200
    assert "verdict-unknown" in unclassified.text
