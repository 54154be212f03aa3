"""The named queries the legal engine answers (`#+ engine: NAME` in queries/*.rq).

An answerer reads the query's parameters (and, for a commons, its derivation chain from the
store), asks the engine, and returns its rows as a VALUES clause; the query text then joins what
the graph says of each row (the rule's reasoning, condition and source; names), so that every
answer carries the words of the rule it rests on, in the language asked for.

    licence-compatibility  source, target (ids or SPDX expressions), use: one row per step
    may-adapt              a commons and a target: one row per work of the derivation chain
    licence-conflicts      every derivation link whose licences do not allow it
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from commonsgraph.errors import DataSyntaxError
from commonsgraph.legal.engine import NO_LICENCE, NO_RULE, Answer, Engine, rank
from commonsgraph.legal.expressions import Leaf
from commonsgraph.queries import NamedQuery
from commonsgraph.sparqltext import term_text
from commonsgraph.store import Store, Term, lexical
from commonsgraph.vocab import Minter

Row = Mapping[str, Term | None]


def values(variables: Sequence[str], rows: Iterable[Row]) -> str:
    """A VALUES clause for `rows` (a missing value is UNDEF); the terms are written by
    pyoxigraph, so that a value is always one term."""
    lines = []
    for row in rows:
        cells = (row.get(v) for v in variables)
        lines.append("(" + " ".join("UNDEF" if c is None else term_text(c) for c in cells) + ")")
    names = " ".join(f"?{v}" for v in variables)
    return f"\n  VALUES ({names}) {{\n    " + "\n    ".join(lines) + "\n  }\n"


CHAIN = """SELECT DISTINCT ?work ?licence ?id WHERE {
  ?commons (prov:wasDerivedFrom|schema:isBasedOn)* ?work .
  OPTIONAL { ?work dct:license ?licence OPTIONAL { ?licence spdx:licenseId ?id } }
}"""

LINKS = """SELECT DISTINCT ?derived ?derivedLicence ?derivedId ?source ?sourceLicence ?sourceId
WHERE {
  ?derived (prov:wasDerivedFrom|schema:isBasedOn) ?source ; dct:license ?derivedLicence .
  ?source dct:license ?sourceLicence .
  OPTIONAL { ?derivedLicence spdx:licenseId ?derivedId }
  OPTIONAL { ?sourceLicence spdx:licenseId ?sourceId }
}"""


@dataclass(frozen=True)
class Link:
    """A derivation link: `derived` is based on `source`; each with its licence."""

    derived: NamedNode
    derived_licence: NamedNode
    source: NamedNode
    source_licence: NamedNode
    answer: Answer | None
    """None when a licence is not one the catalogue knows."""

    @property
    def verdict(self) -> str:
        return "unknown" if self.answer is None else self.answer.verdict


class LegalQueries:
    """The answerers, over an engine built from the store when first needed (the store may be
    filled after the service is created)."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base
        self.minter = Minter(base)
        self.answerers: dict[str, Callable[[dict[str, Term]], str]] = {
            "licence-compatibility": self.compatibility,
            "may-adapt": self.may_adapt,
            "licence-conflicts": self.conflicts,
        }

    @functools.cached_property
    def engine(self) -> Engine:
        return Engine.from_store(self.store, self.base)

    def engine_if_loaded(self) -> Engine | None:
        """The engine, or None when the store lacks the project's rules (a store the bundled
        graphs were not loaded into)."""
        try:
            return self.engine
        except LookupError:
            return None

    def check(self, queries: Iterable[NamedQuery]) -> None:
        for query in queries:
            if query.engine is not None and query.engine not in self.answerers:
                raise DataSyntaxError(query.name, f"no legal answerer is named {query.engine!r}")

    def prepared(self, query: NamedQuery, given: Mapping[str, str]) -> str:
        """The query ready to run; an engine query's rows computed first (which may read the
        store: call it where blocking is allowed)."""
        if query.engine is None:
            return query.prepared(given, self.base)
        terms = query.bindings(given, self.base)
        return query.prepared(given, self.base, self.answerers[query.engine](terms))

    def rule(self, name: str) -> NamedNode:
        return NamedNode(self.base + name)

    def licence_id(self, licence: NamedNode, declared: Term | None) -> str | None:
        text = None if declared is None else lexical(declared)
        return self.engine.catalogue.of_iri(licence.value, self.base, text)

    def compatibility(self, terms: dict[str, Term]) -> str:
        answer = self.engine.answer(
            lexical(terms["source"]), lexical(terms["target"]), lexical(terms["use"])
        )
        rows: list[Row] = [
            {
                "source": Literal(answer.source),
                "target": Literal(answer.target),
                "answer": Literal(answer.verdict),
                "from": self.minter.licence(step.source.split(" WITH ")[0]),
                "to": self.minter.licence(step.target),
                "rule": self.rule(step.rule.name),
            }
            for step in answer.steps
        ]
        return values(("source", "target", "answer", "from", "to", "rule"), rows)

    def may_adapt(self, terms: dict[str, Term]) -> str:
        target = self.engine.parser.parse(lexical(terms["target"]), "target")
        use = lexical(terms["use"])
        rows: list[dict[str, Term | None]] = []
        for found in self.store.select(CHAIN, {"commons": terms["commons"]}):
            licence = found.get("licence")
            key = None
            if isinstance(licence, NamedNode):
                key = self.licence_id(licence, found.get("id"))
            if licence is None:
                verdict, rule = "unknown", NO_LICENCE
            elif key is None:
                verdict, rule = "unknown", NO_RULE
            else:
                answer = self.engine.answer_expressions(Leaf(key), target, use)
                verdict, rule = answer.verdict, answer.decisive.rule.name
            row = {"work": found["work"], "licence": licence}
            rows.append(row | {"answer": Literal(verdict), "rule": self.rule(rule)})
        verdicts = [lexical(row["answer"]) for row in rows if row["answer"] is not None]
        overall = max(verdicts, key=rank, default="unknown")
        for row in rows:
            row["overall"] = Literal(overall)
        return values(("work", "licence", "answer", "rule", "overall"), rows)

    def links(self) -> list[Link]:
        """Every derivation link with a licence on both sides, and the engine's answer for
        adapting the source under the derived work's licence."""
        found = []
        for row in self.store.select(LINKS):
            derived_licence, source_licence = row["derivedLicence"], row["sourceLicence"]
            if not isinstance(derived_licence, NamedNode) or not isinstance(
                source_licence, NamedNode
            ):
                continue
            a = self.licence_id(source_licence, row.get("sourceId"))
            b = self.licence_id(derived_licence, row.get("derivedId"))
            answer = None
            if a is not None and b is not None:
                answer = self.engine.answer_expressions(Leaf(a), Leaf(b), "adapt")
            derived, source = row["derived"], row["source"]
            if not isinstance(derived, NamedNode) or not isinstance(source, NamedNode):
                continue
            found.append(Link(derived, derived_licence, source, source_licence, answer))
        return found

    def conflicts(self, terms: dict[str, Term]) -> str:
        rows: list[Row] = [
            {
                "derived": link.derived,
                "derivedLicence": link.derived_licence,
                "source": link.source,
                "sourceLicence": link.source_licence,
                "answer": Literal(link.verdict),
                "rule": self.rule(
                    NO_RULE if link.answer is None else link.answer.decisive.rule.name
                ),
            }
            for link in self.links()
            if link.verdict in ("forbidden", "unknown")
        ]
        variables = ("derived", "derivedLicence", "source", "sourceLicence", "answer", "rule")
        return values(variables, rows)
