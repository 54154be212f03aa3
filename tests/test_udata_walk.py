"""The catalogue harvested as data.gouv.fr's harvester (udata's DCAT backend) does it, against a
real `commonsgraph serve` on loopback: the format from the URL's extension or else from a HEAD
request's Content-Type, the pages followed through `hydra:PartialCollectionView`/`hydra:next`,
each `dcat:Dataset` kept by its `dct:identifier`, its licence matched to data.gouv.fr's licences
by label, id or URL, and each `dcat:DataService` with its endpoint.

What udata does is restated here from its code (udata/harvest/backends/dcat.py, udata/rdf.py,
udata/core/dataset/rdf.py and the Licence model's `guess`): this is a model of it, not udata."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS
from rdflib.util import SUFFIX_FORMAT_MAP
from rdflib.util import guess_format as raw_guess_format

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.graphs import GraphSource, publish
from commonsgraph.store import LocalStore
from commonsgraph.vocab import Minter

from .conftest import BASE
from .servers import commonsgraph_server

# rdflib's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
DCAT_NS = rdflib.Namespace(str(DCAT))  # an open namespace: udata reads dcat:email, no DCAT term
CONTACT = "contact+catalogue@tiers-lieux.example.org"
FORMAT_MAP = {**SUFFIX_FORMAT_MAP, "json": "json-ld", "jsonld": "json-ld", "xml": "xml"}
ACCEPTED_MIME_TYPES = {
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/n3": "n3",
    "application/x-turtle": "turtle",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/trig": "trig",
    "text/xml": "xml",
}
LICENCES = (
    # data.gouv.fr's licences: id, title, url, alternate urls
    (
        "lov2",
        "Licence Ouverte / Open Licence version 2.0",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
        ("https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",),
    ),
    (
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "http://opendatacommons.org/licenses/odbl/summary/",
        (),
    ),
    ("cc-by", "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by", ()),
    (
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "http://www.opendefinition.org/licenses/cc-by-sa",
        (),
    ),
    ("cc-zero", "Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero", ()),
)


def guess_format(string: str) -> str | None:
    """udata.rdf.guess_format: a media type it accepts, or the URL's extension."""
    return ACCEPTED_MIME_TYPES.get(string) or raw_guess_format(string, FORMAT_MAP)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def guess_licence(*strings: str) -> str | None:
    """Licence.guess without its edit-distance fallback: id, slug of the title, URL."""
    for string in strings:
        text = string.strip().lower()
        for identifier, title, url, alternates in LICENCES:
            if text in (identifier, url.lower(), *(a.lower() for a in alternates)):
                return identifier
            if slugify(text) == slugify(title):
                return identifier
    return None


