"""The W3C Reconciliation Service API (v0.2) over the graph: matching the rows of a
spreadsheet (a name, a type, properties) to our resources, and extending them with our data.

Candidates for a query come from the search index (names holding any of the query's words,
`SearchIndex.candidates`) and from the identifiers it gives (the resources with its SIREN or
SIRET, or its home page); a commune or a postcode only scores them (a commune may hold hundreds
of places). Each is scored with the project's
matcher (`names.similarity`, the one harvested places are reconciled with) and the properties
given:

- name: how alike the names are, in [0, 1];
- support: for each property given, 1 when the candidate agrees (same commune, postcode,
  identifier or home page, coordinates within `NEAR` metres), 0 when it disagrees, ½ when it
  has no value to compare; their mean;
- score = 100 × (`NAME_WEIGHT` × name + (1 − `NAME_WEIGHT`) × support), or 100 × name without
  properties; a shared SIRET, SIREN or home page raises it to at least `SAME_ID`.

`match` is true only where it is safe: the best candidate scores at least `MATCH_SCORE`, its
name at least `MATCH_NAME`, no property disagrees (a wrong postcode alone is tolerated when
the commune agrees), the next candidate is at least `MARGIN` behind, and, without properties,
the names are the same.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode

from commonsgraph.reconcile.names import core, similarity
from commonsgraph.search import kind_name
from commonsgraph.sparqltext import term_text
from commonsgraph.store import Row, Store, lexical
from commonsgraph.textindex import SearchIndex
from commonsgraph.vocab import fold

NAME_WEIGHT = 0.7
SAME_ID = 95.0
MATCH_SCORE = 85.0
MATCH_NAME = 0.8
MARGIN = 10.0
NEAR = 2000.0
"""Metres: coordinates this close agree."""
FAR = 20_000.0
"""Metres: coordinates further apart disagree."""
CANDIDATES = 15
"""Candidates read per query."""
MAX_QUERIES = 100
"""Queries per batch, at most."""

TYPES = {
    "https://w3id.org/commonsgraph/ns#TiersLieu": ("Tiers-lieux", "Third places"),
    "http://www.w3.org/ns/org#Organization": ("Organisations", "Organisations"),
    "http://rdf.insee.fr/def/geo#Commune": ("Communes", "Communes"),
    "https://w3id.org/commonsgraph/ns#Commons": ("Communs", "Commons"),
    "http://creativecommons.org/ns#License": ("Licences", "Licences"),
    "https://w3id.org/commonsgraph/ns#Network": ("Réseaux", "Networks"),
}
"""The default types: what a spreadsheet's rows are likely to be."""

MATCHING = {
    "insee": ("Code INSEE de la commune", "Commune INSEE code"),
    "postcode": ("Code postal", "Postcode"),
    "siren": ("SIREN", "SIREN"),
    "siret": ("SIRET", "SIRET"),
    "coordinates": ("Coordonnées (lat,long)", "Coordinates (lat,long)"),
    "homepage": ("Site web", "Home page"),
}
"""Properties a query may give, to match with."""

EXTENDING = {
    "commune": ("Commune", "Commune"),
    "insee": ("Code INSEE de la commune", "Commune INSEE code"),
    "postcode": ("Code postal", "Postcode"),
    "departement": ("Département", "Département"),
    "region": ("Région", "Region"),
    "country": ("Pays", "Country"),
    "coordinates": ("Coordonnées (lat,long)", "Coordinates (lat,long)"),
    "lat": ("Latitude", "Latitude"),
    "long": ("Longitude", "Longitude"),
    "typology": ("Typologie", "Typology"),
    "licence": ("Licence", "Licence"),
    "licence-family": ("Famille de licence", "Licence family"),
    "homepage": ("Site web", "Home page"),
    "siren": ("SIREN", "SIREN"),
    "siret": ("SIRET", "SIRET"),
}
"""Properties data extension fetches into new columns."""

