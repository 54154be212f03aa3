"""Harvesting a partner: fetch, map, validate, publish — or leave everything as it was.

1. Fetch within the deadline and the size cap (`fetch`); a partner that fails in any way
   leaves its previous harvest untouched, and the error is kept in its status.
2. Map onto our model (`mapping`): a CONSTRUCT query for SPARQL endpoints and RDF dumps,
   field mappings for feeds. Places without a commune get one from their postcode and name.
3. Validate record by record with the shapes (a record is a resource with its parts): the
   records that pass are published; the others are quarantined with their report. A record
   that refers to a quarantined one is judged again without it. A partner describes its own
   resources only: under our base, those named after it (`{kind}/{source}-…`, its blank nodes
   `.well-known/genid/{source}/…`), in normal form; a record of any other of ours (a place of
   another source, the ontology, a scheme) is quarantined, as no review sees a harvest.
4. Publish in `graph/harvest/{source}`, atomically, with its provenance (when, from where,
   which mapping, how many records, the partner's licence). A full harvest replaces the graph
   (the store applies only the difference); an incremental one (SPARQL with `?since`) replaces
   the records the partner changed and keeps the others. Feeds and dumps are asked for with
   the validators of the last harvest, and a 304 changes nothing. Records the graph already
   holds unchanged are not validated again.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pyoxigraph import Literal, NamedNode, Quad, Triple

from commonsgraph.config import Settings
from commonsgraph.errors import CommonsGraphError, PartnerError
from commonsgraph.graphs import GraphSource, describe, first_issued, publish
from commonsgraph.harvest.fetch import RDF_ACCEPT, Fetched, construct, fetch
from commonsgraph.harvest.ledger import HarvestLedger, Quarantined, SourceStatus
from commonsgraph.harvest.mapping import (
    FEED_FORMATS,
    FeedMapper,
    feed_records,
    map_dump,
    mapping_query,
)
from commonsgraph.harvest.sources import Source, SourceRegistry
from commonsgraph.importers.census import CensusMapper
from commonsgraph.importers.communes import Communes
from commonsgraph.iris import why_not_normal
from commonsgraph.rdfio import ReadLimits
from commonsgraph.safetext import redact
from commonsgraph.store import GraphChange, Store, lexical
from commonsgraph.uploads import skolemize
from commonsgraph.validation import Finding, Validates, neighbourhood
from commonsgraph.vocab import LOCN, SCHEMA, VOID, XSD, Minter, fold

_RECORD = """
SELECT ?s ?p ?o WHERE { GRAPH ?g {
  { ?r ?p ?o BIND(?r AS ?s) } UNION { ?r ?q ?s . ?s ?p ?o FILTER(STRSTARTS(STR(?s), ?hash)) }
} }"""
OVERLAP = timedelta(minutes=10)
"""An incremental harvest asks for the changes since this long before the last one started:
partners' clocks differ from ours and many dates have whole seconds (a record seen again that
did not change costs nothing)."""
LOOKUPS = 200
"""Up to this many records harvested again, their former statements are looked up one by one;
beyond, the whole graph is read."""
ACCEPT = {
    "rdf": RDF_ACCEPT,
    "csv": "text/csv",
    "json": "application/json, application/geo+json;q=0.9",
}


@dataclass
class HarvestReport:
    source: str
    ok: bool = False
    unchanged: bool = False
    full: bool = True
    records: int = 0
    published: int = 0
    quarantined: int = 0
    change: GraphChange | None = None
    error: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step: fetch, map, validate, publish."""
    notes: list[str] = field(default_factory=list)

    def lap(self, step: str, started: float) -> float:
        """Record the time of `step` since `started`; now, for the next step."""
        now = time.perf_counter()
        self.timings[step] = now - started
        return now


