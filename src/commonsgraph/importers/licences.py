"""Import licence facts: the SPDX licence list, choosealicense.com's permissions, conditions and
limitations, and Creative Commons' CC REL descriptions, merged into one node per licence
(`licence/{SPDX id}`) linked by `owl:sameAs` to its SPDX and CC IRIs.

Paths may name the three inputs (the SPDX JSON file, the choosealicense folder, the Creative
Commons folder) or a folder holding them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from commonsgraph.errors import DataSyntaxError
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.importers.base import (
    ImportReport,
    Progress,
    TripleBuilder,
    no_progress,
    read_json,
    read_text,
    text_field,
)
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.store import Store
from commonsgraph.vocab import (
    CC,
    CG,
    DCT,
    ODRL,
    OWL,
    RDF,
    RDFS,
    SPDX,
    SPDX_LICENCES,
    XSD,
    Minter,
)

CC_BASE = "http://creativecommons.org/"
DC_TITLE = NamedNode("http://purl.org/dc/elements/1.1/title")

CHOOSEALICENSE_TERMS: dict[str, dict[str, list[tuple[NamedNode, NamedNode]]]] = {
    "permissions": {
        "commercial-use": [(CC.permits, ODRL.commercialize)],
        "modifications": [(CC.permits, CC.DerivativeWorks)],
        "distribution": [(CC.permits, CC.Distribution), (CC.permits, CC.Reproduction)],
        "private-use": [(CC.permits, CG.PrivateUse)],
        "patent-use": [(CC.permits, CG.PatentGrant)],
    },
    "conditions": {
        "include-copyright": [(CC.requires, CC.Notice)],
        "include-copyright--source": [(CC.requires, CC.Notice)],
        "document-changes": [(CC.requires, CG.StateChanges)],
        "disclose-source": [(CC.requires, CC.SourceCode)],
        "network-use-disclose": [(CC.requires, CG.NetworkUseIsDistribution)],
        "same-license": [(CC.requires, CC.ShareAlike)],
        "same-license--file": [(CC.requires, CC.LesserCopyleft)],
        "same-license--library": [(CC.requires, CC.LesserCopyleft)],
    },
    "limitations": {
        "trademark-use": [(CG.limitation, CG.NoTrademarkRights)],
        "liability": [(CG.limitation, CG.NoLiability)],
        "patent-use": [(CG.limitation, CG.NoPatentRights)],
        "warranty": [(CG.limitation, CG.NoWarranty)],
    },
}

CC_SPECIAL = {
    "publicdomain/zero/1.0/": "CC0-1.0",
    "publicdomain/mark/1.0/": "CC-PDM-1.0",
    "licenses/publicdomain/": "CC-PDDC",
    "licenses/GPL/2.0/": "GPL-2.0-only",
    "licenses/LGPL/2.1/": "LGPL-2.1-only",
    "licenses/MIT/": "MIT",
    "licenses/by-nd-nc/1.0/": "CC-BY-NC-ND-1.0",
}
_CC_LICENCE = re.compile(r"licenses/([a-z+-]+)/([0-9.]+)/(?:([a-z]+)/)?$")


@dataclass(frozen=True)
class Inputs:
    spdx: Path
    choosealicense: Path
    creativecommons: Path


def find_inputs(paths: list[Path]) -> Inputs:
    """Recognise the three inputs among `paths` (or inside the folders given)."""
    candidates: list[Path] = []
    for path in paths:
        candidates.append(path)
        if path.is_dir():
            candidates.extend(sorted(path.iterdir()))
    spdx = next((p for p in candidates if p.is_file() and p.suffix == ".json"), None)
    choose = next((p for p in candidates if (p / "_licenses").is_dir()), None)
    cc = next((p for p in candidates if p.is_dir() and any(p.glob("*.rdf"))), None)
    missing = [
        name
        for name, found in (
            ("the SPDX licence list (JSON)", spdx),
            ("the choosealicense folder (with _licenses/)", choose),
            ("the Creative Commons RDF folder", cc),
        )
        if found is None
    ]
    if missing or spdx is None or choose is None or cc is None:
        given = ", ".join(str(p) for p in paths)
        raise DataSyntaxError(given, f"cannot find {' and '.join(missing)}")
    return Inputs(spdx, choose, cc)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markup: str) -> str:
    """The text of a snippet of HTML (choosealicense's descriptions carry links)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD.boolean)


def _front_matter(path: Path) -> dict[str, object]:
    text = read_text(path)
    parts = text.split("---", 2)
    if not text.startswith("---") or len(parts) < 3:
        raise DataSyntaxError(path.name, "no YAML front matter between '---' lines", 1)
    try:
        data = yaml.safe_load(parts[1])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        raise DataSyntaxError(path.name, f"invalid YAML ({error})", line) from None
    if not isinstance(data, dict):
        raise DataSyntaxError(path.name, "the front matter is not a mapping", 2)
    return data


def cc_licence_id(iri: str, known: set[str]) -> str:
    """The SPDX id of a Creative Commons licence IRI, or a `cc-…` slug when SPDX has none."""
    path = iri.removeprefix(CC_BASE)
    if path in CC_SPECIAL:
        return CC_SPECIAL[path]
    match = _CC_LICENCE.search(path)
    if match is None:
        return "cc-" + re.sub(r"[^a-z0-9.]+", "-", path.lower()).strip("-")
    code, version, jurisdiction = match.groups()
    candidate = f"CC-{code.upper()}-{version}" + (
        f"-{jurisdiction.upper()}" if jurisdiction else ""
    )
    if candidate in known:
        return candidate
    return "cc-" + "-".join(p for p in (code.replace("+", "-plus"), version, jurisdiction) if p)


class _LicenceGraph:
    def __init__(self, minter: Minter, report: ImportReport) -> None:
        self.minter = minter
        self.out = TripleBuilder(report)
        self.described: set[str] = set()

    def node(self, licence_id: str, label: str | None = None) -> NamedNode:
        iri = self.minter.licence(licence_id)
        if licence_id not in self.described:
            self.described.add(licence_id)
            self.out.typed(iri, CC.License, "licences")
            self.out.add(iri, RDF.type, ODRL.Policy)
            if label is not None:
                self.out.add(iri, RDFS.label, Literal(label))
        return iri


def _spdx(graph: _LicenceGraph, path: Path, report: ImportReport) -> set[str]:
    data = read_json(path)
    licences = data.get("licenses") if isinstance(data, dict) else None
    if not isinstance(licences, list):
        raise DataSyntaxError(path.name, "expected an object with a 'licenses' array")
    ids = set()
    for index, entry in enumerate(licences, start=1):
        if not isinstance(entry, dict) or text_field(entry, "licenseId") is None:
            raise DataSyntaxError(path.name, f"licence {index} has no licenseId")
        licence_id, name = (
            str(entry["licenseId"]),
            text_field(entry, "name") or str(entry["licenseId"]),
        )
        ids.add(licence_id)
        iri = graph.node(licence_id, name)
        out = graph.out
        out.add(iri, SPDX.licenseId, Literal(licence_id))
        out.add(iri, OWL.sameAs, NamedNode(SPDX_LICENCES + licence_id))
        for key, predicate in (
            ("isOsiApproved", SPDX.isOsiApproved),
            ("isFsfLibre", SPDX.isFsfLibre),
            ("isDeprecatedLicenseId", SPDX.isDeprecatedLicenseId),
        ):
            if isinstance(entry.get(key), bool):
                out.add(iri, predicate, _boolean(bool(entry[key])))
        for url in entry.get("seeAlso") or []:
            try:
                out.add(iri, RDFS.seeAlso, NamedNode(str(url).strip()))
            except ValueError:
                report.warn(path.name, None, f"{licence_id}: seeAlso {url!r} is not an IRI")
    report.rows_read += len(licences)
    report.facts["SPDX licences"] = len(ids)
    return ids


def _variants(licence_id: str, known: set[str]) -> Iterator[str]:
    """A choosealicense id and, for the deprecated GNU ids, their -only and -or-later forms."""
    yield licence_id
    for suffix in ("-only", "-or-later"):
        if licence_id + suffix in known:
            yield licence_id + suffix


def _choosealicense(
    graph: _LicenceGraph, folder: Path, known: set[str], report: ImportReport
) -> None:
    files = sorted((folder / "_licenses").glob("*.txt"))
    for path in files:
        data = _front_matter(path)
        licence_id = text_field(data, "spdx-id")
        if licence_id is None:
            report.skip(path.name, None, "no spdx-id")
            continue
        if licence_id not in known:
            report.warn(path.name, None, f"{licence_id} is not in the SPDX list")
        for variant in _variants(licence_id, known):
            iri = graph.node(variant, text_field(data, "title"))
            description = text_field(data, "description")
            if description:
                description = plain_text(description)
                graph.out.add(iri, DCT.description, Literal(description, language="en"))
            for section, terms in CHOOSEALICENSE_TERMS.items():
                for tag in data.get(section) or []:  # type: ignore[attr-defined]
                    mapped = terms.get(str(tag))
                    if mapped is None:
                        report.warn(path.name, None, f"unknown {section} tag {tag!r}")
                        continue
                    for predicate, value in mapped:
                        graph.out.add(iri, predicate, value)
            if "same-license" in (data.get("conditions") or []) and "disclose-source" in (  # type: ignore[operator]
                data.get("conditions") or []
            ):
                graph.out.add(iri, CC.requires, CC.Copyleft)
    report.rows_read += len(files)
    report.facts["choosealicense licences"] = len(files)


_CC_PREDICATES = {
    CC.permits,
    CC.requires,
    CC.prohibits,
    CC.jurisdiction,
    CC.legalcode,
    DCT.hasVersion,
}


def _creativecommons(
    graph: _LicenceGraph, folder: Path, known: set[str], report: ImportReport, limits: ReadLimits
) -> None:
    files = sorted(folder.glob("*.rdf"))
    replaced: list[tuple[NamedNode, str]] = []
    licences = 0
    for path in files:
        triples = parse_triples(path, limits=limits, format=RdfFormat.RDF_XML)
        subjects = {
            t.subject
            for t in triples
            if t.predicate == RDF.type
            and t.object == CC.License
            and isinstance(t.subject, NamedNode)
        }
        for subject in subjects:
            licence_id = cc_licence_id(subject.value, known)
            title = _english_title(triples, subject)
            iri = graph.node(licence_id, None if licence_id in known else title)
            graph.out.add(iri, OWL.sameAs, subject)
            licences += 1
            for triple in triples:
                if triple.subject != subject:
                    continue
                if triple.predicate in _CC_PREDICATES and isinstance(
                    triple.object, NamedNode | Literal
                ):
                    graph.out.add(iri, triple.predicate, triple.object)
                elif triple.predicate == DCT.isReplacedBy and isinstance(triple.object, NamedNode):
                    replaced.append((iri, triple.object.value))
    for iri, newer in replaced:
        graph.out.add(iri, DCT.isReplacedBy, graph.minter.licence(cc_licence_id(newer, known)))
    report.rows_read += len(files)
    report.facts["Creative Commons licences"] = licences


def _english_title(triples: list[Triple], subject: NamedNode) -> str | None:
    for triple in triples:
        obj = triple.object
        if (
            triple.subject == subject
            and triple.predicate == DC_TITLE
            and isinstance(obj, Literal)
            and obj.language == "en"
        ):
            return obj.value
    return None


def import_licences(
    store: Store,
    minter: Minter,
    paths: list[Path],
    progress: Progress = no_progress,
    *,
    limits: ReadLimits,
) -> ImportReport:
    """Import the three licence sources into the graph `graph/import/licences` (the Creative
    Commons RDF/XML files read within `limits`)."""
    inputs = find_inputs(paths)
    report = ImportReport(
        "licences",
        files=[inputs.spdx.name, inputs.choosealicense.name, inputs.creativecommons.name],
    )
    graph = _LicenceGraph(minter, report)
    progress(0, 3)
    known = _spdx(graph, inputs.spdx, report)
    progress(1, 3)
    _choosealicense(graph, inputs.choosealicense, known, report)
    progress(2, 3)
    _creativecommons(graph, inputs.creativecommons, known, report, limits)
    progress(3, 3)
    origin = GraphSource(
        name="import/licences",
        title_fr="Licences : liste SPDX, choosealicense.com et Creative Commons",
        title_en="Licences: SPDX list, choosealicense.com and Creative Commons",
        source=minter.source("spdx-license-list"),
        licence=minter.licence("CC0-1.0"),
        used=", ".join(report.files),
    )
    report.changes.append(publish(store, minter, origin, graph.out.triples))
    return report
