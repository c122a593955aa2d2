"""A volunteer's own figures for /mystats: missions, field counts and recruits, over one period.

Counts are attributed by the mission's start (when the work was done), not by when the report
was typed, so a report filed on Monday for Saturday's mission counts in Saturday's week.

A group report (a team lead's counts for several people) is never split into a share per
person: its doors were knocked by the whole group, and dividing them would invent figures. So
the figures come in two parts: `own`, from the reports a person filed for themselves alone, and
`with_team`, from group reports that count them (as the lead who filed it or as a member it
names). The message shows the second part as "with your team", so nobody claims others' doors.
Every figure is one SQL aggregate (SUM/COUNT); nothing is summed row by row in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, case, exists, func, or_, select

from models.database import Database, reading
from models.missions import HOLDS_A_PLACE, Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person, Status
from models.reports import FieldReport, FieldReportMember

# The field counts shown, in this order.
SHOWN = ("doors_knocked", "doors_opened", "conversations", "leaflets", "posters", "calls")


@dataclass(frozen=True)
class Counts:
    doors_knocked: int = 0
    doors_opened: int = 0
    conversations: int = 0
    leaflets: int = 0
    posters: int = 0
    calls: int = 0

    def any(self) -> bool:
        return any(getattr(self, name) for name in SHOWN)


@dataclass(frozen=True)
class Stats:
    accepted: int = 0  # missions they hold (or held) a place on
    done: int = 0  # of those, missions marked done or covered by a report
    own: Counts = field(default_factory=Counts)
    with_team: Counts = field(default_factory=Counts)
    recruits: int = 0


def week_start(now: datetime, timezone: str) -> datetime:
    """Monday 00:00 of `now`'s week in the campaign's time zone (an aware datetime)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=zone)


def _since(column: Any, since: Any) -> Any:
    return column >= since if since is not None else True


@cache
def _queries(all_along: bool) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """stats_for's statements, built once for each kind of period: building them anew (and
    their cache keys) cost more than running them, on every /mystats."""
    person_id = bindparam("person_id")
    since = None if all_along else bindparam("since")
    on_mission = tuple(s.value for s in HOLDS_A_PLACE)
    member_of = select(FieldReportMember.report_id).where(FieldReportMember.person_id == person_id)
    reported = or_(
        exists().where(
            FieldReport.mission_id == Assignment.mission_id, FieldReport.author_id == person_id
        ),
        exists().where(
            FieldReportMember.mission_id == Assignment.mission_id,
            FieldReportMember.person_id == person_id,
        ),
    )
    done = or_(Assignment.status == AssignmentStatus.DONE.value, reported)
    missions_query = (
        select(
            func.count(Assignment.id),
            func.coalesce(
                func.sum(case((done, 1), else_=0)),
                0,
            ),
        )
        .join(Mission, Mission.id == Assignment.mission_id)
        .where(
            Assignment.person_id == person_id,
            Assignment.status.in_(on_mission),
            Mission.status != MissionStatus.CANCELLED.value,
            _since(Mission.starts_at, since),
        )
    )
    solo = and_(FieldReport.author_id == person_id, FieldReport.people <= 1)
    columns = [getattr(FieldReport, name) for name in SHOWN]
    counts_query = (
        select(
            *(func.coalesce(func.sum(case((solo, c), else_=0)), 0) for c in columns),
            *(func.coalesce(func.sum(case((solo, 0), else_=c)), 0) for c in columns),
        )
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(
            or_(FieldReport.author_id == person_id, FieldReport.id.in_(member_of)),
            _since(Mission.starts_at, since),
        )
    )
    recruits_query = select(func.count(Person.id)).where(
        Person.referred_by_id == person_id,
        Person.status != Status.ERASED.value,
        _since(Person.created_at, since),
    )
    return missions_query, counts_query, recruits_query


async def stats_for(db: Database, person_id: int, since: datetime | None = None) -> Stats:
    """A person's figures for missions starting at or after `since` (None: all along)."""
    missions_query, counts_query, recruits_query = _queries(since is None)
    params = {"person_id": person_id, "since": since}
    async with reading(db) as connection:
        accepted, done = (await connection.execute(missions_query, params)).one()
        sums = (await connection.execute(counts_query, params)).one()
        recruits = await connection.scalar(recruits_query, params)
    size = len(SHOWN)
    return Stats(
        accepted=int(accepted),
        done=int(done),
        own=Counts(*(int(v) for v in sums[:size])),
        with_team=Counts(*(int(v) for v in sums[size:])),
        recruits=int(recruits or 0),
    )