_FACTS = {
    "name": "?x rdfs:label|skos:prefLabel|skos:altLabel|schema:alternateName|spdx:licenseId ?v",
    "commune": "?x schema:containedInPlace ?v . ?v a igeo:Commune "
    "OPTIONAL { ?v rdfs:label ?label }",
    "insee": "?x schema:containedInPlace ?c . ?c a igeo:Commune ; igeo:codeINSEE ?v",
    "insee ": "?x a igeo:Commune ; igeo:codeINSEE ?v",
    "postcode": "?x (locn:address/locn:postCode)|schema:postalCode ?v",
    "commune-postcode": "?x schema:containedInPlace ?c . ?c a igeo:Commune ; schema:postalCode ?v",
    "lat": "?x wgs:lat ?v",
    "long": "?x wgs:long ?v",
    "typology": "?x cg:typology ?v OPTIONAL { ?v skos:prefLabel ?label }",
    "licence": "?x dct:license ?v OPTIONAL { ?v rdfs:label ?label }",
    "licence-family": "?x cg:licenceFamily|(dct:license/cg:licenceFamily) ?v "
    "OPTIONAL { ?v skos:prefLabel ?label }",
    "homepage": "?x foaf:homepage|schema:url ?v",
    "siren": "?x cg:siren ?v",
    "siret": "?x cg:siret ?v",
    "type": "?x a ?v",
}
"""What is read of each candidate, by property (the units it lies in come from the index); a
name given twice (with a trailing space) is read by two patterns."""
UNITS = ("departement", "region", "country")
SCORING = (
    "name", "insee", "postcode", "commune-postcode", "lat", "long", "homepage", "siren", "siret",
    "type",
)  # fmt: skip
"""What scoring reads of each candidate."""
_BY_PROPERTY = {
    "siren": "?x cg:siren|cg:siret ?s FILTER(STRSTARTS(STR(?s), STR(?v)))",
    "siret": "?x cg:siret ?v",
    "homepage": "?x foaf:homepage ?v",
}


class BadQuery(ValueError):
    """A reconciliation query the service cannot read (a 400)."""


@dataclass
class Facts:
    """What the graph says of a candidate, by property: (value, label) pairs."""

    values: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def all(self, name: str) -> list[str]:
        return [value for value, _ in self.values.get(name, [])]

    def first(self, name: str) -> str:
        found = self.all(name)
        return found[0] if found else ""


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...]
    limit: int
    properties: tuple[tuple[str, str], ...]
    """(property id, value), values as text."""


@dataclass(frozen=True)
class Candidate:
    iri: str
    name: str
    kind: str | None
    score: float
    match: bool
    description: str
    features: dict[str, float]


