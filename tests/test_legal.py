"""Legal tooling on commons: licence compatibility, obligations along derivation chains,
conflicts, and the sharing of value between contributors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import NamedQuery, load_queries
from commonsgraph.rdfio import parse_triples
from commonsgraph.store import LocalStore, lexical
from commonsgraph.validation import Validator, neighbourhood

from .conftest import BASE, FILES, FIXTURES, ROOT

CHAIN = NamedNode(BASE + "graph/test/legal-chain")


@pytest.fixture(scope="module")
def legal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """The project's graphs and the fictional chain kit-a <- kit-b <- kit-c."""
    store = LocalStore()
    settings = Settings(data_dir=tmp_path_factory.mktemp("legal"), base_iri=BASE)
    load_bundled(store, settings)
    store.replace_graph(
        CHAIN, parse_triples(FIXTURES / "legal-chain.ttl", base_iri=BASE, limits=FILES)
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    return {q.name: q for q in load_queries(ROOT / "queries")}


def run(
    store: LocalStore, queries: dict[str, NamedQuery], name: str, **given: str
) -> list[dict[str, str]]:
    """The rows of a named query, each term as its text, IRIs relative to the base."""
    rows = store.select(LegalQueries(store, BASE).prepared(queries[name], given))
    return [{k: lexical(v).removeprefix(BASE) for k, v in row.items()} for row in rows]


def test_the_rules_and_the_chain_pass_the_shapes(legal: LocalStore, settings: Settings) -> None:
    validator = Validator(sorted(settings.resource("shapes").glob("*.ttl")), BASE)
    for path in (ROOT / "data" / "compatibility.ttl", FIXTURES / "legal-chain.ttl"):
        data = parse_triples(path, base_iri=BASE, limits=FILES)
        report = validator.validate(data, neighbourhood(legal, data))
        assert report.counts()["Violation"] == 0, [f.message() for f in report.findings]
    chain = validator.validate(
        parse_triples(FIXTURES / "legal-chain.ttl", base_iri=BASE, limits=FILES)
    )
    # the documents contribution has no value nor quantity: it does not count, and it is said
    assert any("value share" in f.message("en") for f in chain.findings)


def test_bad_contributions_and_rules_are_refused(
    legal: LocalStore, settings: Settings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <commons/kit-c#contribution-9> a cg:Contribution ; cg:contributesTo <licence/MIT> ;
            cg:contributionKind <scheme/typology/fablab> ; cg:estimatedValue -5.0 .
        <compatibility/bad> a cg:CompatibilityRule ; cg:fromLicence <licence/MIT> ;
            cg:fromFamily <scheme/licence-family/permissive> ;
            cg:verdict <scheme/compatibility/perhaps> ."""
    )
    data = parse_triples(bad, base_iri=BASE, limits=FILES)
    validator = Validator(sorted(settings.resource("shapes").glob("*.ttl")), BASE)
    report = validator.validate(data, neighbourhood(legal, data))
    messages = {f.message("en") for f in report.findings if f.severity == "Violation"}
    assert "a contribution has one contributor, a known actor" in messages
    assert "a contribution goes to one known commons" in messages
    assert "a contribution has one kind, from the contribution-kind scheme" in messages
    assert "the estimated value is a non-negative decimal amount, in euros" in messages
    assert "a rule gives one verdict: allowed, conditional, forbidden or unknown" in messages
    assert "a rule starts from a licence or from a family, not both" in messages
    assert "a rule cites the source it rests on (dct:source)" in messages


def test_the_attribution_list_names_every_author_up_the_chain(
    legal: LocalStore, queries: dict[str, NamedQuery]
) -> None:
    rows = run(legal, queries, "reuse-obligations", commons="kit-c")
    authors = {(r["work"], r["distance"], r.get("authorName")) for r in rows}
    assert authors == {
        ("commons/kit-c", "0", "Atelier C"),
        ("commons/kit-b", "1", "Atelier B"),
        ("commons/kit-a", "2", "Atelier A"),
    }
    obligations = {(r["work"], r["kind"], r["obligation"].rsplit("#", 1)[-1]) for r in rows}
    # share-alike is inherited from kit-b, although kit-c itself is under CC BY
    assert ("commons/kit-b", "requires", "ShareAlike") in obligations
    assert ("commons/kit-a", "requires", "Attribution") in obligations
    assert not any(w == "commons/kit-c" and o == "ShareAlike" for w, _, o in obligations)


def test_restrictions_are_listed(legal: LocalStore, queries: dict[str, NamedQuery]) -> None:
    legal.update(
        f"""INSERT DATA {{ GRAPH <{CHAIN.value}-nd> {{
            <{BASE}commons/kit-d> a cg:Commons ; rdfs:label "Kit D" ;
                dct:license <{BASE}licence/CC-BY-NC-ND-4.0> ;
                prov:wasDerivedFrom <{BASE}commons/kit-a> . }} }}"""
    )
    try:
        rows = run(legal, queries, "reuse-obligations", commons="kit-d", lang="fr")
        restrictions = {
            (r["kind"], r["obligationLabel"]) for r in rows if r["work"] == "commons/kit-d"
        }
        assert ("prohibits", "usage commercial") in restrictions
        assert ("does not permit", "œuvres dérivées") in restrictions
    finally:
        legal.drop_graph(NamedNode(CHAIN.value + "-nd"))


def test_the_conflict_query_finds_the_planted_link(
    legal: LocalStore, queries: dict[str, NamedQuery]
) -> None:
    rows = run(legal, queries, "licence-conflicts")
    assert [(r["derived"], r["source"], r["answer"]) for r in rows] == [
        ("commons/kit-c", "commons/kit-b", "forbidden")
    ]
    assert "share-alike" in rows[0]["reason"]


def test_may_adapt_takes_the_strictest_answer_along_the_chain(
    legal: LocalStore, queries: dict[str, NamedQuery]
) -> None:
    # kit-c is under CC BY, but it carries kit-b's CC BY-SA material
    rows = run(legal, queries, "may-adapt", commons="kit-c", target="MIT")
    assert {r["overall"] for r in rows} == {"forbidden"}
    answers = {r["work"]: r["answer"] for r in rows}
    assert answers == {
        "commons/kit-c": "conditional",
        "commons/kit-b": "forbidden",
        "commons/kit-a": "conditional",
    }
    rows = run(legal, queries, "may-adapt", commons="kit-c", target="CC-BY-SA-4.0")
    assert {r["overall"] for r in rows} == {"conditional"}
    assert all(r["condition"] for r in rows if r["answer"] == "conditional")
    # a commons with no licence: nobody can tell
    rows = run(legal, queries, "may-adapt", commons="movilab", target="CC-BY-SA-4.0")
    assert [(r["answer"], r["overall"]) for r in rows] == [("unknown", "unknown")]


def test_value_shares_follow_the_declared_contributions(
    legal: LocalStore, queries: dict[str, NamedQuery]
) -> None:
    rows = run(legal, queries, "contribution-shares", commons="kit-c")
    shares = {
        r["contributorName"]: (
            set(r["kinds"].split(", ")),
            r["contributions"],
            r["valued"],
            r["value"],
            r["share"],
        )
        for r in rows
    }
    assert shares == {
        "Atelier A": ({"code", "documents"}, "2", "1", "2000", "40"),
        "Atelier C": ({"time"}, "1", "1", "2000", "40"),  # 40 h at the commons' rate of 50 €
        "Atelier B": ({"money"}, "1", "1", "1000", "20"),
    }
    french = run(legal, queries, "contribution-shares", commons="kit-c", lang="fr")
    assert {kind for r in french for kind in r["kinds"].split(", ")} == {
        "code",
        "documents",
        "temps",
        "argent",
    }
