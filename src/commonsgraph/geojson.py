"""SELECT results as GeoJSON (RFC 7946): one Feature per row, a Point from two variables.

Rows without coordinates keep their place in the collection with a null geometry, as RFC 7946
allows, so that no row is silently dropped. The other variables become the feature's properties
(numbers stay numbers); the first variable, when it is an IRI, becomes the feature's id.
`point` is the one shape of a Feature at a known point (the maps of pages, lists and reviews).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long")}


def point(
    lat: float, long: float, properties: dict[str, object], id: str | None = None
) -> dict[str, object]:
    """A Feature at (`lat`, `long`) in WGS84 degrees (GeoJSON writes longitude first)."""
    return {
        "type": "Feature",
        **({"id": id} if id is not None else {}),
        "geometry": {"type": "Point", "coordinates": [long, lat]},
        "properties": properties,
    }


def _value(term: dict[str, str]) -> Any:
    if term.get("datatype") in NUMBERS:
        try:
            number = Decimal(term["value"])
        except InvalidOperation:
            return term["value"]
        return int(number) if number == number.to_integral_value() else float(number)
    if term.get("datatype") == XSD + "boolean":
        return term["value"] == "true"
    return term["value"]


def _coordinate(term: dict[str, str] | None) -> float | None:
    if term is None:
        return None
    try:
        return float(term["value"])
    except ValueError:
        return None


def from_results(results: bytes, lat: str, long: str) -> dict[str, Any]:
    """A FeatureCollection from SPARQL JSON results whose `lat` and `long` hold WGS84 degrees."""
    document = json.loads(results)
    variables: list[str] = document["head"]["vars"]
    features = []
    for row in document["results"]["bindings"]:
        y, x = _coordinate(row.get(lat)), _coordinate(row.get(long))
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": None
            if x is None or y is None
            else {"type": "Point", "coordinates": [x, y]},
            "properties": {
                name: _value(row[name])
                for name in variables
                if name in row and name not in (lat, long)
            },
        }
        first = row.get(variables[0]) if variables else None
        if first is not None and first.get("type") == "uri":
            feature["id"] = first["value"]
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict[str, Any]) -> bytes:
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")
