"""What a contribution changes in the public graph, resource by resource.

A contribution gives the whole description of each resource it describes, as an HTTP PUT
does: what earlier contributions said about these resources is replaced by what this one says
(taken from their graphs, and given back if this one is reverted); what the sources (imports,
seed) say stays, since the next import would say it again. So, for each described resource:

- added: statements the public graph does not hold yet;
- removed: statements of earlier contributions that this one no longer makes;
- kept: statements of the sources, which stay whatever the contribution says.

The parts of a resource (`{resource}#…`: its address, its roles) go with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph.store import Store
from commonsgraph.vocab import WGS

_BATCH = 500


@dataclass(frozen=True)
class ResourceChange:
    subject: NamedNode
    added: list[Triple] = field(default_factory=list)
    removed: list[Quad] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0

    @property
    def is_new(self) -> bool:
        """The public graph says nothing of this resource yet."""
        return not self.removed and not self.unchanged and not self.kept


@dataclass(frozen=True)
class Plan:
    """A contribution set against the public graph as it is now."""

    changes: list[ResourceChange]
    superseded: list[Quad]
    """Every statement of earlier contributions about the described resources: they move out
    of their graphs when this contribution is accepted."""
    insert: list[Triple]
    """What the contribution's own graph will hold: its statements, less what sources say."""
    description: list[Triple]
    """What the described resources will say once accepted (validated before review)."""
    holders: dict[NamedNode, set[NamedNode]]
    """For each described resource, the public graphs that say something of it."""


def public_statements(store: Store, subjects: Iterable[NamedNode]) -> list[Quad]:
    """Every public statement about `subjects`, with its graph."""
    ordered = sorted(set(subjects), key=lambda node: node.value)
    quads: list[Quad] = []
    for start in range(0, len(ordered), _BATCH):
        values = " ".join(str(node) for node in ordered[start : start + _BATCH])
        for row in store.select(
            f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        ):
            graph = row["g"]
            assert isinstance(graph, NamedNode)
            quads.append(Quad(row["s"], row["p"], row["o"], graph))  # type: ignore[arg-type]
    return quads


def plan(store: Store, triples: list[Triple], is_contribution: Callable[[NamedNode], bool]) -> Plan:
    """What accepting `triples` would do; `is_contribution` tells the graphs of contributions
    from those of sources."""
    statements = set(triples)
    described = {t.subject for t in triples if isinstance(t.subject, NamedNode)}
    public = public_statements(store, described)
    # The parts of a described resource (`{resource}#…`: its address, its geometry) belong to
    # its description, though this contribution may not name them: those of earlier
    # contributions are replaced with it, those of sources kept (and validated with it).
    while True:
        parts = {
            q.object
            for q in public
            if isinstance(q.object, NamedNode)
            and q.object not in described
            and q.object.value.split("#", 1)[0] == q.subject.value.split("#", 1)[0]  # type: ignore[union-attr]
        }
        if not parts:
            break
        described |= parts
        public += public_statements(store, parts)
    subjects = sorted(described, key=lambda s: s.value)
    holders: dict[NamedNode, set[NamedNode]] = defaultdict(set)
    from_sources: dict[NamedNode, set[Triple]] = defaultdict(set)
    from_contributions: dict[NamedNode, list[Quad]] = defaultdict(list)
    for quad in public:
        subject, graph = quad.subject, quad.graph_name
        assert isinstance(subject, NamedNode)
        assert isinstance(graph, NamedNode)
        holders[subject].add(graph)
        if is_contribution(graph):
            from_contributions[subject].append(quad)
        else:
            from_sources[subject].add(quad.triple)
    contributed: dict[NamedNode, list[Triple]] = defaultdict(list)
    for triple in dict.fromkeys(triples):
        assert isinstance(triple.subject, NamedNode)
        contributed[triple.subject].append(triple)
    changes = []
    for subject in subjects:
        sources = from_sources[subject]
        earlier = {q.triple for q in from_contributions[subject]}
        mine = contributed[subject]
        changes.append(
            ResourceChange(
                subject,
                added=[t for t in mine if t not in sources and t not in earlier],
                removed=[q for q in from_contributions[subject] if q.triple not in statements],
                unchanged=sum(1 for t in mine if t in sources or t in earlier),
                kept=sum(1 for t in sources if t not in statements),
            )
        )
    kept = [t for subject in subjects for t in from_sources[subject]]
    return Plan(
        changes=changes,
        superseded=[q for subject in subjects for q in from_contributions[subject]],
        insert=[t for t in dict.fromkeys(triples) if t not in from_sources[t.subject]],  # type: ignore[index]
        description=[*dict.fromkeys(triples), *(t for t in kept if t not in statements)],
        holders=dict(holders),
    )


Position = tuple[float, float]
"""A latitude and a longitude, in degrees (WGS 84)."""


@dataclass(frozen=True)
class Move:
    """Where a described resource is on a map before the contribution and after it."""

    subject: NamedNode
    before: Position | None
    after: Position | None

    @property
    def kind(self) -> str:
        """`added`, `removed`, `moved` or `unchanged`."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "unchanged" if self.before == self.after else "moved"


def _degrees(term: object, bound: float) -> float | None:
    if not isinstance(term, Literal):
        return None
    try:
        value = float(term.value)
    except ValueError:
        return None
    return value if math.isfinite(value) and -bound <= value <= bound else None


def _position(lat: object, long: object) -> Position | None:
    latitude, longitude = _degrees(lat, 90), _degrees(long, 180)
    return None if latitude is None or longitude is None else (latitude, longitude)


def moves(store: Store, changes: list[ResourceChange], staged: list[Triple]) -> list[Move]:
    """What the changes do on a map: for each described resource with a position
    (`wgs:lat`, `wgs:long`) before or after, the one the public graph gives now and the one
    it will give once the contribution is accepted (its own, else the one it leaves)."""
    subjects = [c.subject for c in changes]
    before: dict[NamedNode, Position] = {}
    for start in range(0, len(subjects), _BATCH):
        values = " ".join(str(s) for s in subjects[start : start + _BATCH])
        for row in store.select(
            f"SELECT ?s ?lat ?long WHERE {{ VALUES ?s {{ {values} }} "
            f"GRAPH ?g {{ ?s {WGS.lat} ?lat ; {WGS.long} ?long }} }}"
        ):
            subject = row["s"]
            position = _position(row["lat"], row["long"])
            if isinstance(subject, NamedNode) and subject not in before and position:
                before[subject] = position
    said: dict[NamedNode, dict[NamedNode, object]] = {}
    for triple in staged:
        if isinstance(triple.subject, NamedNode) and triple.predicate in (WGS.lat, WGS.long):
            said.setdefault(triple.subject, {})[triple.predicate] = triple.object
    found = []
    for change in changes:
        given = said.get(change.subject, {})
        after = _position(given.get(WGS.lat), given.get(WGS.long))
        if after is None and not any(q.predicate == WGS.lat for q in change.removed):
            after = before.get(change.subject)  # left as it is
        if after is not None or change.subject in before:
            found.append(Move(change.subject, before.get(change.subject), after))
    return found
