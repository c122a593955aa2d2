"""The queries a dashboard sums with (reports/dashboard.py runs them and adds up the rows):
per zone, per mission start and per team over the per-mission totals, and, for a team, over
its members' reports on other teams' missions; people and topics. Each says why it is shaped
the way it is where a database's planner needed help (the "+ 0"s)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)

from models.mission_totals import MissionTopic, MissionTotals
from models.missions import Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person
from models.reports import FieldReport, FieldReportMember
from models.zones import Zone
from reports.figures import DayActivity, Period, Scope, Totals

# The Totals fields summed from field_reports, in this order (all but `reports`).
SUMMED = tuple(f.name for f in fields(Totals) if f.name != "reports")
# A mission's row of summed reports, in this order.
FIELDS = ("reports", *SUMMED)
# What the zones (and the teams' bars) need of the work done.
ZONE_FIELDS = ("doors_knocked", "leaflets")
# What the activity chart draws per day.
DAY_FIELDS = tuple(f.name for f in fields(DayActivity) if f.name != "day")
DONE, CANCELLED = MissionStatus.DONE.value, MissionStatus.CANCELLED.value
NO_SHOW = AssignmentStatus.NO_SHOW.value


def zone_subtree(zone_id: int) -> Any:
    """The zone and every zone under it: a recursive CTE over parent_id (SQLite and PG)."""
    tree = select(Zone.id).where(Zone.id == zone_id).cte("subtree", recursive=True)
    return tree.union_all(select(Zone.id).where(Zone.parent_id == tree.c.id))


def mission_filters(scope: Scope, period: Period) -> list[Any]:
    """What the missions in scope satisfy: starting in the period, in the scope's zone (and
    its subtree) or the scope's mission. (The team is applied by the caller.)"""
    where: list[Any] = [Mission.starts_at < period.end]
    if period.start is not None:
        where.append(Mission.starts_at >= period.start)
    if scope.mission_id is not None:
        where.append(Mission.id == scope.mission_id)
    if scope.zone_id is not None:
        if scope.with_subzones:
            tree = zone_subtree(scope.zone_id)
            where.append(Mission.zone_id.in_(select(tree.c.id)))
        else:
            where.append(Mission.zone_id == scope.zone_id)
    return where


def team_members(team_id: int) -> Any:
    return select(Person.id).where(Person.team_id == team_id)


def _not_the_teams(team_id: int) -> Any:
    return or_(Mission.team_id.is_(None), Mission.team_id != team_id)


def _theirs(team_id: int, filters: list[Any]) -> list[Any]:
    """Reports by the team's members, on missions in scope that are not the team's own."""
    return [
        FieldReport.author_id.in_(team_members(team_id)),
        *filters,
        _not_the_teams(team_id),
    ]


def no_shows(missions: Any) -> Any:
    """How many no-shows on these missions."""
    return select(func.count(Assignment.id)).where(
        Assignment.status == NO_SHOW, Assignment.mission_id.in_(missions)
    )


def their_no_shows(team_id: int, filters: list[Any]) -> Any:
    """How many no-shows of a team's members on missions in scope that are not the team's
    own: found from the members ("+ 0" keeps the missions' side out)."""
    return (
        select(func.count(Assignment.id))
        .join(Mission, Mission.id == Assignment.mission_id + 0)
        .where(
            Assignment.status == NO_SHOW,
            Assignment.person_id.in_(team_members(team_id)),
            *filters,
            _not_the_teams(team_id),
        )
    )


def people_on(missions: Any) -> list[Any]:
    """Who took part in reports on these missions: the authors, and the members named in
    group reports (to be counted once, together)."""
    return [
        select(FieldReport.author_id).where(FieldReport.mission_id.in_(missions)),
        select(FieldReportMember.person_id).where(FieldReportMember.mission_id.in_(missions)),
    ]


def how_many(people: list[Any]) -> Any:
    """How many distinct people these queries of person ids give. count(DISTINCT) over them
    all, not a count of their UNION: PostgreSQL sorts the former and hashes the latter, 47
    against 80 ms for a campaign's week (114,000 reports)."""
    every = union_all(*people).subquery()
    return select(func.count(func.distinct(every.c[0])))


def their_people(team_id: int, filters: list[Any]) -> list[Any]:
    """people_on for a team's members' reports on other teams' missions."""
    return [
        their_ids(team_id, filters, FieldReport.author_id),
        select(FieldReportMember.person_id).where(
            FieldReportMember.report_id.in_(their_ids(team_id, filters))
        ),
    ]


def their_ids(team_id: int, filters: list[Any], column: Any = FieldReport.id) -> Any:
    """Those reports (their ids, or another column of the (author, mission) index): found by
    author first (a few thousand over a whole campaign), in that index alone. The "+ 0" keeps
    the databases from walking every mission in scope and probing its reports instead."""
    joined = select(column).join(Mission, Mission.id == FieldReport.mission_id + 0)
    return joined.where(*_theirs(team_id, filters))


