"""Missions and who is on them: Mission, Assignment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.zones import Zone


class MissionKind(StrEnum):
    LEAFLETING = "leafleting"
    DOOR_KNOCKING = "door_knocking"
    POSTERS = "posters"
    MARKET_STALL = "market_stall"
    PHONE_BANK = "phone_bank"
    EVENT = "event"


class MissionStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    DONE = "done"


class AssignmentStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Statuses that hold one of the mission's places.
HOLDS_A_PLACE = (AssignmentStatus.ACCEPTED, AssignmentStatus.CHECKED_IN, AssignmentStatus.DONE)


class Mission(Base):
    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    # None: a campaign-wide mission; otherwise only this team sees it and its lead manages it.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    meeting_point: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    briefing: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=MissionStatus.OPEN.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped on every edit, so reminders and cards can tell an old schedule from the new one.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # In the mission's own statement (every mission has its zone): a second statement for it
    # was two of /debrief's eight.
    zone: Mapped[Zone] = relationship(lazy="joined", innerjoin=True)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("mission_id", "person_id"),
        # No-shows and "marked done" per mission, for the dashboards (migration 0006).
        Index("ix_assignments_mission_status", "mission_id", "status"),
        # A team's members' no-shows on other teams' missions (migration 0008).
        Index("ix_assignments_person_status", "person_id", "status", "mission_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.INVITED.value)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When they last answered: the waitlist is served in this order.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Answer to the day-before "still coming?" request; None until they answer.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    mission: Mapped[Mission] = relationship(lazy="selectin")
