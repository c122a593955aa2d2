"""Who may do what: roles and teams. Every check reads the database at the time of the call."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select

from models.database import Database
from models.people import AuditEvent, Person, Role, Status, Team


class TeamNameTaken(Exception):
    pass


async def find_person(db: Database, who: str) -> Person | None:
    """A person by @username or Telegram id, as an organizer would type it."""
    who = who.strip()
    async with db() as session:
        query = select(Person).where(Person.status != Status.ERASED)
        if who.lstrip("-").isdigit():
            query = query.where(Person.telegram_id == int(who))
        else:
            query = query.where(func.lower(Person.username) == who.lstrip("@").lower())
        return await session.scalar(query)


async def set_role(
    db: Database,
    actor_id: int | None,
    person_id: int,
    role: Role,
    now: datetime,
    *,
    team_id: int | None = None,
) -> None:
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        previous = person.role
        person.role = role.value
        if team_id is not None:
            person.team_id = team_id
        session.add(
            AuditEvent(
                action="role.changed",
                actor_id=actor_id,
                subject_id=person_id,
                detail={"from": previous, "to": role.value},
                at=now,
            )
        )


async def staff(db: Database) -> list[tuple[int, Role]]:
    """(Telegram id, role) of everyone whose role goes beyond volunteering: their menus."""
    async with db() as session:
        rows = await session.execute(
            select(Person.telegram_id, Person.role).where(
                Person.role != Role.VOLUNTEER.value,
                Person.status != Status.ERASED,
                Person.telegram_id.is_not(None),
            )
        )
        return [(telegram_id, Role(role)) for telegram_id, role in rows if telegram_id]


async def team_by_name(db: Database, name: str) -> Team | None:
    async with db() as session:
        return await session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))


async def create_team(db: Database, name: str, actor_id: int | None, now: datetime) -> Team:
    async with db.begin() as session:
        taken = await session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
        if taken is not None:
            raise TeamNameTaken(name)
        team = Team(name=name, invite_token=secrets.token_urlsafe(12), created_at=now)
        session.add(team)
        await session.flush()
        session.add(
            AuditEvent(
                action="team.created", actor_id=actor_id, detail={"team_id": team.id}, at=now
            )
        )
    return team
