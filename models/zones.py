"""Zones: the places where the work happens (communes, neighbourhoods, polling stations,
street lists), nested, with official codes where they exist and optional targets."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.database import Database

CODE_MAX = 32
NAME_MAX = 128


class ZoneKind(StrEnum):
    COMMUNE = "commune"
    NEIGHBOURHOOD = "neighbourhood"
    POLLING_STATION = "polling_station"
    STREET_LIST = "street_list"


class Zone(Base):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # INSEE commune code ("29019"), bureau de vote ("29019_0076"), or the campaign's own code.
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), index=True
    )
    target_doors: Mapped[int | None] = mapped_column(Integer)
    target_leaflets: Mapped[int | None] = mapped_column(Integer)
    # Registered voters where the source says (polling stations): a scale for targets.
    registered_voters: Mapped[int | None] = mapped_column(Integer)
    # Centre (WGS 84) and radius of the zone's outline, from a GeoJSON import: what a shared
    # location is checked against (see models/report_checks.py). None: no outline loaded.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)


def fold(text: str) -> str:
    """Case- and accent-insensitive form, for matching what people type ("Brest-Cle" vs
    "Brest-Clé")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


async def zone_by_code(db: Database, code: str) -> Zone | None:
    async with db() as session:
        return await session.scalar(select(Zone).where(Zone.code == code.strip()))


def _words(text: str) -> list[str]:
    """Folded words, punctuation ignored: "Plougastel Daoulas" finds "Plougastel-Daoulas"."""
    return re.sub(r"[\W_]+", " ", fold(text)).split()


def _matches(words: list[str], code_prefix: str, zone: Zone) -> bool:
    haystack = " ".join(_words(zone.name))
    return all(word in haystack for word in words) or fold(zone.code).startswith(code_prefix)


async def find_zones(db: Database, text: str, limit: int = 10, offset: int = 0) -> list[Zone]:
    """Zones matching what someone typed: the exact code first, then zones whose name holds
    every word typed (case, accents and punctuation ignored) or whose code starts with it;
    exact names first, then shortest names, so bureau 2 comes before bureau 10."""
    text = text.strip()
    words = _words(text)
    if not words:
        return []
    exact = await zone_by_code(db, text)
    wanted, prefix = " ".join(words), fold(text)
    async with db() as session:
        candidates = await session.scalars(select(Zone).order_by(Zone.name))
        named = [
            z
            for z in candidates
            if _matches(words, prefix, z) and (exact is None or z.id != exact.id)
        ]
    named.sort(key=lambda z: (" ".join(_words(z.name)) != wanted, len(z.name), z.name))
    found = ([exact] if exact else []) + named
    return found[offset : offset + limit]


async def suggest_zones(db: Database, text: str, limit: int = 5) -> list[Zone]:
    """Zones whose name is close to a mistyped one ("Brset" -> Brest), for when find_zones
    finds nothing. difflib is enough at a campaign's scale (thousands of zones)."""
    wanted = " ".join(_words(text))
    if not wanted:
        return []
    async with db() as session:
        zones = list(await session.scalars(select(Zone).order_by(Zone.name)))
    scored = []
    for zone in zones:
        name = " ".join(_words(zone.name))
        # Against the whole name and against its start, so "Plougastl" finds
        # "Plougastel-Daoulas" and "Brset" finds Brest before "Brest – bureau 12".
        ratio = max(
            difflib.SequenceMatcher(None, wanted, name).ratio(),
            difflib.SequenceMatcher(None, wanted, name[: len(wanted)]).ratio() - 0.05,
        )
        if ratio >= 0.75:
            scored.append((-ratio, len(zone.name), zone.name, zone))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:limit]]


@dataclass(frozen=True)
class ZonePage:
    zones: list[Zone]
    total: int


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting "bureau 2" before "bureau 10", case and accents ignored."""
    parts = re.split(r"(\d+)", fold(name))
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in parts if part)


async def zone_children(db: Database, parent_id: int | None, limit: int, offset: int) -> ZonePage:
    """One page of a zone's children (top-level zones for None), in natural name order. The
    sort runs here, not in SQL, which has no portable natural order; names are small."""
    where = Zone.parent_id.is_(None) if parent_id is None else Zone.parent_id == parent_id
    async with db() as session:
        names = (await session.execute(select(Zone.id, Zone.name).where(where))).all()
        names.sort(key=lambda row: (natural_key(row.name), row.id))
        ids = [row.id for row in names[offset : offset + limit]]
        zones = {z.id: z for z in await session.scalars(select(Zone).where(Zone.id.in_(ids)))}
        return ZonePage([zones[i] for i in ids if i in zones], len(names))


@dataclass(frozen=True)
class ZoneDetail:
    zone: Zone
    parent: Zone | None
    children: int


async def zone_detail(db: Database, zone_id: int) -> ZoneDetail | None:
    async with db() as session:
        zone = await session.get(Zone, zone_id)
        if zone is None:
            return None
        parent = await session.get(Zone, zone.parent_id) if zone.parent_id else None
        children = await session.scalar(
            select(func.count()).select_from(Zone).where(Zone.parent_id == zone_id)
        )
        return ZoneDetail(zone, parent, children or 0)


@dataclass(frozen=True)
class Centre:
    lat: float
    lon: float
    radius_m: int


async def zone_centre(db: Database, zone_id: int) -> Centre | None:
    """The zone's centre, or its nearest ancestor's that has one (a street list inside a
    bureau with an outline); None when none has."""
    seen: set[int] = set()
    async with db() as session:
        current: int | None = zone_id
        while current is not None and current not in seen:
            seen.add(current)
            zone = await session.get(Zone, current)
            if zone is None:
                return None
            if zone.lat is not None and zone.lon is not None and zone.radius_m is not None:
                return Centre(zone.lat, zone.lon, zone.radius_m)
            current = zone.parent_id
    return None
