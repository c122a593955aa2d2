"""Recognition for volunteers: badges and rungs of the engagement ladder, each reached once.

A row means "reached, and congratulated": the congratulation is sent in the same transaction
that writes the row, so nobody is congratulated twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Recognition(Base):
    __tablename__ = "recognitions"
    __table_args__ = (UniqueConstraint("person_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # "badge.first_mission", "rung.regular", ...
    code: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
