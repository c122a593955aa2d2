"""/export's files: missions, assignments, field reports and per-zone totals for one scope and
period, as one XLSX workbook (a sheet each) and a ZIP of the same four tables as CSV.

Rows are streamed from the database and written as they come (openpyxl's write-only mode,
CSV straight into the ZIP), so memory stays bounded however big the campaign.

Privacy: people appear as their internal number (Person.id), a pseudonym. Contact columns
(name, Telegram username, phone) exist only in an organizer's export, and are filled only for people
who shared their phone number through the profile's explicit button (the prompt tells them
organizers may call them on mission days: their consent to be contacted by the campaign) and
who are not erased. Field reports' notes and places (volunteer free text, refused at input
when it looks like a phone or an e-mail address) are for organizers only. Photo file ids and
anything about locations are never exported."""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import lazyload

from models.database import Database
from models.missions import HOLDS_A_PLACE, Assignment, Mission
from models.people import Person, Status, Team
from models.reports import FieldReport
from models.zones import Zone
from reports.dashboard import Period
from reports.export_files import Table, write_table

# Telegram bots may upload files up to 50 MB.
UPLOAD_LIMIT = 50 * 1000 * 1000
BATCH = 500  # rows fetched at a time
# Counts in the Reports sheet, in this order (reception and spots are per-kind details).
REPORT_COUNTS = (
    "doors_knocked",
    "doors_opened",
    "conversations",
    "supportive",
    "undecided",
    "opposed",
    "not_interested",
    "follow_ups",
    "leaflets",
    "reception",
    "posters",
    "spots",
    "calls",
    "answered",
    "signups",
)
ZONE_COUNTS = tuple(c for c in REPORT_COUNTS if c not in ("reception", "spots"))
CONTACTS = ("name", "username", "phone")


@dataclass(frozen=True)
class ExportScope:
    """Whose data: the whole campaign (team_id None) or one team; with contact columns and
    report notes (organizers) or without (team leads)."""

    team_id: int | None = None
    organizer: bool = False


@dataclass(frozen=True)
class ExportFiles:
    xlsx: Path
    csv_zip: Path
    rows: dict[str, int]  # sheet name -> data rows
    limit: int = UPLOAD_LIMIT

    @property
    def too_big(self) -> bool:
        """Either file is beyond what a bot may upload."""
        return max(self.xlsx.stat().st_size, self.csv_zip.stat().st_size) > self.limit


