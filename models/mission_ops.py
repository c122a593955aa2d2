"""Missions: create, look up, edit, reschedule, cancel, record no-shows. One transaction each;
everyone on a mission is told of a change through the outbox, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.mission_input import Schedule
from models.missions import (
    HOLDS_A_PLACE,
    Assignment,
    AssignmentStatus,
    Mission,
    MissionKind,
    MissionStatus,
)
from models.notices import Compose, tell
from models.people import AuditEvent, Person, Role
from models.validation import Invalid

# Who hears about a change to a mission: everyone who has not said no.
CONCERNED = (
    AssignmentStatus.INVITED.value,
    AssignmentStatus.ACCEPTED.value,
    AssignmentStatus.WAITLISTED.value,
)
EDITABLE = ("meeting_point", "capacity", "briefing", "materials")


class NotFound(Exception):
    pass


class NotAllowed(Exception):
    pass


class Stale(Exception):
    """The mission is cancelled, over, or changed since the button was drawn."""


@dataclass(frozen=True)
class Draft:
    kind: MissionKind
    zone_id: int
    team_id: int | None
    schedule: Schedule
    meeting_point: str
    capacity: int
    materials: str
    briefing: str


def may_manage(person: Person | None, is_admin: bool, mission: Mission) -> bool:
    """Organizers manage every mission; a team lead only their own team's."""
    if is_admin:
        return True
    if person is None or not person.is_active:
        return False
    if person.role == Role.ORGANIZER:
        return True
    return (
        person.role == Role.TEAM_LEAD
        and mission.team_id is not None
        and (mission.team_id == person.team_id)
    )


async def lock_mission(session: AsyncSession, mission_id: int) -> Mission | None:
    """Serialize every change to one mission's places. PostgreSQL: a row lock held to commit.
    SQLite: a write as the transaction's first statement takes the database's single write
    lock at once (a read first would let two transactions count the same free place)."""
    if session.bind.dialect.name == "postgresql":
        return await session.scalar(
            # Of the mission's row alone: its zone comes in the same statement.
            select(Mission).where(Mission.id == mission_id).with_for_update(of=Mission)
        )
    await session.execute(
        update(Mission).where(Mission.id == mission_id).values(version=Mission.version)
    )
    return await session.get(Mission, mission_id, populate_existing=True)


async def taken(session: AsyncSession, mission_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(
                Assignment.mission_id == mission_id,
                Assignment.status.in_([s.value for s in HOLDS_A_PLACE]),
            )
        )
        or 0
    )


async def create(db: Database, draft: Draft, actor_id: int | None, now: datetime) -> Mission:
    async with db.begin() as session:
        mission = Mission(
            kind=draft.kind.value,
            zone_id=draft.zone_id,
            team_id=draft.team_id,
            starts_at=draft.schedule.starts_at,
            ends_at=draft.schedule.ends_at,
            meeting_point=draft.meeting_point,
            capacity=draft.capacity,
            briefing=draft.briefing,
            materials=draft.materials,
            status=MissionStatus.OPEN.value,
            created_by_id=actor_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(mission)
        await session.flush()
        session.add(
            AuditEvent(
                action="mission.created",
                actor_id=actor_id,
                detail={"mission_id": mission.id, "team_id": draft.team_id},
                at=now,
            )
        )
    return await get(db, mission.id)


async def get(db: Database, mission_id: int) -> Mission:
    async with db() as session:
        mission = await session.get(Mission, mission_id)
        if mission is None:
            raise NotFound(mission_id)
        return mission


async def roster(db: Database, mission_id: int) -> list[tuple[Assignment, Person]]:
    """Who is on a mission, in the order they answered (waitlist order included)."""
    async with db() as session:
        rows = await session.execute(
            select(Assignment, Person)
            .join(Person, Person.id == Assignment.person_id)
            .where(Assignment.mission_id == mission_id)
            .order_by(Assignment.responded_at.is_(None), Assignment.responded_at, Assignment.id)
        )
        return [(a, p) for a, p in rows.tuples()]


async def _concerned(session: AsyncSession, mission_id: int) -> list[tuple[Assignment, Person]]:
    rows = await session.execute(
        select(Assignment, Person)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.mission_id == mission_id, Assignment.status.in_(CONCERNED))
        .order_by(Assignment.id)
    )
    return list(rows.tuples())


async def _open_for_change(session: AsyncSession, mission_id: int, now: datetime) -> Mission:
    mission = await lock_mission(session, mission_id)
    if mission is None:
        raise NotFound(mission_id)
    if mission.status != MissionStatus.OPEN or mission.ends_at <= now:
        raise Stale(mission_id)
    return mission