def their(team_id: int, filters: list[Any], *columns: Any, dialect: str) -> Any:
    """`columns` of those reports, each joined to its mission. SQLite reads only the rows the
    index found (its planner would otherwise read every member's report in full); PostgreSQL
    plans the single join better than the two passes."""
    joined = select(*columns).select_from(FieldReport)
    if dialect == "postgresql":
        on_mission = joined.join(Mission, Mission.id == FieldReport.mission_id + 0)
        return on_mission.where(*_theirs(team_id, filters))
    on_mission = joined.join(Mission, Mission.id == FieldReport.mission_id)
    return on_mission.where(FieldReport.id.in_(their_ids(team_id, filters)))


def start_minute(dialect: str) -> Any:
    """A mission's start to the minute, as UTC text ("2026-06-14 18:00"): the missions are
    summed by start in SQL (a few hundred distinct starts for tens of thousands of missions)
    and the days cut from these in the campaign's time zone, exact for any UTC offset. The
    constants are literal so that GROUP BY repeats the very same expression."""
    if dialect == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), Mission.starts_at)
        return func.to_char(utc, literal_column("'YYYY-MM-DD HH24:MI'"))
    return func.substr(type_coerce(Mission.starts_at, String), 1, 16)


def counted(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def by_zone(where: list[Any], now: datetime) -> Any:
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
            counted(Mission.status != CANCELLED),
            counted(done),
            *(func.sum(getattr(MissionTotals, name)) for name in ("reports", *ZONE_FIELDS)),
        )
        .outerjoin(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where)
        .group_by(Mission.zone_id)
    )


def by_start(where: list[Any], minute: Any) -> Any:
    """The reported work summed per mission start (laid out as FIELDS after the start)."""
    return (
        select(minute, *(func.sum(getattr(MissionTotals, name)) for name in FIELDS))
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where, MissionTotals.reports > 0)
        .group_by(minute)
    )


def by_team(where: list[Any]) -> Any:
    """The work summed per team that owns missions in scope."""
    return (
        select(Mission.team_id, *(func.sum(getattr(MissionTotals, n)) for n in ZONE_FIELDS))
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(*where, Mission.team_id.is_not(None), MissionTotals.reports > 0)
        .group_by(Mission.team_id)
    )


def topics_of(missions: Any | None, wide: bool) -> Any:
    """(topic, reports that heard it) summed in advance, for these missions (None: all). For a
    wide scope the mission is a filter ("+ 0") on the topic index, read in topic order without
    a sort."""
    heard = select(MissionTopic.topic, func.sum(MissionTopic.reports)).group_by(MissionTopic.topic)
    if missions is None:
        return heard
    mission = MissionTopic.mission_id + 0 if wide else MissionTopic.mission_id
    return heard.where(mission.in_(missions))


def people_one_by_one(missions_in: Any) -> Any:
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


def their_by_zone(team_id: int, filters: list[Any], now: datetime, dialect: str) -> Any:
    """by_zone for a team's members' reports on other teams' missions. Grouped apart from
    their starts: per zone and start at once, a team over a whole campaign made nearly a
    group per mission (11,468 rows for 14,171 reports), read into Python row by row."""
    planned = Mission.status != CANCELLED
    return their(
        team_id,
        filters,
        Mission.zone_id,
        func.count(func.distinct(Mission.id)),
        func.count(func.distinct(case((planned, Mission.id)))),
        func.count(func.distinct(case((and_(planned, Mission.ends_at <= now), Mission.id)))),
        *(func.sum(getattr(FieldReport, name)) for name in ZONE_FIELDS),
        dialect=dialect,
    ).group_by(Mission.zone_id)


def their_by_start(team_id: int, filters: list[Any], minute: Any, dialect: str) -> Any:
    """by_start for a team's members' reports on other teams' missions."""
    return their(
        team_id,
        filters,
        minute,
        func.count(FieldReport.id),
        *(func.sum(getattr(FieldReport, name)) for name in SUMMED),
        dialect=dialect,
    ).group_by(minute)


def their_topics(team_id: int, filters: list[Any], dialect: str) -> Any:
    """(topics as JSON text, reports) for a team's members' reports on other teams' missions:
    few distinct lists, parsed here."""
    listed = cast(FieldReport.topics, String)
    found = their(team_id, filters, listed, func.count(FieldReport.id), dialect=dialect)
    return found.group_by(listed)


def everyone_who_reported() -> Any:
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


def reported_after(end: datetime) -> Any:
    """Whether a mission starting at or after `end` has a report."""
    return select(
        select(Mission.id)
        .join(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(Mission.starts_at >= end, MissionTotals.reports > 0)
        .exists()
    )