class ReconciliationService:
    """Answers the API's requests over `store` and its search `index`."""

    def __init__(self, store: Store, index: SearchIndex) -> None:
        self.store = store
        self.index = index

    # -- reconciliation -----------------------------------------------------------------------

    def reconcile(self, batch: object) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """The answers to a batch of queries (`{"q0": {"query": …}, …}`), by key."""
        if not isinstance(batch, dict) or not batch:
            raise BadQuery("queries: expected a JSON object of queries, keyed q0, q1…")
        if len(batch) > MAX_QUERIES:
            raise BadQuery(f"queries: at most {MAX_QUERIES} queries in a batch")
        queries = {str(key): read_query(value, str(key)) for key, value in batch.items()}
        found = self._candidates(queries)
        facts = self._facts(sorted({iri for iris in found.values() for iri in iris}), SCORING)
        answers = {}
        for key, query in queries.items():
            scored = self._scored(query, found[key], facts)
            answers[key] = {"result": [candidate_json(c) for c in scored[: query.limit]]}
        return answers

    def _candidates(self, queries: dict[str, Query]) -> dict[str, list[str]]:
        """Candidates of each query: by name, and by the properties it gives."""
        by_value: dict[str, set[str]] = defaultdict(set)
        for query in queries.values():
            for pid, value in query.properties:
                if pid in _BY_PROPERTY and value:
                    by_value[pid].add(_normalized(pid, value))
        holders = self._holders(by_value)
        found: dict[str, list[str]] = {}
        for key, query in queries.items():
            words = list(core(query.text)) + fold(query.text).split()
            iris = self.index.candidates(words, kinds=query.types, limit=CANDIDATES)
            for pid, value in query.properties:
                iris.extend(holders.get((pid, _normalized(pid, value)), []))
            found[key] = iris
        heads = self.index.canonical(sorted({iri for iris in found.values() for iri in iris}))
        return {  # one candidate per thing: the canonical member of its owl:sameAs group
            key: list(dict.fromkeys(heads.get(iri, iri) for iri in iris))
            for key, iris in found.items()
        }

    def _holders(self, by_value: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
        """The resources that hold each (property, value)."""
        branches = []
        for pid, values in sorted(by_value.items()):
            terms = " ".join(term_text(Literal(v)) for v in sorted(values))
            if pid == "homepage":
                terms = " ".join(
                    term_text(NamedNode(iri))
                    for v in sorted(values)
                    for iri in _homepages(v)
                    if _iri_like(iri)
                )
            if terms:
                branches.append(
                    f'{{ VALUES ?v {{ {terms} }} {_BY_PROPERTY[pid]} BIND("{pid}" AS ?p) }}'
                )
        if not branches:
            return {}
        holders: dict[tuple[str, str], list[str]] = defaultdict(list)
        rows = self.store.select(
            f"SELECT DISTINCT ?p ?v ?x WHERE {{ {' UNION '.join(branches)} FILTER(isIRI(?x)) }}"
        )
        for row in rows:
            pid = _text(row, "p")
            holders[(pid, _normalized(pid, _text(row, "v")))].append(_text(row, "x"))
        return holders

    def _facts(
        self, iris: Sequence[str], wanted: Sequence[str] = (), units: bool = False
    ) -> dict[str, Facts]:
        """What the graph says of `iris` and of the resources it groups with them
        (owl:sameAs: one thing): the properties `wanted` (all when empty) and, with `units`,
        their département, région and country, as the index has them."""
        same = {iri: hit.same for iri, hit in self.index.get(iris).items() if hit.same}
        read = sorted({*iris, *(other for others in same.values() for other in others)})
        found: dict[str, Facts] = defaultdict(Facts)
        for start in range(0, len(read), 200):
            listed = " ".join(term_text(NamedNode(i)) for i in read[start : start + 200])
            branches = " UNION ".join(
                f'{{ VALUES ?x {{ {listed} }} {pattern} BIND("{name.strip()}" AS ?p) }}'
                for name, pattern in _FACTS.items()
                if not wanted or name.strip() in wanted
            )
            for row in self.store.select(f"SELECT ?x ?p ?v ?label WHERE {{ {branches} }}"):
                pair = (_text(row, "v"), _text(row, "label"))
                facts = found[_text(row, "x")].values[_text(row, "p")]
                if pair not in facts:
                    facts.append(pair)
        if units:
            for iri in iris:
                for unit in UNITS:
                    for value in self.index.facet_values(iri, unit):
                        found[iri].values[unit].append(value)
        return {iri: _merged(found, iri, same.get(iri, ())) for iri in iris}

    def _scored(self, query: Query, iris: list[str], facts: dict[str, Facts]) -> list[Candidate]:
        scored = []
        hits = self.index.get(iris)
        for iri in iris:
            hit = hits.get(iri)
            known = facts.get(iri, Facts())
            kinds = set(known.all("type"))
            if hit is None or (query.types and not kinds & set(query.types)):
                continue
            names = known.all("name") or [hit.label]
            name = max(_alike(query.text, n) for n in names)
            agreement, same_id, conflict = _support(query, known)
            features = {"name": round(name, 4)}
            features.update({f"{pid}": value for pid, value in agreement.items()})
            if agreement:
                support = sum(agreement.values()) / len(agreement)
                score = 100 * (NAME_WEIGHT * name + (1 - NAME_WEIGHT) * support)
            else:
                score = 100 * name
            if same_id:
                score = max(score, SAME_ID)
            description = ", ".join(
                part for part in (kind_name(hit.kind, "fr"), hit.place, hit.summary) if part
            )
            safe = (
                score >= MATCH_SCORE
                and (name >= MATCH_NAME or same_id)
                and not conflict
                and (bool(agreement) or name == 1.0)
            )
            scored.append(
                Candidate(iri, hit.label, hit.kind, round(score, 2), safe, description, features)
            )
        scored.sort(key=lambda c: (-c.score, c.name, c.iri))
        if scored and scored[0].match:
            runner_up = scored[1].score if len(scored) > 1 else 0.0
            if scored[0].score - runner_up < MARGIN:
                scored[0] = _unmatched(scored[0])
        return [c if i == 0 else _unmatched(c) for i, c in enumerate(scored)]

    # -- data extension -----------------------------------------------------------------------

    def extend(self, request: object) -> dict[str, Any]:
        """The values of `properties` for `ids` (`{"ids": […], "properties": [{"id": …}]}`)."""
        if not isinstance(request, dict):
            raise BadQuery("extend: expected a JSON object with ids and properties")
        ids, properties = request.get("ids"), request.get("properties")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadQuery("extend.ids: expected a list of entity identifiers")
        if len(ids) > 1000:
            raise BadQuery("extend.ids: at most 1,000 identifiers")
        if not isinstance(properties, list):
            raise BadQuery("extend.properties: expected a list of {id: …}")
        pids = []
        for prop in properties:
            pid = prop.get("id") if isinstance(prop, dict) else None
            if pid not in EXTENDING:
                raise BadQuery(f"extend.properties: unknown property {pid!r}")
            pids.append(pid)
        valid = [i for i in ids if _iri_like(i)]
        facts = self._facts(valid, units=bool(set(pids) & set(UNITS)))  # every property
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for iri in ids:
            known = facts.get(iri, Facts())
            rows[iri] = {pid: _cells(pid, known) for pid in pids}
        return {
            "meta": [{"id": pid, "name": EXTENDING[pid][1]} for pid in pids],
            "rows": rows,
        }

    # -- suggest and preview ------------------------------------------------------------------

    def suggest_entities(
        self, prefix: str, types: Sequence[str], cursor: int, lang: str
    ) -> dict[str, Any]:
        hits = self.index.suggest(prefix, kinds=types, lang=lang, limit=10 + cursor)[cursor:]
        return {
            "result": [
                {
                    "id": h.iri,
                    "name": h.label,
                    "description": ", ".join(p for p in (kind_name(h.kind, lang), h.place) if p),
                    "notable": [_type_json(h.kind, lang)] if h.kind in TYPES else [],
                }
                for h in hits
            ]
        }

    def preview(self, iri: str, lang: str) -> tuple[str, str, str, str] | None:
        """A resource's name, kind, place and summary, for the preview card."""
        hit = self.index.get([iri], lang).get(iri)
        if hit is None:
            return None
        return hit.label, kind_name(hit.kind, lang), hit.place, hit.summary


def _merged(found: dict[str, Facts], iri: str, others: Sequence[str]) -> Facts:
    """The facts of `iri` followed by those of the resources grouped with it, each value once
    (its own first: `Facts.first` reads them)."""
    if not others:
        return found[iri]
    merged = Facts()
    for member in (iri, *others):
        for name, pairs in found[member].values.items():
            merged.values[name].extend(p for p in pairs if p not in merged.values[name])
    return merged


def suggest_named(
    names: dict[str, tuple[str, str]], prefix: str, lang: str
) -> list[dict[str, str]]:
    """The entries of `names` (id: (fr, en)) whose id or name holds `prefix`, folded."""
    wanted = fold(prefix)
    found = []
    for key, (fr, en) in names.items():
        name = fr if lang == "fr" else en
        if wanted in fold(key) or wanted in fold(name) or wanted in fold(fr + " " + en):
            found.append({"id": key, "name": name})
    return found


def read_query(value: object, key: str) -> Query:
    """One query of a batch, checked."""
    if not isinstance(value, dict):
        raise BadQuery(f"queries.{key}: expected an object with a query")
    text = value.get("query")
    if not isinstance(text, str) or len(text) > 1000:
        raise BadQuery(f"queries.{key}.query: expected a string of at most 1,000 characters")
    types = value.get("type")
    if types is None:
        listed: list[str] = []
    elif isinstance(types, str):
        listed = [types]
    elif isinstance(types, list) and len(types) <= 20 and all(isinstance(t, str) for t in types):
        listed = list(types)
    else:
        raise BadQuery(f"queries.{key}.type: expected a type id or a list of at most 20")
    limit = value.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 100:
        raise BadQuery(f"queries.{key}.limit: expected a whole number from 0 to 100")
    properties = value.get("properties", [])
    if not isinstance(properties, list) or len(properties) > 20:
        raise BadQuery(f"queries.{key}.properties: expected a list of at most 20 {{pid, v}}")
    pairs = []
    for number, prop in enumerate(properties):
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str):
            raise BadQuery(f"queries.{key}.properties[{number}]: expected {{pid, v}}")
        pid = prop["pid"]
        values = prop.get("v")
        for v in values if isinstance(values, list) else [values]:
            if isinstance(v, dict):
                v = v.get("id")
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                continue
            text_value = str(v).strip()
            if pid in MATCHING and text_value and len(text_value) <= 500:
                pairs.append((pid, text_value))
    return Query(text, tuple(listed), limit, tuple(pairs))


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": candidate.iri,
        "name": candidate.name,
        "score": candidate.score,
        "match": candidate.match,
        "type": [_type_json(candidate.kind, "en")] if candidate.kind else [],
        "features": [{"id": k, "value": v} for k, v in candidate.features.items()],
    }
    if candidate.description:
        answer["description"] = candidate.description
    return answer


