"""Field reports: counts for one mission, by one volunteer or one team lead for a group.

Counts live in explicit integer columns (the dashboards sum them over many reports); nothing
here describes an identifiable voter. One current row per (mission, author); every confirmed
version, the first included, is kept as a JSON snapshot in `field_report_versions`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

# The count columns, in the order the flows ask them; every kind uses a subset.
COUNTS = (
    "doors_knocked",
    "doors_opened",
    "calls",
    "answered",
    "conversations",
    "supportive",
    "undecided",
    "opposed",
    "not_interested",
    "follow_ups",
    "leaflets",
    "reception",
    "posters",
    "spots",
    "signups",
)
# What a snapshot (and an edit) carries besides the counts.
EXTRAS = (
    "place",
    "topics",
    "note",
    "photo_file_id",
    "location_shared",
    "location_near",
    "nobody_home",
)


# The counts a dashboard sums (reports/dashboard.py): every count but the per-kind details
# (a reception score is not summed). With the mission first, they make the index the
# dashboards read instead of the table.
DASHBOARD_COUNTS = tuple(name for name in COUNTS if name not in ("reception", "spots"))


class FieldReport(Base):
    __tablename__ = "field_reports"
    __table_args__ = (
        UniqueConstraint("mission_id", "author_id"),
        # Covering indexes for the dashboards (migration 0006). PostgreSQL can't put a json
        # column in a B-tree key, so there the topics ride along as an INCLUDE column.
        Index(
            "ix_field_reports_dashboard",
            "mission_id",
            *DASHBOARD_COUNTS,
            postgresql_include=["topics"],
        ),
        Index("ix_field_reports_topics", "mission_id", "topics").ddl_if(dialect="sqlite"),
        # A person's reports, with their missions: counting who was active over a wide
        # period probes each person's first report in it (migration 0007).
        Index("ix_field_reports_author_mission", "author_id", "mission_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    # People rows are never deleted (an erasure anonymises them), so the author stays a
    # pointer to an anonymous row after /forget.
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Copied from the mission so aggregates by zone and kind need no join.
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # How many volunteers these counts cover (1, or the lead and those they named).
    people: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)

    doors_knocked: Mapped[int | None] = mapped_column(Integer)
    doors_opened: Mapped[int | None] = mapped_column(Integer)
    calls: Mapped[int | None] = mapped_column(Integer)
    answered: Mapped[int | None] = mapped_column(Integer)
    conversations: Mapped[int | None] = mapped_column(Integer)
    supportive: Mapped[int | None] = mapped_column(Integer)
    undecided: Mapped[int | None] = mapped_column(Integer)
    opposed: Mapped[int | None] = mapped_column(Integer)
    not_interested: Mapped[int | None] = mapped_column(Integer)
    follow_ups: Mapped[int | None] = mapped_column(Integer)
    leaflets: Mapped[int | None] = mapped_column(Integer)
    reception: Mapped[int | None] = mapped_column(Integer)  # 1 to 5
    posters: Mapped[int | None] = mapped_column(Integer)
    spots: Mapped[int | None] = mapped_column(Integer)
    signups: Mapped[int | None] = mapped_column(Integer)

    # A place kind ("market", "station"...) or a short text without personal details.
    place: Mapped[str | None] = mapped_column(String(80))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    # Telegram's file id only: the photo itself stays on Telegram.
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    # A shared location is checked against the zone's centre when it is shared, then
    # dropped: only that one was shared, and whether it was near the zone (None: the zone
    # has no centre), are kept, never the coordinates.
    location_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    location_near: Mapped[bool | None] = mapped_column(Boolean)
    nobody_home: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quality signals for the organizer (codes); they never block the volunteer.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def answers(self) -> dict[str, Any]:
        """The counts and extras, as a flow's answers (and a version's snapshot)."""
        found: dict[str, Any] = {}
        for name in (*COUNTS, *EXTRAS):
            value = getattr(self, name)
            if value is not None:
                found[name] = list(value) if isinstance(value, list) else value
        return found


class FieldReportVersion(Base):
    """Each confirmed version of a report, as it was: edits never lose what came before."""

    __tablename__ = "field_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("field_reports.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FieldReportMember(Base):
    """Who a group report covers besides its author: they file no report of their own for
    that mission, so the same doors are never counted twice."""

    __tablename__ = "field_report_members"
    # One group report per person and mission: a second lead can't count them again.
    __table_args__ = (
        UniqueConstraint("mission_id", "person_id"),
        Index("ix_field_report_members_person_mission", "person_id", "mission_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("field_reports.id", ondelete="CASCADE"), index=True
    )
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
