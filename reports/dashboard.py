"""The dashboard's figures for one scope and period: what /report, the digests and the live
dashboard show, and what the charts draw (the data classes live in reports/figures.py and are
imported from here). Counts and topics come summed per mission (models/mission_totals.py,
kept as reports are written), so even a whole campaign adds up missions, not reports.

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, func, or_, select, text, type_coerce, union

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
]


# Ids per IN (...) list: well under SQLite's limit on bound parameters.
IN_CHUNK = 500
# The Totals fields summed from field_reports, in this order (all but `reports`).
SUMMED = tuple(f.name for f in fields(Totals) if f.name != "reports")
# A mission's row of summed reports, in this order.
FIELDS = ("reports", *SUMMED)


def _zone_subtree(zone_id: int) -> Any:
    """The zone and every zone under it: a recursive CTE over parent_id (SQLite and PG)."""
    tree = select(Zone.id).where(Zone.id == zone_id).cte("subtree", recursive=True)
    return tree.union_all(select(Zone.id).where(Zone.parent_id == tree.c.id))


def _missions_in(scope: Scope, period: Period) -> Any:
    """The ids of the missions starting in the period, in the scope's zone or mission."""
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
    return select(Mission.id).where(*where)


def _team_members(team_id: int) -> Any:
    return select(Person.id).where(Person.team_id == team_id)


def _team_split(team_id: int, missions_in: Any) -> tuple[Any, Any]:
    """The missions in scope that are the team's own, and the others."""
    own = select(Mission.id).where(Mission.id.in_(missions_in), Mission.team_id == team_id)
    others = select(Mission.id).where(
        Mission.id.in_(missions_in), or_(Mission.team_id.is_(None), Mission.team_id != team_id)
    )
    return own, others


def _member_reports(team_id: int, others: Any) -> Any:
    """The reports a team's members filed on missions that are not the team's own: found by
    author (a team's members file a few thousand reports over a whole campaign), and the
    "+ 0" keeps the databases from probing every (mission, member) pair instead."""
    return and_(
        FieldReport.author_id.in_(_team_members(team_id)),
        (FieldReport.mission_id + 0).in_(others),
    )


def _column_sums(rows: list[tuple[int, ...]], names: tuple[str, ...]) -> dict[str, int]:
    """Column totals of per-mission rows (laid out as FIELDS) for the fields named."""
    if not rows:
        return {}
    columns = list(zip(*rows, strict=True))
    return {name: int(sum(columns[FIELDS.index(name)])) for name in names}


DAY_FIELDS = tuple(f.name for f in fields(DayActivity) if f.name != "day")
OPEN, DONE, CANCELLED = (
    s.value for s in (MissionStatus.OPEN, MissionStatus.DONE, MissionStatus.CANCELLED)
)
# Above this many reports per person on the roll, the scope's people are counted by probing
# each person's reports (an index look-up each) rather than by gathering every report's author
# and removing duplicates: a whole campaign is a million reports for 100,000 people.
WIDE = 3


def _mission_rows(missions_in: Any, now: datetime) -> Any:
    """Each mission's own row, whether it has ended (compared in SQL: decoding tens of
    thousands of datetimes costs more than the query), then its reports summed in advance
    (laid out as FIELDS; NULLs when it has no report)."""
    return (
        select(
            Mission.id,
            Mission.zone_id,
            Mission.team_id,
            # Decoded only for missions with reports (see _utc).
            type_coerce(Mission.starts_at, String),
            Mission.ends_at <= now,
            Mission.status,
            *(getattr(MissionTotals, name) for name in FIELDS),
        )
        .outerjoin(MissionTotals, MissionTotals.mission_id == Mission.id)
        .where(Mission.id.in_(missions_in))
    )


SUMS_AT = 6


