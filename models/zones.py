"""Zones: the places where the work happens (communes, neighbourhoods, polling stations,
street lists), nested, with official codes where they exist and optional targets."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


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
