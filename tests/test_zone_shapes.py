"""Zone outlines from GeoJSON: centroid, radius, haversine, and the import of the real files
(Finistère communes, Brest polling stations) after the Ministry CSV."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from bot.cli import main
from models.zone_shapes import ShapeFileError, centre_and_radius, haversine_m, parse_shapes

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data" / "finistere-29-legislatives-2024"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data absent: {DATA}")


def test_haversine() -> None:
    assert haversine_m(0, 0, 0, 0) == 0
    # One degree of latitude: about 111.2 km.
    assert haversine_m(48, -4, 49, -4) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


def test_square_and_hole() -> None:
    square = [[(0.0, 0.0), (0.02, 0.0), (0.02, 0.02), (0.0, 0.02)]]
    lat, lon, radius = centre_and_radius([square])
    assert (lat, lon) == pytest.approx((0.01, 0.01))
    assert radius == math.ceil(haversine_m(0.01, 0.01, 0, 0))
    # Clockwise winding gives the same centre.
    lat2, lon2, _ = centre_and_radius([[list(reversed(square[0]))]])
    assert (lat2, lon2) == pytest.approx((0.01, 0.01))
    # A hole in the right half pulls the centre left.
    hole = [(0.012, 0.005), (0.018, 0.005), (0.018, 0.015), (0.012, 0.015)]
    lat, lon, _ = centre_and_radius([[square[0], hole]])
    assert lat == pytest.approx(0.01) and lon < 0.01
    # Two equal squares: the centre between them, weighted by area.
    far = [[(1.0, 0.0), (1.02, 0.0), (1.02, 0.02), (1.0, 0.02)]]
    lat, lon, _ = centre_and_radius([square, far])
    assert (lat, lon) == pytest.approx((0.01, 0.51))


def feature(properties: dict, geometry: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_parse_codes_and_errors() -> None:
    ring = [[-4.5, 48.4], [-4.49, 48.4], [-4.49, 48.41], [-4.5, 48.4]]
    good = {
        "type": "FeatureCollection",
        "features": [
            feature({"code": "29019"}, {"type": "Polygon", "coordinates": [ring]}),
            feature(
                {"DEPCO": "29019", "BVOTE": 76}, {"type": "MultiPolygon", "coordinates": [[ring]]}
            ),
            feature({"nom": "?"}, {"type": "Polygon", "coordinates": [ring]}),
        ],
    }
    found = parse_shapes(json.dumps(good))
    assert [s.code for s in found.shapes] == ["29019", "29019_0076"] and found.without_code == 1
    bad = dict(good, features=[*good["features"], feature({"code": "1"}, {"type": "Point"})])
    with pytest.raises(ShapeFileError, match="feature 3"):
        parse_shapes(json.dumps(bad))
    with pytest.raises(ShapeFileError, match="not valid JSON"):
        parse_shapes("{")


@needs_data
def test_brest_bureau_76() -> None:
    data = json.loads((DATA / "BureauxVoteBrest.geojson").read_text(encoding="utf-8"))
    [bv76] = [
        f
        for f in data["features"]
        if f["properties"]["DEPCO"] == "29019" and int(f["properties"]["BVOTE"]) == 76
    ]
    found = parse_shapes(json.dumps({"type": "FeatureCollection", "features": [bv76]}))
    [shape] = found.shapes
    assert shape.code == "29019_0076"
    # In Brest, a few hundred metres across; every vertex within the radius.
    assert 48.38 < shape.lat < 48.43 and -4.55 < shape.lon < -4.45
    assert 100 < shape.radius_m < 2_000
    geometry = bv76["geometry"]
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    vertices = [p for polygon in polygons for ring in polygon for p in ring]
    lon_min, lon_max = min(p[0] for p in vertices), max(p[0] for p in vertices)
    lat_min, lat_max = min(p[1] for p in vertices), max(p[1] for p in vertices)
    assert lon_min < shape.lon < lon_max and lat_min < shape.lat < lat_max
    assert all(haversine_m(shape.lat, shape.lon, p[1], p[0]) <= shape.radius_m for p in vertices)


def expected_matches() -> tuple[int, int]:
    """Counted independently of the importer: the CSV's codes against the files' keys."""
    with (DATA / "circos23-tour1.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = [h.strip().lower() for h in rows[0]]
    commune, bv = header.index("code commune"), header.index("code bv")
    communes = {r[commune].strip() for r in rows[1:] if r}
    stations = {f"{r[commune].strip()}_{r[bv].strip().zfill(4)}" for r in rows[1:] if r}
    shapes = json.loads((DATA / "communes29.geojson").read_text(encoding="utf-8"))["features"]
    bureaux = json.loads((DATA / "BureauxVoteBrest.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    commune_keys = {f["properties"]["code"] for f in shapes}
    bureau_keys = {
        f"{f['properties']['DEPCO']}_{int(f['properties']['BVOTE']):04d}" for f in bureaux
    }
    return len(communes & commune_keys), len(stations & bureau_keys)


@needs_data
def test_import_real_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERRAIN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/t.db")
    communes, stations = expected_matches()
    assert (communes, stations) == (35, 110)
    assert main(["zones", "import", str(DATA / "circos23-tour1.csv")]) == 0
    assert main(["zones", "import", str(DATA / "communes29.geojson")]) == 0
    out = capsys.readouterr().out
    assert f"centres set:   {communes} zones" in out
    assert f"{277 - communes} features matched no zone" in out
    assert main(["zones", "import", str(DATA / "BureauxVoteBrest.geojson")]) == 0
    out = capsys.readouterr().out
    assert f"centres set:   {stations} zones" in out
    assert f"{122 - stations} features matched no zone" in out
    # Idempotent.
    assert main(["zones", "import", str(DATA / "BureauxVoteBrest.geojson")]) == 0
    assert f"unchanged:     {stations} zones" in capsys.readouterr().out


def test_malformed_geojson_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERRAIN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/t.db")
    path = tmp_path / "bad.geojson"
    ring = [[-4.5, 48.4], [-4.49, 48.4], [-4.49, 48.41], [-4.5, 48.4]]
    features = [
        feature({"code": "29019"}, {"type": "Polygon", "coordinates": [ring]}),
        feature({"code": "29020"}, {"type": "Polygon", "coordinates": [[[500, 48]]]}),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert main(["zones", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "feature 1" in err and "nothing loaded" in err
    assert not (tmp_path / "t.db").exists()
