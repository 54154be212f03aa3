"""Countries and their administrative units, and where coordinates may lie in each.

Codes and names come from `pycountry` (ISO 3166-1 and ISO 3166-2, with their French
translations), never from a hand-typed list. The graph holds the units of the countries the
programme compares with (`COUNTRIES`): France's own divisions come from INSEE (`importers/geo`),
Belgium's and Spain's regions and provinces from ISO 3166-2 (`importers/abroad`).

`ENVELOPES` are the boxes of degrees each country's territory spans (with a margin): they are
what the data-quality rules compare coordinates with — coordinates outside the stated country,
and latitude and longitude swapped. The shape `cgsh:CoordinatesInCountry` (shapes/tiers-lieu.ttl)
holds the same boxes (a test keeps the two equal).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache

import pycountry

COUNTRIES = ("FR", "BE", "ES")
"""The countries whose places and units the graph describes."""


@dataclass(frozen=True)
class Box:
    """Latitudes and longitudes, in degrees, that a territory spans (margin included)."""

    south: float
    north: float
    west: float
    east: float

    def holds(self, lat: float, long: float) -> bool:
        return self.south <= lat <= self.north and self.west <= long <= self.east


ENVELOPES: dict[str, tuple[Box, ...]] = {
    "FR": (
        Box(41.2, 51.2, -5.3, 9.7),  # metropolitan France and Corsica
        Box(46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
        Box(15.8, 18.2, -63.2, -60.9),  # Guadeloupe, Saint-Barthélemy, Saint-Martin
        Box(14.3, 14.9, -61.3, -60.8),  # Martinique
        Box(2.1, 5.9, -54.7, -51.5),  # Guyane
        Box(-21.5, -20.8, 55.1, 55.9),  # La Réunion
        Box(-13.1, -12.6, 44.9, 45.4),  # Mayotte
    ),
    "BE": (Box(49.4, 51.6, 2.5, 6.5),),
    "ES": (
        Box(35.9, 43.9, -9.4, 4.4),  # the peninsula and the Balearic Islands
        Box(27.6, 29.5, -18.2, -13.3),  # the Canary Islands
        Box(35.2, 35.95, -5.4, -2.9),  # Ceuta and Melilla
    ),
}


def countries_at(lat: float, long: float) -> list[str]:
    """The countries (of `ENVELOPES`) whose boxes hold a point."""
    return [code for code, boxes in ENVELOPES.items() if any(b.holds(lat, long) for b in boxes)]


@dataclass(frozen=True)
class CoordinateProblem:
    """Why coordinates do not fit the country an address states."""

    country: str
    lat: float
    long: float
    found_in: tuple[str, ...]
    """The countries (of `ENVELOPES`) that hold the point, if any."""
    swapped: bool
    """Latitude and longitude exchanged would fall in the stated country."""

    def __str__(self) -> str:
        where = (
            f"they fall in {', '.join(country_name(c) + f' ({c})' for c in self.found_in)}"
            if self.found_in
            else "they fall in none of the countries described"
        )
        text = (
            f"coordinates ({self.lat}, {self.long}) are outside {country_name(self.country)} "
            f"({self.country}), the country of the address; {where}"
        )
        if self.swapped:
            text += f"; latitude and longitude look swapped: ({self.long}, {self.lat}) is in it"
        return text


def check_coordinates(country: str, lat: float, long: float) -> CoordinateProblem | None:
    """A problem when a point lies outside the stated country (None when it fits, or when the
    country's extent is not known)."""
    boxes = ENVELOPES.get(country)
    if boxes is None or any(box.holds(lat, long) for box in boxes):
        return None
    swapped = any(box.holds(long, lat) for box in boxes)
    return CoordinateProblem(country, lat, long, tuple(countries_at(lat, long)), swapped)


@cache
def _translation(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(code: str, language: str = "en") -> str:
    """A country's ISO 3166-1 name (in French with `language="fr"`), or the code itself."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    return _translation("iso3166-1", language).gettext(name) if language != "en" else name


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


@dataclass(frozen=True)
class Unit:
    """An administrative unit of ISO 3166-2 (a region, province, autonomous community…)."""

    code: str
    """Its ISO 3166-2 code, e.g. BE-WHT."""
    country: str
    name: str
    name_fr: str
    kind: str
    """ISO 3166-2's type: Region, Province, Autonomous community…"""
    parent: str | None
    """The code of the unit it belongs to, if any."""


def units(country: str) -> list[Unit]:
    """Every ISO 3166-2 unit of a country, sorted by code."""
    found = [s for s in pycountry.subdivisions if s.country_code == country]
    french = _translation("iso3166-2", "fr")
    return sorted(
        (
            Unit(
                code=s.code,
                country=country,
                name=s.name,
                name_fr=french.gettext(s.name),
                kind=s.type,
                parent=s.parent_code,
            )
            for s in found
        ),
        key=lambda unit: unit.code,
    )


def unit(code: str) -> Unit | None:
    """The ISO 3166-2 unit with this code, or None."""
    country = code.split("-", 1)[0]
    return (
        next((u for u in units(country) if u.code == code), None) if is_country(country) else None
    )
