"""The dashboard's figures for one scope and period: what /report, the digests and the live
dashboard show, and what the charts draw (the data classes live in reports/figures.py and are
imported from here). Counts and topics come summed per mission (models/mission_totals.py,
kept as reports are written), so even a whole campaign adds up missions, not reports.

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.mission_totals import topic_set
from models.missions import Mission
from models.people import Person, Team
from models.sqlite_driver import off_the_loop
from reports import dashboard_queries as q
from reports.dashboard_zones import MEASURES, ZONES, Places, ZoneRow
from reports.figures import (
    Dashboard,
    DayActivity,
    Period,
    Progress,
    Scope,
    Totals,
    ZoneWork,
)

__all__ = [
    "Dashboard",
    "DayActivity",
    "OnDays",
    "Period",
    "Progress",
    "Scope",
    "Totals",
    "ZoneWork",
    "build_dashboard",
    "build_dashboards",
]

T = TypeVar("T")
# Told the days of a dashboard as soon as they are summed (build_dashboard's `on_days`).
OnDays = Callable[[tuple[DayActivity, ...]], object]

# Above this many reports per person on the roll, the scope's people are counted by probing
# each person's reports (an index look-up each) rather than by gathering every report's author
# and removing duplicates: a whole campaign is a million reports for 100,000 people.
WIDE = 3


def _utc(value: str | datetime) -> datetime:
    """A start read as text (naive UTC), or the datetime PostgreSQL's driver already made."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


class _Work:
    """The missions in scope and their work, added up by zone and by day from rows summed
    in SQL per zone and per start."""

    def __init__(self, local: ZoneInfo) -> None:
        self.local = local
        self.missions = self.planned = self.done = 0
        self.by_zone: dict[int, dict[str, int]] = {}
        self.worked: set[int] = set()
        self._day_of: dict[str | datetime, date] = {}
        self._starts: dict[date, list[Any]] = {}

    def zone(self, zone_id: int, missions: int, planned: int, done: int, sums: Any) -> None:
        self.missions += missions
        self.planned += planned
        self.done += done
        if planned:
            self.worked.add(zone_id)
        if any(sums):
            rolled = self.by_zone.setdefault(zone_id, dict.fromkeys(q.ZONE_FIELDS, 0))
            for name, value in zip(q.ZONE_FIELDS, sums, strict=True):
                rolled[name] += int(value or 0)

    def start(self, starts_at: str | datetime, sums: Any) -> None:
        """Work summed for one start (laid out as q.FIELDS): kept for its day, summed once."""
        day = self._day_of.get(starts_at)
        if day is None:
            day = self._day_of[starts_at] = _utc(starts_at).astimezone(self.local).date()
        self._starts.setdefault(day, []).append(sums)

    @cached_property
    def by_day(self) -> dict[date, list[int]]:
        return {
            day: [sum(value or 0 for value in column) for column in zip(*rows, strict=True)]
            for day, rows in self._starts.items()
        }

    @cached_property
    def totals(self) -> list[int]:
        days = list(self.by_day.values())
        return [sum(column) for column in zip(*days, strict=True)] if days else [0] * len(q.FIELDS)

    def days(self) -> tuple[DayActivity, ...]:
        return tuple(
            DayActivity(day, **{n: self.by_day[day][q.FIELDS.index(n)] for n in q.DAY_FIELDS})
            for day in sorted(self.by_day)
        )


