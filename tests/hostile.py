"""Small inputs that cost much to read, or that crashed the process reading them: the bodies the
attack tests (and `bench/attacks.py`) send on every route that reads RDF."""

from __future__ import annotations

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PLACE = "https://w3id.org/commonsgraph/tiers-lieu/x"


def jsonld_nested(depth: int) -> bytes:
    """JSON-LD objects nested `depth` deep (pyoxigraph crashes near 5,000)."""
    return (
        b'{"@id": "' + PLACE.encode() + b'", "http://e.example/p": '
        + b'{"http://e.example/p": ' * depth
        + b'"x"'
        + b"}" * (depth + 1)
    )  # fmt: skip


def jsonld_term_chain(terms: int) -> bytes:
    """A flat `@context` whose terms are defined through one another (crashed at 5,000)."""
    chain = ", ".join(f'"t{i}": "t{i + 1}:x"' for i in range(terms))
    return (
        f'{{"@context": {{{chain}, "t{terms}": "http://e.example/"}}, "@id": "{PLACE}", "t0": "v"}}'
    ).encode()


def list_bomb(size: int) -> bytes:
    """A Turtle collection of `size` bytes: two statements for every two bytes."""
    head, tail = b"<" + PLACE.encode() + b"> <http://e.example/p> (", b" ) ."
    return head + b" 1" * ((size - len(head) - len(tail)) // 2) + tail


def nested_blank_nodes(depth: int) -> bytes:
    """Blank nodes nested `depth` deep under one place (`skolemize` was quadratic in it)."""
    return (
        b"<" + PLACE.encode() + b"> <http://e.example/p> "
        + b"[ <http://e.example/p> " * depth
        + b'"x"'
        + b" ]" * depth
        + b" ."
    )  # fmt: skip


def nested_triple_terms(depth: int) -> bytes:
    """RDF 1.2 triple terms nested `depth` deep (pyoxigraph crashes near 30,000)."""
    return (
        b"<" + PLACE.encode() + b"> <http://e.example/p> "
        + b"<<( <http://e.example/s> <http://e.example/p> " * depth
        + b'"x"'
        + b" )>>" * depth
        + b" ."
    )  # fmt: skip


TRIPLE_TERM = (
    b"<" + PLACE.encode() + b"> <http://e.example/p> "
    b"<<( <http://e.example/a> <http://e.example/b> <http://e.example/c> )>> ."
)
REIFIED = (
    b"<< <http://e.example/a> <http://e.example/b> <http://e.example/c> >> "
    b"<http://e.example/q> <" + PLACE.encode() + b"> ."
)


def _rdfxml(doctype: str, value: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [{doctype}]><rdf:RDF xmlns:rdf="{RDF_NS}" '
        f'xmlns:e="http://e.example/"><rdf:Description rdf:about="{PLACE}"><e:p>{value}</e:p>'
        "</rdf:Description></rdf:RDF>"
    ).encode()


def entity_expansion(levels: int = 6) -> bytes:
    """Entities each ten times the one before: 6 levels make one literal of 100 MB from 620
    bytes (the "one big entity"), 9 levels the billion laughs."""
    names = "abcdefghijk"
    declarations = f'<!ENTITY a "{"x" * 100}">' + "".join(
        f'<!ENTITY {names[n + 1]} "{f"&{names[n]};" * 10}">' for n in range(levels)
    )
    return _rdfxml(declarations, f"&{names[levels]};")


def long_entity(length: int, references: int) -> bytes:
    """One plain entity of `length` characters referenced `references` times."""
    return _rdfxml(f'<!ENTITY a "{"x" * length}">', "&a;" * references)


PROTEGE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
    '    <!ENTITY owl "http://www.w3.org/2002/07/owl#" >\n'
    '    <!ENTITY rdfs "http://www.w3.org/2000/01/rdf-schema#" >\n]>\n'
    f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:rdfs="&rdfs;" xmlns:owl="&owl;">\n'
    '    <owl:Class rdf:about="https://w3id.org/commonsgraph/ns#Fablab">\n'
    '        <rdfs:subClassOf rdf:resource="&owl;Thing"/>\n'
    '        <rdfs:label xml:lang="en">Fab lab &amp; co</rdfs:label>\n'
    "    </owl:Class>\n</rdf:RDF>\n"
).encode()
"""RDF/XML as Protégé writes it: entities abbreviate namespaces."""
