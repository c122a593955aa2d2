"""Zone outlines from GeoJSON (communes with an INSEE `code`, Brest's polling stations with
`DEPCO` + `BVOTE`), reduced to what the report check needs: a centre and a radius. Pure: no
database here (see models/zone_import.py for the write). Coordinates are WGS 84 degrees."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
Point = tuple[float, float]  # (lon, lat), GeoJSON's order
Ring = list[Point]


class ShapeFileError(Exception):
    """The GeoJSON can't be used: one message, naming the feature when it is one."""


@dataclass(frozen=True)
class ZoneShape:
    index: int
    code: str
    lat: float
    lon: float
    radius_m: int


@dataclass
class ShapeFile:
    shapes: list[ZoneShape]
    features: int
    # Features with neither a `code` nor `DEPCO` + `BVOTE`.
    without_code: int = 0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _ring_moments(ring: Ring) -> tuple[float, float, float]:
    """Signed area and first moments of a ring (shoelace), in degrees: at a commune's scale
    the distortion of plain lon/lat is negligible for a centre."""
    area = cx = cy = 0.0
    x0, y0 = ring[0]
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        # Relative to the first vertex, for precision.
        x1, y1, x2, y2 = x1 - x0, y1 - y0, x2 - x0, y2 - y0
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    return area, cx / 6 + x0 * area, cy / 6 + y0 * area


def centre_and_radius(polygons: list[list[Ring]]) -> tuple[float, float, int]:
    """(lat, lon, radius in metres): the area-weighted centroid of the polygons (holes
    subtracted), and the farthest outline vertex from it."""
    area = mx = my = 0.0
    for rings in polygons:
        for number, ring in enumerate(rings):
            a, x, y = _ring_moments(ring)
            # Outer ring counts positive, holes negative, whatever their winding.
            sign = 1 if number == 0 else -1
            flip = sign if a >= 0 else -sign
            area, mx, my = area + flip * a, mx + flip * x, my + flip * y
    points = [p for rings in polygons for ring in rings for p in ring]
    if abs(area) < 1e-15:  # degenerate: the vertices' mean
        lon = sum(p[0] for p in points) / len(points)
        lat = sum(p[1] for p in points) / len(points)
    else:
        lon, lat = mx / area, my / area
    radius = max(haversine_m(lat, lon, p[1], p[0]) for p in points)
    return lat, lon, math.ceil(radius)


def _point(raw: Any) -> Point:
    if not isinstance(raw, list) or len(raw) < 2:
        raise ValueError("a position is not [lon, lat]")
    lon, lat = raw[0], raw[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise ValueError("a position is not numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"position {lon}, {lat} is not lon/lat in degrees (WGS 84)")
    return float(lon), float(lat)


def _polygon(raw: Any) -> list[Ring]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("a polygon has no rings")
    rings = []
    for ring in raw:
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValueError("a ring has fewer than 4 positions")
        points = [_point(p) for p in ring]
        rings.append(points[:-1] if points[0] == points[-1] else points)
    return rings


def _polygons(geometry: Any) -> list[list[Ring]]:
    if not isinstance(geometry, dict):
        raise ValueError("no geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return [_polygon(coordinates)]
    if kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        return [_polygon(polygon) for polygon in coordinates]
    raise ValueError(f"geometry {kind!r} is not a Polygon or MultiPolygon")


def zone_code(properties: dict[str, Any]) -> str | None:
    """`code` (an INSEE commune code), or `DEPCO` + `BVOTE`: "29019_0076"."""
    code = properties.get("code")
    if code not in (None, ""):
        return str(code).strip()
    depco, bvote = properties.get("DEPCO"), properties.get("BVOTE")
    if depco in (None, "") or bvote in (None, ""):
        return None
    return f"{str(depco).strip()}_{str(bvote).strip().zfill(4)}"


def looks_like_geojson(name: str, head: bytes) -> bool:
    if name.lower().endswith((".geojson", ".json")):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_shapes(text: str) -> ShapeFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ShapeFileError(f"not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ShapeFileError("not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ShapeFileError("the FeatureCollection has no 'features' list")
    found = ShapeFile([], len(features))
    for index, feature in enumerate(features):
        try:
            if not isinstance(feature, dict):
                raise ValueError("not a Feature")
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                raise ValueError("'properties' is not an object")
            lat, lon, radius = centre_and_radius(_polygons(feature.get("geometry")))
        except ValueError as error:
            raise ShapeFileError(f"feature {index}: {error}") from None
        code = zone_code(properties)
        if code is None:
            found.without_code += 1
            continue
        found.shapes.append(ZoneShape(index, code, round(lat, 6), round(lon, 6), radius))
    return found