def labelled(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """udata's serialize_value(parse_label=True): a resource's rdfs:label, else its IRI."""
    label = graph.value(node, RDFS.label)
    return str(label) if label is not None else str(node)


def contact_point(page: rdflib.Graph, node: rdflib.term.Node) -> tuple[str, str] | None:
    """udata.rdf.contact_point_from_rdf: the first contact point's name and e-mail address
    (vcard:hasEmail, vcard:email or dcat:email, without "mailto:"); none without an address."""
    contact = page.value(node, DCAT.contactPoint)
    if contact is None:
        return None
    name = page.value(contact, VCARD.fn)
    email = next(
        (
            page.value(contact, p)
            for p in (VCARD.hasEmail, VCARD.email, DCAT_NS.email)
            if page.value(contact, p) is not None
        ),
        None,
    )
    if email is None:
        return None
    return str(name or ""), str(email).replace("mailto:", "").strip()


class Harvest:
    """What one harvest of a DCAT source found."""

    def __init__(self, url: str) -> None:
        self.requests: list[tuple[str, str]] = []
        self.datasets: dict[str, dict[str, object]] = {}
        self.services: dict[str, str] = {}
        with httpx.Client(timeout=120) as client:
            self.client = client
            fmt = self.get_format(url)
            next_url: str | None = url
            while next_url:
                assert len(self.requests) < 50, "the pages do not end"
                page = self.page(next_url, fmt)
                self.datasets_of(page)
                self.services_of(page)
                next_url = None
                for cls, prop in (
                    (HYDRA.PartialCollectionView, HYDRA.next),
                    (HYDRA.PagedCollection, HYDRA.nextPage),
                ):
                    view = page.value(predicate=RDF.type, object=cls)
                    if view is not None:
                        following = page.value(view, prop)
                        next_url = str(following) if following is not None else None
                        break

    def get_format(self, url: str) -> str:
        fmt = guess_format(url)
        if not fmt:
            self.requests.append(("HEAD", url))
            response = self.client.head(url)
            response.raise_for_status()
            mime = response.headers.get("Content-Type", "").split(";", 1)[0]
            fmt = guess_format(mime)
            assert fmt, f"unsupported mime type {mime!r}"
        return fmt

    def page(self, url: str, fmt: str) -> rdflib.Graph:
        self.requests.append(("GET", url))
        response = self.client.get(url)
        response.raise_for_status()
        return rdflib.Graph().parse(data=response.text, format=fmt)

    def datasets_of(self, page: rdflib.Graph) -> None:
        for node in page.subjects(RDF.type, DCAT.Dataset):
            title = page.value(node, DCTERMS.title)
            links = list(page.subject_predicates(node))
            if (
                title is None
                and len(links) == 1
                and links[0][1] in (DCAT.servesDataset, DCTERMS.hasPart)
            ):
                continue  # a dataset of another page, mentioned by a service or a parent
            remote_id = page.value(node, DCTERMS.identifier)
            assert remote_id is not None, f"{node} would be skipped: no dct:identifier"
            assert title is not None, f"{node} would be refused: no dct:title"
            assert str(remote_id) not in self.datasets, f"{remote_id} harvested twice"
            distributions = list(page.objects(node, DCAT.distribution))
            licences = [labelled(page, o) for o in page.objects(node, DCTERMS.license)]
            for distribution in distributions:
                licences += [labelled(page, o) for o in page.objects(distribution, DCTERMS.license)]
            self.datasets[str(remote_id)] = {
                "licence": guess_licence(*licences),
                "downloads": [str(page.value(d, DCAT.downloadURL)) for d in distributions],
                "contact": contact_point(page, node),
            }

    def services_of(self, page: rdflib.Graph) -> None:
        access = set(page.objects(None, DCAT.accessService))
        for node in page.subjects(RDF.type, DCAT.DataService):
            if node in access:
                continue
            remote_id = page.value(node, DCTERMS.identifier)
            endpoint = page.value(node, DCAT.endpointURL)
            assert remote_id is not None
            assert endpoint is not None
            assert page.value(node, DCTERMS.title) is not None
            self.services[str(remote_id)] = str(endpoint)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served store with the project's graphs and two more under Licence Ouverte and ODbL."""
    data_dir = tmp_path_factory.mktemp("udata") / "var"
    store = LocalStore(data_dir / "store")
    load_bundled(store, Settings(data_dir=data_dir, base_iri=BASE))
    minter = Minter(BASE)
    for name, licence in (("import/test-lov", "etalab-2.0"), ("harvest/test-odbl", "ODbL-1.0")):
        origin = GraphSource(name, f"Essai {name}", f"Test {name}", licence=minter.licence(licence))
        publish(store, minter, origin, [])
    store.close()
    with commonsgraph_server(data_dir, tile_url="", contact_email=CONTACT) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "head"),
    [
        ("/catalog.ttl", False),
        ("/catalog.rdf", False),
        ("/catalog.jsonld", False),
        ("/catalog", True),  # no extension: udata asks with HEAD
        ("/catalog?page_size=3", True),
    ],
)
def test_udata_harvests_the_catalogue(site: str, path: str, head: bool) -> None:
    harvest = Harvest(site + path)
    assert (harvest.requests[0][0] == "HEAD") is head
    graphs = httpx.get(site + "/health", timeout=120).json()["graphs"]
    assert len(harvest.datasets) == 1 + graphs
    found = {
        remote_id.removeprefix(BASE): d["licence"] for remote_id, d in harvest.datasets.items()
    }
    assert found["dataset"] == "lov2"
    assert found["graph/import/test-lov"] == "lov2"
    assert found["graph/harvest/test-odbl"] == "odc-odbl"
    assert found["graph/ontology"] == "cc-by"
    assert all(found.values()), "every dataset's licence is one data.gouv.fr knows"
    contacts = {d["contact"] for d in harvest.datasets.values()}
    assert contacts == {("Projet commonsgraph", CONTACT)}, "udata imports every contact point"
    assert set(harvest.services) == {BASE + "service/sparql", BASE + "service/linked-data"}
    assert httpx.get(harvest.services[BASE + "service/sparql"], timeout=120).status_code == 200


def test_every_download_answers_head(site: str) -> None:
    harvest = Harvest(site + "/catalog.ttl")
    downloads = [url for d in harvest.datasets.values() for url in d["downloads"]]  # type: ignore[attr-defined]
    assert len(downloads) == len(harvest.datasets)
    with httpx.Client(timeout=120) as client:
        for url in downloads:
            response = client.head(url)
            assert response.status_code == 200, url
            assert int(response.headers["content-length"]) > 0
