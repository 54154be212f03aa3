"""Reconciliation: harvested places and organisations that are ours too.

`Reconciliation.search` runs the finder (`candidates.py`) and keeps what it found in the report
(`ledger.py`); curators confirm or dismiss each candidate. The confirmed links are published in
the graph `graph/reconciliation`: `<ours> owl:sameAs <theirs>`, each with a reified statement
`link/{id}` that says who confirmed it, when, from which harvest, with which score and why, and
the graph's own provenance. Pages of both resources then show the merged description, each
statement with its source (`describe.py`).

A decision is written to the report, then the graph is published again from the report (only the
difference reaches the store). A process stopped between the two is settled on the next start:
`settle` publishes the report's confirmed links again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.graphs import GraphSource, agent, agent_statements, publish
from commonsgraph.reconcile.candidates import Evidence, Finder, Found, Options, Search
from commonsgraph.reconcile.ledger import STATUSES, Candidate, ReconciliationLedger, Recorded
from commonsgraph.store import GraphChange, Store
from commonsgraph.tokens import Token
from commonsgraph.vocab import CG, OWL, PROV, RDF, RDFS, XSD, Minter

GRAPH = "reconciliation"
"""The graph of the confirmed links, under `graph/`."""


@dataclass(frozen=True)
class SearchReport:
    search: Search
    recorded: Recorded


class Reconciliation:
    """The reconciliation report of a deployment and the curators' decisions on it."""

    def __init__(
        self,
        store: Store,
        minter: Minter,
        ledger: ReconciliationLedger,
        options: Options | None = None,
    ) -> None:
        self.store = store
        self.minter = minter
        self.ledger = ledger
        self.options = options or Options()

    @classmethod
    def open(cls, store: Store, settings: Settings, database: Database) -> Reconciliation:
        """The report in the deployment's database."""
        return cls(store, Minter(settings.base_iri), ReconciliationLedger(database))

    @property
    def graph(self) -> NamedNode:
        return self.minter.graph(GRAPH)

    def search(self) -> SearchReport:
        """Look for candidates in the store as it is, and keep them in the report."""
        found = Finder(self.store, self.minter, self.options).search()
        return SearchReport(found, self.ledger.record(found.found, datetime.now(UTC)))

    def candidates(self, status: str | None = None) -> list[Candidate]:
        return self.ledger.all(status)

    def get(self, candidate: str) -> Candidate:
        return self.ledger.get(candidate)

    def confirm(self, candidate: str, curator: Token) -> Candidate:
        """Publish the link (a dismissed candidate may be confirmed after all)."""
        decided = self.ledger.decide(
            candidate, "confirmed", expected=("proposed", "dismissed"), by=curator.id,
            by_label=curator.label, moment=datetime.now(UTC),
        )  # fmt: skip
        self.settle()
        return decided

    def dismiss(self, candidate: str, curator: Token, reason: str = "") -> Candidate:
        """Not the same: never proposed again (a confirmed link is withdrawn)."""
        decided = self.ledger.decide(
            candidate, "dismissed", expected=("proposed", "confirmed"), by=curator.id,
            by_label=curator.label, moment=datetime.now(UTC), reason=reason.strip() or None,
        )  # fmt: skip
        self.settle()
        return decided

    def settle(self) -> GraphChange | None:
        """Publish the confirmed links of the report (nothing when there are none and never
        were); one process at a time, so that none publishes an older report over a newer."""
        with self.ledger.database.exclusive("reconciliation"):
            return self._publish()

    def _publish(self) -> GraphChange | None:
        confirmed = self.ledger.all("confirmed")
        if not confirmed and not self.store.has_graph(self.graph):
            return None
        triples = [t for candidate in confirmed for t in self._link(candidate)]
        origin = GraphSource(
            name=GRAPH,
            title_fr="Liens de réconciliation confirmés par les curateurs",
            title_en="Reconciliation links confirmed by curators",
            used=f"the reconciliation report: {len(confirmed)} confirmed link(s)",
        )
        return publish(self.store, self.minter, origin, triples)

    def _link(self, candidate: Candidate) -> list[Triple]:
        """The link, and the reified statement that says who confirmed it, when and why."""
        statement = self.minter.iri(f"link/{candidate.id}")
        curator = candidate.decided_by or ""
        decided = candidate.decided_at or datetime.now(UTC)
        label = f"{candidate.ours_label} = {candidate.theirs_label}"
        score = Literal(f"{candidate.score:.4f}", datatype=XSD.decimal)
        moment = Literal(decided.isoformat(), datatype=XSD.dateTime)
        triples = [
            Triple(candidate.ours, OWL.sameAs, candidate.theirs),
            Triple(statement, RDF.type, RDF.Statement),
            Triple(statement, RDF.type, PROV.Entity),
            Triple(statement, RDF.subject, candidate.ours),
            Triple(statement, RDF.predicate, OWL.sameAs),
            Triple(statement, RDF.object, candidate.theirs),
            Triple(statement, RDFS.label, Literal(label)),
            Triple(statement, CG.matchScore, score),
            Triple(statement, PROV.wasDerivedFrom, candidate.source),
            Triple(statement, PROV.wasAttributedTo, agent(self.minter, curator)),
            Triple(statement, PROV.generatedAtTime, moment),
            *agent_statements(self.minter, curator, candidate.decided_by_label or ""),
        ]  # fmt: skip
        for lang in ("fr", "en"):
            reasons = "; ".join(candidate.evidence.reasons(lang))
            if reasons:
                triples.append(Triple(statement, RDFS.comment, Literal(reasons, language=lang)))
        return triples


__all__ = [
    "STATUSES",
    "Candidate",
    "Evidence",
    "Found",
    "Options",
    "Reconciliation",
    "ReconciliationLedger",
    "SearchReport",
]
