"""The one way RDF from outside is read (`commonsgraph.rdfio`): every attack refused before it
costs much, with what and where; what is fine (Protégé's entities, XML literals) still reads.

Inputs that crashed pyoxigraph are safe to try in this process: they are refused before the
parser sees them, or (JSON-LD) parsed in a child process."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from commonsgraph.config import Settings
from commonsgraph.errors import DataSyntaxError, InputError, TooLarge
from commonsgraph.rdfio import ReadLimits, parse_triples
from commonsgraph.rdfio.jsonld import json_depth
from commonsgraph.store import lexical
from commonsgraph.uploads import skolemize

from . import hostile
from .conftest import BASE, SHARED_DATA

LIMITS = ReadLimits.upload(Settings(data_dir=None, base_iri=BASE))
TURTLE, JSON_LD, XML = RdfFormat.TURTLE, RdfFormat.JSON_LD, RdfFormat.RDF_XML


def read(body: bytes, format: RdfFormat, limits: ReadLimits = LIMITS) -> list[Triple]:
    return list(parse_triples(body, limits=limits, format=format, base_iri=BASE, source="x"))


REFUSED = [
    # (what, body, format, error, fragment of its message)
    ("JSON-LD 6,000 deep", hostile.jsonld_nested(6_000), JSON_LD, TooLarge, "deeper than 64"),
    ("JSON-LD 20,000 deep", hostile.jsonld_nested(20_000), JSON_LD, TooLarge, "deeper than 64"),
    ("JSON-LD 65 deep", hostile.jsonld_nested(64), JSON_LD, TooLarge, "deeper than 64"),
    (
        "JSON-LD terms defined through 20,000 others (a crash, in the child)",
        hostile.jsonld_term_chain(20_000),
        JSON_LD,
        DataSyntaxError,
        "JSON-LD parser failed",
    ),
    ("JSON-LD syntax", b'{"@id": "a", "http://e/p": }', JSON_LD, DataSyntaxError, "line 1"),
    (
        "JSON-LD long literal",
        b'{"@id": "a", "http://e/p": "' + b"x" * 100_001 + b'"}',
        JSON_LD,
        TooLarge,
        "100,001 characters",
    ),
    (
        "JSON-LD too many statements",
        b'{"@id": "a", "http://e/p": [' + b",".join(b"%d" % i for i in range(100_001)) + b"]}",
        JSON_LD,
        TooLarge,
        "more than 100,000 statements",
    ),
    ("Turtle list bomb", hostile.list_bomb(9_000_000), TURTLE, TooLarge, "100,000 statements"),
    ("Turtle triple term", hostile.TRIPLE_TERM, TURTLE, DataSyntaxError, "triple term"),
    ("Turtle reified triple", hostile.REIFIED, TURTLE, DataSyntaxError, "triple term"),
    (
        "Turtle annotation",
        b"<a> <b> <c> {| <q> 1 |} .",
        TURTLE,
        DataSyntaxError,
        "RDF 1.2 triple term",
    ),
    (
        "triple terms 30,000 deep (a crash)",
        hostile.nested_triple_terms(30_000),
        TURTLE,
        DataSyntaxError,
        "30,000 '<<'",
    ),
    (
        "N-Triples triple terms 30,000 deep (a crash)",
        hostile.nested_triple_terms(30_000).replace(f"<{hostile.PLACE}>".encode(), b"<a:x>"),
        RdfFormat.N_TRIPLES,
        DataSyntaxError,
        "triple terms are not accepted",
    ),
    (
        "Turtle long literal",
        b'<a> <b> "' + b"x" * 100_001 + b'" .',
        TURTLE,
        TooLarge,
        "100,001 characters",
    ),
    ("named graph", b"<a:a> <a:b> <a:c> <a:g> .", RdfFormat.N_QUADS, DataSyntaxError, "named"),
    ("body over the cap", b" " * 10_000_001, TURTLE, TooLarge, "larger than 10,000,000 bytes"),
    (
        "RDF/XML 613-byte entity expansion (one literal of 100 MB)",
        hostile.entity_expansion(6),
        XML,
        DataSyntaxError,
        "nested entities are refused",
    ),
    (
        "RDF/XML billion laughs",
        hostile.entity_expansion(9),
        XML,
        DataSyntaxError,
        "line 1",
    ),
    (
        "RDF/XML one long entity referenced often",
        hostile.long_entity(5_000, 3_000),
        XML,
        TooLarge,
        "could expand it to",
    ),
    (
        "RDF/XML text over the literal cap through entities",
        hostile.long_entity(50, 3_000),
        XML,
        TooLarge,
        "more than 100,000 characters",
    ),
    (
        "RDF/XML external entity",
        hostile._rdfxml('<!ENTITY a SYSTEM "file:///etc/passwd">', "&a;"),
        XML,
        DataSyntaxError,
        "external",
    ),
    (
        "RDF/XML parameter entity",
        hostile._rdfxml('<!ENTITY % p "x">', "y"),
        XML,
        DataSyntaxError,
        "parameter entity",
    ),
    (
        "RDF/XML external DTD",
        hostile._rdfxml("", "y").replace(b"<!DOCTYPE r []>", b'<!DOCTYPE r SYSTEM "http://e/d">'),
        XML,
        DataSyntaxError,
        "external DTD",
    ),
    (
        "RDF/XML default attributes",
        hostile._rdfxml('<!ATTLIST e:p rdf:datatype CDATA "http://e/t">', "y"),
        XML,
        DataSyntaxError,
        "ATTLIST",
    ),
    (
        "RDF/XML 100,000 deep",
        b'<rdf:RDF xmlns:rdf="'
        + hostile.RDF_NS.encode()
        + b'" xmlns:e="http://e/">'
        + b"<rdf:Description><e:p>" * 50_000
        + b"</e:p></rdf:Description>" * 50_000
        + b"</rdf:RDF>",
        XML,
        TooLarge,
        "deeper than 64 elements",
    ),
    (
        "RDF/XML not well-formed",
        b'<rdf:RDF xmlns:rdf="' + hostile.RDF_NS.encode() + b'">\n<a></b></rdf:RDF>',
        XML,
        DataSyntaxError,
        "line 2, column 6: mismatched tag",
    ),
    (
        "RDF/XML triple term",
        b'<rdf:RDF xmlns:rdf="' + hostile.RDF_NS.encode() + b'" xmlns:e="http://e/" '
        b'rdf:version="1.2"><rdf:Description rdf:about="http://e/a"><e:p rdf:parseType="Triple">'
        b'<rdf:Description rdf:about="http://e/b"><e:q rdf:resource="http://e/c"/>'
        b"</rdf:Description></e:p></rdf:Description></rdf:RDF>",
        XML,
        DataSyntaxError,
        "triple term",
    ),
]


@pytest.mark.parametrize(
    ("body", "format", "error", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSED],
)
def test_what_is_refused_and_why(
    body: bytes, format: RdfFormat, error: type[InputError], fragment: str
) -> None:
    with pytest.raises(error) as refused:
        read(body, format)
    assert fragment in str(refused.value)


def test_statements_are_counted_as_they_stream() -> None:
    """The statement over the cap stops the reading: a document that would fail further on
    (here, at its last byte) is refused for its size, not for its syntax."""
    bomb = hostile.list_bomb(9_000_000)
    with pytest.raises(TooLarge, match="more than 100,000 statements"):
        read(bomb[:-1] + b"!", TURTLE)


def test_the_caps_come_from_the_limits_given() -> None:
    small = dataclasses.replace(LIMITS, statements=3, literal_chars=5, depth=3)
    assert len(read(b"<a> <b> 1, 2, 3 .", TURTLE, small)) == 3
    with pytest.raises(TooLarge, match="more than 3 statements"):
        read(b"<a> <b> 1, 2, 3, 4 .", TURTLE, small)
    with pytest.raises(TooLarge, match="6 characters"):
        read(b'<a> <b> "123456" .', TURTLE, small)
    with pytest.raises(TooLarge, match="deeper than 3"):
        read(hostile.jsonld_nested(3), JSON_LD, small)
    settings = Settings(
        data_dir=None, max_graph_store_statements=7, max_harvest_statements=8, max_rdf_depth=9
    )
    assert ReadLimits.graph_store(settings).statements == 7
    assert ReadLimits.harvest(settings).statements == 8
    assert ReadLimits.upload(settings).depth == 9


def test_jsonld_over_its_memory_or_time_is_refused() -> None:
    body = b'{"@graph": [' + b",".join(
        b'{"@id": "http://e.example/%d", "http://e.example/p": "v"}' % i for i in range(60_000)
    ) + b"]}"  # fmt: skip
    assert len(read(body, JSON_LD)) == 60_000
    with pytest.raises(TooLarge, match="needs more than 50,000,000 bytes of memory"):
        read(body, JSON_LD, dataclasses.replace(LIMITS, jsonld_memory=50_000_000))
    with pytest.raises(TooLarge, match=r"took longer than 0\.001 s"):
        read(body, JSON_LD, dataclasses.replace(LIMITS, jsonld_seconds=0.001))


def test_protege_entities_abbreviate_and_xml_reads_as_before() -> None:
    triples = read(hostile.PROTEGE, XML)
    assert {(t.predicate.value, t.object) for t in triples} == {
        (hostile.RDF_NS + "type", NamedNode("http://www.w3.org/2002/07/owl#Class")),
        (
            "http://www.w3.org/2000/01/rdf-schema#subClassOf",
            NamedNode("http://www.w3.org/2002/07/owl#Thing"),
        ),
        ("http://www.w3.org/2000/01/rdf-schema#label", Literal("Fab lab & co", language="en")),
    }
    literal = read(
        b'<rdf:RDF xmlns:rdf="' + hostile.RDF_NS.encode() + b'" xmlns:e="http://e/">'
        b'<rdf:Description rdf:about="http://e/a"><e:p rdf:parseType="Literal">'
        b'<b xmlns="http://www.w3.org/1999/xhtml">a &amp; b</b></e:p></rdf:Description>'
        b"</rdf:RDF>",
        XML,
    )
    value = lexical(literal[0].object)
    assert value.startswith("<b")
    assert value.endswith(">a &amp; b</b>")


@pytest.mark.parametrize(
    "path", sorted((SHARED_DATA / "licences" / "creativecommons").glob("*.rdf"))[:5]
)
def test_real_rdfxml_reads_the_same_as_pyoxigraph_reads_it(path: Path) -> None:
    from pyoxigraph import parse

    expected = {q.triple for q in parse(path=str(path), format=XML)}
    assert set(parse_triples(path, limits=LIMITS)) == expected


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "x[[[[{\\"[["}]}') == 3
    assert json_depth(b'"[[[" ') == 0
    assert json_depth(b"") == 0


def test_skolemize_is_linear_in_nesting() -> None:
    """Blank nodes 99,990 deep took 110 s (each one walked the chain above it)."""
    triples = read(hostile.nested_blank_nodes(99_990), TURTLE)
    started = time.process_time()  # CPU time: a busy machine does not inflate it
    named = skolemize(triples, BASE + ".well-known/genid/k/")
    assert time.process_time() - started < 30  # seconds at most; the old walk took minutes
    assert {lexical(t.subject).split("#")[0] for t in named} == {hostile.PLACE}