async def build_dashboard(
    db: Database,
    scope: Scope,
    period: Period,
    timezone: str,
    now: datetime | None = None,
    *,
    alone: bool = True,
    comparison: bool = False,
    on_days: OnDays | None = None,
) -> Dashboard:
    """The figures for `scope` over `period`; days are cut in `timezone`. A mission counts as
    done once it has ended (before `now`, by default the period's end) with a report, an
    assignment marked done or the done status; cancelled missions are not planned.

    Field counts come summed per mission (mission_totals, mission_topics) and are added up
    by zone and by start in SQL, so even a whole campaign reads a few hundred rows. A team's
    members' reports on other teams' missions are summed from field_reports, found by author.

    A `comparison` (the period before, beside the one shown) holds only what the text
    compares: totals, missions done and planned, active volunteers; its topics, no-shows,
    zones and progress are left empty, not read (a team's topics are a third of its work).

    `on_days` is called with the days as soon as the work is summed, before the people and
    topics are counted: a chart of them can be drawn meanwhile."""
    now = now or period.end
    filters = q.mission_filters(scope, period)
    missions_in = select(Mission.id).where(*filters)
    # A team's own missions here; its members' reports on other missions are added below.
    where = [*filters]
    if scope.team_id is not None:
        where.append(Mission.team_id == scope.team_id)
    own = select(Mission.id).where(*where)
    work = _Work(ZoneInfo(timezone))
    no_shows_queries = [q.no_shows(own)]
    team_side = whole_side = None
    if alone and scope.team_id is not None:
        # A team's people and topics don't depend on its work: read beside it, each in its
        # own session (a team over the whole campaign: ~355 -> ~255 ms on SQLite). Not when
        # another dashboard is built at the same time: both cores are busy already, and a
        # team's week then took 25 ms longer.
        sides = [_beside(db, _team_people, scope.team_id, own, filters)]
        if not comparison:
            sides.append(_beside(db, _team_topics, scope.team_id, own, filters))
        team_side = asyncio.gather(*sides)
    elif alone and _whole_campaign(scope, period):
        # Likewise the whole campaign's people and topics, counted over every report (~515
        # -> ~330 ms on SQLite, where they are a third of the work).
        whole_side = asyncio.ensure_future(_beside(db, _everything, period.end, not comparison))
    try:
        async with _reading(db) as session:
            dialect = session.get_bind().dialect.name
            for zone_id, missions, planned, done, *sums in await session.execute(
                q.by_zone(where, now)
            ):
                work.zone(zone_id, missions, int(planned or 0), int(done or 0), sums[1:])
            for starts_at, *sums in await session.execute(
                q.by_start(where, q.start_minute(dialect))
            ):
                work.start(starts_at, sums)
            if scope.team_id is not None:
                team = scope.team_id
                for zone_id, missions, planned, done, *sums in await session.execute(
                    q.their_by_zone(team, filters, now, dialect)
                ):
                    work.zone(zone_id, missions, planned, done, sums)
                minute = q.start_minute(dialect)
                for starts_at, *sums in await session.execute(
                    q.their_by_start(team, filters, minute, dialect)
                ):
                    work.start(starts_at, sums)
                no_shows_queries.append(q.their_no_shows(team, filters))
            if on_days is not None:
                on_days(work.days())
            no_shows = 0 if comparison else await _count(session, no_shows_queries)
            if team_side is not None:
                active, *topics_found = await team_side
                topic_rows = topics_found[0] if topics_found else []
            elif scope.team_id is not None:
                active = await _team_people(session, scope.team_id, own, filters)
                topic_rows = (
                    [] if comparison else await _team_topics(session, scope.team_id, own, filters)
                )
            else:
                if whole_side is not None:
                    whole = await whole_side
                elif _whole_campaign(scope, period):
                    whole = await _everything(session, period.end, not comparison)
                else:
                    whole = None
                if whole is not None:
                    active, topic_rows = whole
                else:
                    active, topic_rows = await _people_and_topics(
                        session, work, missions_in, own, not comparison
                    )
            places = None if comparison else await _places(session, scope, work, where)
    finally:
        for side in (team_side, whole_side):
            if side is not None and not side.done():
                side.cancel()  # the work failed: what was read beside it is not wanted
    figures = Dashboard(
        scope=scope,
        period=period,
        totals=Totals(**dict(zip(q.FIELDS, work.totals, strict=True))),
        missions_done=work.done,
        missions_planned=work.planned,
        days=work.days(),
        active_volunteers=active,
        no_shows=no_shows,
        topics=_topics(topic_rows),
    )
    if places is None:
        return figures
    places_found, progress = places
    return replace(
        figures,
        coverage=places_found.coverage(),
        busiest=places_found.busiest(),
        quietest=places_found.quietest(),
        progress=progress,
    )


async def _places(
    session: AsyncSession, scope: Scope, work: _Work, where: list[Any]
) -> tuple[Places, tuple[Progress, ...]]:
    """The zones worked in scope, and the progress shown: against zone targets, or for a
    campaign-wide scope where no zone has one, what each team did (teams have no targets)."""
    zones = {z.id: ZoneRow(*z) for z in (await session.execute(ZONES)).all()}
    places = Places(zones, scope, work.by_zone, work.worked | set(work.by_zone))
    progress = places.progress()
    if scope == Scope() and not progress:
        teams = dict((await session.execute(select(Team.id, Team.name))).tuples().all())
        team_work = (await session.execute(q.by_team(where))).tuples().all()
        progress = tuple(
            Progress(teams[team_id], measure, int(done_by[q.ZONE_FIELDS.index(name)] or 0), 0)
            for team_id, *done_by in sorted(team_work, key=lambda row: teams[row[0]])
            for measure, name, _ in MEASURES
            if done_by[q.ZONE_FIELDS.index(name)]
        )
    return places, progress


