"""Contributions and their curation: upload, validate, stage, review, publish, revert.

An upload is read within limits (`uploads`), its blank nodes named, its IRIs of ours checked to
be in normal form (`iris`: `…/tiers-lieu/../ns#X` is not a place), its resources checked
against what the contributor may change, and the resulting descriptions validated with the
shapes and their licences checked against the works they derive from (`legal.conflicts`).
Valid uploads are staged in the ledger as pending, invalid ones kept with their report; neither
is visible to public queries. A curator's accept publishes the contribution in one atomic store
update: its statements in `graph/contribution/{id}` with their provenance, and
the statements of earlier contributions it replaces moved out of their graphs. Reviews in this
deployment run one at a time, whichever process runs them (`Database.exclusive`); the
ledger's compare-and-set keeps two curators from reviewing the same contribution.
"""

from __future__ import annotations

import os
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph import kinds
from commonsgraph.config import Settings
from commonsgraph.contributions.changes import Move, Plan, ResourceChange, moves, plan
from commonsgraph.contributions.ledger import Contribution, Ledger, now, to_nquads
from commonsgraph.database import Database
from commonsgraph.errors import Conflict, InputError, NotAllowed, NotFound, ParameterError
from commonsgraph.graphs import GraphSource, agent, agent_statements, describe
from commonsgraph.importers.communes import Communes
from commonsgraph.iris import normalize, why_not_normal
from commonsgraph.legal.conflicts import licence_findings
from commonsgraph.legal.named import LegalQueries
from commonsgraph.rdfio import ReadLimits
from commonsgraph.store import Store, data_update
from commonsgraph.tokens import Token
from commonsgraph.uploads import (
    ContributedCensusMapper,
    Upload,
    read_census_csv,
    read_rdf,
    skolemize,
    upload_format,
)
from commonsgraph.validation import (
    Finding,
    Validates,
    ValidationPool,
    Validator,
    neighbourhood,
)
from commonsgraph.vocab import DCT, PROV, XSD, Minter

SOURCES = ("graph/seed", "graph/import/")
"""Graphs whose resources contributions may add to (their statements stay)."""
CURATOR = "curator"
MAX_REASON = 2000
MAX_SOURCE = 500


@dataclass(frozen=True)
class Review:
    """What an upload is and would do: its statements, its report, its changes."""

    triples: list[Triple]
    findings: list[Finding]
    changes: list[ResourceChange]
    notes: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)


@dataclass(frozen=True)
class Preview:
    """What a staged contribution would change, for its review page."""

    changes: list[ResourceChange]
    moves: list[Move]
    """Where the described resources are on a map before and after."""
    staged: list[Triple]


