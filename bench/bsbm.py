"""The BSBM explore use case: a dataset in the shape of the BSBM generator's, and its query mix.

`Dataset.generate(products)` writes N-Triples in the BSBM vocabulary (products with their types,
features, producers and numeric and textual properties; offers by vendors of several countries;
reviews by reviewers, in English and other languages) and keeps what the query parameters are
drawn from, as the BSBM test driver draws them from its own dataset. `Dataset.mix(rng)` is one
run of the explore query mix (`bsbm_explore.rq`: the BSBM V3 templates, Q1-Q12 but Q6), with
fresh parameters.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "bsbm_explore.rq"
BSBM = "http://www4.wiwiss.fu-berlin.de/bizer/bsbm/v01/vocabulary/"
INST = "http://www4.wiwiss.fu-berlin.de/bizer/bsbm/v01/instances/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DC = "http://purl.org/dc/elements/1.1/"
REV = "http://purl.org/stuff/rev#"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
COUNTRIES = ["US", "DE", "GB", "FR", "JP", "CN", "ES", "AT", "RU", "KR"]
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "sturdy",
    "bright",
    "quiet",
    "rapid",
    "supple",
    "noble",
    "amber",
    "coral",
    "velvet",
    "granite",
    "harbor",
    "meadow",
    "lantern",
    "orbit",
    "prism",
    "quartz",
    "ripple",
    "summit",
    "tundra",
    "willow",
]
TYPES, TYPE_FEATURES = 60, 40
FEATURES = 1_000

Query = tuple[int, str]
"""(the query's number in BSBM, its text)"""


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _date(rng: random.Random) -> str:
    return f"2008-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T00:00:00"


def read_templates(path: Path = TEMPLATES) -> tuple[dict[int, str], list[int]]:
    """The templates by query number, and the query mix, from `bsbm_explore.rq`."""
    text = path.read_text()
    mix = re.search(r"^# mix: ([\d ]+)$", text, re.MULTILINE)
    assert mix is not None
    templates: dict[int, str] = {}
    for section in re.split(r"^#-- ", text, flags=re.MULTILINE)[1:]:
        number, _, body = section.partition(":")
        templates[int(number)] = body.partition("\n")[2].strip() + "\n"
    return templates, [int(n) for n in mix.group(1).split()]


@dataclass
class Dataset:
    """What the query parameters are drawn from (filled as `generate` writes the data)."""

    products: list[str] = field(default_factory=list)
    product_types: list[int] = field(default_factory=list)
    type_features: list[list[int]] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)

    def generate(self, products: int, seed: int = 7) -> Iterator[str]:
        """N-Triples lines of a BSBM-shaped dataset: about 100 statements per product."""
        rng = random.Random(seed)
        yield from self._types_and_features(rng)
        producers, vendors, sites = max(5, products // 40), max(5, products // 100), 10
        yield from self._producers(producers)
        yield from self._vendors(vendors, rng)
        people = [f"<{INST}dataFromRatingSite{n % sites}/Reviewer{n}>" for n in range(products)]
        for n, person in enumerate(people):
            yield f"{person} <{RDF_TYPE}> <{FOAF}Person> ."
            yield f"{person} <{FOAF}name> {_literal(f'reviewer {n}')} ."
            yield f"{person} <{BSBM}country> <http://downlode.org/rdf/iso-3166/countries#{rng.choice(COUNTRIES)}> ."
            yield f"{person} <{DC}publisher> <{INST}RatingSite{n % sites}> ."
        for n in range(products):
            producer = rng.randrange(producers)
            product = f"<{INST}dataFromProducer{producer}/Product{n}>"
            kind = rng.randrange(TYPES)
            self.products.append(product)
            self.product_types.append(kind)
            yield from self._product(rng, product, producer, kind, n)
            for _ in range(rng.randrange(3, 7)):
                yield from self._offer(rng, product, vendors)
            for _ in range(rng.randrange(1, 6)):
                yield from self._review(rng, product, rng.choice(people), sites)

    def _types_and_features(self, rng: random.Random) -> Iterator[str]:
        for t in range(TYPES):
            node = f"<{INST}ProductType{t}>"
            yield f"{node} <{RDF_TYPE}> <{BSBM}ProductType> ."
            yield f"{node} <{RDFS}label> {_literal(f'product type {t}')} ."
            yield f"{node} <{RDFS}subClassOf> <{INST}ProductType> ."
            self.type_features.append(rng.sample(range(FEATURES), TYPE_FEATURES))
        for f in range(FEATURES):
            node = f"<{INST}ProductFeature{f}>"
            yield f"{node} <{RDF_TYPE}> <{BSBM}ProductFeature> ."
            yield f"{node} <{RDFS}label> {_literal(f'feature {rng.choice(WORDS)} {f}')} ."

    def _producers(self, producers: int) -> Iterator[str]:
        for p in range(producers):
            node = f"<{INST}dataFromProducer{p}/Producer{p}>"
            yield f"{node} <{RDF_TYPE}> <{BSBM}Producer> ."
            yield f"{node} <{RDFS}label> {_literal(f'producer {p}')} ."
            yield f"{node} <{FOAF}homepage> <http://www.producer{p}.example/> ."
            yield f"{node} <{DC}publisher> {node} ."

    def _vendors(self, vendors: int, rng: random.Random) -> Iterator[str]:
        for v in range(vendors):
            node = f"<{INST}dataFromVendor{v}/Vendor{v}>"
            country = COUNTRIES[v % 3] if v < 30 else rng.choice(COUNTRIES)  # DE and US: many
            yield f"{node} <{RDF_TYPE}> <{BSBM}Vendor> ."
            yield f"{node} <{RDFS}label> {_literal(f'vendor {v}')} ."
            yield f"{node} <{FOAF}homepage> <http://www.vendor{v}.example/> ."
            yield f"{node} <{BSBM}country> <http://downlode.org/rdf/iso-3166/countries#{country}> ."
            yield f"{node} <{DC}publisher> {node} ."

    def _product(
        self, rng: random.Random, product: str, producer: int, kind: int, n: int
    ) -> Iterator[str]:
        words = " ".join(rng.sample(WORDS, rng.randrange(1, 4)))
        yield f"{product} <{RDF_TYPE}> <{BSBM}Product> ."
        yield f"{product} <{RDF_TYPE}> <{INST}ProductType{kind}> ."
        yield f"{product} <{RDFS}label> {_literal(words)} ."
        yield f"{product} <{RDFS}comment> {_literal(f'a product of the benchmark, {words}, {n}')} ."
        yield f"{product} <{BSBM}producer> <{INST}dataFromProducer{producer}/Producer{producer}> ."
        yield f"{product} <{DC}publisher> <{INST}dataFromProducer{producer}/Producer{producer}> ."
        for f in rng.sample(self.type_features[kind], 10):
            yield f"{product} <{BSBM}productFeature> <{INST}ProductFeature{f}> ."
        for k in range(1, 7):
            if k <= 3 or rng.random() < 0.5:
                yield f"{product} <{BSBM}productPropertyNumeric{k}> {_typed(rng.randrange(1, 2000), 'integer')} ."
        for k in range(1, 6):
            if k <= 3 or rng.random() < 0.5:
                yield f"{product} <{BSBM}productPropertyTextual{k}> {_literal(f'{rng.choice(WORDS)} {k} {n}')} ."

    def _offer(self, rng: random.Random, product: str, vendors: int) -> Iterator[str]:
        vendor = rng.randrange(vendors)
        offer = f"<{INST}dataFromVendor{vendor}/Offer{len(self.offers)}>"
        self.offers.append(offer)
        yield f"{offer} <{RDF_TYPE}> <{BSBM}Offer> ."
        yield f"{offer} <{BSBM}product> {product} ."
        yield f"{offer} <{BSBM}vendor> <{INST}dataFromVendor{vendor}/Vendor{vendor}> ."
        yield f"{offer} <{DC}publisher> <{INST}dataFromVendor{vendor}/Vendor{vendor}> ."
        yield f"{offer} <{BSBM}price> {_typed(f'{rng.randrange(500, 1_000_000) / 100:.2f}', 'decimal')} ."
        yield f"{offer} <{BSBM}validFrom> {_typed(_date(rng), 'dateTime')} ."
        yield f"{offer} <{BSBM}validTo> {_typed(_date(rng), 'dateTime')} ."
        yield f"{offer} <{BSBM}deliveryDays> {_typed(rng.randrange(1, 8), 'integer')} ."
        yield f"{offer} <{BSBM}offerWebpage> <http://www.vendor{vendor}.example/offers/{len(self.offers)}> ."

    def _review(self, rng: random.Random, product: str, person: str, sites: int) -> Iterator[str]:
        site = len(self.reviews) % sites
        review = f"<{INST}dataFromRatingSite{site}/Review{len(self.reviews)}>"
        self.reviews.append(review)
        language = "en" if rng.random() < 0.7 else rng.choice(["de", "fr", "es"])
        yield f"{review} <{RDF_TYPE}> <{BSBM}Review> ."
        yield f"{review} <{BSBM}reviewFor> {product} ."
        yield f"{review} <{REV}reviewer> {person} ."
        yield f"{review} <{BSBM}reviewDate> {_typed(_date(rng), 'dateTime')} ."
        yield f"{review} <{DC}title> {_literal(f'review {len(self.reviews)}')} ."
        yield f'{review} <{REV}text> "what a product: {rng.choice(WORDS)}"@{language} .'
        yield f"{review} <{DC}publisher> <{INST}RatingSite{site}> ."
        for k in range(1, 5):
            if rng.random() < 0.7:
                yield f"{review} <{BSBM}rating{k}> {_typed(rng.randrange(1, 11), 'integer')} ."

    def parameters(self, rng: random.Random) -> dict[str, str]:
        """One draw of every parameter the templates use."""
        n = rng.randrange(len(self.products))
        kind = rng.randrange(TYPES)
        f1, f2, f3 = rng.sample(self.type_features[kind], 3)
        return {
            "ProductType": f"<{INST}ProductType{kind}>",
            "ProductFeature1": f"<{INST}ProductFeature{f1}>",
            "ProductFeature2": f"<{INST}ProductFeature{f2}>",
            "ProductFeature3": f"<{INST}ProductFeature{f3}>",
            "x": str(rng.randrange(1, 500)),
            "y": str(rng.randrange(1, 500)),
            "ProductXYZ": self.products[n],
            "ReviewXYZ": rng.choice(self.reviews),
            "OfferXYZ": rng.choice(self.offers),
            "currentDate": _typed(_date(rng), "dateTime"),
        }


class ExploreMix:
    """The explore query mix over a generated dataset."""

    def __init__(self, dataset: Dataset, path: Path = TEMPLATES) -> None:
        self.dataset = dataset
        self.templates, self.order = read_templates(path)

    def query(self, number: int, rng: random.Random) -> str:
        values = self.dataset.parameters(rng)
        return re.sub(r"%(\w+)%", lambda m: values[m.group(1)], self.templates[number])

    def mix(self, rng: random.Random) -> list[Query]:
        """One run of the mix, each query with its own parameters."""
        return [(number, self.query(number, rng)) for number in self.order]
