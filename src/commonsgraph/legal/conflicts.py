"""Licence conflicts in a contribution, caught before publication.

For every work the contribution describes that derives from another (`prov:wasDerivedFrom`,
`schema:isBasedOn`), the engine is asked whether the source's material may be adapted under the
derived work's licence. The answer becomes a validation finding on the derived work, beside the
SHACL ones, at upload and on the curator's review page: forbidden is a violation, unknown a
warning, conditional an information that states the condition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyoxigraph import NamedNode, Triple

from commonsgraph.legal.engine import Engine
from commonsgraph.legal.expressions import Leaf
from commonsgraph.store import Store
from commonsgraph.validation import Finding
from commonsgraph.vocab import DCT, PROV, SCHEMA

DERIVES = (PROV.wasDerivedFrom, SCHEMA.isBasedOn)
SEVERITY = {"forbidden": "Violation", "unknown": "Warning", "conditional": "Info"}
WORDS = {
    "fr": {"forbidden": "interdit", "unknown": "on ne sait pas", "conditional": "oui, si"},
    "en": {"forbidden": "forbidden", "unknown": "unknown", "conditional": "yes, if"},
}
LICENCE_OF = "SELECT ?licence WHERE { ?work dct:license ?licence }"


def licence_findings(
    engine_of: Callable[[], Engine | None],
    store: Store,
    description: Sequence[Triple],
    base: str,
) -> list[Finding]:
    """The findings on the derivation links of `description` (what the described resources
    will say once accepted); a source not described there is looked up in the store. The
    engine is asked for (`engine_of`) only when there is a link to judge; there is none to
    ask in a store without the project's rules."""
    licences: dict[NamedNode, list[NamedNode]] = {}
    links: list[tuple[NamedNode, NamedNode]] = []
    for triple in description:
        subject, obj = triple.subject, triple.object
        if not isinstance(subject, NamedNode) or not isinstance(obj, NamedNode):
            continue
        if triple.predicate == DCT.license:
            licences.setdefault(subject, []).append(obj)
        elif triple.predicate in DERIVES:
            links.append((subject, obj))
    findings: list[Finding] = []
    engine = engine_of() if links else None
    if engine is None:
        return findings
    for derived, source in dict.fromkeys(links):
        if source not in licences:
            licences[source] = [
                row["licence"]
                for row in store.select(LICENCE_OF, {"work": source})
                if isinstance(row["licence"], NamedNode)
            ]
        for derived_licence in licences.get(derived, []):
            for source_licence in licences[source]:
                finding = _finding(engine, base, derived, derived_licence, source, source_licence)
                if finding is not None:
                    findings.append(finding)
    return findings


def _finding(
    engine: Engine,
    base: str,
    derived: NamedNode,
    derived_licence: NamedNode,
    source: NamedNode,
    source_licence: NamedNode,
) -> Finding | None:
    a, b = (engine.catalogue.of_iri(n.value, base) for n in (source_licence, derived_licence))
    if a is None or b is None:
        verdict, rule = "unknown", engine.named["compatibility/no-rule"]
    else:
        step = engine.step(Leaf(a), Leaf(b), "adapt")
        verdict, rule = step.verdict, step.rule
    if verdict not in SEVERITY:
        return None
    s, sl, dl = source.value, source_licence.value, derived_licence.value
    messages = {
        "fr": f"licence : adapter {s} (sous {sl}) sous {dl} : {WORDS['fr'][verdict]} — "
        + rule.reason.get("fr", "")
        + (f" Condition : {rule.condition['fr']}." if "fr" in rule.condition else "")
        + f" (source : {rule.source})",
        "en": f"licence: adapting {s} (under {sl}) under {dl}: {WORDS['en'][verdict]} — "
        + rule.reason.get("en", "")
        + (f" Condition: {rule.condition['en']}." if "en" in rule.condition else "")
        + f" (source: {rule.source})",
    }
    return Finding(
        severity=SEVERITY[verdict],
        focus=derived.value,
        path=DCT.license.value,
        value=derived_licence.value,
        messages=messages,
    )
