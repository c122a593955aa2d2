"""Linking organizer chats (groups, supergroups, channels) to a team or to the whole campaign,
and keeping track of their pinned live dashboard. One transaction each; the audit events hold
ids only (the chat's id is the campaign's own channel, not a person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, select, update

from models.chat_links import ChatLink
from models.database import Database
from models.outbox import OutboxMessage, OutboxStatus
from models.people import AuditEvent, Person, Team


@dataclass(frozen=True)
class LinkedChat:
    """A link, detached from the session, with what messages to it need."""

    id: int
    chat_id: int
    chat_type: str
    title: str | None
    team_id: int | None
    team_name: str | None
    locale: str | None  # the linker's choice, None: the campaign's default
    live_message_id: int | None
    live_hash: str | None
    live_edited_at: datetime | None


@dataclass(frozen=True)
class Linked:
    link: LinkedChat
    previous_team_id: int | None
    relinked: bool  # the chat was already linked (to this or another scope)
    old_live_message_id: int | None  # the live dashboard of the previous link, if any


def _query() -> Select[tuple[ChatLink, str, str | None]]:
    """A link with its team's name and its linker's language."""
    return (
        select(ChatLink, Team.name, Person.locale)
        .outerjoin(Team, Team.id == ChatLink.team_id)
        .outerjoin(Person, Person.id == ChatLink.linked_by_id)
    )


def _detached(link: ChatLink, team_name: str | None, locale: str | None) -> LinkedChat:
    return LinkedChat(
        id=link.id,
        chat_id=link.chat_id,
        chat_type=link.chat_type,
        title=link.title,
        team_id=link.team_id,
        team_name=team_name,
        locale=locale,
        live_message_id=link.live_message_id,
        live_hash=link.live_hash,
        live_edited_at=link.live_edited_at,
    )


async def link(
    db: Database,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    team_id: int | None,
    actor_id: int | None,
    now: datetime,
) -> Linked:
    """Link the chat, or move an existing link to this scope (its live dashboard starts over:
    the caller unpins the old one)."""
    async with db.begin() as session:
        row = await session.scalar(select(ChatLink).where(ChatLink.chat_id == chat_id))
        relinked = row is not None
        previous_team_id = row.team_id if row is not None else None
        old_live = row.live_message_id if row is not None else None
        if row is None:
            row = ChatLink(chat_id=chat_id)
            session.add(row)
        row.chat_type, row.title = chat_type, (title or "")[:128] or None
        row.team_id, row.linked_by_id, row.linked_at = team_id, actor_id, now
        row.live_message_id = row.live_hash = row.live_edited_at = None
        await session.flush()
        session.add(
            AuditEvent(
                action="chat.relinked" if relinked else "chat.linked",
                actor_id=actor_id,
                detail={"link_id": row.id, "chat_type": chat_type, "team_id": team_id},
                at=now,
            )
        )
        team_name = await session.scalar(select(Team.name).where(Team.id == team_id))
        locale = await session.scalar(select(Person.locale).where(Person.id == actor_id))
        return Linked(_detached(row, team_name, locale), previous_team_id, relinked, old_live)


async def unlink(
    db: Database, chat_id: int, actor_id: int | None, now: datetime, reason: str
) -> LinkedChat | None:
    """Remove the chat's link; returns what it was (None: it was not linked). `reason` is a
    word for the audit log: "command", "bot_removed", "forbidden"."""
    async with db.begin() as session:
        found = (await session.execute(_query().where(ChatLink.chat_id == chat_id))).first()
        if found is None:
            return None
        gone = _detached(*found)
        await session.execute(delete(ChatLink).where(ChatLink.id == gone.id))
        session.add(
            AuditEvent(
                action="chat.unlinked",
                actor_id=actor_id,
                detail={"link_id": gone.id, "team_id": gone.team_id, "reason": reason},
                at=now,
            )
        )
    return gone


async def linked(db: Database, chat_id: int) -> LinkedChat | None:
    async with db() as session:
        found = (await session.execute(_query().where(ChatLink.chat_id == chat_id))).first()
    return _detached(*found) if found is not None else None


async def all_links(db: Database) -> list[LinkedChat]:
    async with db() as session:
        rows = (await session.execute(_query().order_by(ChatLink.id))).all()
    return [_detached(*row) for row in rows]


async def set_live(
    db: Database, link_id: int, message_id: int | None, text_hash: str | None, now: datetime
) -> None:
    """Record the live dashboard's message and the hash of the text it shows."""
    async with db.begin() as session:
        await session.execute(
            update(ChatLink)
            .where(ChatLink.id == link_id)
            .values(live_message_id=message_id, live_hash=text_hash, live_edited_at=now)
        )


async def refused_chats(db: Database) -> list[int]:
    """Linked chats whose digest Telegram refused with 403 since they were linked (the bot was
    removed, the channel deleted): their links should go."""
    async with db() as session:
        rows = await session.scalars(
            select(ChatLink.chat_id)
            .join(OutboxMessage, OutboxMessage.chat_id == ChatLink.chat_id)
            .where(
                OutboxMessage.idempotency_key.startswith("digest:"),
                OutboxMessage.status == OutboxStatus.FAILED.value,
                OutboxMessage.last_error.startswith("403"),
                OutboxMessage.created_at >= ChatLink.linked_at,
            )
            .distinct()
        )
        return list(rows)


async def move(db: Database, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
    """A group upgraded to a supergroup gets a new id: its link follows. The live dashboard
    starts over in the new chat. False when the old chat was not linked."""
    async with db.begin() as session:
        row = await session.scalar(select(ChatLink).where(ChatLink.chat_id == old_chat_id))
        if row is None:
            return False
        # A link the new chat may already have (linked after the upgrade) gives way.
        await session.execute(delete(ChatLink).where(ChatLink.chat_id == new_chat_id))
        row.chat_id, row.chat_type = new_chat_id, "supergroup"
        row.live_message_id = row.live_hash = row.live_edited_at = None
        session.add(
            AuditEvent(action="chat.moved", actor_id=None, detail={"link_id": row.id}, at=now)
        )
    return True