class Contributions:
    """The contribution and curation workflow over a store and a ledger."""

    @classmethod
    def open(
        cls, store: Store, settings: Settings, database: Database, legal: LegalQueries | None = None
    ) -> Contributions:
        """The workflow of a deployment: its ledger in the database, the project's shapes
        (large uploads validated by worker processes), the licence checks of `legal`; reviews a
        dead process left halfway settled."""
        pool = ValidationPool(Validator.of_project(settings), workers=min(2, os.cpu_count() or 1))
        workflow = cls(store, settings, Ledger(database), pool, legal)
        workflow.recover()
        return workflow

    def __init__(
        self,
        store: Store,
        settings: Settings,
        ledger: Ledger,
        validator: Validates,
        legal: LegalQueries | None = None,
    ) -> None:
        self.store = store
        self.legal = legal or LegalQueries(store, settings.base_iri)
        self.settings = settings
        self.ledger = ledger
        self.validator = validator
        self.minter = Minter(settings.base_iri)
        self.limits = ReadLimits.upload(settings)
        self._communes = Communes(store, self.minter)

    def _writer(self) -> AbstractContextManager[None]:
        """Reviews one at a time in the deployment, whichever process runs them."""
        return self.ledger.database.exclusive("contributions")

    def naming(self) -> AbstractContextManager[None]:
        """New resources named one at a time in the deployment, whichever process names them
        (`named` then sees the one named just before, staged)."""
        return self.ledger.database.exclusive("naming")

    def named(self, subject: NamedNode) -> bool:
        """Whether a contribution not yet reviewed (staged, or being accepted) describes
        `subject`: a form that names a new resource does not give it that name."""
        return self.ledger.describing(subject.value, ("pending", "accepting"))

    def close(self) -> None:
        if isinstance(self.validator, ValidationPool):
            self.validator.close()

    # -- uploading ---------------------------------------------------------------------------

    def check(self, body: bytes, media_type: str, token: Token) -> Review:
        """Validate an upload without storing anything (a dry run)."""
        return self._review(self._read(body, media_type, "dry-run"), token, "dry-run")

    def submit(
        self,
        body: bytes,
        media_type: str,
        token: Token,
        licence: str | None = None,
        source: str | None = None,
    ) -> tuple[Contribution, Review]:
        """Stage an upload as pending (or keep it as invalid, with its report)."""
        licence_iri = self._licence(licence)
        if source is not None and len(source) > MAX_SOURCE:
            raise ParameterError("source", f"at most {MAX_SOURCE} characters")
        if source is not None and _source_iri(source) is None and _looks_like_url(source):
            raise ParameterError("source", f"{source!r} is neither a URL (an IRI) nor words")
        key = secrets.token_hex(4)
        upload = self._read(body, media_type, key)
        review = self._review(upload, token, key)
        contribution = Contribution(
            id=key,
            status="pending" if review.conforms else "invalid",
            contributor=token.id,
            contributor_label=token.label,
            submitted=now(),
            source=source or None,
            licence=licence_iri.value,
            media_type=media_type.split(";")[0].strip().lower(),
            statements=len(upload.triples),
            findings=review.findings,
            notes=upload.notes,
        )
        self.ledger.add(contribution, upload.triples)
        return contribution, review

    def _read(self, body: bytes, media_type: str, key: str) -> Upload:
        rdf_format = upload_format(media_type)
        if rdf_format is None:
            upload = read_census_csv(body, self._census_mapper, self.limits)
        else:
            upload = read_rdf(body, rdf_format, self.settings.base_iri, self.limits)
        if not upload.triples:
            raise InputError("the upload holds no statements")
        genid = self.minter.iri(f".well-known/genid/{key}/").value
        return Upload(skolemize(upload.triples, genid), upload.notes)

    def _census_mapper(self) -> ContributedCensusMapper:
        return ContributedCensusMapper(self.minter, self._communes.index(), None)

    def _licence(self, given: str | None) -> NamedNode:
        value = given or self.settings.contribution_licence
        try:
            iri = NamedNode(value) if "://" in value else self.minter.licence(value)
        except ValueError:
            raise ParameterError("licence", f"{value!r} is not an IRI nor an SPDX id") from None
        if not self.store.ask("ASK { ?l a cc:License }", {"l": iri}):
            raise ParameterError("licence", f"{value!r} is not a licence the graph knows")
        return iri

    def _review(self, upload: Upload, token: Token, key: str) -> Review:
        problems = self._abnormal_iris(upload.triples)
        if problems:
            raise InputError(
                "the upload holds IRIs of ours that are not in normal form (what they name "
                "cannot be told from how they are written): " + _listed(problems)
            )
        planned = self._plan(upload.triples)
        self._check_subjects(planned, token, key)
        report = self.validator.validate(
            planned.description, neighbourhood(self.store, planned.description)
        )
        conflicts = licence_findings(
            self.legal.engine_if_loaded, self.store, planned.description, self.settings.base_iri
        )
        return Review(upload.triples, report.findings + conflicts, planned.changes, upload.notes)

    def _plan(self, triples: list[Triple]) -> Plan:
        return plan(self.store, triples, lambda graph: self._contribution_of(graph) is not None)

    def _contribution_of(self, graph: NamedNode) -> str | None:
        prefix = self.minter.graph("contribution/").value
        return graph.value[len(prefix) :] if graph.value.startswith(prefix) else None

    def _abnormal_iris(self, triples: list[Triple]) -> list[str]:
        """The IRIs of ours (or that resolve to ours) not in normal form, and why: checks
        that read an IRI's path (which kind of resource, whose) would be misled by them."""
        base = self.minter.base
        problems = []
        seen: set[NamedNode] = set()
        for triple in triples:
            for term in (triple.subject, triple.predicate, triple.object):
                if not isinstance(term, NamedNode) or term in seen:
                    continue
                seen.add(term)
                if term.value.startswith(base) or normalize(term.value).startswith(base):
                    why = why_not_normal(term.value, base)
                    if why is not None:
                        problems.append(f"<{term.value}>: {why}")
        return problems

    def _check_subjects(self, planned: Plan, token: Token, key: str) -> None:
        """Refuse statements about resources the contributor may not change."""
        base = self.minter.base
        genid = self.minter.iri(f".well-known/genid/{key}/").value
        sources = tuple(self.minter.iri(path).value for path in SOURCES)
        owners: dict[str, Contribution | None] = {}
        problems = []
        for change in planned.changes:
            iri = change.subject.value
            kind = iri[len(base) :].split("/", 1)[0].split("#", 1)[0]
            if iri.startswith(genid):
                continue
            if not iri.startswith(base) or kind not in kinds.contributable():
                problems.append(f"<{iri}> is not a resource contributions may describe")
                continue
            for graph in sorted(planned.holders.get(change.subject, ()), key=lambda g: g.value):
                other = self._contribution_of(graph)
                if other is None:
                    if not graph.value.startswith(sources):
                        problems.append(f"<{iri}> is described by <{graph.value}>")
                    continue
                if other not in owners:
                    owners[other] = self.ledger.get(other)
                owner = owners[other]
                if (
                    owner is not None
                    and owner.contributor != token.id
                    and not token.allows(CURATOR)
                ):
                    problems.append(
                        f"<{iri}> belongs to contribution {other} of another contributor"
                    )
        if problems:
            raise NotAllowed(
                "the upload describes resources it may not change: " + _listed(problems)
            )

    # -- reading -----------------------------------------------------------------------------

    def get(self, contribution_id: str, token: Token) -> Contribution:
        """A contribution its contributor or a curator may read."""
        found = self.ledger.get(contribution_id)
        if found is None or not (found.contributor == token.id or token.allows(CURATOR)):
            raise NotFound(f"no contribution {contribution_id!r} that this token may read")
        return found

    def visible(self, token: Token, status: str | None = None) -> list[Contribution]:
        """The contributions a token may read: a curator's, all; a contributor's, their own."""
        contributor = None if token.allows(CURATOR) else token.id
        return self.ledger.find(status=status, contributor=contributor)

    def changes(self, contribution: Contribution) -> list[ResourceChange]:
        """What the contribution changes, against the public graph as it is now."""
        return self._plan(self.ledger.data(contribution.id)).changes

    def preview(self, contribution: Contribution) -> Preview:
        """What the contribution changes, and where on a map, for its review."""
        staged = self.ledger.data(contribution.id)
        changes = self._plan(staged).changes
        return Preview(changes, moves(self.store, changes, staged), staged)

    def graph(self, contribution: Contribution) -> NamedNode:
        return self.minter.graph(f"contribution/{contribution.id}")

    # -- reviewing ---------------------------------------------------------------------------

    def accept(self, contribution_id: str, curator: Token) -> Contribution:
        """Publish a pending contribution, atomically, with its provenance."""
        with self._writer():
            contribution = self._in_status(contribution_id, ("pending",), "accept")
            self._check_reviewer(contribution, curator)
            triples = self.ledger.data(contribution_id)
            abnormal = self._abnormal_iris(triples)  # staged before they were refused
            if abnormal:
                raise Conflict(
                    f"contribution {contribution_id} holds IRIs of ours not in normal form; "
                    "reject it: " + _listed(abnormal)
                )
            planned = self._plan(triples)
            report = self.validator.validate(
                planned.description, neighbourhood(self.store, planned.description)
            )
            if not report.conforms:
                first = next(f for f in report.findings if f.severity == "Violation")
                raise Conflict(
                    f"contribution {contribution_id} no longer conforms to the shapes as the "
                    f"graph is now ({first.focus}: {first.message()})"
                )
            reviewed = now()
            graph = self.graph(contribution)
            publication = [
                Quad(t.subject, t.predicate, t.object, graph)
                for t in [
                    *planned.insert,
                    *self._provenance(contribution, curator, reviewed, len(planned.insert)),
                ]
            ]
            if not self.ledger.move(
                contribution_id,
                ("pending",),
                "accepting",
                reviewer=curator.id,
                reviewer_label=curator.label,
                reviewed=reviewed.isoformat(),
                superseded=to_nquads(planned.superseded),
            ):
                raise Conflict(f"contribution {contribution_id} is being reviewed by someone else")
            try:
                self.store.change(delete=planned.superseded, insert=publication)
            except BaseException:
                self.ledger.move(
                    contribution_id, ("accepting",), "pending", reviewer=None, reviewed=None
                )
                raise
            self.ledger.move(contribution_id, ("accepting",), "accepted")
        return self._reload(contribution_id)

    def reject(self, contribution_id: str, curator: Token, reason: str) -> Contribution:
        reason = reason.strip()
        if not reason:
            raise ParameterError("reason", "say why the contribution is rejected")
        if len(reason) > MAX_REASON:
            raise ParameterError("reason", f"at most {MAX_REASON} characters")
        rejectable = ("pending", "invalid")
        self._check_reviewer(self._in_status(contribution_id, rejectable, "reject"), curator)
        if not self.ledger.move(
            contribution_id,
            rejectable,
            "rejected",
            reviewer=curator.id,
            reviewer_label=curator.label,
            reviewed=now().isoformat(),
            reason=reason,
        ):
            raise Conflict(f"contribution {contribution_id} is being reviewed by someone else")
        return self._reload(contribution_id)

    def revert(self, contribution_id: str, curator: Token) -> Contribution:
        """Withdraw an accepted contribution and give back what it replaced."""
        with self._writer():
            contribution = self._in_status(contribution_id, ("accepted",), "revert")
            subjects = {t.subject for t in self.ledger.data(contribution_id)}
            assert contribution.reviewed is not None
            for later in self.ledger.find(status="accepted"):
                if later.reviewed is None or later.reviewed <= contribution.reviewed:
                    continue
                if subjects & {t.subject for t in self.ledger.data(later.id)}:
                    raise Conflict(
                        f"contribution {later.id}, accepted later, changed the same resources: "
                        "revert it first"
                    )
            restored = [
                quad
                for quad in self.ledger.superseded(contribution_id)
                if self._still_public(quad.graph_name)
            ]
            if not self.ledger.move(contribution_id, ("accepted",), "reverting"):
                raise Conflict(f"contribution {contribution_id} is being reviewed by someone else")
            try:
                graph = self.graph(contribution)
                self.store.update(
                    f"DROP SILENT GRAPH <{graph.value}>"
                    + (f" ;\n{data_update(delete=[], insert=restored)}" if restored else "")
                )
            except BaseException:
                self.ledger.move(contribution_id, ("reverting",), "accepted")
                raise
            self.ledger.move(
                contribution_id,
                ("reverting",),
                "reverted",
                reviewer=curator.id,
                reviewer_label=curator.label,
                reviewed=now().isoformat(),
            )
        return self._reload(contribution_id)

    def recover(self) -> list[str]:
        """Settle the reviews a dead process left halfway: each contribution ends wholly
        public or not at all, as the store says. Returns what was settled."""
        with self._writer():  # a review under way in another process is not settled
            return self._settle()

    def _settle(self) -> list[str]:
        settled = []
        for contribution in self.ledger.find(status="accepting"):
            if self.store.has_graph(self.graph(contribution)):
                self.ledger.move(contribution.id, ("accepting",), "accepted")
                settled.append(f"{contribution.id}: accepted")
            else:
                self.ledger.move(
                    contribution.id, ("accepting",), "pending", reviewer=None, reviewed=None
                )
                settled.append(f"{contribution.id}: back to pending")
        for contribution in self.ledger.find(status="reverting"):
            if self.store.has_graph(self.graph(contribution)):
                self.ledger.move(contribution.id, ("reverting",), "accepted")
                settled.append(f"{contribution.id}: still accepted")
            else:
                self.ledger.move(contribution.id, ("reverting",), "reverted")
                settled.append(f"{contribution.id}: reverted")
        return settled

    def _check_reviewer(self, contribution: Contribution, curator: Token) -> None:
        """With `require_second_reviewer`, refuse a review by the token that uploaded (the
        same person with two tokens is not seen: tokens are what we know of people)."""
        if self.settings.require_second_reviewer and contribution.contributor == curator.id:
            raise NotAllowed(
                f"contribution {contribution.id} was uploaded with this token: another "
                "curator reviews it (COMMONSGRAPH_REQUIRE_SECOND_REVIEWER)"
            )

    def _in_status(
        self, contribution_id: str, statuses: tuple[str, ...], action: str
    ) -> Contribution:
        """The contribution, if it is in one of `statuses`."""
        found = self.ledger.get(contribution_id)
        if found is None:
            raise NotFound(f"no contribution {contribution_id!r}")
        if found.status not in statuses:
            status = " or ".join(statuses)
            article = "an" if status[0] in "aeiou" else "a"
            raise Conflict(
                f"contribution {contribution_id} is {found.status}; only {article} {status} one "
                f"can be {action}ed"
            )
        return found

    def _reload(self, contribution_id: str) -> Contribution:
        found = self.ledger.get(contribution_id)
        assert found is not None
        return found

    def _still_public(self, graph: object) -> bool:
        if not isinstance(graph, NamedNode):
            return False
        other = self._contribution_of(graph)
        if other is None:
            return True
        owner = self.ledger.get(other)
        return owner is not None and owner.status == "accepted"

    def _provenance(
        self, contribution: Contribution, curator: Token, reviewed: datetime, count: int
    ) -> list[Triple]:
        """Who contributed, who accepted, when, from where, under which licence."""
        graph = self.graph(contribution)
        source = contribution.source or ""
        source_iri = _source_iri(source)  # None: words (or a URL staged before it was checked)
        origin = GraphSource(
            name=f"contribution/{contribution.id}",
            title_fr=f"Contribution {contribution.id} de {contribution.contributor_label}",
            title_en=f"Contribution {contribution.id} by {contribution.contributor_label}",
            source=source_iri,
            licence=NamedNode(contribution.licence),
            used=f"an upload ({contribution.media_type})"
            + (f" from {source}" if source and source_iri is None else ""),
        )
        activity = Minter.part(graph, "activity")
        contributor = agent(self.minter, contribution.contributor)
        reviewer = agent(self.minter, curator.id)
        stamp = _stamp(reviewed)
        triples = [
            t
            for t in describe(graph, origin, self.minter, count)
            if t.predicate not in (PROV.generatedAtTime, DCT.modified, DCT.issued, PROV.endedAtTime)
        ]
        return [
            *triples,
            Triple(graph, PROV.generatedAtTime, stamp),
            Triple(graph, DCT.modified, stamp),
            Triple(graph, DCT.issued, stamp),
            Triple(graph, PROV.wasAttributedTo, contributor),
            Triple(activity, PROV.startedAtTime, _stamp(contribution.submitted)),
            Triple(activity, PROV.endedAtTime, stamp),
            Triple(activity, PROV.wasAssociatedWith, contributor),
            Triple(activity, PROV.wasAssociatedWith, reviewer),
            Triple(
                activity, DCT.description, Literal(f"accepted by {curator.label}", language="en")
            ),
            Triple(
                activity, DCT.description, Literal(f"acceptée par {curator.label}", language="fr")
            ),
            *agent_statements(
                self.minter, contribution.contributor, contribution.contributor_label
            ),
            *agent_statements(self.minter, curator.id, curator.label),
        ]


def _looks_like_url(source: str) -> bool:
    return source.lower().startswith(("http:", "https:"))


def _source_iri(source: str) -> NamedNode | None:
    """The IRI a contribution's source names, if it is a URL that is an IRI."""
    if not _looks_like_url(source) or "://" not in source:
        return None
    try:
        return NamedNode(source)
    except ValueError:
        return None


def _listed(problems: list[str]) -> str:
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


def _stamp(moment: datetime) -> Literal:
    return Literal(moment.isoformat(), datatype=XSD.dateTime)
