"""The answer to "may material under A be used under B?", computed in process.

    Engine.answer(source, target, use) -> Answer

`use` is the question: `adapt` (may a derivative of the material be published under B?),
`combine` (may the unmodified material be included in a larger work published under B, keeping
its own licence?) or `produce` (may a work produced from a database be published under B?).
For one licence towards another, the first step that applies gives the answer:
  1. the same licence: allowed, unless it forbids derivatives and the material is adapted;
  2. a linking exception (`WITH Classpath-exception-2.0`) when combining;
  3. a curated rule naming both licences (data/compatibility.ttl);
  4. "or later": `GPL-2.0-or-later` accepts `GPL-3.0-only`; another version of a licence with no
     version rule is refused rather than silently accepted;
  5. the most specific curated rule for the source's and the target's families.
`combine` takes the better of its own rules and the adaptation answer (what may be adapted under
B may be included in it); `produce` falls back on `adapt` where no rule speaks of produced works.
Expressions: OR gives the best option, AND needs every part; every licence of the target must
be satisfied, since the reuser of the result may pick any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from commonsgraph.legal.catalogue import Catalogue, Licence
from commonsgraph.legal.expressions import All, Any, Expression, Leaf, Parser, text
from commonsgraph.legal.rules import USES, VERDICTS, Rule, by_name, load_rules
from commonsgraph.store import Store

LINKING_EXCEPTIONS = frozenset(
    {
        "Classpath-exception-2.0",
        "LLVM-exception",
        "GCC-exception-2.0",
        "GCC-exception-3.1",
        "LGPL-3.0-linking-exception",
        "OCaml-LGPL-linking-exception",
        "Universal-FOSS-exception-1.0",
        "Linux-syscall-note",
        "eCos-exception-2.0",
        "WxWindows-exception-3.1",
        "Font-exception-2.0",
        "Autoconf-exception-3.0",
        "Bison-exception-2.2",
    }
)
"""Exceptions that let a copyleft component be combined with independent modules under other
terms (each one's text says so); `compatibility/linking-exception` gives the answer."""

SAME = "compatibility/same-licence"
OR_LATER = "compatibility/or-later"
OTHER_VERSION = "compatibility/other-version"
LINKING = "compatibility/linking-exception"
NO_RULE = "compatibility/no-rule"
NO_LICENCE = "compatibility/no-licence"
APPLIED_BY_NAME = (SAME, OR_LATER, OTHER_VERSION, LINKING, NO_RULE, NO_LICENCE)
"""Rules without sides, which the engine applies by name, never by matching."""


@dataclass(frozen=True)
class Step:
    """One licence of the source towards one licence of the target, and the rule applied."""

    source: str
    target: str
    rule: Rule

    @property
    def verdict(self) -> str:
        return self.rule.verdict


@dataclass(frozen=True)
class Answer:
    source: str
    target: str
    use: str
    verdict: str
    steps: tuple[Step, ...]
    """The steps the verdict rests on: one for two licences; for an expression, those of the
    option chosen (OR) or of every part (AND)."""

    @property
    def decisive(self) -> Step:
        """The (first) step whose verdict is the answer's."""
        return next(step for step in self.steps if step.verdict == self.verdict)


def rank(verdict: str) -> int:
    return VERDICTS.index(verdict)


def best(answers: list[Answer]) -> Answer:
    return min(answers, key=lambda a: rank(a.verdict))


def worst(answers: list[Answer]) -> Answer:
    return max(answers, key=lambda a: rank(a.verdict))


class Engine:
    def __init__(self, catalogue: Catalogue, rules: list[Rule]) -> None:
        self.catalogue = catalogue
        self.parser = Parser(catalogue)
        self.named = by_name(rules)
        self.rules = {
            use: [r for r in rules if r.use == use and r.name not in APPLIED_BY_NAME]
            for use in USES
        }
        for name in APPLIED_BY_NAME:
            if name not in self.named:
                raise LookupError(f"the compatibility rules lack {name}")
        self.specific = {
            (r.use, r.from_licence, r.to_licence): r
            for r in rules
            if r.from_licence and r.to_licence
        }

    @classmethod
    def from_store(cls, store: Store, base: str) -> Engine:
        return cls(Catalogue.from_store(store), load_rules(store, base))

    def answer(self, source: str, target: str, use: str = "adapt") -> Answer:
        """The answer for licence ids or SPDX expressions; raises UnknownLicence or
        ParameterError for what cannot be read."""
        if use not in USES:
            raise ValueError(use)
        return self.answer_expressions(
            self.parser.parse(source, "source"), self.parser.parse(target, "target"), use
        )

    def answer_expressions(self, source: Expression, target: Expression, use: str) -> Answer:
        if isinstance(target, (Any, All)):
            parts = [self.answer_expressions(source, t, use) for t in target.parts]
            found = worst(parts)
            steps = tuple(s for p in parts for s in p.steps)
            return Answer(text(source), text(target), use, found.verdict, steps)
        if isinstance(source, Any):
            found = best([self.answer_expressions(s, target, use) for s in source.parts])
            return replace(found, source=text(source))
        if isinstance(source, All):
            parts = [self.answer_expressions(s, target, use) for s in source.parts]
            found = worst(parts)
            steps = tuple(s for p in parts for s in p.steps)
            return Answer(text(source), text(target), use, found.verdict, steps)
        step = self.step(source, target, use)
        return Answer(text(source), text(target), use, step.verdict, (step,))

    def step(self, source: Leaf, target: Leaf, use: str) -> Step:
        a = self.catalogue.licences[source.licence]
        b = self.catalogue.licences[target.licence]
        adapted = self._rule(a, b, "adapt") or self.named[NO_RULE]
        own = None
        if use == "combine" and source.exception in LINKING_EXCEPTIONS and a != b:
            own = self.named[LINKING]
        elif use != "adapt":
            own = self._rule(a, b, use)
        chosen = adapted if own is None or rank(adapted.verdict) <= rank(own.verdict) else own
        return Step(str(source), str(target), chosen)

    def _rule(self, a: Licence, b: Licence, use: str) -> Rule | None:
        """The rule for licence `a` towards licence `b` among the rules of `use`, if any."""
        if a.id == b.id and (use != "adapt" or a.adaptable):
            return self.named[SAME]
        specific = self.specific.get((use, a.id, b.id))
        if specific is not None:
            return specific
        if use == "adapt" and a.id != b.id and a.version and b.version:
            if a.version.accepts(b.version):
                return self.named[OR_LATER]
            if (a.version.name, a.version.variant) == (b.version.name, b.version.variant) and (
                a.family not in ("public-domain", "permissive")
            ):
                return self.named[OTHER_VERSION]
        pair = ((a.id, a.family), (b.id, b.family))
        return next((rule for rule in self.rules[use] if rule.matches(*pair)), None)
