"""The dashboard's figures for one scope and period: what /report, the digests and the live
dashboard show, and what the charts draw (the data classes live in reports/figures.py and are
imported from here). Counts and topics come summed per mission (models/mission_totals.py,
kept as reports are written), so even a whole campaign adds up missions, not reports.

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import fields
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    union,
)

from models.database import Database
from models.mission_totals import MissionTopic, MissionTotals, topic_set
from models.missions import Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person, Team
from models.reports import FieldReport, FieldReportMember
from models.zones import Zone
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
    "Period",
    "Progress",
    "Scope",
    "Totals",
    "ZoneWork",
    "build_dashboard",
    "build_dashboards",
]


# The Totals fields summed from field_reports, in this order (all but `reports`).
SUMMED = tuple(f.name for f in fields(Totals) if f.name != "reports")
# A mission's row of summed reports, in this order.
FIELDS = ("reports", *SUMMED)


def _zone_subtree(zone_id: int) -> Any:
    """The zone and every zone under it: a recursive CTE over parent_id (SQLite and PG)."""
    tree = select(Zone.id).where(Zone.id == zone_id).cte("subtree", recursive=True)
    return tree.union_all(select(Zone.id).where(Zone.parent_id == tree.c.id))


def _mission_filters(scope: Scope, period: Period) -> list[Any]:
    """What the missions in scope satisfy: starting in the period, in the scope's zone (and
    its subtree) or the scope's mission. (The team is applied by the caller.)"""
    where: list[Any] = [Mission.starts_at < period.end]
    if period.start is not None:
        where.append(Mission.starts_at >= period.start)
    if scope.mission_id is not None:
        where.append(Mission.id == scope.mission_id)
    if scope.zone_id is not None:
        if scope.with_subzones:
            tree = _zone_subtree(scope.zone_id)
            where.append(Mission.zone_id.in_(select(tree.c.id)))
        else:
            where.append(Mission.zone_id == scope.zone_id)
    return where


def _team_members(team_id: int) -> Any:
    return select(Person.id).where(Person.team_id == team_id)


def _their_ids(team_id: int, filters: list[Any], column: Any = FieldReport.id) -> Any:
    """The reports a team's members filed on missions in scope that are not the team's own
    (their ids, or another column of the (author, mission) index): found by author first (a
    few thousand over a whole campaign), in that index alone. The "+ 0" keeps the databases
    from walking every mission in scope and probing its reports instead."""
    return (
        select(column)
        .join(Mission, Mission.id == FieldReport.mission_id + 0)
        .where(
            FieldReport.author_id.in_(_team_members(team_id)),
            *filters,
            or_(Mission.team_id.is_(None), Mission.team_id != team_id),
        )
    )


def _their(team_id: int, filters: list[Any], *columns: Any, dialect: str) -> Any:
    """`columns` of those reports, each joined to its mission. SQLite reads only the rows the
    index found (its planner would otherwise read every member's report in full); PostgreSQL
    plans the single join better than the two passes."""
    joined = select(*columns).select_from(FieldReport)
    if dialect == "postgresql":
        return joined.join(Mission, Mission.id == FieldReport.mission_id + 0).where(
            FieldReport.author_id.in_(_team_members(team_id)),
            *filters,
            or_(Mission.team_id.is_(None), Mission.team_id != team_id),
        )
    return joined.join(Mission, Mission.id == FieldReport.mission_id).where(
        FieldReport.id.in_(_their_ids(team_id, filters))
    )


DAY_FIELDS = tuple(f.name for f in fields(DayActivity) if f.name != "day")
OPEN, DONE, CANCELLED = (
    s.value for s in (MissionStatus.OPEN, MissionStatus.DONE, MissionStatus.CANCELLED)
)
# Above this many reports per person on the roll, the scope's people are counted by probing
# each person's reports (an index look-up each) rather than by gathering every report's author
# and removing duplicates: a whole campaign is a million reports for 100,000 people.
WIDE = 3


