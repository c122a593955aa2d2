"""Leaderboards: volunteers who opted in, ranked by missions done, then doors knocked.

Only people who chose to appear (Person.on_leaderboard, recorded with a consent event) and are
active are ever listed; anyone else's figures never leave this module except as their own
place, told to them alone (`place_of`).

A leaderboard is about taking part, as badges are: a mission counts when it is done (marked
done, or covered by a report, one's own or a team lead's group report naming them, the same
rule as /mystats), and doors and leaflets are those of every report a person took part in, a
group report counting for each member it names. Missions come first in the ranking because
they are each person's own; group doors would otherwise let a big group outrank anyone.
Every figure is one SQL aggregate per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true, union_all

from models.database import Database
from models.missions import HOLDS_A_PLACE, Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person, Status
from models.reports import FieldReport, FieldReportMember

ON_MISSION = tuple(s.value for s in HOLDS_A_PLACE)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int  # equal figures, equal rank ("1, 2, 2, 4")
    person_id: int
    name: str  # as typed by the person: escape it before showing it
    missions: int
    doors: int
    leaflets: int


@dataclass(frozen=True)
class Place:
    """Where someone stands, or would stand if they appeared on the board."""

    rank: int
    missions: int
    doors: int
    leaflets: int


def _since(column: Any, since: datetime | None) -> ColumnElement[bool]:
    return column >= since if since is not None else true()


def done_missions(since: datetime | None, people: Any = None) -> Select[Any]:
    """(person_id, starts_at) of each mission a person did, starting at or after `since`: for
    `people` (ids, or a query of them) only, else for everyone."""
    # On Mission.id rather than the assignment's mission_id: the databases then look for a
    # report only once the mission is known to be in the period.
    reported = or_(
        exists().where(
            FieldReport.mission_id == Mission.id,
            FieldReport.author_id == Assignment.person_id,
        ),
        exists().where(
            FieldReportMember.mission_id == Mission.id,
            FieldReportMember.person_id == Assignment.person_id,
        ),
    )
    found = (
        select(Assignment.person_id.label("person_id"), Mission.starts_at.label("starts_at"))
        .join(Mission, Mission.id == Assignment.mission_id)
        .where(
            Assignment.status.in_(ON_MISSION),
            Mission.status != MissionStatus.CANCELLED.value,
            or_(Assignment.status == AssignmentStatus.DONE.value, reported),
            _since(Mission.starts_at, since),
        )
    )
    return found if people is None else found.where(Assignment.person_id.in_(people))


def figures(since: datetime | None, people: Any = None) -> Select[Any]:
    """Per person: missions done, doors knocked and leaflets of the reports they took part in
    (people with none of either are absent). `people` (ids, or a query of them) narrows every
    sum to them, so a few people's figures never add up a whole campaign's reports."""
    done = done_missions(since, people).subquery()
    missions = (
        select(done.c.person_id, func.count().label("missions"))
        .group_by(done.c.person_id)
        .subquery()
    )
    # Who took part in which report of the period, from the (person, mission) indexes and the
    # missions alone: only those reports are then read for their counts.
    authored = (
        select(FieldReport.id.label("report_id"), FieldReport.author_id.label("person_id"))
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(_since(Mission.starts_at, since))
    )
    named = (
        select(FieldReportMember.report_id, FieldReportMember.person_id)
        .join(Mission, Mission.id == FieldReportMember.mission_id)
        .where(_since(Mission.starts_at, since))
    )
    if people is not None:
        authored = authored.where(FieldReport.author_id.in_(people))
        named = named.where(FieldReportMember.person_id.in_(people))
    took_part = union_all(authored, named).subquery()
    counts = (
        select(
            took_part.c.person_id,
            func.coalesce(func.sum(FieldReport.doors_knocked), 0).label("doors"),
            func.coalesce(func.sum(FieldReport.leaflets), 0).label("leaflets"),
        )
        .join(FieldReport, FieldReport.id == took_part.c.report_id)
        .group_by(took_part.c.person_id)
        .subquery()
    )
    found = (
        select(
            Person.id,
            Person.display_name,
            func.coalesce(missions.c.missions, 0).label("missions"),
            func.coalesce(counts.c.doors, 0).label("doors"),
            func.coalesce(counts.c.leaflets, 0).label("leaflets"),
        )
        .outerjoin(missions, missions.c.person_id == Person.id)
        .outerjoin(counts, counts.c.person_id == Person.id)
    )
    return found if people is None else found.where(Person.id.in_(people))


def _listed(scope_team_id: int | None) -> Select[Any]:
    """Who may appear on the board: active people who chose to (of one team, or everyone)."""
    query = select(Person.id).where(
        Person.on_leaderboard.is_(True), Person.status == Status.ACTIVE.value
    )
    return query.where(Person.team_id == scope_team_id) if scope_team_id is not None else query


async def leaderboard(
    db: Database, scope_team_id: int | None, since: datetime | None, limit: int = 10
) -> list[LeaderboardRow]:
    """The top `limit` of opted-in active people (of one team, or everyone) with at least one
    mission done or one report, for missions starting at or after `since` (None: all along)."""
    listed = figures(since, _listed(scope_team_id)).subquery()
    query = (
        select(listed)
        .where(or_(listed.c.missions > 0, listed.c.doors > 0, listed.c.leaflets > 0))
        .order_by(
            listed.c.missions.desc(),
            listed.c.doors.desc(),
            listed.c.leaflets.desc(),
            listed.c.id,
        )
        .limit(limit)
    )
    async with db() as session:
        rows = (await session.execute(query)).all()
    board: list[LeaderboardRow] = []
    for position, (person_id, name, missions, doors, leaflets) in enumerate(rows, start=1):
        tied = board and (board[-1].missions, board[-1].doors) == (missions, doors)
        rank = board[-1].rank if tied else position
        board.append(
            LeaderboardRow(rank, person_id, name or "", int(missions), int(doors), int(leaflets))
        )
    return board


async def place_of(
    db: Database, person_id: int, scope_team_id: int | None, since: datetime | None
) -> Place:
    """This person's own figures and the rank they have (or would have) among those on the
    board: 1 + how many listed people rank strictly above them. Only people who chose to appear
    are counted, and none is named."""
    mine = figures(since, [person_id])
    async with db() as session:
        _, _, missions, doors, leaflets = (await session.execute(mine)).one()
        listed = figures(since, _listed(scope_team_id)).subquery()
        above = await session.scalar(
            select(func.count())
            .select_from(listed)
            .where(
                listed.c.id != person_id,
                or_(
                    listed.c.missions > missions,
                    and_(listed.c.missions == missions, listed.c.doors > doors),
                ),
            )
        )
    return Place(int(above or 0) + 1, int(missions), int(doors), int(leaflets))
