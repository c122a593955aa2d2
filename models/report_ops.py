"""Field reports, one transaction each: who may report which mission, filing (idempotent:
confirming twice records one report), editing for 24 hours (versioned), and the organizer's
quality flags through the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.missions import HOLDS_A_PLACE, Assignment, Mission, MissionStatus
from models.notices import Compose, tell
from models.people import Person
from models.report_checks import quality_flags
from models.reports import COUNTS, FieldReport, FieldReportMember, FieldReportVersion

log = logging.getLogger(__name__)
EDIT_WINDOW = timedelta(hours=24)
# Late reports are welcome (after a restart, days later), up to this long after the end.
LATE_LIMIT = timedelta(days=14)
ON_MISSION = tuple(s.value for s in HOLDS_A_PLACE)


class Refusal(StrEnum):
    MISSING = "missing"
    CANCELLED = "cancelled"
    NOT_YOURS = "not_yours"
    NOT_YET = "not_yet"
    TOO_OLD = "too_old"
    COVERED = "covered"  # a team lead's group report already counts them
    ALREADY = "already"  # they reported: they may edit instead


@dataclass
class Submission:
    mission_id: int
    author_id: int
    answers: dict[str, Any]
    # 0 for a new report, else the version the edit started from.
    base_version: int = 0
    members: list[int] = field(default_factory=list)


def hours_of(mission: Mission) -> float:
    return (mission.ends_at - mission.starts_at).total_seconds() / 3600


def _reported(mission_id: Any, person_id: Any) -> ColumnElement[bool]:
    """Whether the person filed a report on the mission, or a group report counts them."""
    return or_(
        exists().where(FieldReport.mission_id == mission_id, FieldReport.author_id == person_id),
        exists().where(
            FieldReportMember.mission_id == mission_id, FieldReportMember.person_id == person_id
        ),
    )


@cache
def _checking() -> Select[Any]:
    """The mission, the person's place on it, their report and whether a group report counts
    them: one statement, built once."""
    mission_id, person_id = bindparam("mission_id"), bindparam("person_id")
    place = select(Assignment.status).where(
        Assignment.mission_id == Mission.id, Assignment.person_id == person_id
    )
    covered = exists().where(
        FieldReportMember.mission_id == Mission.id, FieldReportMember.person_id == person_id
    )
    return (
        select(Mission, place.scalar_subquery(), FieldReport, covered)
        .outerjoin(
            FieldReport,
            and_(FieldReport.mission_id == Mission.id, FieldReport.author_id == person_id),
        )
        .where(Mission.id == mission_id)
    )


async def check(
    db: Database, mission_id: int, person_id: int, now: datetime
) -> tuple[Mission | None, Refusal | None, FieldReport | None]:
    """Whether this person may report this mission now: (mission, refusal, their report)."""
    async with db() as session:
        found = await session.execute(
            _checking(), {"mission_id": mission_id, "person_id": person_id}
        )
        row = found.first()
    if row is None:
        return None, Refusal.MISSING, None
    mission, place, report, covered = row
    if mission.status == MissionStatus.CANCELLED:
        return mission, Refusal.CANCELLED, None
    if place not in ON_MISSION:
        return mission, Refusal.NOT_YOURS, None
    if mission.starts_at > now:
        return mission, Refusal.NOT_YET, None
    if report is not None:
        return mission, Refusal.ALREADY, report
    if covered:
        return mission, Refusal.COVERED, None
    if mission.ends_at + LATE_LIMIT < now:
        return mission, Refusal.TOO_OLD, None
    return mission, None, None


async def _report_of(session: AsyncSession, mission_id: int, person_id: int) -> FieldReport | None:
    return await session.scalar(
        select(FieldReport).where(
            FieldReport.mission_id == mission_id, FieldReport.author_id == person_id
        )
    )


@cache
def _to_report() -> Select[Any]:
    person_id = bindparam("person_id")
    return (
        select(Mission)
        .join(Assignment, Assignment.mission_id == Mission.id)
        .where(
            Assignment.person_id == person_id,
            Assignment.status.in_(ON_MISSION),
            Mission.status != MissionStatus.CANCELLED.value,
            Mission.starts_at <= bindparam("now"),
            Mission.ends_at >= bindparam("earliest"),
            ~_reported(Mission.id, person_id),
        )
        .order_by(Mission.starts_at)
    )


async def to_report(db: Database, person_id: int, now: datetime) -> list[Mission]:
    """Missions this person was on, started, not cancelled, not yet reported or covered."""
    async with db() as session:
        params = {"person_id": person_id, "now": now, "earliest": now - LATE_LIMIT}
        return list(await session.scalars(_to_report(), params))


async def editable(db: Database, person_id: int, now: datetime) -> list[FieldReport]:
    async with db() as session:
        rows = await session.scalars(
            select(FieldReport)
            .where(FieldReport.author_id == person_id, FieldReport.created_at > now - EDIT_WINDOW)
            .order_by(FieldReport.id)
        )
        return list(rows)


async def for_edit(
    db: Database, report_id: int, person_id: int, now: datetime
) -> tuple[FieldReport, Mission, list[int]] | None:
    """The report, its mission and the people it covers, if this person may still edit it."""
    async with db() as session:
        report = await session.get(FieldReport, report_id)
        if report is None or report.author_id != person_id:
            return None
        if report.created_at + EDIT_WINDOW <= now:
            return None
        mission = await session.get_one(Mission, report.mission_id)
        members = await session.scalars(
            select(FieldReportMember.person_id).where(FieldReportMember.report_id == report_id)
        )
        return report, mission, list(members)


async def teammates(db: Database, mission_id: int, lead_id: int) -> list[tuple[int, str]]:
    """Who a team lead may name in a group report: the others on the mission who have not
    reported and are not counted by another group report."""
    async with db() as session:
        rows = await session.execute(
            select(Person.id, Person.display_name)
            .join(Assignment, Assignment.person_id == Person.id)
            .where(
                Assignment.mission_id == mission_id,
                Assignment.status.in_(ON_MISSION),
                Person.id != lead_id,
                ~_reported(mission_id, Person.id),
            )
            .order_by(Person.display_name, Person.id)
        )
        return [(person_id, name or "?") for person_id, name in rows]


def _apply(report: FieldReport, answers: dict[str, Any]) -> None:
    for name in COUNTS:
        value = answers.get(name)
        setattr(report, name, int(value) if value is not None else None)
    report.place = answers.get("place")
    report.topics = list(answers.get("topics") or [])
    report.note = answers.get("note")
    report.photo_file_id = answers.get("photo_file_id")
    report.location_shared = bool(answers.get("location_shared"))
    report.location_near = answers.get("location_near") if report.location_shared else None
    report.nobody_home = bool(answers.get("nobody_home"))


async def submit(
    db: Database, submission: Submission, now: datetime, compose: Compose
) -> tuple[FieldReport | None, bool]:
    """Record a report or an edit. Returns (report, whether this call changed it): a second
    confirm of the same draft finds the version it made and changes nothing. None: the edit
    window has closed, or the person may no longer report this mission."""
    try:
        return await _submit(db, submission, now, compose)
    except IntegrityError:
        # The same draft confirmed twice at once: the other transaction recorded it.
        async with db() as session:
            return await _report_of(session, submission.mission_id, submission.author_id), False


async def _submit(
    db: Database, submission: Submission, now: datetime, compose: Compose
) -> tuple[FieldReport | None, bool]:
    params = {"mission_id": submission.mission_id, "person_id": submission.author_id}
    async with db.begin() as session:
        mission, place, report, covered = (await session.execute(_checking(), params)).one()
        if report is None and submission.base_version:
            return None, False
        if report is not None and submission.base_version != report.version:
            return report, False  # already recorded: a double tap or a re-delivered update
        if report is None:
            # Checked again at the end: the mission may have been cancelled, or a team lead's
            # group report may have counted this person, while they were answering.
            if mission.status == MissionStatus.CANCELLED or place not in ON_MISSION or covered:
                return None, False
            # Checked before the new row is added: the checks' queries would flush it half-made.
            members = await _members(session, mission.id, submission)
            report = FieldReport(
                mission_id=mission.id,
                author_id=submission.author_id,
                zone_id=mission.zone_id,
                kind=mission.kind,
                version=1,
                people=1 + len(members),
                created_at=now,
                updated_at=now,
            )
            session.add(report)
        else:
            if report.created_at + EDIT_WINDOW <= now:
                return None, False
            report.version += 1
            members = []
        _apply(report, submission.answers)
        report.updated_at = now
        before = list(report.flags or [])
        report.flags = quality_flags(report.answers(), hours_of(mission), report.people)
        await session.flush()
        for person_id in members:
            session.add(
                FieldReportMember(report_id=report.id, mission_id=mission.id, person_id=person_id)
            )
        session.add(
            FieldReportVersion(
                report_id=report.id, version=report.version, snapshot=report.answers(), at=now
            )
        )
        if report.flags and report.flags != before:
            far_km = submission.answers.get("location_km")
            await _flag(session, mission, report, now, compose, far_km)
        log.info("report %s on mission %s: version %s", report.id, mission.id, report.version)
        return report, True


async def _members(session: AsyncSession, mission_id: int, submission: Submission) -> list[int]:
    """The named people who may be covered: on the mission, not reported, not covered (in
    the order named)."""
    named = [p for p in dict.fromkeys(submission.members) if p != submission.author_id]
    if not named:
        return []
    eligible = set(
        await session.scalars(
            select(Assignment.person_id).where(
                Assignment.mission_id == mission_id,
                Assignment.person_id.in_(named),
                Assignment.status.in_(ON_MISSION),
                ~_reported(mission_id, Assignment.person_id),
            )
        )
    )
    return [person_id for person_id in named if person_id in eligible]


async def _flag(
    session: AsyncSession,
    mission: Mission,
    report: FieldReport,
    now: datetime,
    compose: Compose,
    far_km: float | None = None,
) -> None:
    """Tell whoever created the mission, through the outbox: counts and codes, no names; for
    a location far from the zone, how far in km (never where)."""
    if mission.created_by_id is None:
        return
    organizer = await session.get(Person, mission.created_by_id)
    if organizer is None:
        return
    key = f"report_flag:{report.id}:{report.version}"
    await tell(
        session,
        compose,
        "report_flag",
        key,
        organizer,
        mission,
        now,
        None,
        flags=list(report.flags),
        report=report.answers(),
        people=report.people,
        far_km=far_km,
    )


async def export_for(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    """The reports this person filed, and those of a team lead that counted them, for /mydata."""
    covering = select(FieldReportMember.report_id).where(FieldReportMember.person_id == person_id)
    rows = await session.scalars(
        select(FieldReport)
        .where((FieldReport.author_id == person_id) | FieldReport.id.in_(covering))
        .order_by(FieldReport.id)
    )
    return [
        {
            "mission": report.mission_id,
            "kind": report.kind,
            "filed_by": "me" if report.author_id == person_id else "my team lead",
            "version": report.version,
            "people": report.people,
            "answers": report.answers(),
            "created_at": report.created_at.isoformat(),
            "updated_at": report.updated_at.isoformat(),
        }
        for report in rows
    ]