def _start_minute(dialect: str) -> Any:
    """A mission's start to the minute, as UTC text ("2026-06-14 18:00"): the missions are
    summed by start in SQL (a few hundred distinct starts for tens of thousands of missions)
    and the days cut from these in the campaign's time zone, exact for any UTC offset. The
    constants are literal so that GROUP BY repeats the very same expression."""
    if dialect == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), Mission.starts_at)
        return func.to_char(utc, literal_column("'YYYY-MM-DD HH24:MI'"))
    return func.substr(type_coerce(Mission.starts_at, String), 1, 16)


def _counted(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _by_zone(where: list[Any], now: datetime) -> Any:
    """Per zone: missions in scope, those planned (not cancelled), those done (ended, and
    reported, marked done, or with someone's assignment marked done), and the work summed."""
    marked = (
        select(Assignment.id)
        .where(
            Assignment.mission_id == Mission.id,
            Assignment.status == AssignmentStatus.DONE.value,
        )
        .exists()
    )
    finished = or_(Mission.status == DONE, MissionTotals.reports > 0, marked)
    done = and_(Mission.status != CANCELLED, Mission.ends_at <= now, finished)
    return (
        select(
            Mission.zone_id,
            func.count(Mission.id),
            _counted(Mission.status != CANCELLED),
            _counted(done),
            *(func.sum(getattr(MissionTotals, name)) for name in ("reports", *ZONE_FIELDS)),
        )
        .outerjoin(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where)
        .group_by(Mission.zone_id)
    )


# What the zones (and the teams' bars) need of the work done.
ZONE_FIELDS = ("doors_knocked", "leaflets")


def _by_start(where: list[Any], minute: Any) -> Any:
    """The reported work summed per mission start (laid out as FIELDS after the start)."""
    return (
        select(minute, *(func.sum(getattr(MissionTotals, name)) for name in FIELDS))
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where, MissionTotals.reports > 0)
        .group_by(minute)
    )


def _by_team(where: list[Any]) -> Any:
    """The work summed per team that owns missions in scope."""
    return (
        select(Mission.team_id, *(func.sum(getattr(MissionTotals, n)) for n in ZONE_FIELDS))
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where, Mission.team_id.is_not(None), MissionTotals.reports > 0)
        .group_by(Mission.team_id)
    )


def _utc(value: str | datetime) -> datetime:
    """A start read as text (naive UTC), or the datetime PostgreSQL's driver already made."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


def _topics_of(missions: Any | None, wide: bool) -> Any:
    """(topic, reports that heard it) summed in advance, for these missions (None: all). For a
    wide scope the mission is a filter ("+ 0") on the topic index, read in topic order without
    a sort."""
    heard = select(MissionTopic.topic, func.sum(MissionTopic.reports)).group_by(MissionTopic.topic)
    if missions is None:
        return heard
    mission = MissionTopic.mission_id + 0 if wide else MissionTopic.mission_id
    return heard.where(mission.in_(missions))


def _people_one_by_one(missions_in: Any) -> Any:
    """How many people filed or were named in a report on these missions, asked person by
    person: each probe stops at the person's first report in scope."""
    filed = select(FieldReport.id).where(
        FieldReport.author_id == Person.id, (FieldReport.mission_id + 0).in_(missions_in)
    )
    named = select(FieldReportMember.id).where(
        FieldReportMember.person_id == Person.id,
        (FieldReportMember.mission_id + 0).in_(missions_in),
    )
    return select(func.count(Person.id)).where(or_(filed.exists(), named.exists()))


def _their_work(team_id: int, filters: list[Any], now: datetime, minute: Any, dialect: str) -> Any:
    """_by_zone and _by_start at once for a team's members' reports on other teams' missions,
    per zone and start: each mission lies in one group, so its counts add up across them."""
    planned = Mission.status != CANCELLED
    return _their(
        team_id,
        filters,
        Mission.zone_id,
        minute,
        func.count(func.distinct(Mission.id)),
        func.count(func.distinct(case((planned, Mission.id)))),
        func.count(func.distinct(case((and_(planned, Mission.ends_at <= now), Mission.id)))),
        func.count(FieldReport.id),
        *(func.sum(getattr(FieldReport, name)) for name in SUMMED),
        dialect=dialect,
    ).group_by(Mission.zone_id, minute)


