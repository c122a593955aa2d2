"""The dashboard's figures for one scope and period: what /report, the digests and the live
dashboard show, and what the charts draw. Every figure is an SQL aggregate.

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, func, or_, select, union

from models.database import Database
from models.missions import Assignment, AssignmentStatus, Mission, MissionStatus
from models.people import Person, Team
from models.reports import FieldReport, FieldReportMember
from models.zones import Zone


@dataclass(frozen=True)
class Scope:
    """The whole campaign, or narrowed to a team, a zone (and, by default, every zone under
    it), or one mission. Fields combine: a team lead's zone report is team AND zone."""

    team_id: int | None = None
    zone_id: int | None = None
    with_subzones: bool = True
    mission_id: int | None = None


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC (aware datetimes); `start` None means since the first mission."""

    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Totals:
    reports: int = 0
    doors_knocked: int = 0
    doors_opened: int = 0
    conversations: int = 0
    supportive: int = 0
    undecided: int = 0
    opposed: int = 0
    not_interested: int = 0
    follow_ups: int = 0
    leaflets: int = 0
    posters: int = 0
    calls: int = 0
    answered: int = 0
    signups: int = 0

    @property
    def contact_rate(self) -> float | None:
        """Doors opened per door knocked; None when no door was knocked."""
        return self.doors_opened / self.doors_knocked if self.doors_knocked else None


@dataclass(frozen=True)
class ZoneWork:
    """Work done in one zone (its subzones included when the scope says so)."""

    zone_id: int
    code: str
    name: str
    doors_knocked: int = 0
    leaflets: int = 0
    target_doors: int | None = None
    target_leaflets: int | None = None


@dataclass(frozen=True)
class Progress:
    """One bar of "progress against targets": a team or a zone, doors or leaflets."""

    label: str
    measure: str  # "doors" or "leaflets"
    done: int
    target: int


@dataclass(frozen=True)
class DayActivity:
    """One day (campaign time zone) of conversation outcomes, for the activity chart."""

    day: date
    doors_knocked: int = 0
    supportive: int = 0
    undecided: int = 0
    opposed: int = 0
    not_interested: int = 0
    leaflets: int = 0


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    period: Period
    totals: Totals = field(default_factory=Totals)
    missions_done: int = 0
    missions_planned: int = 0
    active_volunteers: int = 0  # distinct people covered by a report in the period
    no_shows: int = 0
    # Overall coverage of zone targets in scope: at most one Progress per measure.
    coverage: tuple[Progress, ...] = ()
    busiest: tuple[ZoneWork, ...] = ()  # most work done first
    quietest: tuple[ZoneWork, ...] = ()  # zones with missions or targets, least work first
    topics: tuple[tuple[str, int], ...] = ()  # (topic key, reports that heard it), most first
    days: tuple[DayActivity, ...] = ()  # every day of the period that saw work, in order
    # By team for a campaign-wide scope: the work on each team's own missions (target 0:
    # teams have none); by zone otherwise (the finest zones worked in or with a target).
    progress: tuple[Progress, ...] = ()


# Ids per IN (...) list: well under SQLite's limit on bound parameters.
IN_CHUNK = 500
# How many zones the busiest and quietest lists name.
RANKED = 3
# The Totals fields summed from field_reports, in this order (all but `reports`).
SUMMED = tuple(f.name for f in fields(Totals) if f.name != "reports")
# A mission's row of summed reports, in this order.
FIELDS = ("reports", *SUMMED)


ZONES = select(
    Zone.id, Zone.code, Zone.name, Zone.parent_id, Zone.target_doors, Zone.target_leaflets
)


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


def _reports_in(scope: Scope, missions_in: Any) -> Any:
    """The condition on FieldReport for the scope and period. A team's reports are those on
    its own missions plus those its members filed on campaign-wide (or other) missions.
    Written as IN (mission ids) rather than a join, so the database walks field_reports by
    its mission index, already grouped by mission, with no sort."""
    if scope.team_id is None:
        return FieldReport.mission_id.in_(missions_in)
    return and_(
        FieldReport.mission_id.in_(missions_in),
        or_(
            FieldReport.mission_id.in_(select(Mission.id).where(Mission.team_id == scope.team_id)),
            FieldReport.author_id.in_(_team_members(scope.team_id)),
        ),
    )


@dataclass
class _ZoneRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    target_doors: int | None
    target_leaflets: int | None


def _column_sums(rows: list[tuple[int, ...]], names: tuple[str, ...]) -> dict[str, int]:
    """Column totals of per-mission rows (laid out as FIELDS) for the fields named."""
    if not rows:
        return {}
    columns = list(zip(*rows, strict=True))
    return {name: int(sum(columns[FIELDS.index(name)])) for name in names}


DAY_FIELDS = tuple(f.name for f in fields(DayActivity) if f.name != "day")
MEASURES = (("doors", "doors_knocked", "target_doors"), ("leaflets", "leaflets", "target_leaflets"))


def _topic_list(raw: Any) -> list[str]:
    """A report's topics, from JSON text (or a list, whatever the driver hands back)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [str(item) for item in raw] if isinstance(raw, list) else []


