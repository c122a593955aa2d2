"""Zone files: the simple format, the Ministry's per-polling-station results (the real Finistère
files when present), bad files that name the line and column and load nothing, re-imports
that never duplicate, and the `terrain zones import` command."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.i18n import load_catalog
from models.database import Database, create_database, create_engine
from models.zone_files import MAX_PROBLEMS, read_zone_file
from models.zone_import import ZoneFileError, import_zone_file
from models.zones import Zone, ZoneKind, find_zones, suggest_zones, zone_by_code, zone_children

ROOT = Path(__file__).resolve().parents[1]
FINISTERE = ROOT.parent / "shared" / "data" / "finistere-29-legislatives-2024"
ROUNDS = [FINISTERE / "circos23-tour1.csv", FINISTERE / "circos23-tour2.csv"]

SIMPLE = """\ufeffcode,name,kind,parent,target_doors,target_leaflets
brest-centre,Brest centre,quartier,29019,500,2000
29019,Brest,commune,,,
29019_0076,Brest – bureau 76,bureau de vote,brest-centre,,
rues-siam,"Rue de Siam, côté pair",street_list,brest-centre,40,
"""


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    engine = create_engine(database_url)
    yield create_database(engine)
    await engine.dispose()


def write(tmp_path: Path, text: str | bytes, name: str = "zones.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


async def snapshot(db: Database) -> list[tuple[object, ...]]:
    async with db() as session:
        zones = await session.scalars(select(Zone).order_by(Zone.code))
        return [
            (z.id, z.code, z.name, z.kind, z.parent_id, z.target_doors, z.target_leaflets,
             z.registered_voters)
            for z in zones
        ]  # fmt: skip


async def parent_code(db: Database, code: str) -> str | None:
    zone = await zone_by_code(db, code)
    assert zone is not None, code
    if zone.parent_id is None:
        return None
    async with db() as session:
        return (await session.get_one(Zone, zone.parent_id)).code


async def test_simple_format_loads_in_any_order(db: Database, tmp_path: Path) -> None:
    summary = await import_zone_file(db, write(tmp_path, SIMPLE))
    assert summary.created == {"commune": 1, "neighbourhood": 1, "polling_station": 1,
                               "street_list": 1}  # fmt: skip
    centre = await zone_by_code(db, "brest-centre")
    assert centre is not None and centre.kind == ZoneKind.NEIGHBOURHOOD
    assert (centre.target_doors, centre.target_leaflets) == (500, 2000)
    assert await parent_code(db, "brest-centre") == "29019"
    assert await parent_code(db, "29019_0076") == "brest-centre"
    siam = await zone_by_code(db, "rues-siam")
    assert siam is not None and siam.name == "Rue de Siam, côté pair"
    assert (siam.target_doors, siam.target_leaflets) == (40, None)


async def test_reimport_updates_in_place_and_never_duplicates(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, SIMPLE)
    await import_zone_file(db, path)
    before = await snapshot(db)
    again = await import_zone_file(db, path)
    assert again.created == {} and again.updated == {} and sum(again.unchanged.values()) == 4
    assert await snapshot(db) == before

    changed = write(
        tmp_path, SIMPLE.replace("Brest centre,quartier,29019,500", "Centre,quartier,29019,600")
    )
    summary = await import_zone_file(db, changed)
    assert summary.created == {} and summary.updated == {"neighbourhood": 1}
    centre = await zone_by_code(db, "brest-centre")
    assert centre is not None and (centre.name, centre.target_doors) == ("Centre", 600)
    assert len(await snapshot(db)) == 4


async def test_targets_and_parent_are_kept_by_a_file_without_their_columns(
    db: Database, tmp_path: Path
) -> None:
    await import_zone_file(db, write(tmp_path, SIMPLE))
    await import_zone_file(db, write(tmp_path, "code;nom;type\nbrest-centre;Centre;quartier\n"))
    centre = await zone_by_code(db, "brest-centre")
    assert centre is not None and (centre.name, centre.target_doors) == ("Centre", 500)
    # No parent column either: the zone stays where it was.
    assert await parent_code(db, "brest-centre") == "29019"
    await import_zone_file(db, write(tmp_path, "code,name,kind,parent\nbrest-centre,C,quartier,\n"))
    assert await parent_code(db, "brest-centre") is None


BAD_FILES = {
    "wrong kind": (
        "code,name,kind,parent\na,A,commune,\nb,B,quartier-x,a\n",
        "line 3, column 'kind': 'quartier-x' is not a zone kind",
    ),
    "unknown parent": (
        "code,name,kind,parent\na,A,commune,\nb,B,bureau,nowhere\n",
        "line 3, column 'parent': no zone with code 'nowhere'",
    ),
    "missing column": ("code,name,parent\na,A,\n", "line 1, column 'kind': missing column"),
    "empty code": (
        "code,name,kind\na,A,commune\n  ,B,commune\n",
        "line 3, column 'code': empty code",
    ),
    "duplicate code": (
        "code,name,kind\na,A,commune\nb,B,commune\na,A again,commune\n",
        "line 4, column 'code': 'a' is already on line 2",
    ),
    "empty name": ("code,name,kind\na,,commune\n", "line 2, column 'name': empty name"),
    "bad target": (
        "code,name,kind,target_doors\na,A,commune,12a\n",
        "line 2, column 'target_doors': '12a' is not a whole number",
    ),
    "unquoted comma": ("code,name,kind\na,Rue X, pair,street_list\n", "line 2: 4 fields"),
    "cycle": (
        "code,name,kind,parent\na,A,quartier,b\nb,B,quartier,a\n",
        "line 2, column 'parent': 'a' would be its own ancestor",
    ),
    "own parent": (
        "code,name,kind,parent\na,A,quartier,a\n",
        "line 2, column 'parent': a zone can't be its own parent",
    ),
    "header only": ("code,name,kind\n", "no zone in the file"),
    "not a CSV (JSON)": ('{"type": "FeatureCollection"}\n', "line 1: not a zone file"),
    "not a CSV (binary)": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
    "empty file": ("", "empty"),
    "bad INSEE code": (
        "Code commune;Libellé commune;Code BV;Inscrits\n29019;Brest;1;900\nBrest;Brest;2;800\n",
        "line 3, column 'Code commune': 'Brest' is not an INSEE code",
    ),
    "bad Inscrits": (
        "Code commune;Libellé commune;Code BV;Inscrits\n29019;Brest;1;neuf\n",
        "line 2, column 'Inscrits': 'neuf' is not a whole number",
    ),
    "Ministry without Code BV": (
        "Code commune;Libellé commune;Inscrits\n29019;Brest;900\n",
        "line 1, column 'Code BV': missing column",
    ),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
async def test_a_bad_file_names_line_and_column_and_loads_nothing(
    db: Database, tmp_path: Path, content: str | bytes, expected: str
) -> None:
    await import_zone_file(db, write(tmp_path, "code,name,kind\nx,Existing,commune\n", "x.csv"))
    before = await snapshot(db)
    # Most bad files start with good rows: all or nothing, so none of them may land.
    with pytest.raises(ZoneFileError) as caught:
        await import_zone_file(db, write(tmp_path, content))
    messages = [str(problem) for problem in caught.value.problems]
    assert any(expected in message for message in messages), messages
    assert await snapshot(db) == before


async def test_problems_are_capped(db: Database, tmp_path: Path) -> None:
    rows = "".join(f"z{i},Z,nope\n" for i in range(60))
    with pytest.raises(ZoneFileError) as caught:
        await import_zone_file(db, write(tmp_path, "code,name,kind\n" + rows))
    assert len(caught.value.problems) == MAX_PROBLEMS and caught.value.truncated
    assert str(caught.value.problems[0]).startswith("line 2, column 'kind'")


async def test_old_latin1_ministry_file(db: Database, tmp_path: Path) -> None:
    """Files before 2024: Windows-1252, 'Code de la commune' as a number within the department,
    'Code du b.vote', and one row per candidate (the station repeats)."""
    text = (
        "Code du département;Libellé du département;Code de la commune;Libellé de la commune;"
        "Code du b.vote;Inscrits;Nom\n"
        "29;Finistère;19;Brest;0076;1012;A\n29;Finistère;19;Brest;0076;1012;B\n"
        "29;Finistère;18;Brélès;1;650;A\n"
    )
    summary = await import_zone_file(db, write(tmp_path, text.encode("cp1252")))
    assert summary.encoding == "cp1252"
    assert summary.created == {"commune": 2, "polling_station": 2}
    station = await zone_by_code(db, "29019_0076")
    assert station is not None and station.registered_voters == 1012
    assert station.name == "Brest – bureau 76"
    breles = await zone_by_code(db, "29018")
    assert breles is not None and breles.name == "Brélès"
    assert await parent_code(db, "29018_0001") == "29018"


def expected_from(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Communes and stations as the csv module reads them, independently of the importer."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    communes = {row["Code commune"]: row["Libellé commune"] for row in rows}
    stations = {f"{row['Code commune']}_{int(row['Code BV']):04d}": int(row["Inscrits"])
                for row in rows}  # fmt: skip
    return communes, stations


def need_real_files() -> None:
    for path in ROUNDS:
        if not path.is_file():
            pytest.skip(f"the Ministry's Finistère results files are absent: {path}")


async def count(db: Database, kind: ZoneKind) -> int:
    async with db() as session:
        query = select(func.count()).select_from(Zone).where(Zone.kind == kind.value)
        return await session.scalar(query) or 0


@pytest.mark.parametrize("round_", [0, 1], ids=["round 1", "round 2"])
async def test_real_ministry_file_loads(db: Database, round_: int) -> None:
    need_real_files()
    communes, stations = expected_from(ROUNDS[round_])
    summary = await import_zone_file(db, ROUNDS[round_])
    assert summary.created == {"commune": len(communes), "polling_station": len(stations)}
    assert await count(db, ZoneKind.COMMUNE) == len(communes) == 35
    assert await count(db, ZoneKind.POLLING_STATION) == len(stations) == 201
    brest = await zone_by_code(db, "29019")
    assert brest is not None and brest.name == "Brest" and brest.kind == ZoneKind.COMMUNE
    station = await zone_by_code(db, "29019_0076")
    assert station is not None and station.parent_id == brest.id
    assert station.registered_voters == stations["29019_0076"]
    assert (await zone_children(db, brest.id, 8, 0)).total == sum(
        1 for code in stations if code.startswith("29019_")
    )


async def test_round_2_after_round_1_only_updates(db: Database) -> None:
    need_real_files()
    await import_zone_file(db, ROUNDS[0])
    before = {row[1]: row for row in await snapshot(db)}
    summary = await import_zone_file(db, ROUNDS[1])
    assert summary.created == {}
    after = {row[1]: row for row in await snapshot(db)}
    assert after.keys() == before.keys()
    _, stations = expected_from(ROUNDS[1])
    for code, row in after.items():
        # Same ids, names, kinds and parents; only the register may have moved between rounds.
        assert row[:7] == before[code][:7]
        if code in stations:
            assert row[7] == stations[code]
    moved = sum(1 for code in stations if after[code][7] != before[code][7])
    assert summary.updated == ({"polling_station": moved} if moved else {})


async def test_search_ignores_case_accents_and_punctuation(db: Database, tmp_path: Path) -> None:
    await import_zone_file(db, write(tmp_path, SIMPLE + "29018,Brélès,commune,\n"))
    assert [z.code for z in await find_zones(db, "BRELES")] == ["29018"]
    assert [z.code for z in await find_zones(db, "29019")][0] == "29019"
    assert [z.code for z in await find_zones(db, "29019_00")] == ["29019_0076"]
    assert [z.code for z in await find_zones(db, "siam cote")] == ["rues-siam"]
    assert [z.code for z in await suggest_zones(db, "Brelse")][:1] == ["29018"]
    assert await find_zones(db, "  ") == []


def test_every_zone_kind_has_a_name_in_both_languages() -> None:
    for locale in ("fr", "en"):
        catalog = load_catalog(locale)
        assert [k for k in ZoneKind if f"zones.kind.{k.value}" not in catalog] == []


def test_parsing_needs_no_database(tmp_path: Path) -> None:
    parsed = read_zone_file(write(tmp_path, SIMPLE.replace(",", ";")))
    assert [row.code for row in parsed.rows][:2] == ["brest-centre", "29019"]


def terrain(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_imports_reports_and_refuses(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    good = terrain("zones", "import", str(write(tmp_path, SIMPLE)), TERRAIN_DATABASE_URL=url)
    assert good.returncode == 0, good.stderr
    assert "created:   1 commune, 1 neighbourhood, 1 polling_station, 1 street_list" in good.stdout

    bad = write(tmp_path, "code,name,kind\na,A,quartier-x\n", "bad.csv")
    refused = terrain("zones", "import", str(bad), TERRAIN_DATABASE_URL=url)
    assert refused.returncode == 2
    assert "line 2, column 'kind': 'quartier-x' is not a zone kind" in refused.stderr
    assert "nothing loaded" in refused.stderr

    missing = terrain("zones", "import", str(tmp_path / "nope.csv"), TERRAIN_DATABASE_URL=url)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [f"terrain: no such file: {tmp_path}/nope.csv"]