def _utc(value: str | datetime) -> datetime:
    """A start read undecoded: SQLite's text (naive UTC; fromisoformat is many times faster
    than the column type's parser, which tens of thousands of rows feel), or the datetime
    PostgreSQL's driver already made."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


def _topics_of(missions: Any, wide: bool) -> Any:
    """(topic, reports that heard it) summed in advance, for these missions. For a wide scope
    the mission is a filter ("+ 0") on the topic index, read in topic order without a sort."""
    mission = MissionTopic.mission_id + 0 if wide else MissionTopic.mission_id
    return (
        select(MissionTopic.topic, func.sum(MissionTopic.reports))
        .where(mission.in_(missions))
        .group_by(MissionTopic.topic)
    )


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


async def _their_reports(
    session: Any, team_id: int, others: Any
) -> tuple[dict[int, tuple[int, ...]], list[tuple[str, int]], set[int]]:
    """A team's members' reports on missions not the team's own, read once (a few thousand
    over a whole campaign): their sums per mission (laid out as FIELDS), (topic, 1) for each
    topic each heard, and the people they cover (authors and the members they named)."""
    theirs = _member_reports(team_id, others)
    rows = await session.execute(
        select(
            FieldReport.id,
            FieldReport.mission_id,
            FieldReport.author_id,
            FieldReport.topics,
            *(getattr(FieldReport, n) for n in SUMMED),
        ).where(theirs)
    )
    sums: dict[int, list[int]] = {}
    topics: list[tuple[str, int]] = []
    people: set[int] = set()
    ids: set[int] = set()
    for report_id, mission_id, author_id, listed, *counts in rows:
        row = sums.setdefault(mission_id, [0] * len(FIELDS))
        row[0] += 1
        for at, count in enumerate(counts, 1):
            row[at] += count or 0
        topics += [(key, 1) for key in topic_set(listed)]
        people.add(author_id)
        ids.add(report_id)
    named = await session.execute(
        select(FieldReportMember.report_id, FieldReportMember.person_id).where(
            FieldReportMember.mission_id.in_(others)
        )
    )
    people.update(person_id for report_id, person_id in named if report_id in ids)
    return {m: tuple(row) for m, row in sums.items()}, topics, people


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

    Field counts come summed per mission (mission_totals, mission_topics: a few thousand rows
    for a big campaign's week, tens of thousands for all of it), then are added up here by
    zone, day and team from each mission's own row. A team's members' reports on other
    teams' missions are summed from field_reports, found by author."""
    now = now or period.end
    # One statement of mission ids, reused: a zone's subtree CTE is then written once.
    missions_in = _missions_in(scope, period)
    missions_query = _mission_rows(missions_in, now)
    no_show = Assignment.status == AssignmentStatus.NO_SHOW.value
    count_no_shows = select(func.count(Assignment.id)).where(no_show)
    # Distinct people covered: every author, and the members named in group reports.
    members = select(FieldReportMember.person_id)
    if scope.team_id is None:
        own = others = None
        no_shows_queries = [count_no_shows.where(Assignment.mission_id.in_(missions_in))]
        people = [
            select(FieldReport.author_id).where(FieldReport.mission_id.in_(missions_in)),
            members.where(FieldReportMember.mission_id.in_(missions_in)),
        ]
    else:
        # Their own missions' sums come with the missions, their members' reports elsewhere
        # from _their_reports.
        own, others = _team_split(scope.team_id, missions_in)
        no_shows_queries = [
            count_no_shows.where(Assignment.mission_id.in_(own)),
            count_no_shows.where(
                Assignment.mission_id.in_(others),
                Assignment.person_id.in_(_team_members(scope.team_id)),
            ),
        ]
        people = [
            select(FieldReport.author_id).where(FieldReport.mission_id.in_(own)),
            members.where(FieldReportMember.mission_id.in_(own)),
        ]
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
        missions = list((await session.execute(missions_query)).tuples())
        sums = {
            m[0]: m[SUMS_AT:]
            for m in missions
            if m[SUMS_AT] and scope.team_id in (None, m[2])  # reports, on the team's own
        }
        their_topics: list[tuple[str, int]] = []
        if scope.team_id is not None:
            theirs, their_topics, their_people = await _their_reports(
                session, scope.team_id, others
            )
            sums.update(theirs)
        no_shows = sum([int(await session.scalar(q) or 0) for q in no_shows_queries])
        reports = sum(row[0] for row in sums.values())
        wide = False
        if scope.team_id is None and reports > WIDE * len(missions):
            roll = int(await session.scalar(select(func.count(Person.id))) or 0)
            wide = reports > WIDE * roll
        if scope.team_id is not None:
            # A team's people are few: gathered here, with those of their other reports.
            found = set(await session.scalars(union(*people)))
            active = len(found | their_people)
        elif wide:
            active = int(await session.scalar(_people_one_by_one(missions_in)) or 0)
        else:
            union_count = select(func.count()).select_from(union(*people).subquery())
            active = int(await session.scalar(union_count) or 0)
        topic_query = _topics_of(missions_in if own is None else own, wide)
        topic_rows = list((await session.execute(topic_query)).tuples()) + their_topics
        zones = {z.id: ZoneRow(*z) for z in (await session.execute(ZONES)).all()}
        # A mission without a report is done when someone's assignment is marked done: asked
        # only for those (few) that ended without one.
        unreported = [
            mission_id
            for mission_id, _, team_id, _, ended, status, *_ in missions
            if mission_id not in sums
            and ended
            and status == OPEN
            and scope.team_id in (None, team_id)
        ]
        marked: set[int] = set()
        for first in range(0, len(unreported), IN_CHUNK):
            marked.update(
                await session.scalars(
                    select(Assignment.mission_id)
                    .where(
                        Assignment.mission_id.in_(unreported[first : first + IN_CHUNK]),
                        Assignment.status == AssignmentStatus.DONE.value,
                    )
                    .distinct()
                )
            )
        teams = dict((await session.execute(select(Team.id, Team.name))).tuples().all())
    d = _assemble(scope, period, ZoneInfo(timezone), now, sums, missions, marked, zones, teams)
    return replace(d, active_volunteers=active, no_shows=no_shows, topics=_topics(topic_rows))