class _Places:
    """Where the work was done, against the zones' targets. The zones looked at are the
    scope's zone (and its subtree), every zone for the whole campaign, or the zones worked in
    for a team or a mission. Work in a zone counts for each zone above it too."""

    def __init__(
        self,
        zones: dict[int, _ZoneRow],
        scope: Scope,
        own_work: dict[int, dict[str, int]],
        worked: set[int],
    ) -> None:
        self.zones = zones
        children: dict[int, list[int]] = {}
        for zone in zones.values():
            if zone.parent_id is not None:
                children.setdefault(zone.parent_id, []).append(zone.id)
        if scope.zone_id is not None:
            self.looked_at = {scope.zone_id} & set(zones)
            if scope.with_subzones:
                todo = list(self.looked_at)
                while todo:
                    for child in children.get(todo.pop(), []):
                        if child not in self.looked_at:
                            self.looked_at.add(child)
                            todo.append(child)
        elif scope.team_id is None and scope.mission_id is None:
            self.looked_at = set(zones)
        else:
            self.looked_at = worked & set(zones)
        self.work: dict[int, dict[str, int]] = {}
        for zone_id, done in own_work.items():
            for above in self._ancestry(zone_id):
                rolled = self.work.setdefault(above, {})
                for name, value in done.items():
                    rolled[name] = rolled.get(name, 0) + value
        # The finest zones worked in or aimed at: none of them lies above another.
        marked = {z for z in self.looked_at if z in worked or self._targeted(z)}
        above_marked = {a for z in marked for a in self._ancestry(z)[1:]}
        self.units = sorted(marked - above_marked, key=lambda z: (zones[z].name, z))

    def _ancestry(self, zone_id: int) -> list[int]:
        """The zone, its parent, and so on up (a cycle in bad data stops the walk)."""
        chain: list[int] = []
        current: int | None = zone_id
        while current is not None and current in self.zones and current not in chain:
            chain.append(current)
            current = self.zones[current].parent_id
        return chain

    def _targeted(self, zone_id: int) -> bool:
        zone = self.zones[zone_id]
        return bool(zone.target_doors or zone.target_leaflets)

    def _done(self, zone_id: int, name: str) -> int:
        return self.work.get(zone_id, {}).get(name, 0)

    def _zone_work(self, zone_id: int) -> ZoneWork:
        zone = self.zones[zone_id]
        return ZoneWork(
            zone_id=zone.id,
            code=zone.code,
            name=zone.name,
            doors_knocked=self._done(zone_id, "doors_knocked"),
            leaflets=self._done(zone_id, "leaflets"),
            target_doors=zone.target_doors,
            target_leaflets=zone.target_leaflets,
        )

    def _amount(self, zone_id: int) -> int:
        return self._done(zone_id, "doors_knocked") + self._done(zone_id, "leaflets")

    def busiest(self) -> tuple[ZoneWork, ...]:
        ranked = sorted((z for z in self.units if self._amount(z)), key=lambda z: -self._amount(z))
        return tuple(self._zone_work(z) for z in ranked[:RANKED])

    def quietest(self) -> tuple[ZoneWork, ...]:
        busiest = {w.zone_id for w in self.busiest()}
        ranked = sorted((z for z in self.units if z not in busiest), key=self._amount)
        return tuple(self._zone_work(z) for z in ranked[:RANKED])

    def coverage(self) -> tuple[Progress, ...]:
        """Per measure, the targets of the topmost zones that have one, against the work
        done under them: a commune's target and its bureaux' are never added together."""
        found = []
        for measure, done_name, target_name in MEASURES:
            aimed = [z for z in self.looked_at if getattr(self.zones[z], target_name)]
            aimed_set = set(aimed)
            top = [z for z in aimed if not aimed_set.intersection(self._ancestry(z)[1:])]
            if top:
                target = sum(getattr(self.zones[z], target_name) for z in top)
                done = sum(self._done(z, done_name) for z in top)
                found.append(Progress("", measure, done, target))
        return tuple(found)

    def progress(self) -> tuple[Progress, ...]:
        """One bar per zone and measure with a target, among the finest zones looked at."""
        return tuple(
            Progress(self.zones[z].name, measure, self._done(z, done_name), target)
            for z in self.units
            for measure, done_name, target_name in MEASURES
            if (target := getattr(self.zones[z], target_name))
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

    Field counts are summed per mission in SQL (a few thousand rows for a big campaign's
    week), then added up here by zone, day and team from each mission's own row."""
    now = now or period.end
    # One statement of mission ids, reused: a zone's subtree CTE is then written once.
    missions_in = _missions_in(scope, period)
    reports_in = _reports_in(scope, missions_in)
    per_mission = (
        select(
            FieldReport.mission_id,
            func.count(FieldReport.id).label("reports"),
            *(func.coalesce(func.sum(getattr(FieldReport, n)), 0).label(n) for n in SUMMED),
        )
        .where(reports_in)
        .group_by(FieldReport.mission_id)
    )
    missions_query = select(
        Mission.id,
        Mission.zone_id,
        Mission.team_id,
        Mission.starts_at,
        Mission.ends_at,
        Mission.status,
    ).where(Mission.id.in_(missions_in))
    no_shows_query = select(func.count(Assignment.id)).where(
        Assignment.status == AssignmentStatus.NO_SHOW.value,
        Assignment.mission_id.in_(missions_in),
    )
    if scope.team_id is not None:
        no_shows_query = no_shows_query.join(Mission, Mission.id == Assignment.mission_id).where(
            or_(
                Mission.team_id == scope.team_id,
                Assignment.person_id.in_(_team_members(scope.team_id)),
            )
        )
    # Distinct people covered: every author, and the members named in group reports.
    members = select(FieldReportMember.person_id)
    if scope.team_id is None:  # by the members' own mission index, no join
        members = members.where(FieldReportMember.mission_id.in_(missions_in))
    else:
        members = members.join(FieldReport, FieldReport.id == FieldReportMember.report_id).where(
            reports_in
        )
    covered = union(select(FieldReport.author_id).where(reports_in), members).subquery()
    # Topics are JSON lists: grouping by the list's text gives a few rows (the combinations
    # of a handful of tags), unpacked here, rather than one row per report.
    topics_text = cast(FieldReport.topics, String)
    topics_query = (
        select(topics_text, func.count(FieldReport.id)).where(reports_in).group_by(topics_text)
    )
    async with db() as session:
        sums = {row[0]: tuple(row[1:]) for row in await session.execute(per_mission)}
        missions = (await session.execute(missions_query)).all()
        no_shows = int(await session.scalar(no_shows_query) or 0)
        active = int(await session.scalar(select(func.count()).select_from(covered)) or 0)
        topic_rows = (await session.execute(topics_query)).all()
        zones = {z.id: _ZoneRow(*z) for z in (await session.execute(ZONES)).all()}
        # A mission without a report is done when someone's assignment is marked done: asked
        # only for those (few) that ended without one.
        unreported = [
            m.id
            for m in missions
            if m.id not in sums and m.ends_at <= now and m.status == MissionStatus.OPEN.value
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
    """(topic, reports that heard it) from (JSON list text, reports) rows, most heard first."""
    heard: Counter[str] = Counter()
    for raw, count in rows:
        for key in set(_topic_list(raw)):
            heard[key] += count
    return tuple(sorted(heard.items(), key=lambda kv: (-kv[1], kv[0])))


def _assemble(
    scope: Scope,
    period: Period,
    local: ZoneInfo,
    now: datetime,
    sums: dict[int, Any],
    missions: list[Any],
    marked: set[int],
    zones: dict[int, _ZoneRow],
    teams: dict[int, str],
) -> Dashboard:
    """The figures from each mission's row and its summed reports."""
    planned = done = 0
    worked: set[int] = set()
    for m in missions:
        in_scope = scope.team_id is None or m.team_id == scope.team_id or m.id in sums
        if m.status == MissionStatus.CANCELLED.value or not in_scope:
            continue
        planned += 1
        worked.add(m.zone_id)
        finished = m.status == MissionStatus.DONE.value or m.id in sums or m.id in marked
        done += m.ends_at <= now and finished
    # Rows grouped by zone, day and team, then summed column-wise (zip and sum run in C:
    # tens of thousands of missions take milliseconds).
    mission_of = {m.id: m for m in missions}
    by_zone: dict[int, list[tuple[int, ...]]] = {}
    by_day: dict[date, list[tuple[int, ...]]] = {}
    by_team: dict[int, list[tuple[int, ...]]] = {}
    for mission_id, row in sums.items():
        mission = mission_of[mission_id]
        by_zone.setdefault(mission.zone_id, []).append(row)
        by_day.setdefault(mission.starts_at.astimezone(local).date(), []).append(row)
        if mission.team_id is not None:
            by_team.setdefault(mission.team_id, []).append(row)
    totals = _column_sums(list(sums.values()), FIELDS)
    zone_done = {
        z: _column_sums(rows, ("doors_knocked", "leaflets")) for z, rows in by_zone.items()
    }
    day_done = {d: _column_sums(rows, DAY_FIELDS) for d, rows in by_day.items()}
    team_done = {
        t: _column_sums(rows, ("doors_knocked", "leaflets")) for t, rows in by_team.items()
    }
    places = _Places(zones, scope, zone_done, worked | set(zone_done))
    if scope == Scope():
        progress = tuple(
            Progress(teams[team_id], measure, done_by[name], 0)
            for team_id, done_by in sorted(team_done.items(), key=lambda kv: teams[kv[0]])
            for measure, name, _ in MEASURES
            if done_by[name]
        )
    else:
        progress = places.progress()
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
