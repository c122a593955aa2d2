"""A volunteer's life: joining with consent, the profile, pausing, changing consent."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import queue
from models.consent import NoticeProof, consent_event, consents_of
from models.database import Database
from models.lone_writes import LoneWrite
from models.people import AT_SIGNUP, AuditEvent, Person, Purpose, Status, Team
from models.runtime import ConversationState


class ConsentRequired(Exception):
    """Joining needs the volunteering purpose granted."""


@dataclass(frozen=True)
class Newcomer:
    """Who is joining, as Telegram tells us; kept only once they consent."""

    telegram_id: int
    username: str | None
    display_name: str
    locale: str | None


async def person_by_telegram_id(db: Database, telegram_id: int) -> Person | None:
    async with db() as session:
        return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def people_by_telegram_ids(session: AsyncSession, telegram_ids: list[int]) -> list[Person]:
    return list(await session.scalars(select(Person).where(Person.telegram_id.in_(telegram_ids))))


async def conversations_of(session: AsyncSession, telegram_ids: list[int]) -> list[Any]:
    """(key, state, data) of every conversation these users have, in any chat."""
    found = select(ConversationState.key, ConversationState.state, ConversationState.data)
    return list(await session.execute(found.where(ConversationState.user_id.in_(telegram_ids))))


def _conversation_upsert(dialect: str) -> Any:
    """The upsert a conversation write is, built once per dialect: building it per call (the
    `excluded` alias and its columns) cost more than running it."""
    table = ConversationState.__table__
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    changed = {name: upsert.excluded[name] for name in ("state", "data", "updated_at")}
    return upsert.on_conflict_do_update(index_elements=["key"], set_=changed)


_CONVERSATION_WRITES = {
    dialect: LoneWrite(_conversation_upsert(dialect)) for dialect in ("sqlite", "postgresql")
}
_CONVERSATION_END = LoneWrite(
    delete(ConversationState.__table__).where(
        ConversationState.__table__.c.key == bindparam("conversation_key")
    )
)


async def save_conversation(
    db: Database,
    key: str,
    user_id: int | None,
    state: str | None,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Write a conversation whose current row the caller knows, in one statement: an upsert,
    or a delete once it has ended (nothing left behind). The write of most updates, so not in
    an ORM session (a third of its cost), and on SQLite not even through SQLAlchemy's
    Connection (models/lone_writes.py)."""
    engine = db.kw["bind"]
    if state is None and not data:
        await _CONVERSATION_END.run(engine, {"conversation_key": key})
        return
    row = {"key": key, "user_id": user_id, "state": state, "data": data, "updated_at": now}
    await _CONVERSATION_WRITES[engine.dialect.name].run(engine, row)


async def team_by_invite(db: Database, token: str) -> Team | None:
    async with db() as session:
        return await session.scalar(select(Team).where(Team.invite_token == token))


async def person_by_referral(db: Database, code: str) -> Person | None:
    async with db() as session:
        return await session.scalar(
            select(Person).where(Person.referral_code == code, Person.status != Status.ERASED)
        )


async def join(
    db: Database,
    newcomer: Newcomer,
    choices: dict[Purpose, bool],
    proof: NoticeProof,
    now: datetime,
    *,
    team_id: int | None = None,
    referred_by_id: int | None = None,
) -> Person:
    """Create the Person and one consent event per purpose, in one transaction.

    A second call for the same Telegram user (a double tap) returns the existing person.
    """
    if not choices.get(Purpose.VOLUNTEERING):
        raise ConsentRequired
    async with db.begin() as session:
        existing = await session.scalar(
            select(Person).where(Person.telegram_id == newcomer.telegram_id)
        )
        if existing is not None:
            return existing
        person = Person(
            telegram_id=newcomer.telegram_id,
            username=newcomer.username,
            display_name=newcomer.display_name,
            locale=newcomer.locale,
            availability=[],
            referral_code=secrets.token_urlsafe(9),
            team_id=team_id,
            referred_by_id=referred_by_id,
            created_at=now,
            last_seen_at=now,
        )
        session.add(person)
        await session.flush()
        for purpose in AT_SIGNUP:  # only what the notice asked
            session.add(consent_event(person.id, purpose, bool(choices.get(purpose)), proof, now))
        session.add(
            AuditEvent(
                action="person.joined",
                subject_id=person.id,
                detail={"via_team": team_id is not None, "referred": referred_by_id is not None},
                at=now,
            )
        )
    return person


async def update_profile(db: Database, person_id: int, **fields: object) -> None:
    allowed = {"display_name", "postal_code", "availability", "phone", "locale"}
    if unknown := set(fields) - allowed:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        for name, value in fields.items():
            setattr(person, name, value)


async def join_team(db: Database, person_id: int, team_id: int) -> None:
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        person.team_id = team_id


async def seen(db: Database, person_id: int, now: datetime, *, username: str | None) -> None:
    """Refresh what changes by itself: last contact (for retention), username, reachability."""
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        person.last_seen_at = now
        person.username = username
        person.reachable = True


async def mark_unreachable(db: Database, telegram_id: int) -> None:
    async with db.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        if person is not None:
            person.reachable = False


async def set_status(db: Database, person_id: int, status: Status, now: datetime) -> None:
    """Pause or resume every message from the bot."""
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        if person.status == status:
            return
        person.status = status
        if status != Status.ACTIVE:
            await queue.drop_for_person(session, person_id)
        session.add(AuditEvent(action=f"person.{status.value}", subject_id=person_id, at=now))


async def consents(db: Database, person_id: int) -> dict[Purpose, bool]:
    async with db() as session:
        return await consents_of(session, person_id)


async def set_consent(
    db: Database,
    person_id: int,
    purpose: Purpose,
    granted: bool,
    proof: NoticeProof,
    now: datetime,
) -> None:
    async with db.begin() as session:
        session.add(consent_event(person_id, purpose, granted, proof, now))
        if purpose is Purpose.LEADERBOARD:
            # The copy leaderboards filter on, changed with the proof.
            (await session.get_one(Person, person_id)).on_leaderboard = granted


async def drop_conversation(session: AsyncSession, telegram_id: int) -> None:
    """Delete what a conversation was holding for this user, in the caller's transaction."""
    rows = await session.scalars(
        select(ConversationState).where(ConversationState.user_id == telegram_id)
    )
    for row in rows:
        await session.delete(row)