def _their_topics(team_id: int, filters: list[Any], dialect: str) -> Any:
    """(topics as JSON text, reports) for a team's members' reports on other teams' missions:
    few distinct lists, parsed here."""
    listed = cast(FieldReport.topics, String)
    found = _their(team_id, filters, listed, func.count(FieldReport.id), dialect=dialect)
    return found.group_by(listed)


def _everyone_who_reported() -> Any:
    """How many people ever filed or were named in a report: the distinct authors (grouped
    in the author index's order: PostgreSQL's count(DISTINCT) sorts them all, twice as slow),
    and the people named who never filed one themselves."""
    each_author = select(FieldReport.author_id).group_by(FieldReport.author_id).subquery()
    authors = select(func.count()).select_from(each_author).scalar_subquery()
    named_only = (
        select(func.count(func.distinct(FieldReportMember.person_id)))
        .where(
            ~select(FieldReport.id)
            .where(FieldReport.author_id == FieldReportMember.person_id)
            .exists()
        )
        .scalar_subquery()
    )
    return select(authors + named_only)


def _reported_after(end: datetime) -> Any:
    """Whether a mission starting at or after `end` has a report."""
    return select(
        select(Mission.id)
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(Mission.starts_at >= end, MissionTotals.reports > 0)
        .exists()
    )


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
            rolled = self.by_zone.setdefault(zone_id, dict.fromkeys(ZONE_FIELDS, 0))
            for name, value in zip(ZONE_FIELDS, sums, strict=True):
                rolled[name] += int(value or 0)

    def start(self, starts_at: str | datetime, sums: Any) -> None:
        """Work summed for one start (laid out as FIELDS): kept for its day, summed once."""
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
        return [sum(column) for column in zip(*days, strict=True)] if days else [0] * len(FIELDS)

    def days(self) -> tuple[DayActivity, ...]:
        return tuple(
            DayActivity(day, **{n: self.by_day[day][FIELDS.index(n)] for n in DAY_FIELDS})
            for day in sorted(self.by_day)
        )