def _topics(rows: Any) -> tuple[tuple[str, int], ...]:
    """(topic, reports that heard it), most heard first, from (topic, reports) rows; topics
    no report hears any more (edited away) are left out."""
    heard: Counter[str] = Counter()
    for topic, count in rows:
        heard[topic] += int(count)
    heard = +heard
    return tuple(sorted(heard.items(), key=lambda kv: (-kv[1], kv[0])))


def _assemble(
    scope: Scope,
    period: Period,
    local: ZoneInfo,
    now: datetime,
    sums: dict[int, Any],
    missions: list[Any],
    marked: set[int],
    zones: dict[int, ZoneRow],
    teams: dict[int, str],
) -> Dashboard:
    """The figures from each mission's row and its summed reports."""
    planned = done = 0
    worked: set[int] = set()
    # Plain tuples, unpacked: tens of thousands of missions for a whole campaign.
    for mission_id, zone_id, team_id, _, ended, status, *_ in missions:
        in_scope = scope.team_id is None or team_id == scope.team_id or mission_id in sums
        if status == CANCELLED or not in_scope:
            continue
        planned += 1
        worked.add(zone_id)
        finished = status == DONE or mission_id in sums or mission_id in marked
        done += bool(ended) and finished
    # Rows grouped by zone, day and team, then summed column-wise (zip and sum run in C:
    # tens of thousands of missions take milliseconds).
    mission_of = {m[0]: m[1:4] for m in missions}
    by_zone: dict[int, list[tuple[int, ...]]] = {}
    by_day: dict[date, list[tuple[int, ...]]] = {}
    by_team: dict[int, list[tuple[int, ...]]] = {}
    for mission_id, row in sums.items():
        zone_id, team_id, starts_at = mission_of[mission_id]
        by_zone.setdefault(zone_id, []).append(row)
        by_day.setdefault(_utc(starts_at).astimezone(local).date(), []).append(row)
        if team_id is not None:
            by_team.setdefault(team_id, []).append(row)
    totals = _column_sums(list(sums.values()), FIELDS)
    zone_done = {
        z: _column_sums(rows, ("doors_knocked", "leaflets")) for z, rows in by_zone.items()
    }
    day_done = {d: _column_sums(rows, DAY_FIELDS) for d, rows in by_day.items()}
    team_done = {
        t: _column_sums(rows, ("doors_knocked", "leaflets")) for t, rows in by_team.items()
    }
    places = Places(zones, scope, zone_done, worked | set(zone_done))
    progress = places.progress()
    if scope == Scope() and not progress:
        # No zone has a target: what each team did instead (teams have no targets).
        progress = tuple(
            Progress(teams[team_id], measure, done_by[name], 0)
            for team_id, done_by in sorted(team_done.items(), key=lambda kv: teams[kv[0]])
            for measure, name, _ in MEASURES
            if done_by[name]
        )
    return Dashboard(
        scope=scope,
        period=period,
        totals=Totals(**totals),
        missions_done=done,
        missions_planned=planned,
        coverage=places.coverage(),
        busiest=places.busiest(),
        quietest=places.quietest(),
        days=tuple(DayActivity(day, **day_done[day]) for day in sorted(day_done)),
        progress=progress,
    )
