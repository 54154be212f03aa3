#!/usr/bin/env python3
"""Writes the maps' offline background, `static/vendor/basemap/countries.geojson`, from the
npm package `world-atlas` (Natural Earth's admin-0 countries at 1:50m, as TopoJSON):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 scripts/basemap.py package/countries-50m.json

Kept: every polygon of France (the overseas départements too) and the polygons of other
countries that reach Europe's window; coordinates rounded to 0.01° (about 1 km) with repeated
points dropped, so that the file stays small enough to load with every map.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WINDOW = (-32.0, 26.0, 45.0, 72.0)  # west, south, east, north: Europe and its Atlantic islands
ALWAYS = {"France"}
OUT = Path(__file__).parent.parent / "src/commonsgraph/web/static/vendor/basemap/countries.geojson"

Ring = list[tuple[float, float]]


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """The arcs in degrees (TopoJSON's quantized, delta-encoded positions)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[Ring]) -> Ring:
    points: Ring = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def simplified(points: Ring) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        rounded = [round(x, 2), round(y, 2)]
        if not out or out[-1] != rounded:
            out.append(rounded)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def inside(polygon: list[Ring]) -> bool:
    west, south, east, north = WINDOW
    return any(west <= x <= east and south <= y <= north for x, y in polygon[0])


def main(source: Path) -> None:
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        kept = []
        for polygon in polygons:
            rings = [ring(r, arcs) for r in polygon]
            if name in ALWAYS or inside(rings):
                shapes = [simplified(r) for r in rings]
                if all(len(s) >= 4 for s in shapes):
                    kept.append(shapes)
        if kept:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "MultiPolygon", "coordinates": kept},
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    OUT.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(features)} countries, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
