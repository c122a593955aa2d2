"""People on missions: invitations, answers (accept, decline, waitlist), joining an open
mission, withdrawing, confirming. Places are counted under a per-mission lock (see
mission_ops.lock_mission), so a mission for 6 never gets a 7th, whatever the concurrency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.mission_ops import lock_mission, promote, taken
from models.missions import HOLDS_A_PLACE, Assignment, AssignmentStatus, Mission, MissionStatus
from models.notices import Compose, tell
from models.people import AuditEvent, ConsentEvent, Person, Purpose, Status


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"
    ALREADY_ACCEPTED = "already_accepted"
    ALREADY_WAITLISTED = "already_waitlisted"
    NOT_YOURS = "not_yours"
    OUTDATED = "outdated"  # the mission changed since this button was drawn
    CLOSED = "closed"  # cancelled, started or over


@dataclass
class Invitations:
    invited: list[Person] = field(default_factory=list)
    already: list[Person] = field(default_factory=list)
    unavailable: list[Person] = field(default_factory=list)  # paused, unreachable, no consent
    outside_team: list[Person] = field(default_factory=list)


def _holds(status: str) -> bool:
    return status in {s.value for s in HOLDS_A_PLACE}


def _closed(mission: Mission, now: datetime) -> bool:
    return mission.status != MissionStatus.OPEN or mission.starts_at <= now


async def consenting(session: AsyncSession, person_ids: Iterable[int]) -> set[int]:
    """Who, among these, currently agrees to be coordinated (their latest event says so)."""
    ids = list(person_ids)
    if not ids:
        return set()
    rows = await session.execute(
        select(ConsentEvent.person_id, ConsentEvent.granted)
        .where(ConsentEvent.person_id.in_(ids), ConsentEvent.purpose == Purpose.VOLUNTEERING.value)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    latest: dict[int, bool] = {}
    for person_id, granted in rows:
        latest[person_id] = granted
    return {person_id for person_id, granted in latest.items() if granted}


async def invite(
    db: Database,
    mission_id: int,
    person_ids: list[int],
    actor_id: int | None,
    now: datetime,
    compose: Compose,
    *,
    team_id: int | None = None,
) -> Invitations:
    """Invite people (each gets the card and a calendar file through the outbox). With
    `team_id` (a team lead acting), people outside that team are refused."""
    result = Invitations()
    async with db.begin() as session:
        mission = await lock_mission(session, mission_id)
        if mission is None or _closed(mission, now):
            raise LookupError(mission_id)
        people = list(await session.scalars(select(Person).where(Person.id.in_(person_ids))))
        agreeing = await consenting(session, [p.id for p in people])
        existing = {
            a.person_id: a
            for a in await session.scalars(
                select(Assignment).where(
                    Assignment.mission_id == mission_id, Assignment.person_id.in_(person_ids)
                )
            )
        }
        for person in sorted(people, key=lambda p: person_ids.index(p.id)):
            if team_id is not None and person.team_id != team_id:
                result.outside_team.append(person)
                continue
            usable = (
                person.status == Status.ACTIVE
                and person.reachable
                and person.telegram_id is not None
                and person.id in agreeing
            )
            if not usable:
                result.unavailable.append(person)
                continue
            assignment = existing.get(person.id)
            if assignment is not None and assignment.status not in (
                AssignmentStatus.DECLINED,
                AssignmentStatus.CANCELLED,
            ):
                result.already.append(person)
                continue
            if assignment is None:
                assignment = Assignment(mission_id=mission_id, person_id=person.id)
                session.add(assignment)
            assignment.status = AssignmentStatus.INVITED.value
            assignment.invited_by_id = actor_id
            assignment.invited_at = now
            assignment.responded_at = None
            assignment.confirmed_at = None
            await session.flush()
            key = f"invited:{assignment.id}:{now.timestamp():.0f}"
            await tell(session, compose, "invited", key, person, mission, now, assignment)
            result.invited.append(person)
        session.add(
            AuditEvent(
                action="mission.assigned",
                actor_id=actor_id,
                detail={"mission_id": mission_id, "invited": len(result.invited)},
                at=now,
            )
        )
    return result


async def _take_place(
    session: AsyncSession, mission: Mission, assignment: Assignment, now: datetime
) -> Outcome:
    """Under the mission's lock: a place if one is free, else the waitlist."""
    if _holds(assignment.status):
        return Outcome.ALREADY_ACCEPTED
    if assignment.status == AssignmentStatus.WAITLISTED:
        return Outcome.ALREADY_WAITLISTED
    assignment.responded_at = now
    if await taken(session, mission.id) < mission.capacity:
        assignment.status = AssignmentStatus.ACCEPTED.value
        return Outcome.ACCEPTED
    assignment.status = AssignmentStatus.WAITLISTED.value
    return Outcome.WAITLISTED