async def build_export(
    db: Database,
    scope: ExportScope,
    period: Period | None,
    timezone: str,
    directory: Path,
    stem: str = "terrain-export",
    limit: int = UPLOAD_LIMIT,
) -> ExportFiles:
    """Write `stem`.xlsx and `stem`-csv.zip in `directory`; `period` None means everything
    (missions are placed in time by their start, like the dashboards)."""
    from openpyxl import Workbook

    zone = ZoneInfo(timezone)
    query = _Queries(scope, period)
    tables = (
        Table("Missions", MISSION_HEADERS, lambda: query.missions(db, zone)),
        Table(
            "Assignments",
            ASSIGNMENT_HEADERS + (CONTACTS if scope.organizer else ()),
            lambda: query.assignments(db, zone),
        ),
        Table(
            "Reports",
            REPORT_HEADERS + (("place", "note") if scope.organizer else ()),
            lambda: query.reports(db, zone),
        ),
        Table("Zones", ZONE_HEADERS, lambda: query.zones(db)),
    )
    xlsx, csv_zip = directory / f"{stem}.xlsx", directory / f"{stem}-csv.zip"
    workbook = Workbook(write_only=True)
    rows: dict[str, int] = {}
    with zipfile.ZipFile(csv_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            rows[table.name] = await write_table(table, workbook, archive)
    workbook.save(xlsx)
    return ExportFiles(xlsx, csv_zip, rows, limit)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A naive datetime in the campaign's time zone: spreadsheets have no time zones."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None


MISSION_HEADERS = (
    "mission",
    "kind",
    "zone_code",
    "zone",
    "team",
    "starts_at",
    "ends_at",
    "status",
    "capacity",
    "places_taken",
    "reports",
)
ASSIGNMENT_HEADERS = (
    "assignment",
    "mission",
    "person",
    "status",
    "invited_at",
    "responded_at",
    "confirmed_at",
)
REPORT_HEADERS = (
    "report",
    "mission",
    "kind",
    "zone_code",
    "mission_start",
    "author",
    "people",
    "version",
    *REPORT_COUNTS,
    "nobody_home",
    "topics",
    "updated_at",
)
ZONE_HEADERS = (
    "zone_code",
    "zone",
    "kind",
    "missions",
    "reports",
    "people",
    *ZONE_COUNTS,
    "target_doors",
    "target_leaflets",
)


class _Queries:
    """The four queries, narrowed to the scope and the period."""

    def __init__(self, scope: ExportScope, period: Period | None) -> None:
        self.scope = scope
        self.period = period
        self.members = (
            select(Person.id).where(Person.team_id == scope.team_id)
            if scope.team_id is not None
            else None
        )

    def _in_period(self) -> Any:
        if self.period is None:
            return True
        end = Mission.starts_at < self.period.end
        return and_(Mission.starts_at >= self.period.start, end) if self.period.start else end

    def _mission_filter(self) -> Any:
        """Missions of the team, and those its members were on or reported on."""
        if self.members is None:
            return self._in_period()
        return and_(
            self._in_period(),
            or_(
                Mission.team_id == self.scope.team_id,
                Mission.id.in_(
                    select(Assignment.mission_id).where(Assignment.person_id.in_(self.members))
                ),
                Mission.id.in_(
                    select(FieldReport.mission_id).where(FieldReport.author_id.in_(self.members))
                ),
            ),
        )

    def _report_filter(self) -> Any:
        if self.members is None:
            return self._in_period()
        return and_(self._in_period(), FieldReport.author_id.in_(self.members))

    async def missions(self, db: Database, zone: ZoneInfo) -> AsyncIterator[Sequence[Any]]:
        taken = (
            select(func.count(Assignment.id))
            .where(
                Assignment.mission_id == Mission.id,
                Assignment.status.in_([s.value for s in HOLDS_A_PLACE]),
            )
            .scalar_subquery()
        )
        filed = (
            select(func.count(FieldReport.id))
            .where(FieldReport.mission_id == Mission.id)
            .scalar_subquery()
        )
        query = (
            select(Mission, Zone.code, Zone.name, Team.name, taken, filed)
            .join(Zone, Zone.id == Mission.zone_id)
            .outerjoin(Team, Team.id == Mission.team_id)
            .where(self._mission_filter())
            .order_by(Mission.starts_at, Mission.id)
        )
        async for m, code, zone_name, team, places, reports in _stream(db, query):
            yield (
                m.id,
                m.kind,
                code,
                zone_name,
                team,
                _local(m.starts_at, zone),
                _local(m.ends_at, zone),
                m.status,
                m.capacity,
                places,
                reports,
            )

    async def assignments(self, db: Database, zone: ZoneInfo) -> AsyncIterator[Sequence[Any]]:
        query = (
            select(Assignment, Person)
            .join(Mission, Mission.id == Assignment.mission_id)
            .join(Person, Person.id == Assignment.person_id)
            .where(self._in_period())
            .order_by(Mission.starts_at, Assignment.id)
        )
        if self.members is not None:
            query = query.where(Assignment.person_id.in_(self.members))
        async for a, who in _stream(db, query):
            row: list[Any] = [
                a.id,
                a.mission_id,
                who.id,
                a.status,
                _local(a.invited_at, zone),
                _local(a.responded_at, zone),
                _local(a.confirmed_at, zone),
            ]
            if self.scope.organizer:
                row += _contacts(who)
            yield row

    async def reports(self, db: Database, zone: ZoneInfo) -> AsyncIterator[Sequence[Any]]:
        query = (
            select(FieldReport, Mission.starts_at, Zone.code)
            .join(Mission, Mission.id == FieldReport.mission_id)
            .join(Zone, Zone.id == FieldReport.zone_id)
            .where(self._report_filter())
            .order_by(Mission.starts_at, FieldReport.id)
        )
        async for r, starts_at, code in _stream(db, query):
            row: list[Any] = [
                r.id,
                r.mission_id,
                r.kind,
                code,
                _local(starts_at, zone),
                r.author_id,
                r.people,
                r.version,
                *(getattr(r, name) for name in REPORT_COUNTS),
                int(r.nobody_home),
                ", ".join(r.topics or []),
                _local(r.updated_at, zone),
            ]
            if self.scope.organizer:
                row += [r.place, r.note]
            yield row

    async def zones(self, db: Database) -> AsyncIterator[Sequence[Any]]:
        missions = (
            select(Mission.zone_id, func.count(Mission.id).label("missions"))
            .where(self._mission_filter())
            .group_by(Mission.zone_id)
            .subquery()
        )
        sums = [
            func.coalesce(func.sum(getattr(FieldReport, name)), 0).label(name)
            for name in ZONE_COUNTS
        ]
        reports = (
            select(
                FieldReport.zone_id,
                func.count(FieldReport.id).label("reports"),
                func.sum(FieldReport.people).label("people"),
                *sums,
            )
            .join(Mission, Mission.id == FieldReport.mission_id)
            .where(self._report_filter())
            .group_by(FieldReport.zone_id)
            .subquery()
        )
        query = (
            select(
                Zone,
                func.coalesce(missions.c.missions, 0),
                func.coalesce(reports.c.reports, 0),
                func.coalesce(reports.c.people, 0),
                *(func.coalesce(reports.c[name], 0) for name in ZONE_COUNTS),
            )
            .outerjoin(missions, missions.c.zone_id == Zone.id)
            .outerjoin(reports, reports.c.zone_id == Zone.id)
            .where(or_(missions.c.missions.is_not(None), reports.c.reports.is_not(None)))
            .order_by(Zone.code)
        )
        async for z, *counts in _stream(db, query):
            yield (
                z.code,
                z.name,
                z.kind,
                *(int(c) for c in counts),
                z.target_doors,
                z.target_leaflets,
            )


def _contacts(who: Person) -> list[Any]:
    """Name, @username and phone of someone who shared their number and is not erased."""
    if who.status == Status.ERASED or not who.phone:
        return [None, None, None]
    # The username without its "@", which spreadsheets would read as the start of a formula.
    return [who.display_name, who.username, who.phone]


async def _stream(db: Database, query: Select[Any]) -> AsyncIterator[Any]:
    """The query's rows, fetched `BATCH` at a time (a server-side cursor on PostgreSQL)."""
    async with db() as session:
        # No eager loading of relationships: the queries join what they show.
        query = query.options(lazyload("*")).execution_options(yield_per=BATCH)
        result = await session.stream(query)
        async for row in result:
            yield row
