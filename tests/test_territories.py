"""Countries, units abroad (ISO 3166 from pycountry) and the coordinate rules on them."""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
import pytest

from commonsgraph.importers.abroad import import_abroad
from commonsgraph.store import LocalStore, lexical
from commonsgraph.territories import ENVELOPES, check_coordinates, countries_at, country_name, unit
from commonsgraph.vocab import Minter

from .conftest import BASE, ROOT


@pytest.mark.parametrize(
    ("country", "lat", "long", "found_in", "swapped"),
    [
        ("FR", 45.19, 5.72, None, False),  # Grenoble
        ("FR", 5.72, 45.19, (), True),  # Grenoble, swapped: in no described country
        ("FR", -21.115, 55.536, None, False),  # Saint-Denis (La Réunion)
        ("FR", 21.115, 55.536, (), False),  # La Réunion, north of the equator
        ("BE", 43.566227, 7.007696, ("FR",), False),  # the census's Tournai row, in Cannes
        ("BE", 50.60715, 3.38932, None, False),  # Tournai
        ("ES", 28.1, -15.4, None, False),  # Las Palmas de Gran Canaria
        ("ES", 41.38, 2.17, None, False),  # Barcelona
        ("ES", 2.17, 41.38, (), True),  # Barcelona, swapped
        ("DE", 5.0, 5.0, None, False),  # a country whose extent is not known: no judgement
    ],
)
def test_coordinates_against_the_country_of_the_address(
    country: str, lat: float, long: float, found_in: tuple[str, ...] | None, swapped: bool
) -> None:
    problem = check_coordinates(country, lat, long)
    if found_in is None:
        assert problem is None
        return
    assert problem is not None
    assert (problem.found_in, problem.swapped) == (found_in, swapped)
    text = str(problem)
    assert f"({lat}, {long})" in text, "it names the coordinates"
    assert f"({country})" in text, "and the country"
    assert ("look swapped" in text) is swapped


def test_the_message_names_the_countries_in_words() -> None:
    problem = check_coordinates("BE", 43.566227, 7.007696)
    assert str(problem) == (
        "coordinates (43.566227, 7.007696) are outside Belgium (BE), the country of the address; "
        "they fall in France (FR)"
    )
    assert countries_at(43.6, 1.44) == ["FR", "ES"]  # Toulouse: boxes overlap near borders
    assert country_name("BE", "fr") == "Belgique"
    assert country_name("ES", "fr") == "Espagne"


def test_units_come_from_pycountry() -> None:
    hainaut = unit("BE-WHT")
    assert hainaut is not None
    assert (hainaut.name, hainaut.kind, hainaut.parent) == ("Hainaut", "Province", "BE-WAL")
    assert unit("BE-XXX") is None
    assert unit("XX-WHT") is None
    assert unit("") is None
    barcelona = unit("ES-B")
    assert barcelona is not None
    assert barcelona.parent == "ES-CT"


def test_the_shapes_hold_the_same_boxes_as_the_rules() -> None:
    """shapes/tiers-lieu.ttl writes ENVELOPES three times in its two SPARQL constraints (the
    third time with latitude and longitude exchanged)."""
    text = (ROOT / "shapes" / "tiers-lieu.ttl").read_text(encoding="utf-8")
    number = r"(-?[0-9.]+)e0"
    box = rf"\?(lat|long) >= {number} && \?\1 <= {number} && \?(lat|long) >= {number} && \?\4 <= {number}"
    found = re.findall(box, text)
    expected = [(b.south, b.north, b.west, b.east) for boxes in ENVELOPES.values() for b in boxes]
    written = [tuple(float(v) for v in (m[1], m[2], m[4], m[5])) for m in found]
    assert written == expected * 3
    assert [m[0] for m in found] == ["lat"] * len(expected) * 2 + ["long"] * len(expected)


def test_import_abroad_describes_belgium_and_spain(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    minter = Minter(BASE)
    report = import_abroad(store, minter)
    assert report.created == {"countries": 3, "units of BE": 13, "units of ES": 69}
    assert report.created["units of ES"] == len(
        [s for s in pycountry.subdivisions if s.country_code == "ES"]
    )
    rows = store.select(
        """SELECT ?code ?parent ?fr WHERE {
             ?unit a schema:AdministrativeArea ; cg:iso3166Code ?code ;
                   schema:containedInPlace/cg:iso3166Code ?parent .
             OPTIONAL { ?unit rdfs:label ?fr FILTER(lang(?fr) = "fr") } }"""
    )
    units = {lexical(r["code"]): (lexical(r["parent"]), r.get("fr")) for r in rows}
    assert units["BE-WHT"][0] == "BE-WAL"
    assert units["BE-WAL"][0] == "BE"
    assert units["ES-B"][0] == "ES-CT"
    antwerp = units["BE-VAN"][1]
    assert antwerp is not None
    assert lexical(antwerp) == "Anvers"
    assert not store.ask(f"ASK {{ <{BASE}country/FR> ^schema:containedInPlace ?unit }}")
    again = import_abroad(store, minter).changes[0]
    assert again.added == again.removed <= 3, "importing twice changes only the provenance"
    store.close()
