"""Loading zone files into the database: all or nothing, in one transaction, idempotent by
code (a zone already there is updated in place, never duplicated)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.zone_files import (
    FileFormat,
    Problem,
    ProblemList,
    ZoneFile,
    ZoneFileError,
    ZoneRow,
    read_zone_file,
)
from models.zone_shapes import ShapeFile
from models.zones import Zone

__all__ = [
    "ImportSummary",
    "ShapeSummary",
    "Problem",
    "ZoneFileError",
    "import_zone_file",
    "import_zones",
]


@dataclass
class ImportSummary:
    format: FileFormat
    source_rows: int
    encoding: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)


def _depths(
    rows: list[ZoneRow], parents: dict[str, str | None], problems: ProblemList
) -> list[int]:
    """Each row's depth among the file's zones (0: its parent is outside the file), so parents
    are written before their children; a cycle is a problem on every row in it."""
    in_file = {row.code for row in rows}
    depths: list[int] = []
    for row in rows:
        depth, code, seen = 0, parents.get(row.code), {row.code}
        while code is not None:
            if code in seen:
                own = code == row.code
                message = f"{row.code!r} would be its own ancestor" if own else "parents loop"
                problems.add(row.line, row.parent_column, message)
                break
            seen.add(code)
            if code in in_file:
                depth += 1
            code = parents.get(code)
        depths.append(depth)
    return depths


async def import_zones(db: Database, zone_file: ZoneFile) -> ImportSummary:
    """Write the file's zones; raises ZoneFileError (and writes nothing) when a parent is
    unknown or would make a cycle."""
    rows = zone_file.rows
    summary = ImportSummary(zone_file.format, zone_file.source_rows, zone_file.encoding)
    async with db.begin() as session:
        # The whole table: parents may be zones already there, and cycles may go through them.
        # A campaign has thousands of zones, the whole of France about 105,000.
        existing = {zone.code: zone for zone in await session.scalars(select(Zone))}
        by_id = {zone.id: zone.code for zone in existing.values()}
        parents: dict[str, str | None] = {
            code: by_id.get(zone.parent_id) if zone.parent_id else None
            for code, zone in existing.items()
        }
        parents.update({row.code: row.parent for row in rows if row.has_parent})
        problems = ProblemList()
        for row in rows:
            if row.parent is not None and row.parent not in parents:
                problems.add(
                    row.line,
                    row.parent_column,
                    f"no zone with code {row.parent!r} in the file or the database",
                )
        problems.raise_if_any()
        depths = _depths(rows, parents, problems)
        problems.raise_if_any()
        ids = {code: zone.id for code, zone in existing.items()}
        for level in sorted(set(depths)):
            # Level by level, so parents have their ids before their children point at them.
            new: list[dict[str, object]] = []
            for row, depth in zip(rows, depths, strict=True):
                if depth == level:
                    _write(existing, ids, row, new, summary)
            await _insert(session, new, ids)
    return summary


# Fresh zones go in as one executemany per level: adding ORM objects one by one costs about
# seven times more (37 s instead of 5 for 136,500 zones, France-sized, on SQLite).
INSERT_COLUMNS = ("code", "name", "kind", "parent_id", "target_doors", "target_leaflets",
                  "registered_voters", "lat", "lon", "radius_m")  # fmt: skip
CHUNK = 1000


async def _insert(session: AsyncSession, new: list[dict[str, object]], ids: dict[str, int]) -> None:
    if not new:
        return
    await session.flush()  # updates first: a child's row may name an updated parent
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        await session.execute(insert(Zone), chunk)
        codes = [values["code"] for values in chunk]
        found = await session.execute(select(Zone.code, Zone.id).where(Zone.code.in_(codes)))
        ids.update({code: zone_id for code, zone_id in found.tuples()})


def _write(
    existing: dict[str, Zone],
    ids: dict[str, int],
    row: ZoneRow,
    new: list[dict[str, object]],
    summary: ImportSummary,
) -> None:
    values: dict[str, object] = {"name": row.name, "kind": row.kind.value}
    if row.has_parent:
        values["parent_id"] = ids[row.parent] if row.parent is not None else None
    if row.registered_voters is not None:
        values["registered_voters"] = row.registered_voters
    if row.has_targets:
        values["target_doors"] = row.target_doors
        values["target_leaflets"] = row.target_leaflets
    zone = existing.get(row.code)
    if zone is None:
        new.append({column: None for column in INSERT_COLUMNS} | values | {"code": row.code})
        summary.created[row.kind.value] += 1
        return
    changed = False
    for name, value in values.items():
        if getattr(zone, name) != value:
            setattr(zone, name, value)
            changed = True
    (summary.updated if changed else summary.unchanged)[row.kind.value] += 1


async def import_zone_file(db: Database, path: Path) -> ImportSummary:
    """Read, check and load a file; raises ZoneFileError with every problem found."""
    return await import_zones(db, read_zone_file(path))


@dataclass
class ShapeSummary:
    features: int
    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0
    without_code: int = 0


async def import_shapes(db: Database, shape_file: ShapeFile) -> ShapeSummary:
    """Set the centre and radius of the zones already there, matched by code; features
    matching no zone are counted, never created (a zone needs a name, a kind, a parent)."""
    summary = ShapeSummary(shape_file.features, without_code=shape_file.without_code)
    async with db.begin() as session:
        codes = [shape.code for shape in shape_file.shapes]
        zones: dict[str, Zone] = {}
        for start in range(0, len(codes), CHUNK):
            found = await session.scalars(
                select(Zone).where(Zone.code.in_(codes[start : start + CHUNK]))
            )
            zones.update({zone.code: zone for zone in found})
        for shape in shape_file.shapes:
            zone = zones.get(shape.code)
            if zone is None:
                summary.unmatched += 1
                continue
            values = {"lat": shape.lat, "lon": shape.lon, "radius_m": shape.radius_m}
            if all(getattr(zone, name) == value for name, value in values.items()):
                summary.unchanged += 1
                continue
            for name, value in values.items():
                setattr(zone, name, value)
            summary.updated += 1
    return summary