def _type_json(kind: str | None, lang: str) -> dict[str, str]:
    kind = kind or ""
    names = TYPES.get(kind)
    name = (names[0] if lang == "fr" else names[1]) if names else kind_name(kind, lang)
    return {"id": kind, "name": name}


def _unmatched(candidate: Candidate) -> Candidate:
    if not candidate.match:
        return candidate
    return Candidate(
        candidate.iri, candidate.name, candidate.kind, candidate.score, False,
        candidate.description, candidate.features,
    )  # fmt: skip


def _support(query: Query, known: Facts) -> tuple[dict[str, float], bool, bool]:
    """How each property given agrees (1), disagrees (0) or cannot tell (½); whether an
    identifier or home page is shared; whether a disagreement forbids a match."""
    agreement: dict[str, float] = {}
    same_id = conflict = False
    commune_agrees = False
    given = defaultdict(list)
    for pid, value in query.properties:
        given[pid].append(value)
    for pid, values in given.items():
        normalized = {_normalized(pid, v) for v in values}
        if pid == "coordinates":
            point = next((p for p in map(_point, values) if p is not None), None)
            theirs = _point(f"{known.first('lat')},{known.first('long')}")
            if point is None or theirs is None:
                agreement[pid] = 0.5
                continue
            metres = _distance(point, theirs)
            agreement[pid] = 1.0 if metres <= NEAR else 0.0 if metres >= FAR else 0.5
            conflict |= metres >= FAR
            continue
        if pid == "postcode":
            ours = {_normalized(pid, v) for v in known.all("postcode")}
            ours |= {_normalized(pid, v) for v in known.all("commune-postcode")}
        elif pid == "siren":
            ours = {v[:9] for v in map(_digits, known.all("siren") + known.all("siret"))}
        else:
            ours = {_normalized(pid, v) for v in known.all(pid)}
        if not ours:
            agreement[pid] = 0.5
        elif normalized & ours:
            agreement[pid] = 1.0
            same_id |= pid in ("siren", "siret", "homepage")
            commune_agrees |= pid == "insee"
        else:
            agreement[pid] = 0.0
            conflict |= pid != "postcode"
    if agreement.get("postcode") == 0.0 and not commune_agrees:
        conflict = True
    return agreement, same_id, conflict


