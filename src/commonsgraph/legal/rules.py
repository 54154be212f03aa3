"""The curated compatibility rules (data/compatibility.ttl, graph `compatibility`), read once.

A rule answers one question (`cg:use`: adapt, the default, combine or produce) for a source
(a licence or a family, or any) towards a target (likewise): its verdict, its reasoning
(`rdfs:comment`), its condition when the verdict is conditional, and the clause or page it rests
on (`dct:source`). Among the rules that match a pair, the most specific wins: licence before
family before any, the source side weighing more than the target side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from commonsgraph.store import Store, lexical

USES = ("adapt", "combine", "produce")
VERDICTS = ("allowed", "conditional", "unknown", "forbidden")
"""From the best answer to the worst."""


@dataclass(frozen=True)
class Rule:
    iri: str
    name: str
    """The rule's IRI without the base: `compatibility/MPL-2.0--GPL-3.0-only`."""
    verdict: str
    use: str = "adapt"
    from_licence: str | None = None
    from_family: str | None = None
    to_licence: str | None = None
    to_family: str | None = None
    reason: dict[str, str] = field(default_factory=dict)
    condition: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def priority(self) -> int:
        source = 20 if self.from_licence else 10 if self.from_family else 0
        return source + (2 if self.to_licence else 1 if self.to_family else 0)

    def matches(self, source: tuple[str, str], target: tuple[str, str]) -> bool:
        """Whether the rule speaks of (licence id, family) `source` towards `target`."""
        return (
            self.from_licence in (None, source[0])
            and self.from_family in (None, source[1])
            and self.to_licence in (None, target[0])
            and self.to_family in (None, target[1])
        )


RULES = """
SELECT ?rule ?verdict ?use ?fromLicence ?fromFamily ?toLicence ?toFamily ?source
       ?reasonFr ?reasonEn ?conditionFr ?conditionEn WHERE {
  ?rule a cg:CompatibilityRule ; cg:verdict/skos:notation ?verdict .
  OPTIONAL { ?rule cg:use ?use }
  OPTIONAL { ?rule cg:fromLicence ?fromLicence }
  OPTIONAL { ?rule cg:fromFamily ?fromFamily }
  OPTIONAL { ?rule cg:toLicence ?toLicence }
  OPTIONAL { ?rule cg:toFamily ?toFamily }
  OPTIONAL { ?rule dct:source ?source }
  OPTIONAL { ?rule rdfs:comment ?reasonFr FILTER(lang(?reasonFr) = "fr") }
  OPTIONAL { ?rule rdfs:comment ?reasonEn FILTER(lang(?reasonEn) = "en") }
  OPTIONAL { ?rule cg:condition ?conditionFr FILTER(lang(?conditionFr) = "fr") }
  OPTIONAL { ?rule cg:condition ?conditionEn FILTER(lang(?conditionEn) = "en") }
}"""


def load_rules(store: Store, base: str) -> list[Rule]:
    """Every rule of the store; licences and families are named by their id and notation
    (`licence/{id}`, `scheme/licence-family/{notation}` under the base)."""
    rules = []
    for row in store.select(RULES):
        text = {k: _local(lexical(v), base) for k, v in row.items()}
        rules.append(
            Rule(
                iri=text["rule"],
                name=text["rule"].removeprefix(base),
                verdict=text["verdict"],
                use=text.get("use", "adapt"),
                from_licence=text.get("fromLicence"),
                from_family=text.get("fromFamily"),
                to_licence=text.get("toLicence"),
                to_family=text.get("toFamily"),
                reason=_bilingual(text, "reason"),
                condition=_bilingual(text, "condition"),
                source=text.get("source", ""),
            )
        )
    return sorted(rules, key=lambda r: (-r.priority, r.name))


def _local(text: str, base: str) -> str:
    for prefix in ("licence/", "scheme/licence-family/"):
        if text.startswith(base + prefix):
            return text.removeprefix(base + prefix)
    return text


def _bilingual(text: dict[str, str], key: str) -> dict[str, str]:
    return {lang: text[key + lang.title()] for lang in ("fr", "en") if key + lang.title() in text}


def by_name(rules: Iterable[Rule]) -> dict[str, Rule]:
    return {rule.name: rule for rule in rules}
