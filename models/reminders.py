"""What is due around a mission, read from the database at each wake-up: the day-before
"still coming?" request, the reminder before the start, the debrief nudge after the end, and
the flag to the organizer for whoever never confirmed. Every outbox row carries a key made of
the assignment and the mission's version, so running twice (a restart, a second replica)
writes nothing new, and a rescheduled mission gets reminders for its new time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.missions import Assignment, AssignmentStatus, Mission, MissionStatus
from models.notices import Compose, tell
from models.people import Person

log = logging.getLogger(__name__)
# A debrief nudge later than this after the end is no longer useful.
DEBRIEF_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Timing:
    confirm_before: timedelta
    remind_before: timedelta
    debrief_after: timedelta

    @classmethod
    def hours(cls, confirm: float, remind: float, debrief: float) -> Timing:
        return cls(timedelta(hours=confirm), timedelta(hours=remind), timedelta(hours=debrief))


def _asked_to_confirm(assignment: Assignment, mission: Mission, timing: Timing) -> bool:
    """Only those who said yes before the confirmation window: a yes given inside it is
    fresh enough to count as the confirmation."""
    return (
        assignment.confirmed_at is None
        and assignment.responded_at is not None
        and assignment.responded_at < mission.starts_at - timing.confirm_before
    )


async def run_due(db: Database, now: datetime, timing: Timing, compose: Compose) -> int:
    """Write the outbox rows due at `now`; returns how many were added."""
    horizon = now + max(timing.confirm_before, timing.remind_before)
    async with db() as session:
        mission_ids = list(
            await session.scalars(
                select(Mission.id).where(
                    Mission.status == MissionStatus.OPEN.value,
                    Mission.starts_at <= horizon,
                    Mission.ends_at > now - timing.debrief_after - DEBRIEF_WINDOW,
                )
            )
        )
    added = 0
    for mission_id in mission_ids:
        try:
            added += await _mission_due(db, mission_id, now, timing, compose)
        except IntegrityError:
            # Another replica wrote the same keys a moment ago: nothing is lost or doubled.
            log.info("reminders for mission %s written elsewhere", mission_id)
    return added


async def _mission_due(
    db: Database, mission_id: int, now: datetime, timing: Timing, compose: Compose
) -> int:
    added = 0
    async with db.begin() as session:
        mission = await session.get_one(Mission, mission_id)
        rows = list(
            (
                await session.execute(
                    select(Assignment, Person)
                    .join(Person, Person.id == Assignment.person_id)
                    .where(
                        Assignment.mission_id == mission_id,
                        Assignment.status == AssignmentStatus.ACCEPTED.value,
                    )
                    .order_by(Assignment.id)
                )
            ).tuples()
        )
        version = mission.version
        before_start = now < mission.starts_at
        for assignment, person in rows:
            base = f"{assignment.id}:{version}"
            if (
                before_start
                and now >= mission.starts_at - timing.confirm_before
                and _asked_to_confirm(assignment, mission, timing)
            ):
                added += await tell(
                    session, compose, "confirm", f"confirm:{base}", person, mission, now, assignment
                )
            if before_start and now >= mission.starts_at - timing.remind_before:
                added += await tell(
                    session, compose, "remind", f"remind:{base}", person, mission, now, assignment
                )
            if (
                mission.ends_at + timing.debrief_after
                <= now
                < mission.ends_at + timing.debrief_after + DEBRIEF_WINDOW
            ):
                key = f"debrief:{assignment.id}"
                added += await tell(
                    session, compose, "debrief", key, person, mission, now, assignment
                )
        added += await _flag_unconfirmed(session, mission, rows, now, timing, compose)
    return added


async def _flag_unconfirmed(
    session: AsyncSession,
    mission: Mission,
    rows: list[tuple[Assignment, Person]],
    now: datetime,
    timing: Timing,
    compose: Compose,
) -> int:
    """At reminder time, tell whoever created the mission who never confirmed: one message
    per mission and version, listing them."""
    if not (mission.starts_at - timing.remind_before <= now < mission.starts_at):
        return 0
    silent = [
        person for assignment, person in rows if _asked_to_confirm(assignment, mission, timing)
    ]
    if not silent or mission.created_by_id is None:
        return 0
    organizer = await session.get(Person, mission.created_by_id)
    if organizer is None:
        return 0
    names = [person.display_name or "?" for person in silent]
    key = f"flag:{mission.id}:{mission.version}"
    return await tell(session, compose, "flag", key, organizer, mission, now, None, names=names)
