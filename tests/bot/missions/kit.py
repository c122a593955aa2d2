"""Shared set-up for the mission tests: zones and people written straight to the database
(sign-up has its own tests), a Terrain whose outbox is fast, reading outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from handlers.cards import AnswerCb
from models import roles, volunteers
from models.consent import NoticeProof
from models.missions import Assignment, Mission
from models.outbox import OutboxMessage
from models.people import Person, Purpose, Role
from models.zones import Zone

# The fixture clock starts Monday 2 March 2026, 09:00 UTC (10:00 in Paris).
SATURDAY = "14/03/2026"
ONE_LINE = (
    "tractage | 29019_0076 | 14/03/2026 10:00 | 12:00 | Place de la Liberté | {cap} | "
    "500 tracts | Parler du tram"
)
MISSION_START = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


async def zone(app: Terrain, code: str = "29019_0076", name: str = "Brest bureau 76") -> Zone:
    async with app.db.begin() as session:
        found = Zone(code=code, name=name, kind="polling_station")
        session.add(found)
    return found


async def person(
    app: Terrain,
    user: Any,
    *,
    postal_code: str = "29200",
    availability: tuple[str, ...] = ("saturdays",),
    role: Role = Role.VOLUNTEER,
    team: str | None = None,
) -> Person:
    """A volunteer who joined (consent recorded) and wrote to the bot, without the
    conversation."""
    user.started = True
    joined = await volunteers.join(
        app.db,
        volunteers.Newcomer(user.id, user.username, user.first_name, user.language_code),
        {Purpose.VOLUNTEERING: True, Purpose.NEWS: False},
        NoticeProof.of("notice"),
        app.clock.now(),
    )
    await volunteers.update_profile(
        app.db, joined.id, postal_code=postal_code, availability=list(availability)
    )
    team_id = None
    if team is not None:
        found = await roles.team_by_name(app.db, team)
        if found is None:
            found = await roles.create_team(app.db, team, None, app.clock.now())
        team_id = found.id
        await volunteers.join_team(app.db, joined.id, team_id)
    if role != Role.VOLUNTEER or team_id is not None:
        await roles.set_role(app.db, None, joined.id, role, app.clock.now(), team_id=team_id)
    async with app.db() as session:
        return await session.get_one(Person, joined.id)


async def outbox(app: Terrain, prefix: str = "") -> list[OutboxMessage]:
    async with app.db() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def missions(app: Terrain) -> list[Mission]:
    async with app.db() as session:
        return list(await session.scalars(select(Mission).order_by(Mission.id)))


async def assignments(app: Terrain, mission_id: int) -> list[Assignment]:
    async with app.db() as session:
        rows = await session.scalars(
            select(Assignment).where(Assignment.mission_id == mission_id).order_by(Assignment.id)
        )
        return list(rows)


def statuses(rows: list[Assignment]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def answer_data(assignment_id: int, version: int = 1, yes: bool = True) -> str:
    return AnswerCb(a=assignment_id, v=version, yes=yes).pack()