async def edit(
    db: Database,
    mission_id: int,
    field: str,
    value: str | int,
    actor_id: int | None,
    now: datetime,
    compose: Compose,
) -> Mission:
    """Change one field; everyone concerned gets the new card. More places promote the
    waitlist; fewer than already accepted are refused."""
    if field not in EDITABLE:
        raise ValueError(field)
    async with db.begin() as session:
        mission = await _open_for_change(session, mission_id, now)
        if field == "capacity" and int(value) < await taken(session, mission_id):
            raise Invalid("capacity_below_accepted")
        setattr(mission, field, value)
        mission.version += 1
        mission.updated_at = now
        for assignment, person in await _concerned(session, mission_id):
            key = f"edited:{assignment.id}:{mission.version}"
            await tell(session, compose, "edited", key, person, mission, now, assignment)
        if field == "capacity":
            await promote(session, mission, now, compose)
        session.add(
            AuditEvent(
                action="mission.edited",
                actor_id=actor_id,
                detail={"mission_id": mission_id, "field": field},
                at=now,
            )
        )
    return await get(db, mission_id)


async def reschedule(
    db: Database,
    mission_id: int,
    plan: Schedule,
    actor_id: int | None,
    now: datetime,
    compose: Compose,
) -> Mission:
    """A new time: everyone concerned is told (with a new .ics), and confirmations given for
    the old time no longer count; reminders follow the new version."""
    async with db.begin() as session:
        mission = await _open_for_change(session, mission_id, now)
        mission.starts_at, mission.ends_at = plan.starts_at, plan.ends_at
        mission.version += 1
        mission.updated_at = now
        for assignment, person in await _concerned(session, mission_id):
            assignment.confirmed_at = None
            key = f"rescheduled:{assignment.id}:{mission.version}"
            await tell(session, compose, "rescheduled", key, person, mission, now, assignment)
        session.add(
            AuditEvent(
                action="mission.rescheduled",
                actor_id=actor_id,
                detail={"mission_id": mission_id},
                at=now,
            )
        )
    return await get(db, mission_id)


async def cancel(
    db: Database, mission_id: int, actor_id: int | None, now: datetime, compose: Compose
) -> int:
    """Cancel a mission: every assignment is cancelled and its person told. Returns how many
    people were told."""
    async with db.begin() as session:
        mission = await _open_for_change(session, mission_id, now)
        mission.status = MissionStatus.CANCELLED.value
        mission.version += 1
        mission.updated_at = now
        told = 0
        for assignment, person in await _concerned(session, mission_id):
            assignment.status = AssignmentStatus.CANCELLED.value
            key = f"cancelled:{assignment.id}"
            told += bool(
                await tell(session, compose, "cancelled", key, person, mission, now, assignment)
            )
        session.add(
            AuditEvent(
                action="mission.cancelled",
                actor_id=actor_id,
                detail={"mission_id": mission_id},
                at=now,
            )
        )
    return told


async def toggle_no_show(
    db: Database, mission_id: int, assignment_id: int, actor_id: int | None, now: datetime
) -> str:
    """After the end: accepted <-> no-show for one assignee. Returns the new status."""
    async with db.begin() as session:
        mission = await session.get(Mission, mission_id)
        assignment = await session.get(Assignment, assignment_id)
        if mission is None or assignment is None or assignment.mission_id != mission_id:
            raise NotFound(assignment_id)
        if mission.ends_at > now or mission.status == MissionStatus.CANCELLED:
            raise Stale(mission_id)
        if assignment.status == AssignmentStatus.NO_SHOW:
            assignment.status = AssignmentStatus.ACCEPTED.value
        elif assignment.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.CHECKED_IN):
            assignment.status = AssignmentStatus.NO_SHOW.value
        else:
            raise Stale(mission_id)
        session.add(
            AuditEvent(
                action="mission.no_show",
                actor_id=actor_id,
                subject_id=assignment.person_id,
                detail={"mission_id": mission_id, "status": assignment.status},
                at=now,
            )
        )
        return assignment.status


async def promote(
    session: AsyncSession, mission: Mission, now: datetime, compose: Compose
) -> list[int]:
    """In the caller's transaction (mission locked): fill free places from the waitlist, in
    the order people answered. Each promoted person is told. Returns their assignment ids."""
    free = mission.capacity - await taken(session, mission.id)
    if free <= 0 or mission.status != MissionStatus.OPEN or mission.starts_at <= now:
        return []
    rows = await session.execute(
        select(Assignment, Person)
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Assignment.mission_id == mission.id,
            Assignment.status == AssignmentStatus.WAITLISTED.value,
        )
        .order_by(Assignment.responded_at, Assignment.id)
        .limit(free)
    )
    promoted = []
    for assignment, person in rows.tuples():
        assignment.status = AssignmentStatus.ACCEPTED.value
        # They said yes when they joined the waitlist: the promotion is their fresh yes.
        assignment.responded_at = now
        key = f"promoted:{assignment.id}:{now.timestamp():.0f}"
        await tell(session, compose, "promoted", key, person, mission, now, assignment)
        promoted.append(assignment.id)
    return promoted