class Harvester:
    """Harvests the declared sources into the store, one at a time (in every process of the
    deployment together)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        registry: SourceRegistry,
        ledger: HarvestLedger,
        validator: Validates,
    ) -> None:
        self.store = store
        self.settings = settings
        self.registry = registry
        self.ledger = ledger
        self.validator = validator
        self.minter = Minter(settings.base_iri)
        self.limits = ReadLimits.harvest(settings)
        self._communes = Communes(store, self.minter)

    def _running(self) -> AbstractContextManager[None]:
        """One harvest at a time in the deployment, whichever process runs it."""
        return self.ledger.database.exclusive("harvests")

    def graph(self, name: str) -> NamedNode:
        return self.minter.graph(f"harvest/{name}")

    def drop(self, name: str) -> None:
        """Withdraw a source's harvest: its graph, status and quarantine."""
        with self._running():
            self.store.drop_graph(self.graph(name))
            self.ledger.forget(name)

    def run_all(self, full: bool = False) -> list[HarvestReport]:
        return [self._run(source, full) for source in self.registry.all()]

    def run(self, name: str, full: bool = False) -> HarvestReport:
        """Harvest one source; a failure is reported, never raised (except unknown names)."""
        return self._run(self.registry.get(name), full)

    def _run(self, source: Source, full: bool) -> HarvestReport:
        name = source.name
        with self._running():
            started = datetime.now(UTC)
            clock = time.monotonic()
            report = HarvestReport(name)
            self.ledger.attempted(name, started)
            try:
                self._harvest(source, started, full, report)
                report.ok = True
            except CommonsGraphError as error:
                report.error = redact(str(error))
                self.ledger.failed(name, datetime.now(UTC), report.error)
            report.seconds = time.monotonic() - clock
            return report

    def _harvest(
        self, source: Source, started: datetime, full: bool, report: HarvestReport
    ) -> None:
        source.check()  # sources.toml may be written by hand
        status = self.ledger.status(source.name)
        has_graph = self.store.has_graph(self.graph(source.name))
        incremental = (
            not full and has_graph and source.kind == "sparql" and status.since is not None
        )
        clock = time.perf_counter()
        fetched = self._fetch(source, status if has_graph and not full else None)
        clock = report.lap("fetch", clock)
        if fetched.unchanged:
            self._unchanged(source.name, started, status, fetched, report)
            return
        triples, report.notes = self._map(source, fetched)
        records = _records(
            skolemize(triples, self.minter.iri(f".well-known/genid/{source.name}/").value)
        )
        graph = self.graph(source.name)
        before = self._held(graph, records if incremental else None) if has_graph else {}
        same = {r for r, ts in records.items() if r in before and set(ts) == set(before[r])}
        clock = report.lap("map", clock)
        if incremental and len(same) == len(records):  # nothing new since the last harvest
            self._unchanged(source.name, started, status, fetched, report)
            return
        published, quarantined = self._judge(records, started, source.name, same)
        clock = report.lap("validate", clock)
        report.records, report.quarantined = len(records), len(quarantined)
        report.published, report.full = len(published), not incremental
        origin = GraphSource(
            name=f"harvest/{source.name}",
            title_fr=f"Moisson de « {source.title or source.name} »",
            title_en=f"Harvest of '{source.title or source.name}'",
            source=NamedNode(source.shown_url),
            licence=self._licence(source),
            used=f"{source.shown_url} ({source.kind}, mapping {source.mapping or 'fields'}): "
            f"{len(records)} record(s), {len(quarantined)} quarantined"
            + (", changes since the last harvest" if incremental else ""),
        )
        if incremental:  # the records harvested again replace their former statements
            old = {t for r in records for t in before.get(r, ())}
            new = {t for ts in published.values() for t in ts}
            entities = status.published - len(set(before) & set(records)) + len(published)
            statements = status.statements - len(old) + len(new)
            report.change = self._change(graph, origin, old, new, statements, entities)
        else:
            body = [t for ts in published.values() for t in ts]
            entities, statements = len(published), len(set(body))
            report.change = publish(
                self.store, self.minter, origin, [*body, _entities(graph, entities)]
            )
        report.lap("publish", clock)
        self.ledger.succeeded(
            source.name, started, records=entities, published=entities, statements=statements,
            etag=fetched.etag, last_modified=fetched.last_modified, quarantine=quarantined,
            replaced=set(records) if incremental else None,
        )  # fmt: skip

    def _unchanged(
        self,
        name: str,
        started: datetime,
        status: SourceStatus,
        fetched: Fetched,
        report: HarvestReport,
    ) -> None:
        """A success that leaves the graph as it is (the partner has nothing new)."""
        report.unchanged = True
        self.ledger.succeeded(
            name, started, records=status.records, published=status.published,
            statements=status.statements, etag=fetched.etag or status.etag,
            last_modified=fetched.last_modified or status.last_modified, quarantine=None,
        )  # fmt: skip

    def _fetch(self, source: Source, status: SourceStatus | None) -> Fetched:
        """What the partner gives; `status`, that of the last harvest to ask only for changes."""
        timeout, cap = self.settings.harvest_timeout, self.settings.max_harvest_bytes
        if source.kind == "sparql":
            since = None
            if status is not None and status.since is not None:
                since = (datetime.fromisoformat(status.since) - OVERLAP).isoformat()
            query = self._query(source, since)
            return construct(source.url, query, timeout=timeout, max_bytes=cap)
        return fetch(
            source.url,
            timeout=timeout,
            max_bytes=cap,
            accept=ACCEPT.get(source.kind, ACCEPT["json"]),
            etag=None if status is None else status.etag,
            last_modified=None if status is None else status.last_modified,
        )

    def _query(self, source: Source, since: str | None) -> str:
        mappings = self.settings.resource("data", "mappings")
        return mapping_query(source, mappings, self.settings.base_iri, since)

    def _map(self, source: Source, fetched: Fetched) -> tuple[list[Triple], list[str]]:
        if source.kind in FEED_FORMATS:
            records = feed_records(source, fetched.body, self.limits)  # read before the rest
            mapper = FeedMapper(source, self.minter, self._communes.index(), self._typologies())
            return mapper.map(records)
        rdf_format = fetched.rdf_format(source.url)
        if rdf_format is None:
            sent = fetched.media_type or "no media type"
            raise PartnerError(f"{source.shown_url} sent {sent}, not RDF we read")
        query = self._query(source, None) if source.kind == "rdf" and source.mapping else None
        triples = map_dump(fetched.body, rdf_format, query, source.shown_url, self.limits)
        return self._with_communes(triples), []

    def _judge(
        self,
        records: dict[str, list[Triple]],
        harvested: datetime,
        source: str,
        published: set[str],
    ) -> tuple[dict[str, list[Triple]], list[Quarantined]]:
        """The records that pass the shapes, and the others with their report.

        Records the graph already holds as they are (`published`) passed when they were
        published; the others are validated together; then only those that referred to a
        record just quarantined are judged again, without it (the records they refer to as
        context)."""
        passed = dict(records)
        quarantined = [
            Quarantined(source, record, harvested, [finding], passed.pop(record))
            for record in records
            if (finding := self._trespass(source, record)) is not None
        ]
        judged = {r: ts for r, ts in passed.items() if r not in published}
        for _ in range(3):
            statements = [t for record in judged.values() for t in record]
            if not statements:
                break
            context = [
                *neighbourhood(self.store, statements),
                *(t for record in _referred(judged, passed) for t in passed[record]),
            ]
            failing: dict[str, list[Finding]] = defaultdict(list)
            for finding in self.validator.validate(statements, context).findings:
                record = finding.focus.split("#", 1)[0]
                if finding.severity == "Violation" and record in judged:
                    failing[record].append(finding)
            for record, findings in failing.items():
                quarantined.append(
                    Quarantined(source, record, harvested, findings, passed.pop(record))
                )
            judged = {r: passed[r] for r in _referring(passed, set(failing))}
        return passed, quarantined

    def _trespass(self, source: str, record: str) -> Finding | None:
        """Why a partner may not describe `record`, one of ours (see the module's text)."""
        base = self.settings.base_iri
        if not record.startswith(base):
            return None
        path = record[len(base) :]
        named = re.escape(self.minter.tiers_lieu(source).value[len(base) + len("tiers-lieu/") :])
        why = why_not_normal(record, base)
        if why is None and (
            re.fullmatch(rf"[a-z-]+/{named}-[^/?#]+", path)
            or path.startswith(f".well-known/genid/{source}/")
        ):
            return None
        return Finding(
            "Violation",
            record,
            None,
            None,
            {
                "fr": f"la source « {source} » ne peut décrire que ses propres ressources "
                f"(…/{{type}}/{source}-…) : <{record}> est une ressource de ce graphe"
                + (f" ({why})" if why else ""),
                "en": f"the source '{source}' may describe only its own resources "
                f"(…/{{kind}}/{source}-…): <{record}> is a resource of this graph"
                + (f" ({why})" if why else ""),
            },
        )

    def _held(
        self, graph: NamedNode, records: dict[str, list[Triple]] | None
    ) -> dict[str, list[Triple]]:
        """The statements the harvest graph holds, by record (less its provenance): of the
        given records only (each looked up by subject), or of all."""
        provenance = (graph.value, Minter.part(graph, "activity").value)
        if records is None or len(records) > LOOKUPS:
            triples = self.store.construct(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
            )
            held = _records([t for t in triples if t.subject.value not in provenance])  # type: ignore[union-attr]
            return held if records is None else {r: held[r] for r in records if r in held}
        found: dict[str, list[Triple]] = {}
        for record in records:
            rows = self.store.select(_RECORD, {"g": graph, "r": NamedNode(record),
                                               "hash": Literal(record + "#")})  # fmt: skip
            triples = [Triple(row["s"], row["p"], row["o"]) for row in rows]  # type: ignore[arg-type]
            if triples:
                found[record] = triples
        return found

    def _change(
        self,
        graph: NamedNode,
        origin: GraphSource,
        old: set[Triple],
        new: set[Triple],
        statements: int,
        entities: int,
    ) -> GraphChange:
        """Replace `old` statements with `new` ones in the graph, and its provenance, in one
        update (an incremental harvest: the rest of the graph stays as it is)."""
        activity = Minter.part(graph, "activity")
        former = set(
            self.store.construct(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { { ?g ?p ?o BIND(?g AS ?s) }"
                " UNION { ?a ?p ?o BIND(?a AS ?s) } } }",
                {"g": graph, "a": activity},
            )
        )
        count = statements + 1  # with the number of entities, as `publish` counts
        issued = first_issued(self.store, graph)
        provenance = {
            *describe(graph, origin, self.minter, count, issued),
            _entities(graph, entities),
        }
        removed = (old - new) | (former - provenance)
        added = (new - old) | (provenance - former)
        self.store.change(
            delete=[Quad(t.subject, t.predicate, t.object, graph) for t in removed],
            insert=[Quad(t.subject, t.predicate, t.object, graph) for t in added],
        )
        return GraphChange(
            graph, added=len(added), removed=len(removed), total=count + len(provenance)
        )

    def _licence(self, source: Source) -> NamedNode | None:
        if not source.licence:
            return None
        return (
            NamedNode(source.licence)
            if "://" in source.licence
            else self.minter.licence(source.licence)
        )

    def _typologies(self) -> dict[str, str]:
        """Our typology notations by their folded notations and labels (fr, en, alternative)."""
        rows = self.store.select(
            "SELECT ?notation ?label WHERE { ?c skos:inScheme ?scheme ; skos:notation ?notation ."
            " OPTIONAL { ?c skos:prefLabel|skos:altLabel ?label } }",
            {"scheme": self.minter.scheme("typology")},
        )
        names: dict[str, str] = {}
        for row in rows:
            notation = lexical(row["notation"])
            names[fold(notation)] = notation
            if "label" in row:
                names.setdefault(fold(lexical(row["label"])), notation)
        return names

    def _with_communes(self, triples: list[Triple]) -> list[Triple]:
        """Places that say no commune get the one their address's postcode and name give."""
        placed = {t.subject for t in triples if t.predicate == SCHEMA.containedInPlace}
        addresses: dict[object, dict[str, str]] = defaultdict(dict)
        owners: dict[object, object] = {}
        for t in triples:
            if t.predicate == LOCN.address:
                owners[t.object] = t.subject
            elif t.predicate in (LOCN.postCode, LOCN.postName) and isinstance(t.object, Literal):
                addresses[t.subject]["CP" if t.predicate == LOCN.postCode else "COMINIT"] = (
                    t.object.value
                )
        wanting = {
            a: owner for a, owner in owners.items() if owner not in placed and a in addresses
        }
        if not wanting or not self.store.has_graph(self.minter.graph("import/geo")):
            return triples
        mapper = CensusMapper(self.minter, self._communes.index(), None)
        found = []
        for address, owner in wanting.items():
            values = addresses[address]
            row = {"INSEECOM": "0", "NOMCOM": "", "INSEEDEP": "", "CP": values.get("CP", ""),
                   "COMINIT": values.get("COMINIT", "")}  # fmt: skip
            commune, _ = mapper.commune(row)
            if commune is not None and isinstance(owner, NamedNode):
                found.append(Triple(owner, SCHEMA.containedInPlace, commune.iri))
        return [*triples, *found]


def _entities(graph: NamedNode, count: int) -> Triple:
    return Triple(graph, VOID.entities, Literal(str(count), datatype=XSD.integer))


def _records(triples: list[Triple]) -> dict[str, list[Triple]]:
    """Statements grouped by record: a resource with its parts (`{resource}#…`)."""
    records: dict[str, list[Triple]] = defaultdict(list)
    for triple in dict.fromkeys(triples):
        records[str(triple.subject.value).split("#", 1)[0]].append(triple)  # type: ignore[union-attr]
    return dict(records)


def _referred(judged: dict[str, list[Triple]], others: dict[str, list[Triple]]) -> set[str]:
    """The records of `others` (not judged) that the judged records refer to."""
    found = {
        t.object.value.split("#", 1)[0]
        for record in judged.values()
        for t in record
        if isinstance(t.object, NamedNode)
    }
    return {r for r in found & set(others) if r not in judged}


def _referring(records: dict[str, list[Triple]], gone: set[str]) -> list[str]:
    """The records that refer to one of `gone` (or to one of its parts)."""
    if not gone:
        return []
    return [
        record
        for record, statements in records.items()
        if any(
            isinstance(t.object, NamedNode) and t.object.value.split("#", 1)[0] in gone
            for t in statements
        )
    ]
