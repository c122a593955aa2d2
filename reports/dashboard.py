"""The dashboard's figures for one scope and period: what /report, the digests and the live
dashboard show, and what the charts draw. Every figure is an SQL aggregate.

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, exists, func, or_, select, union

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
    # By team for a campaign-wide scope (target 0: teams have none, draw what was done), by
    # zone otherwise (the finest zones worked in or with a target).
    progress: tuple[Progress, ...] = ()


# How many zones the busiest and quietest lists name.
RANKED = 3
# The Totals fields summed from field_reports, in this order (all but `reports`).
SUMMED = tuple(f.name for f in fields(Totals) if f.name != "reports")


def _zone_subtree(zone_id: int) -> Any:
    """The zone and every zone under it: a recursive CTE over parent_id (SQLite and PG)."""
    tree = select(Zone.id).where(Zone.id == zone_id).cte("subtree", recursive=True)
    return tree.union_all(select(Zone.id).where(Zone.parent_id == tree.c.id))


def _mission_filter(scope: Scope, period: Period) -> list[Any]:
    """Conditions on Mission for the period and the scope's mission and zone."""
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


def _report_filter(scope: Scope, period: Period) -> list[Any]:
    """Conditions on FieldReport joined to its Mission. A team's figures are the reports on
    its own missions plus those its members filed on campaign-wide or other missions."""
    where = _mission_filter(scope, period)
    if scope.team_id is not None:
        where.append(
            or_(
                Mission.team_id == scope.team_id,
                FieldReport.author_id.in_(_team_members(scope.team_id)),
            )
        )
    return where


@dataclass
class _ZoneRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    target_doors: int | None
    target_leaflets: int | None


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _add(into: dict[str, int], row: Any, names: tuple[str, ...]) -> None:
    for name in names:
        into[name] = into.get(name, 0) + int(getattr(row, name) or 0)


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
    done once it has ended (before `now`, by default the period's end) with a report or an
    assignment marked done; cancelled missions are not planned."""
    now = now or period.end
    local = ZoneInfo(timezone)
    reports_where = _report_filter(scope, period)
    sums = [func.coalesce(func.sum(getattr(FieldReport, n)), 0).label(n) for n in SUMMED]
    per_mission = (
        select(
            FieldReport.mission_id,
            Mission.zone_id,
            Mission.starts_at,
            func.count(FieldReport.id).label("reports"),
            *sums,
        )
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(*reports_where)
        .group_by(FieldReport.mission_id, Mission.zone_id, Mission.starts_at)
    )
    missions_where = _mission_filter(scope, period)
    missions_where.append(Mission.status != MissionStatus.CANCELLED.value)
    if scope.team_id is not None:
        reported_by_team = select(FieldReport.mission_id).where(
            FieldReport.author_id.in_(_team_members(scope.team_id))
        )
        missions_where.append(
            or_(Mission.team_id == scope.team_id, Mission.id.in_(reported_by_team))
        )
    marked_done = exists().where(
        Assignment.mission_id == Mission.id, Assignment.status == AssignmentStatus.DONE.value
    )
    missions_query = select(
        Mission.id,
        Mission.zone_id,
        Mission.ends_at,
        or_(Mission.status == MissionStatus.DONE.value, marked_done).label("marked"),
    ).where(*missions_where)
    no_show_where = [*_mission_filter(scope, period), Assignment.status == "no_show"]
    if scope.team_id is not None:
        no_show_where.append(
            or_(
                Mission.team_id == scope.team_id,
                Assignment.person_id.in_(_team_members(scope.team_id)),
            )
        )
    no_shows_query = (
        select(func.count(Assignment.id))
        .join(Mission, Mission.id == Assignment.mission_id)
        .where(*no_show_where)
    )
    # Distinct people covered: every author, and the members named in group reports.
    authors = (
        select(FieldReport.author_id.label("person_id"))
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(*reports_where)
    )
    members = (
        select(FieldReportMember.person_id)
        .join(FieldReport, FieldReport.id == FieldReportMember.report_id)
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(*reports_where)
    )
    covered = union(authors, members).subquery()
    active_query = select(func.count()).select_from(covered)
    # Topics are JSON lists: grouping by the list's text gives a few rows (combinations of a
    # handful of tags), which are unpacked here, rather than one row per report.
    topics_text = cast(FieldReport.topics, String)
    topics_query = (
        select(topics_text, func.count(FieldReport.id))
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(*reports_where)
        .group_by(topics_text)
    )
    by_team = None
    if scope == Scope():
        by_team = (
            select(
                Team.name,
                func.coalesce(func.sum(FieldReport.doors_knocked), 0),
                func.coalesce(func.sum(FieldReport.leaflets), 0),
            )
            .join(Mission, Mission.id == FieldReport.mission_id)
            .join(Person, Person.id == FieldReport.author_id)
            .join(Team, Team.id == Person.team_id)
            .where(*reports_where)
            .group_by(Team.id, Team.name)
            .order_by(Team.name)
        )
    async with db() as session:
        mission_rows = (await session.execute(per_mission)).all()
        planned_rows = (await session.execute(missions_query)).all()
        no_shows = int(await session.scalar(no_shows_query) or 0)
        active = int(await session.scalar(active_query) or 0)
        topic_rows = (await session.execute(topics_query)).all()
        team_rows = (await session.execute(by_team)).all() if by_team is not None else []
        zones = {
            z.id: _ZoneRow(*z)
            for z in (
                await session.execute(
                    select(
                        Zone.id,
                        Zone.code,
                        Zone.name,
                        Zone.parent_id,
                        Zone.target_doors,
                        Zone.target_leaflets,
                    )
                )
            ).all()
        }

    totals: dict[str, int] = {}
    zone_done: dict[int, dict[str, int]] = {}
    day_done: dict[date, dict[str, int]] = {}
    reported: set[int] = set()
    for row in mission_rows:
        reported.add(row.mission_id)
        _add(totals, row, ("reports", *SUMMED))
        _add(zone_done.setdefault(row.zone_id, {}), row, ("doors_knocked", "leaflets"))
        _add(day_done.setdefault(_local_day(row.starts_at, local), {}), row, DAY_FIELDS)
    planned = len(planned_rows)
    done = sum(1 for r in planned_rows if r.ends_at <= now and (r.marked or r.id in reported))
    worked_zones = {r.zone_id for r in planned_rows} | set(zone_done)
    topics: Counter[str] = Counter()
    for raw, count in topic_rows:
        for key in set(_topic_list(raw)):
            topics[key] += count
    places = _Places(zones, scope, zone_done, worked_zones)
    if by_team is not None:
        progress = tuple(
            Progress(name, measure, int(value), 0)
            for name, doors, leaflets in team_rows
            for measure, value in (("doors", doors), ("leaflets", leaflets))
            if value
        )
    else:
        progress = places.progress()
    return Dashboard(
        scope=scope,
        period=period,
        totals=Totals(**totals),
        missions_done=done,
        missions_planned=planned,
        active_volunteers=active,
        no_shows=no_shows,
        coverage=places.coverage(),
        busiest=places.busiest(),
        quietest=places.quietest(),
        topics=tuple(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))),
        days=tuple(DayActivity(day, **day_done[day]) for day in sorted(day_done)),
        progress=progress,
    )
