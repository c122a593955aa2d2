"""Leaderboards: volunteers who opted in, ranked by missions done, then doors knocked.

Only people who chose to appear (Person.on_leaderboard, recorded with a consent event) and are
active are ever listed; anyone else's figures never leave this module except as their own
place, told to them alone (`place_of`).

A leaderboard is about taking part, as badges are: a mission counts when it is done (marked
done, or covered by a report, one's own or a team lead's group report naming them, the same
rule as /mystats), and doors and leaflets are those of every report a person took part in, a
group report counting for each member it names. Missions come first in the ranking because
they are each person's own; group doors would otherwise let a big group outrank anyone.
Every figure is summed in SQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.missions import HOLDS_A_PLACE, Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person, Status
from models.reports import FieldReport, FieldReportMember

ON_MISSION = tuple(s.value for s in HOLDS_A_PLACE)
# At most this many people tied for the board's last missions count are summed one by one;
# beyond, the whole period is (reports/leaderboard.py `_top_since`).
MAX_CONTENDERS = 500


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


def _in_period(since: datetime) -> Select[Any]:
    return select(Mission.id).where(Mission.starts_at >= since)


def _among(person_id: Any, people: Select[Any]) -> ColumnElement[bool]:
    # "+ 0": an expression, not the column, so that SQLite keeps starting from the missions
    # (with the bare column it looks each person up instead: 21 s rather than 77 ms).
    return (person_id + 0).in_(people)


def _done_since(since: datetime, people: Select[Any]) -> Select[Any]:
    """(person id, missions done) over the missions starting at or after `since`: the rule of
    `done_missions`, with joins instead of EXISTS, which PostgreSQL probed row by row (at most
    one report and one group listing per person and mission: unique constraints)."""
    return (
        select(Assignment.person_id, func.count())
        .outerjoin(
            FieldReport,
            and_(
                FieldReport.mission_id == Assignment.mission_id,
                FieldReport.author_id == Assignment.person_id,
            ),
        )
        .outerjoin(
            FieldReportMember,
            and_(
                FieldReportMember.mission_id == Assignment.mission_id,
                FieldReportMember.person_id == Assignment.person_id,
            ),
        )
        .where(
            Assignment.mission_id.in_(
                _in_period(since).where(Mission.status != MissionStatus.CANCELLED.value)
            ),
            Assignment.status.in_(ON_MISSION),
            _among(Assignment.person_id, people),
            or_(
                Assignment.status == AssignmentStatus.DONE.value,
                FieldReport.id.is_not(None),
                FieldReportMember.id.is_not(None),
            ),
        )
        .group_by(Assignment.person_id)
    )


async def _figures_since(
    db: Database, since: datetime, people: Select[Any]
) -> dict[int, tuple[int, int, int]]:
    """What `figures` gives over the missions starting at or after `since`, for `people` (a
    query of their ids): (missions, doors, leaflets), people with neither absent.

    Summed from the period's missions outwards, by the indexes on mission ids, in three plain
    queries run side by side and merged here. Composed as `figures` does, the databases start
    from the people and read each one's whole history: for a campaign's 10,000 opted-in
    volunteers, more than the period's reports. A team's few people, or anyone's figures all
    along, are still summed person by person."""
    in_period = _in_period(since)
    authored = (
        select(
            FieldReport.author_id,
            func.sum(FieldReport.doors_knocked),
            func.sum(FieldReport.leaflets),
        )
        .where(FieldReport.mission_id.in_(in_period), _among(FieldReport.author_id, people))
        .group_by(FieldReport.author_id)
    )
    named = (
        select(
            FieldReportMember.person_id,
            func.sum(FieldReport.doors_knocked),
            func.sum(FieldReport.leaflets),
        )
        .join(FieldReport, FieldReport.id == FieldReportMember.report_id)
        .where(
            FieldReportMember.mission_id.in_(in_period),
            _among(FieldReportMember.person_id, people),
        )
        .group_by(FieldReportMember.person_id)
    )

    async def rows(query: Select[Any]) -> list[Any]:
        async with db() as session:
            return list(await session.execute(query))

    missions, *counted = await asyncio.gather(
        rows(_done_since(since, people)), rows(authored), rows(named)
    )
    found = {person_id: (int(done_count), 0, 0) for person_id, done_count in missions}
    for person_id, doors, leaflets in (row for part in counted for row in part):
        done_count, doors_before, leaflets_before = found.get(person_id, (0, 0, 0))
        found[person_id] = (
            done_count,
            doors_before + int(doors or 0),
            leaflets_before + int(leaflets or 0),
        )
    return found


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
    if since is not None and scope_team_id is None:  # see _figures_since
        rows = await _top_since(db, since, limit)
    else:
        async with db() as session:
            rows = await _top(session, scope_team_id, since, limit)
    board: list[LeaderboardRow] = []
    for position, (person_id, name, missions, doors, leaflets) in enumerate(rows, start=1):
        tied = board and (board[-1].missions, board[-1].doors) == (missions, doors)
        rank = board[-1].rank if tied else position
        board.append(
            LeaderboardRow(rank, person_id, name or "", int(missions), int(doors), int(leaflets))
        )
    return board


Ranked = list[tuple[int, str | None, int, int, int]]  # person id, name, missions, doors, leaflets


async def _top(
    session: AsyncSession, scope_team_id: int | None, since: datetime | None, limit: int
) -> Ranked:
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
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def _top_since(db: Database, since: datetime, limit: int) -> Ranked:
    """The campaign's board of a period. Missions rank first, so nobody with fewer than the
    `limit`-th most can be on it: only those with as many or more are summed in full, person by
    person, when they are few (the usual case); else everyone listed, missions first."""
    async with db() as session:
        missions = dict((await session.execute(_done_since(since, _listed(None)))).tuples().all())
    most = sorted(missions.values(), reverse=True)
    contenders = (
        [person_id for person_id, done in missions.items() if done >= most[limit - 1]]
        if len(most) >= limit
        else []
    )
    if contenders and len(contenders) <= MAX_CONTENDERS:
        async with db() as session:
            summed = (await session.execute(figures(since, contenders))).tuples().all()
        found = {row[0]: (int(row[2]), int(row[3]), int(row[4])) for row in summed}
        names = {row[0]: row[1] for row in summed}
    else:
        found = await _figures_since(db, since, _listed(None))
        names = {}
    top = sorted(
        (person_id for person_id, counts in found.items() if any(counts)),
        key=lambda person_id: (*(-count for count in found[person_id]), person_id),
    )[:limit]
    if not names:
        async with db() as session:
            named = await session.execute(
                select(Person.id, Person.display_name).where(Person.id.in_(top))
            )
        names = dict(named.tuples().all())
    return [(person_id, names.get(person_id), *found[person_id]) for person_id in top]


async def place_of(
    db: Database, person_id: int, scope_team_id: int | None, since: datetime | None
) -> Place:
    """This person's own figures and the rank they have (or would have) among those on the
    board: 1 + how many listed people rank strictly above them. Only people who chose to appear
    are counted, and none is named."""
    async with db() as session:
        _, _, missions, doors, leaflets = (await session.execute(figures(since, [person_id]))).one()
        if since is not None and scope_team_id is None:  # see _figures_since
            listed = await _figures_since(db, since, _listed(None))
            above = sum(
                1
                for other, (their_missions, their_doors, _) in listed.items()
                if other != person_id and (their_missions, their_doors) > (missions, doors)
            )
        else:
            ranked = figures(since, _listed(scope_team_id)).subquery()
            above = await session.scalar(
                select(func.count())
                .select_from(ranked)
                .where(
                    ranked.c.id != person_id,
                    or_(
                        ranked.c.missions > missions,
                        and_(ranked.c.missions == missions, ranked.c.doors > doors),
                    ),
                )
            )
    return Place(int(above or 0) + 1, int(missions), int(doors), int(leaflets))