@asynccontextmanager
async def _reading(db: Database) -> AsyncIterator[AsyncSession]:
    """A session for a dashboard's queries: on SQLite in aiosqlite's thread, where scans of a
    whole campaign run side by side and the bot goes on serving meanwhile."""
    with off_the_loop():
        async with db() as session:
            if session.get_bind().dialect.name == "postgresql":
                # asyncpg prepares statements; after five runs PostgreSQL may switch to a generic
                # plan that ignores how narrow the period is (measured 3.5 times slower). Planning
                # these few queries each time costs a fraction of a millisecond.
                await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
                # Index reads cost about what sequential ones do for this hot, cached data: at the
                # default (4) it scanned all the reports rather than look up a team's members'
                # few thousand by author (measured 125 vs 68 ms).
                await session.execute(text("SET LOCAL random_page_cost = 1.1"))
            yield session


async def _beside(db: Database, read: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`read(session, *args)` in a session of its own."""
    async with _reading(db) as session:
        return await read(session, *args)


def _whole_campaign(scope: Scope, period: Period) -> bool:
    return scope == Scope() and period.start is None


async def _everything(
    session: AsyncSession, end: datetime, topics: bool
) -> tuple[int, list[Any]] | None:
    """The whole campaign's people and topics (if asked), counted over every report without a
    mission filter, when no report is on a mission starting after `end` (else None)."""
    if await session.scalar(q.reported_after(end)):
        return None
    active = int(await session.scalar(q.everyone_who_reported()) or 0)
    return active, await _rows(session, q.topics_of(None, False)) if topics else []


async def _people_and_topics(
    session: AsyncSession, work: _Work, missions_in: Any, own: Any, topics: bool
) -> tuple[int, list[Any]]:
    """People and topics (if asked) of a campaign-wide scope narrower than everything."""
    reports = work.totals[0]
    wide = False
    if reports > WIDE * work.missions:
        roll = int(await session.scalar(select(func.count(Person.id))) or 0)
        wide = reports > WIDE * roll
    if wide:
        active = int(await session.scalar(q.people_one_by_one(missions_in)) or 0)
    else:
        # A narrow scope's people are few.
        active = int(await session.scalar(q.how_many(q.people_on(own))) or 0)
    return active, await _rows(session, q.topics_of(own, wide)) if topics else []


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).tuples())


async def _count(session: AsyncSession, queries: list[Any]) -> int:
    """The sum of these counts."""
    return sum([int(await session.scalar(query) or 0) for query in queries])


async def _team_people(session: AsyncSession, team: int, own: Any, filters: list[Any]) -> int:
    """How many people took part in a team's reports: on its missions, and its members' on
    other teams' (a team's people are few: gathered and counted once)."""
    return int(
        await session.scalar(q.how_many([*q.people_on(own), *q.their_people(team, filters)])) or 0
    )


async def _team_topics(
    session: AsyncSession, team: int, own: Any, filters: list[Any]
) -> list[tuple[str, int]]:
    """(topic, reports) of a team's missions, and of its members' reports on other teams'."""
    rows = list((await session.execute(q.topics_of(own, False))).tuples())
    dialect = session.get_bind().dialect.name
    for listed, count in await session.execute(q.their_topics(team, filters, dialect)):
        rows += [(topic, count) for topic in topic_set(listed)]
    return rows


async def build_dashboards(
    db: Database,
    scope: Scope,
    period: Period,
    previous: Period | None,
    timezone: str,
    now: datetime | None = None,
    on_days: OnDays | None = None,
) -> tuple[Dashboard, Dashboard | None]:
    """The figures for `period`, and for `previous` those the change is shown for (a
    comparison: see build_dashboard), side by side: each in its own session, so two
    connections work at once (measured: a week's /report 274 -> 164 ms on SQLite, 200 -> 131
    ms on PostgreSQL, at a million reports). `on_days`: as build_dashboard's, for `period`."""
    if previous is None:
        return await build_dashboard(db, scope, period, timezone, now, on_days=on_days), None
    current, before = await asyncio.gather(
        build_dashboard(db, scope, period, timezone, now, alone=False, on_days=on_days),
        build_dashboard(db, scope, previous, timezone, now, alone=False, comparison=True),
    )
    return current, before


def _topics(rows: Any) -> tuple[tuple[str, int], ...]:
    """(topic, reports that heard it), most heard first, from (topic, reports) rows; topics
    no report hears any more (edited away) are left out."""
    heard: Counter[str] = Counter()
    for topic, count in rows:
        heard[topic] += int(count)
    heard = +heard
    return tuple(sorted(heard.items(), key=lambda kv: (-kv[1], kv[0])))
