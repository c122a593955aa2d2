"""Finding missions and people for them: a volunteer's open missions and their own, a team's
members, and the auto proposal (postal code, availability, least recently assigned)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from models.assignments import consenting
from models.database import Database
from models.missions import HOLDS_A_PLACE, Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Availability, Person, Status
from models.zones import Zone

EVENING_FROM = 18  # weekday evenings start at 18:00, campaign time
MINE = (
    AssignmentStatus.INVITED.value,
    AssignmentStatus.ACCEPTED.value,
    AssignmentStatus.WAITLISTED.value,
)


def department(code: str | None) -> str | None:
    """The département of a postal code or INSEE code ("29200", "29019_0076" -> "29")."""
    if not code or len(code) < 2 or not code[:2].isalnum():
        return None
    return code[:2].upper()


def slot_of(starts_at: datetime, zone: ZoneInfo) -> Availability:
    local = starts_at.astimezone(zone)
    if local.weekday() == 5:
        return Availability.SATURDAYS
    if local.weekday() == 6:
        return Availability.SUNDAYS
    if local.hour >= EVENING_FROM:
        return Availability.WEEKDAY_EVENINGS
    return Availability.WEEKDAY_DAYTIME


async def places_taken(db: Database, mission_ids: list[int]) -> dict[int, int]:
    if not mission_ids:
        return {}
    async with db() as session:
        rows = await session.execute(
            select(Assignment.mission_id, func.count())
            .where(
                Assignment.mission_id.in_(mission_ids),
                Assignment.status.in_([s.value for s in HOLDS_A_PLACE]),
            )
            .group_by(Assignment.mission_id)
        )
        return {mission_id: count for mission_id, count in rows.tuples()}


async def open_for(
    db: Database, person: Person, now: datetime, limit: int, offset: int
) -> tuple[list[Mission], int]:
    """Missions a volunteer may join, soonest first: their team's, and campaign-wide ones in
    their département (or anywhere when the zone's code says nothing of a département).
    Returns one page and the total."""
    async with db() as session:
        rows = await session.execute(
            select(Mission, Zone.code)
            .join(Zone, Zone.id == Mission.zone_id)
            .where(
                Mission.status == MissionStatus.OPEN.value,
                Mission.starts_at > now,
                or_(Mission.team_id.is_(None), Mission.team_id == person.team_id),
            )
            .order_by(Mission.starts_at, Mission.id)
        )
        mine = department(person.postal_code)
        found = [
            mission
            for mission, code in rows.tuples()
            if mission.team_id is not None
            or mine is None
            or department(code) in (None, mine)
            or not code[:2].isdigit()
        ]
    return found[offset : offset + limit], len(found)


async def mine(db: Database, person_id: int, now: datetime) -> list[tuple[Assignment, Mission]]:
    """What a volunteer signed up for (or was invited to) and is still to come."""
    async with db() as session:
        rows = await session.execute(
            select(Assignment, Mission)
            .join(Mission, Mission.id == Assignment.mission_id)
            .where(
                Assignment.person_id == person_id,
                Assignment.status.in_(MINE),
                Mission.status == MissionStatus.OPEN.value,
                Mission.ends_at > now,
            )
            .order_by(Mission.starts_at, Mission.id)
        )
        return list(rows.tuples())


async def team_member_ids(db: Database, team_id: int) -> list[int]:
    async with db() as session:
        return list(
            await session.scalars(
                select(Person.id)
                .where(Person.team_id == team_id, Person.status == Status.ACTIVE)
                .order_by(Person.id)
            )
        )


async def propose(
    db: Database, mission: Mission, zone: ZoneInfo, count: int, *, team_id: int | None
) -> list[Person]:
    """Up to `count` volunteers who fit: free at the mission's slot, living in its postal code
    or département, not already on it, active, reachable and consenting. Same postal code
    first, then whoever was assigned least recently (never first of all)."""
    slot = slot_of(mission.starts_at, zone).value
    async with db() as session:
        code = await session.scalar(select(Zone.code).where(Zone.id == mission.zone_id))
        wanted = department(code)
        on_it = select(Assignment.person_id).where(Assignment.mission_id == mission.id)
        query = select(Person).where(
            Person.status == Status.ACTIVE,
            Person.reachable.is_(True),
            Person.telegram_id.is_not(None),
            Person.id.not_in(on_it),
        )
        if team_id is not None:
            query = query.where(Person.team_id == team_id)
        people = [
            p
            for p in await session.scalars(query)
            if slot in (p.availability or [])
            and (wanted is None or department(p.postal_code) == wanted)
        ]
        agreeing = await consenting(session, [p.id for p in people])
        people = [p for p in people if p.id in agreeing]
        rows = await session.execute(
            select(Assignment.person_id, Assignment.invited_at).where(
                Assignment.person_id.in_([p.id for p in people])
            )
        )
        last: dict[int, datetime] = {}
        for person_id, invited_at in rows.tuples():
            if invited_at is not None and (person_id not in last or invited_at > last[person_id]):
                last[person_id] = invited_at
    # Missions can be in a bureau (29019_0076), people give a postal code (29200): the same
    # postal code only matches when the zone's code is one.
    people.sort(
        key=lambda p: (
            p.postal_code != code,
            last.get(p.id) is not None,
            last.get(p.id) or mission.created_at,
            p.id,
        )
    )
    return people[:count]
