"""The DCAT-AP catalogue of the graph, for data portals (data.gouv.fr, data.europa.eu).

It describes, as `dcat:Dataset`s, the whole graph and each named graph, from three sources:
- the store: each graph's titles, provenance (`prov:generatedAtTime`) and licence;
- the catalogue's table, data/catalog.ttl: the catalogue itself, agents, licence documents, EU
  vocabulary concepts, and per kind of graph (by the prefix of its name) the themes, keywords,
  coverage and agents — so that a new graph is catalogued without code;
- the dumps (dumps.py): each distribution's URL, byte size and checksum.
The SPARQL endpoint and the linked-data pages are `dcat:DataService`s. A page of the catalogue
holds at most `size` datasets and says where the others are with Hydra, as udata reads it.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from commonsgraph.catalog.graphs import (
    Coverage,
    Extent,
    GraphEntry,
    coverage,
    extents,
    graph_entries,
)
from commonsgraph.catalog.table import CatalogTable, Term
from commonsgraph.dataset import DATA_LICENCE, PUBLISHER
from commonsgraph.dumps import FULL, DumpFile, Dumps, dump_name
from commonsgraph.errors import InputError
from commonsgraph.store import Store, lexical
from commonsgraph.vocab import DCAT, DCT, FOAF, RDF, RDFS, XSD, Minter, Namespace

__all__ = ["DEFAULT_PROFILE", "HYDRA", "PROFILES", "CatalogTable", "Catalogue", "Profile"]

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
WHOLE = "/"
"""The name the whole graph's dataset has in the table's prefixes (no graph's name starts so)."""


@dataclass(frozen=True)
class Profile:
    """A version of DCAT-AP the catalogue is written for (`?profile=`)."""

    name: str
    label: str
    checksum: str
    """The digest a distribution's `spdx:checksum` gives, of those DumpFile has."""
    algorithm: NamedNode
    byte_size: NamedNode
    """The datatype of `dcat:byteSize`."""


PROFILES = {
    profile.name: profile
    for profile in (
        # DCAT-AP 3.0.1's shapes take only checksum algorithms under https://spdx.org/rdf/terms
        Profile(
            "dcat-ap-3",
            "DCAT-AP 3.0.1",
            "sha256",
            NamedNode("https://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
            XSD.nonNegativeInteger,
        ),
        # DCAT-AP 2.1.1 takes SHA-1 only
        Profile("dcat-ap-2", "DCAT-AP 2.1.1", "sha1", SPDX.checksumAlgorithm_sha1, XSD.decimal),
    )
}
DEFAULT_PROFILE = "dcat-ap-3"


@dataclass(frozen=True)
class DumpFormat:
    """How a dump is written: its media type, EU file type and compression."""

    extension: str
    media_type: str
    file_type: str
    compression: str | None = None


TURTLE = DumpFormat(
    "." + RdfFormat.TURTLE.file_extension, RdfFormat.TURTLE.media_type, "RDF_TURTLE"
)
NQUADS_GZ = DumpFormat(
    "." + RdfFormat.N_QUADS.file_extension + ".gz",
    RdfFormat.N_QUADS.media_type,
    "RDF_N_QUADS",
    "application/gzip",
)


def _text(terms: Iterable[Term], title: dict[str, str]) -> list[Term]:
    """Texts with "{title}" replaced by the title in their language."""
    out: list[Term] = []
    for term in terms:
        if isinstance(term, Literal) and "{title}" in term.value:
            language = term.language or ""
            name = title.get(language) or title.get("en") or next(iter(title.values()), "")
            term = Literal(term.value.replace("{title}", name), language=term.language)
        out.append(term)
    return out


def _date(moment: datetime) -> Literal:
    return Literal(moment.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def _dates(subject: NamedNode, entries: list[GraphEntry]) -> list[Triple]:
    """`dct:issued` (the first graph's first load) and `dct:modified` (the last change) of what
    the graphs of `entries` make up."""
    issued = [e.issued for e in entries if e.issued is not None]
    modified = [e.modified for e in entries if e.modified is not None]
    out = []
    if issued:
        out.append(Triple(subject, DCT.issued, _date(min(issued))))
    if modified:
        out.append(Triple(subject, DCT.modified, _date(max(modified))))
    return out


class Catalogue:
    """Builds the catalogue's pages for one service (its table, store, dumps and addresses)."""

    def __init__(
        self,
        table: CatalogTable,
        store: Store,
        dumps: Dumps,
        minter: Minter,
        contact_email: str = "",
    ) -> None:
        self.table = table
        self.store = store
        self.dumps = dumps
        self.minter = minter
        self.iri = minter.iri("catalog")
        self.contact: list[Triple] = []
        """The contact point's e-mail address (Settings.contact_email), when there is one."""
        if contact_email:
            mailto = NamedNode("mailto:" + quote(contact_email, safe="@.!$&'*+=_~-"))
            self.contact.append(Triple(minter.iri("catalog#contact"), VCARD.hasEmail, mailto))
        self._coverage: tuple[str, Coverage] | None = None

    def coverage(self) -> Coverage:
        """The régions and countries of every graph, computed again when the data changed."""
        version = self.store.data_version()
        if self._coverage is not None and version is not None and self._coverage[0] == version:
            return self._coverage[1]
        found = coverage(self.store, self.table.countries(), NamedNode(EU + "country/FRA"))
        if version is not None:
            self._coverage = (version, found)
        return found

    def page(
        self,
        service_root: str,
        profile: Profile,
        number: int,
        size: int,
        page_url: Callable[[int], str],
    ) -> list[Triple]:
        """Page `number` (from 1) of the catalogue, `size` datasets a page; `page_url(n)`
        is the address of page n. A page past the last is an InputError."""
        entries = graph_entries(self.store, self.minter)
        total = 1 + len(entries)  # the whole graph, and each named graph
        last = max(1, -(-total // size))
        if number > last:
            raise InputError(f"page {number} is past the last page, {last}")
        where = extents(self.store)
        covered = self.coverage()
        chosen = list(
            itertools.islice(itertools.chain([None], entries), (number - 1) * size, number * size)
        )
        out: list[Triple] = []
        cat = self.iri
        out += _dates(cat, entries)
        out += [
            *self.contact,
            Triple(cat, FOAF.homepage, NamedNode(service_root)),
            Triple(NamedNode(service_root), RDF.type, FOAF.Document),
        ]
        for entry in chosen:
            dataset, more = (
                self._whole(service_root, profile, entries, Extent.merged(where.values()))
                if entry is None
                else self._graph(service_root, profile, entry, where.get(entry.graph))
            )
            graphs = [e.graph for e in entries] if entry is None else [entry.graph]
            more += covered.statements(dataset, graphs)
            out.append(Triple(cat, DCAT.dataset, dataset))
            out += more
        if number == 1:
            out += self._services(service_root)
        view = NamedNode(page_url(number))
        out += [
            Triple(cat, RDF.type, HYDRA.Collection),
            Triple(cat, HYDRA.totalItems, Literal(str(total), datatype=XSD.integer)),
            Triple(cat, HYDRA.view, view),
            Triple(view, RDF.type, HYDRA.PartialCollectionView),
            Triple(view, HYDRA.first, NamedNode(page_url(1))),
            Triple(view, HYDRA.last, NamedNode(page_url(last))),
        ]
        if number < last:
            out.append(Triple(view, HYDRA.next, NamedNode(page_url(number + 1))))
        if 1 < number <= last:
            out.append(Triple(view, HYDRA.previous, NamedNode(page_url(number - 1))))
        return self._closed(out)

    def _closed(self, triples: list[Triple]) -> list[Triple]:
        """The page with the table's statements about every node it mentions (the catalogue,
        agents, licences, concepts and their schemes), and labelled licences from the store."""
        seen: set[Triple] = set()
        out: list[Triple] = []
        pending = deque(triples)
        described: set[NamedNode | BlankNode] = set()
        while pending:
            triple = pending.popleft()
            if triple in seen:
                continue
            seen.add(triple)
            out.append(triple)
            for node in (triple.subject, triple.object):
                if isinstance(node, NamedNode | BlankNode) and node not in described:
                    described.add(node)
                    pending += self.table.described(node)
                    if triple.predicate == DCT.license and node == triple.object:
                        pending += self._licence(node)
        return out

    def _licence(self, licence: NamedNode | BlankNode) -> list[Triple]:
        """A licence the table does not describe, as a `dct:LicenseDocument` labelled from the
        store (data.gouv.fr reads `rdfs:label`)."""
        if self.table.described(licence) or not isinstance(licence, NamedNode):
            return []
        rows = self.store.select(
            "SELECT ?label WHERE { ?l rdfs:label ?label } ORDER BY LANG(?label) ?label LIMIT 1",
            {"l": licence},
        )
        out = [Triple(licence, RDF.type, DCT.LicenseDocument)]
        if rows:
            out.append(Triple(licence, RDFS.label, Literal(lexical(rows[0]["label"]))))
        return out

    def _described(self, dataset: NamedNode, name: str, titles: dict[str, str]) -> list[Triple]:
        out = [
            Triple(dataset, RDF.type, DCAT.Dataset),
            Triple(dataset, DCT.identifier, Literal(dataset.value)),
        ]
        for language, title in sorted(titles.items()):
            out.append(Triple(dataset, DCT.title, Literal(title, language=language or None)))
        for predicate, objects in self.table.for_graph(name).items():
            out += [Triple(dataset, predicate, o) for o in _text(objects, titles)]
        return out

    def _graph(
        self, root: str, profile: Profile, entry: GraphEntry, extent: Extent | None
    ) -> tuple[NamedNode, list[Triple]]:
        dataset = entry.graph
        titles = entry.titles or {"": entry.name}
        out = self._described(dataset, entry.name, titles)
        if extent is not None:
            out += extent.statements(dataset)
        page = NamedNode(root + entry.graph.value.removeprefix(self.minter.base))
        out += [
            Triple(dataset, DCAT.landingPage, page),
            Triple(page, RDF.type, FOAF.Document),
            Triple(dataset, DCT.isPartOf, self.minter.iri("dataset")),
        ]
        out += _dates(dataset, [entry])
        found = self.dumps.graph(entry.name)
        if found is not None:
            url = root + "dumps/" + dump_name(self.minter, entry.graph) + TURTLE.extension
            out += self._distribution(
                dataset, "turtle", url, TURTLE, found, entry.licence, profile, titles
            )
        return dataset, out

    def _whole(
        self, root: str, profile: Profile, entries: list[GraphEntry], extent: Extent | None
    ) -> tuple[NamedNode, list[Triple]]:
        dataset = self.minter.iri("dataset")
        titles = {
            "fr": "commonsgraph : tiers-lieux, acteurs, réseaux, communs et licences",
            "en": "commonsgraph: tiers-lieux, actors, networks, commons and licences",
        }
        out = self._described(dataset, WHOLE, titles)
        if extent is not None:
            out += extent.statements(dataset)
        out += [
            Triple(dataset, DCAT.landingPage, NamedNode(root)),
            Triple(NamedNode(root), RDF.type, FOAF.Document),
        ]
        out += _dates(dataset, entries)
        out += [Triple(dataset, DCT.hasPart, e.graph) for e in entries]
        licence = self.minter.licence(DATA_LICENCE)
        found = self.dumps.full()
        out += self._distribution(
            dataset, "nquads", root + "dumps/" + FULL, NQUADS_GZ, found, licence, profile, titles
        )
        return dataset, out

    def _distribution(
        self,
        dataset: NamedNode,
        key: str,
        url: str,
        form: DumpFormat,
        found: DumpFile,
        licence: NamedNode | None,
        profile: Profile,
        titles: dict[str, str],
    ) -> list[Triple]:
        node = Minter.part(dataset, key)
        checksum = Minter.part(dataset, key + "-checksum")
        media = NamedNode(IANA + form.media_type)
        name = url.rsplit("/", 1)[-1]
        out = [
            Triple(dataset, DCAT.distribution, node),
            Triple(node, RDF.type, DCAT.Distribution),
            Triple(node, DCT.title, Literal(name)),
            Triple(
                node,
                DCT.description,
                Literal(f"Vidage : {titles.get('fr') or name}", language="fr"),
            ),
            Triple(
                node, DCT.description, Literal(f"Dump: {titles.get('en') or name}", language="en")
            ),
            Triple(node, DCAT.accessURL, NamedNode(url)),
            Triple(node, DCAT.downloadURL, NamedNode(url)),
            Triple(node, DCAT.mediaType, media),
            Triple(media, RDF.type, DCT.MediaType),
            Triple(node, DCT.format, NamedNode(EU + "file-type/" + form.file_type)),
            Triple(node, DCAT.byteSize, Literal(str(found.size), datatype=profile.byte_size)),
            Triple(node, DCATAP.availability, NamedNode(EU + "planned-availability/STABLE")),
            Triple(node, SPDX.checksum, checksum),
            Triple(checksum, RDF.type, SPDX.Checksum),
            Triple(checksum, SPDX.algorithm, profile.algorithm),
            Triple(profile.algorithm, RDF.type, SPDX.ChecksumAlgorithm),
            Triple(
                checksum,
                SPDX.checksumValue,
                Literal(getattr(found, profile.checksum), datatype=XSD.hexBinary),
            ),
        ]
        if form.compression is not None:
            packed = NamedNode(IANA + form.compression)
            out += [
                Triple(node, DCAT.compressFormat, packed),
                Triple(packed, RDF.type, DCT.MediaType),
            ]
        if licence is not None:
            out.append(Triple(node, DCT.license, licence))
        return out

    def _services(self, root: str) -> list[Triple]:
        """The SPARQL endpoint and the linked-data pages, serving the whole graph."""
        dataset = self.minter.iri("dataset")
        publisher = self.minter.iri(PUBLISHER)
        out: list[Triple] = []
        for key, endpoint, description, fr, en, standard in (
            (
                "sparql",
                "sparql",
                "sparql",
                "Point d'accès SPARQL de commonsgraph",
                "commonsgraph SPARQL endpoint",
                "https://www.w3.org/TR/sparql11-protocol/",
            ),
            (
                "linked-data",
                "",
                "openapi.json",
                "Pages de données liées de commonsgraph",
                "commonsgraph linked-data pages",
                "https://www.w3.org/TR/cooluris/",
            ),
        ):
            service = self.minter.iri(f"service/{key}")
            out += [
                Triple(self.iri, DCAT.service, service),
                Triple(service, RDF.type, DCAT.DataService),
                Triple(service, DCT.identifier, Literal(service.value)),
                Triple(service, DCT.title, Literal(fr, language="fr")),
                Triple(service, DCT.title, Literal(en, language="en")),
                Triple(service, DCAT.endpointURL, NamedNode(root + endpoint)),
                Triple(service, DCAT.endpointDescription, NamedNode(root + description)),
                Triple(service, DCAT.servesDataset, dataset),
                Triple(service, DCT.publisher, publisher),
                Triple(service, DCT.license, self.minter.licence(DATA_LICENCE)),
                Triple(service, DCT.conformsTo, NamedNode(standard)),
                Triple(NamedNode(standard), RDF.type, DCT.Standard),
            ]
            for predicate in (DCAT.contactPoint, DCAT.theme, DCAT.keyword):
                out += [
                    Triple(service, predicate, o)
                    for o in self.table.for_graph(WHOLE).get(predicate, [])
                ]
        return out
