"""What GET /sparql answers without an operation: the SPARQL 1.1 Service Description (Turtle,
JSON-LD, RDF/XML… by Accept) for machines, the query editor for a browser."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exceptions import HTTPException
from fastapi.templating import Jinja2Templates
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from commonsgraph import i18n, negotiation
from commonsgraph.graphs import graph_infos
from commonsgraph.queries import NamedQuery
from commonsgraph.store import Store
from commonsgraph.vocab import PREFIXES, RDF, RDFS, VOID, XSD, Minter, Namespace
from commonsgraph.web import conditional, languages

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads",
                  "TriG")  # fmt: skip
BASE_NOTE = (
    "Relative IRIs in queries and updates resolve against this endpoint's URL, {endpoint} "
    "(the base IRI; a BASE declaration overrides it). Request bodies are UTF-8."
)
DESCRIPTION_FORMATS = (RdfFormat.TURTLE, RdfFormat.JSON_LD, RdfFormat.RDF_XML, RdfFormat.N_TRIPLES)


def service_description(
    store: Store,
    endpoint: str,
    *,
    dataset: NamedNode,
    void: str,
    federated: bool = True,
    union: bool = True,
) -> list[Triple]:
    """The Service Description of the endpoint at `endpoint`, with its dataset's graphs.

    The default dataset is `dataset`, the IRI the VoID description at `void` gives it (with
    its class and property partitions). `federated`: SERVICE may call some endpoints; `union`:
    the default graph is the merge of every named graph (sd:UnionDefaultGraph).
    """
    service = NamedNode(endpoint)
    default = BlankNode("default")  # stable labels: the same bytes for the same data
    triples = [
        Triple(service, RDF.type, SD.Service),
        Triple(service, SD.endpoint, service),
        Triple(service, RDFS.comment, Literal(BASE_NOTE.format(endpoint=endpoint), language="en")),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Update),
        Triple(
            service, SD.defaultEntailmentRegime, NamedNode("http://www.w3.org/ns/entailment/Simple")
        ),
        Triple(service, SD.defaultDataset, dataset),
        Triple(dataset, RDF.type, SD.Dataset),
        Triple(dataset, RDFS.seeAlso, NamedNode(void)),
        Triple(dataset, SD.defaultGraph, default),
        Triple(default, RDF.type, SD.Graph),
    ]
    if union:
        triples.append(Triple(service, SD.feature, SD.UnionDefaultGraph))
    if federated:
        triples.append(Triple(service, SD.feature, SD.BasicFederatedQuery))
    triples += [Triple(service, SD.resultFormat, FORMATS[name]) for name in RESULT_FORMATS]
    total = 0
    for number, info in enumerate(graph_infos(store), start=1):
        named, graph = BlankNode(f"named{number}"), BlankNode(f"graph{number}")
        triples += [
            Triple(dataset, SD.namedGraph, named),
            Triple(named, RDF.type, SD.NamedGraph),
            Triple(named, SD.name, info.graph),
            Triple(named, SD.graph, graph),
            Triple(graph, RDF.type, SD.Graph),
        ]
        if info.triples is not None:
            total += info.triples
            triples.append(
                Triple(graph, VOID.triples, Literal(str(info.triples), datatype=XSD.integer))
            )
    triples.append(Triple(default, VOID.triples, Literal(str(total), datatype=XSD.integer)))
    return triples


class Describer:
    """Answers GET /sparql without an operation."""

    def __init__(
        self,
        store: Store,
        templates: Jinja2Templates,
        examples: list[NamedQuery],
        base: str,
        *,
        federated: bool = True,
        union: bool = True,
    ) -> None:
        self.store = store
        self.union = union
        self.templates = templates
        self.examples = examples
        self.base = base
        self.federated = federated

    async def __call__(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        named = request.query_params.get("format")  # ?format=ttl: the description in a browser
        offered = [*(f.media_type for f in DESCRIPTION_FORMATS), "text/html"]
        if not named and negotiation.choose(offered, accept) == "text/html":
            return self.editor(request)
        graph_format = negotiation.graph_format(accept, named, DESCRIPTION_FORMATS)
        if graph_format is None:
            raise HTTPException(406, "the description is offered as " + ", ".join(offered))
        endpoint = str(request.url.replace(query=""))
        description = service_description(
            self.store,
            endpoint,
            dataset=Minter(self.base).iri("dataset"),
            void=str(request.url_for("void")),
            federated=self.federated,
            union=self.union,
        )
        body = (
            serialize(
                description,
                format=graph_format,
                prefixes={"sd": SD.iri, "void": VOID.iri, "rdfs": RDFS.iri},
            )
            or b""
        )
        return conditional.tagged(request, body, graph_format.media_type, {"Vary": "Accept"})

    def editor(self, request: Request) -> Response:
        """The query editor, in the reader's language (its frame and the examples' names;
        YASGUI's own buttons stay English)."""
        lang = languages.of_request(request)
        examples = [{"name": q.label(lang), "query": q.example(self.base)} for q in self.examples]
        config = {
            "endpoint": str(request.url.replace(query="")),
            "prefixes": PREFIXES,
            "examples": examples,
            "base": self.base,  # results' IRIs under it link to this server's pages
            "suggest": str(request.url_for("suggest")),  # names to IRIs, inserted at the cursor
            "lang": lang,
            "rows_shown": i18n.words(lang)["rows_shown"],  # a name for YASR's unnamed select
        }
        return self.templates.TemplateResponse(
            request,
            "editor.html",
            {"config": config, "lang": lang, "w": i18n.words(lang)},
            headers={"Vary": "Accept, Accept-Language", "Content-Language": lang},
        )
