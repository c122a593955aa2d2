"""Zones: the places where the work happens (communes, neighbourhoods, polling stations,
street lists), nested, with official codes where they exist and optional targets."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.database import Database


class ZoneKind(StrEnum):
    COMMUNE = "commune"
    NEIGHBOURHOOD = "neighbourhood"
    POLLING_STATION = "polling_station"
    STREET_LIST = "street_list"


class Zone(Base):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # INSEE commune code ("29019"), bureau de vote ("29019_0076"), or the campaign's own code.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), index=True
    )
    target_doors: Mapped[int | None] = mapped_column(Integer)
    target_leaflets: Mapped[int | None] = mapped_column(Integer)
    # Registered voters where the source says (polling stations): a scale for targets.
    registered_voters: Mapped[int | None] = mapped_column(Integer)


def fold(text: str) -> str:
    """Case- and accent-insensitive form, for matching what people type ("Brest-Cle" vs
    "Brest-Clé")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


async def zone_by_code(db: Database, code: str) -> Zone | None:
    async with db() as session:
        return await session.scalar(select(Zone).where(Zone.code == code.strip()))


async def find_zones(db: Database, text: str, limit: int = 10, offset: int = 0) -> list[Zone]:
    """Zones matching what someone typed: the exact code first, then names containing it
    (case and accents ignored), shortest names first."""
    text = text.strip()
    if not text:
        return []
    exact = await zone_by_code(db, text)
    wanted = fold(text)
    async with db() as session:
        candidates = await session.scalars(select(Zone).order_by(Zone.name))
        named = [
            z for z in candidates if wanted in fold(z.name) and (exact is None or z.id != exact.id)
        ]
    named.sort(key=lambda z: (fold(z.name) != wanted, len(z.name), z.name))
    found = ([exact] if exact else []) + named
    return found[offset : offset + limit]