async def build_dashboard(
    db: Database,
    scope: Scope,
    period: Period,
    timezone: str,
    now: datetime | None = None,
) -> Dashboard:
    """The figures for `scope` over `period`; days are cut in `timezone`. A mission counts as
    done once it has ended (before `now`, by default the period's end) with a report, an
    assignment marked done or the done status; cancelled missions are not planned.

    Field counts come summed per mission (mission_totals, mission_topics) and are added up
    by zone and by start in SQL, so even a whole campaign reads a few hundred rows. A team's
    members' reports on other teams' missions are summed from field_reports, found by author."""
    now = now or period.end
    filters = _mission_filters(scope, period)
    missions_in = select(Mission.id).where(*filters)
    # A team's own missions here; its members' reports on other missions are added below.
    where = [*filters]
    if scope.team_id is not None:
        where.append(Mission.team_id == scope.team_id)
    own = select(Mission.id).where(*where)
    work = _Work(ZoneInfo(timezone))
    no_show = Assignment.status == AssignmentStatus.NO_SHOW.value
    count_no_shows = select(func.count(Assignment.id)).where(no_show)
    no_shows_queries = [count_no_shows.where(Assignment.mission_id.in_(own))]
    # Distinct people covered: every author, and the members named in group reports.
    people = [
        select(FieldReport.author_id).where(FieldReport.mission_id.in_(own)),
        select(FieldReportMember.person_id).where(FieldReportMember.mission_id.in_(own)),
    ]
    async with db() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            # asyncpg prepares statements; after five runs PostgreSQL may switch to a generic
            # plan that ignores how narrow the period is (measured 3.5 times slower). Planning
            # these few queries each time costs a fraction of a millisecond.
            await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            # Index reads cost about what sequential ones do for this hot, cached data: at the
            # default (4) it scanned all the reports rather than look up a team's members'
            # few thousand by author (measured 125 vs 68 ms).
            await session.execute(text("SET LOCAL random_page_cost = 1.1"))
        for zone_id, missions, planned, done, *sums in await session.execute(_by_zone(where, now)):
            work.zone(zone_id, missions, int(planned or 0), int(done or 0), sums[1:])
        for starts_at, *sums in await session.execute(_by_start(where, _start_minute(dialect))):
            work.start(starts_at, sums)
        their_topics: list[tuple[str, int]] = []
        if scope.team_id is not None:
            team = scope.team_id
            minute = _start_minute(dialect)
            their_work = _their_work(team, filters, now, minute, dialect)
            for zone_id, starts_at, missions, planned, done, *sums in await session.execute(
                their_work
            ):
                zone_sums = [sums[FIELDS.index(name)] for name in ZONE_FIELDS]
                work.zone(zone_id, missions, planned, done, zone_sums)
                work.start(starts_at, sums)
            for listed, count in await session.execute(_their_topics(team, filters, dialect)):
                their_topics += [(topic, count) for topic in topic_set(listed)]
            people += [
                _their_ids(team, filters, FieldReport.author_id),
                select(FieldReportMember.person_id).where(
                    FieldReportMember.report_id.in_(_their_ids(team, filters))
                ),
            ]
            no_shows_queries.append(
                select(func.count(Assignment.id))
                .join(Mission, Mission.id == Assignment.mission_id + 0)
                .where(
                    no_show,
                    Assignment.person_id.in_(_team_members(team)),
                    *filters,
                    or_(Mission.team_id.is_(None), Mission.team_id != team),
                )
            )
        no_shows = sum([int(await session.scalar(q) or 0) for q in no_shows_queries])
        reports = work.totals[0]
        wide = False
        if scope.team_id is None and reports > WIDE * work.missions:
            roll = int(await session.scalar(select(func.count(Person.id))) or 0)
            wide = reports > WIDE * roll
        # The whole campaign so far, when no report is on a later mission: every report
        # counts, so people and topics are counted over everything, without a mission filter.
        everything = (
            scope == Scope()
            and period.start is None
            and not await session.scalar(_reported_after(period.end))
        )
        if everything:
            active = int(await session.scalar(_everyone_who_reported()) or 0)
        elif wide:
            active = int(await session.scalar(_people_one_by_one(missions_in)) or 0)
        else:
            # A team's people are few, and so are a narrow scope's.
            union_count = select(func.count()).select_from(union(*people).subquery())
            active = int(await session.scalar(union_count) or 0)
        topics = _topics_of(None if everything else own, wide)
        topic_rows = list((await session.execute(topics)).tuples()) + their_topics
        zones = {z.id: ZoneRow(*z) for z in (await session.execute(ZONES)).all()}
        places = Places(zones, scope, work.by_zone, work.worked | set(work.by_zone))
        progress = places.progress()
        if scope == Scope() and not progress:
            # No zone has a target: what each team did instead (teams have no targets).
            teams = dict((await session.execute(select(Team.id, Team.name))).tuples().all())
            team_work = (await session.execute(_by_team(where))).tuples().all()
            progress = tuple(
                Progress(teams[team_id], measure, int(done_by[ZONE_FIELDS.index(name)] or 0), 0)
                for team_id, *done_by in sorted(team_work, key=lambda row: teams[row[0]])
                for measure, name, _ in MEASURES
                if done_by[ZONE_FIELDS.index(name)]
            )
    return Dashboard(
        scope=scope,
        period=period,
        totals=Totals(**dict(zip(FIELDS, work.totals, strict=True))),
        missions_done=work.done,
        missions_planned=work.planned,
        coverage=places.coverage(),
        busiest=places.busiest(),
        quietest=places.quietest(),
        days=work.days(),
        progress=progress,
        active_volunteers=active,
        no_shows=no_shows,
        topics=_topics(topic_rows),
    )


async def build_dashboards(
    db: Database,
    scope: Scope,
    period: Period,
    previous: Period | None,
    timezone: str,
    now: datetime | None = None,
) -> tuple[Dashboard, Dashboard | None]:
    """The figures for `period` and for `previous` (to show the change), side by side: each in
    its own session, so two connections work at once (measured: a week's /report 274 -> 164
    ms on SQLite, 200 -> 131 ms on PostgreSQL, at a million reports)."""
    if previous is None:
        return await build_dashboard(db, scope, period, timezone, now), None
    current, before = await asyncio.gather(
        build_dashboard(db, scope, period, timezone, now),
        build_dashboard(db, scope, previous, timezone, now),
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