async def answer(
    db: Database,
    assignment_id: int,
    presser_id: int,
    accept: bool,
    version: int,
    now: datetime,
    compose: Compose,
) -> tuple[Outcome, Mission | None]:
    """Accept or decline an invitation, from the button on the card sent to that person.
    A declined place goes to the first on the waitlist."""
    async with db.begin() as session:
        assignment = await session.get(Assignment, assignment_id)
        # Checked before the lock: a forged id must not even make others wait.
        if assignment is None or assignment.person_id != presser_id:
            return Outcome.NOT_YOURS, None
        mission = await lock_mission(session, assignment.mission_id)
        assert mission is not None  # the foreign key cascades
        await session.refresh(assignment)
        if _closed(mission, now) or assignment.status in (
            AssignmentStatus.NO_SHOW,
            AssignmentStatus.DONE,
            AssignmentStatus.CHECKED_IN,
        ):
            return Outcome.CLOSED, mission
        if version != mission.version:
            return Outcome.OUTDATED, mission
        if accept:
            return await _take_place(session, mission, assignment, now), mission
        held = _holds(assignment.status)
        assignment.status = AssignmentStatus.DECLINED.value
        assignment.responded_at = now
        if held:
            await promote(session, mission, now, compose)
        return Outcome.DECLINED, mission


async def join(
    db: Database, mission_id: int, person: Person, version: int, now: datetime
) -> tuple[Outcome, Mission | None]:
    """One tap on an open mission from /missions: a place, or the waitlist. Only missions
    the person may see: campaign-wide ones and their own team's."""
    async with db.begin() as session:
        mission = await session.get(Mission, mission_id)
        if mission is None or mission.team_id not in (None, person.team_id):
            return Outcome.NOT_YOURS, None
        mission = await lock_mission(session, mission_id)
        assert mission is not None
        if _closed(mission, now):
            return Outcome.CLOSED, mission
        if version != mission.version:
            return Outcome.OUTDATED, mission
        assignment = await session.scalar(
            select(Assignment).where(
                Assignment.mission_id == mission_id, Assignment.person_id == person.id
            )
        )
        if assignment is None:
            assignment = Assignment(
                mission_id=mission_id, person_id=person.id, invited_at=now, status="invited"
            )
            session.add(assignment)
        elif assignment.status in (AssignmentStatus.NO_SHOW, AssignmentStatus.DONE):
            return Outcome.CLOSED, mission
        return await _take_place(session, mission, assignment, now), mission


async def withdraw(
    db: Database, assignment_id: int, presser_id: int, now: datetime, compose: Compose
) -> tuple[Outcome, Mission | None]:
    """'I can't come any more' (from /mymissions or the confirmation request): the place
    goes to the first on the waitlist."""
    async with db.begin() as session:
        assignment = await session.get(Assignment, assignment_id)
        if assignment is None or assignment.person_id != presser_id:
            return Outcome.NOT_YOURS, None
        mission = await lock_mission(session, assignment.mission_id)
        assert mission is not None
        await session.refresh(assignment)
        if _closed(mission, now) or assignment.status not in (
            AssignmentStatus.ACCEPTED,
            AssignmentStatus.WAITLISTED,
            AssignmentStatus.INVITED,
        ):
            return Outcome.CLOSED, mission
        held = _holds(assignment.status)
        assignment.status = AssignmentStatus.CANCELLED.value
        assignment.responded_at = now
        if held:
            await promote(session, mission, now, compose)
        return Outcome.WITHDRAWN, mission


async def confirm(
    db: Database, assignment_id: int, presser_id: int, version: int, now: datetime
) -> tuple[Outcome, Mission | None]:
    """'Still coming': the answer to the day-before request."""
    async with db.begin() as session:
        assignment = await session.get(Assignment, assignment_id)
        if assignment is None or assignment.person_id != presser_id:
            return Outcome.NOT_YOURS, None
        mission = await session.get_one(Mission, assignment.mission_id)
        if _closed(mission, now) or assignment.status != AssignmentStatus.ACCEPTED:
            return Outcome.CLOSED, mission
        if version != mission.version:
            return Outcome.OUTDATED, mission
        assignment.confirmed_at = now
        return Outcome.CONFIRMED, mission