def _cells(pid: str, known: Facts) -> list[dict[str, Any]]:
    if pid in ("commune", "departement", "region", "country", "typology", "licence"):
        return [{"id": v, "name": label or v} for v, label in known.values.get(pid, [])[:1]]
    if pid == "licence-family":
        return [{"id": v, "name": label or v} for v, label in known.values.get(pid, [])]
    if pid in ("lat", "long"):
        try:
            return [{"float": float(known.first(pid))}] if known.first(pid) else []
        except ValueError:
            return []
    if pid == "coordinates":
        lat, long = known.first("lat"), known.first("long")
        return [{"str": f"{lat},{long}"}] if lat and long else []
    if pid == "postcode":
        return [{"str": v} for v in (known.all("postcode") or known.all("commune-postcode"))[:1]]
    return [{"str": v} for v in known.all(pid)]


def _text(row: Row, name: str) -> str:
    term = row.get(name)
    return "" if term is None else lexical(term)


def _alike(name: str, other: str) -> float:
    """How alike two names are: the project's matcher (`names.similarity`, on their telling
    words), with a tenth from the whole names, spaces left out, so that of two candidates whose
    telling words are the same, the one spelled closer comes first; 1 for the same folded
    name."""
    folded, other_folded = fold(name), fold(other)
    if folded == other_folded:
        return 1.0
    whole = SequenceMatcher(
        None, folded.replace(" ", ""), other_folded.replace(" ", ""), autojunk=False
    ).ratio()
    return 0.9 * similarity(name, other) + 0.1 * whole


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)


def _normalized(pid: str, value: str) -> str:
    if pid in ("siren", "siret", "postcode"):
        digits = _digits(value)
        if pid == "postcode" and len(digits) == 4:
            digits = "0" + digits  # a spreadsheet that read it as a number
        return digits[:9] if pid == "siren" else digits
    if pid == "insee":
        code = value.strip().upper()
        return code.zfill(5) if code.isdigit() else code
    if pid == "homepage":
        return _homepage(value)
    return value.strip()


def _homepage(value: str) -> str:
    """A home page to compare: its host in lower case without `www.`, and its path without
    the final slash (http and https alike)."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/")


def _homepages(key: str) -> list[str]:
    """The IRIs a home page compared as `key` may be written as in the graph."""
    host, _, path = key.partition("/")
    path = "/" + path if path else ""
    return [
        f"{scheme}://{www}{host}{path}{slash}"
        for scheme in ("http", "https")
        for www in ("", "www.")
        for slash in (("/",) if not path else ("", "/"))
    ]


def _iri_like(value: str) -> bool:
    try:
        NamedNode(value)
    except ValueError:
        return False
    return "://" in value and not any(c in value for c in '<>"{}|\\^` \n')


def _point(text: str) -> tuple[float, float] | None:
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if len(parts) != 2:
        return None
    try:
        lat, long = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= long <= 180) or math.isnan(lat + long):
        return None
    return lat, long


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two points on the sphere (haversine, mean radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))
