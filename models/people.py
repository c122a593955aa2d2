"""People and what they agreed to: Person, ConsentEvent, Team, AuditEvent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    TEAM_LEAD = "team_lead"
    ORGANIZER = "organizer"

    @property
    def rank(self) -> int:
        return {"volunteer": 0, "team_lead": 1, "organizer": 2}[self.value]


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ERASED = "erased"


class Purpose(StrEnum):
    """What a person may agree to, one choice each. VOLUNTEERING is required to join."""

    VOLUNTEERING = "volunteering"
    NEWS = "news"
    # Appear by name on /leaderboard (offered there and in /consent, never at sign-up).
    LEADERBOARD = "leaderboard"


# The choices the sign-up notice offers; the others are offered later, each on its own.
AT_SIGNUP = (Purpose.VOLUNTEERING, Purpose.NEWS)


class Availability(StrEnum):
    WEEKDAY_EVENINGS = "weekday_evenings"
    WEEKDAY_DAYTIME = "weekday_daytime"
    SATURDAYS = "saturdays"
    SUNDAYS = "sundays"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    invite_token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """A Telegram user who consented to volunteer. No row exists before that consent."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Personal data: every column from here to `phone` is wiped by an erasure.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(64))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True)

    locale: Mapped[str | None] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16), default=Role.VOLUNTEER.value)
    status: Mapped[str] = mapped_column(String(16), default=Status.ACTIVE.value)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Indexed for the dashboards, which look up a team's members (migration 0006).
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    # Opted in to appear by name on leaderboards (a consent purpose of its own, recorded as a
    # ConsentEvent too); this copy lets leaderboards filter without reading the event log.
    on_leaderboard: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team | None] = relationship(lazy="selectin")

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def role_rank(self) -> int:
        return Role(self.role).rank


class ConsentEvent(Base):
    """Append-only proof of a choice. A person's consent for a purpose is their latest event."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(32))
    text_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """What happened, by whom (an internal id, never a name), without personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
