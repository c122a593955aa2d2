"""Set-up for the field report tests: a mission that just ended, with people on it, written
straight to the database (creating and assigning missions have their own tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from models.missions import Assignment, Mission, MissionStatus
from models.people import Person, Role
from models.reports import FieldReport, FieldReportVersion
from tests.bot.missions.kit import person, zone
from tests.conftest import ADMIN_ID


async def organizer(app: Terrain, sandbox: Any) -> tuple[Any, Person]:
    user = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    return user, await person(app, user, role=Role.ORGANIZER)


async def mission(
    app: Terrain,
    kind: str = "door_knocking",
    people: tuple[Person, ...] = (),
    *,
    hours: float = 2,
    ended_ago: timedelta = timedelta(hours=1),
    created_by: Person | None = None,
    status: str = MissionStatus.OPEN.value,
) -> Mission:
    """A mission over `ended_ago`, lasting `hours`, with these people accepted on it."""
    async with app.db() as session:
        found = await session.scalar(select(Mission.zone_id).limit(1))
    zone_id = found if found is not None else (await zone(app)).id
    now = app.clock.now()
    ends = now - ended_ago
    async with app.db.begin() as session:
        row = Mission(
            kind=kind,
            zone_id=zone_id,
            starts_at=ends - timedelta(hours=hours),
            ends_at=ends,
            meeting_point="Place de la Liberté",
            capacity=10,
            briefing="",
            materials="",
            status=status,
            created_by_id=created_by.id if created_by else None,
            created_at=now - timedelta(days=3),
            updated_at=now - timedelta(days=3),
            version=1,
        )
        session.add(row)
        await session.flush()
        for who in people:
            session.add(
                Assignment(
                    mission_id=row.id,
                    person_id=who.id,
                    status="accepted",
                    invited_at=now - timedelta(days=3),
                    responded_at=now - timedelta(days=3),
                )
            )
    return row


async def reports(app: Terrain) -> list[FieldReport]:
    async with app.db() as session:
        return list(await session.scalars(select(FieldReport).order_by(FieldReport.id)))


async def versions(app: Terrain) -> list[FieldReportVersion]:
    async with app.db() as session:
        rows = await session.scalars(
            select(FieldReportVersion).order_by(
                FieldReportVersion.report_id, FieldReportVersion.version
            )
        )
        return list(rows)


async def skip_tail(user: Any, skip: str = "Passer") -> None:
    """Topics, note, photo, location: all skipped."""
    for _ in range(4):
        await user.press(skip)


async def file_counts(user: Any, *counts: str) -> None:
    """Type the counts, skip the rest, send, and see it recorded (a French speaker)."""
    for count in counts:
        await user.send(count)
    await skip_tail(user)
    await user.press("Envoyer")
    await user.expect("enregistré")
