"""Broadcasts: an organizer's (or a team lead's) message to many, drafted, previewed with the
number of recipients, then sent through the outbox one row per recipient."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from models import queue
from models.database import Database
from models.outbox import Broadcast, OutboxMessage, OutboxStatus
from models.people import AuditEvent, ConsentEvent, Person, Purpose, Status, Team

# What the recipient's locale (or None) turns into: the row's HTML text and its payload.
Render = Callable[[str | None], tuple[str, dict[str, Any]]]


class NotYours(Exception):
    """The broadcast is someone else's, or no longer a draft."""


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int
    locale: str | None


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    status: str
    sent: int
    pending: int
    failed: int  # failed, and dropped because the person paused or withdrew meanwhile
    cancelled: int
    chat_id: int | None
    message_id: int | None
    sender_locale: str | None

    @property
    def finished(self) -> bool:
        return self.pending == 0


async def _recipients(session: Any, purpose: Purpose, team_id: int | None) -> list[Recipient]:
    """Active, reachable people in the audience whose latest choice for `purpose` is yes."""
    query = select(Person).where(
        Person.status == Status.ACTIVE,
        Person.reachable.is_(True),
        Person.telegram_id.is_not(None),
    )
    if team_id is not None:
        query = query.where(Person.team_id == team_id)
    people = {p.id: p for p in await session.scalars(query)}
    if not people:
        return []
    latest: dict[int, bool] = {}
    events = await session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.purpose == purpose.value, ConsentEvent.person_id.in_(people))
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    for event in events:
        latest[event.person_id] = event.granted
    return [
        Recipient(p.id, p.telegram_id, p.locale)
        for p in sorted(people.values(), key=lambda p: p.id)
        if latest.get(p.id) and p.telegram_id is not None
    ]


async def teams(db: Database) -> list[Team]:
    async with db() as session:
        return list(await session.scalars(select(Team).order_by(Team.name)))


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    async with db() as session:
        return await session.get(Broadcast, broadcast_id)


async def draft(
    db: Database,
    sender_id: int | None,
    team_id: int | None,
    purpose: Purpose,
    text: str,
    now: datetime,
) -> tuple[Broadcast, int]:
    """Save a draft and count who would receive it now."""
    async with db.begin() as session:
        broadcast = Broadcast(
            sender_id=sender_id,
            team_id=team_id,
            purpose=purpose.value,
            text=text,
            status="draft",
            created_at=now,
        )
        session.add(broadcast)
        count = len(await _recipients(session, purpose, team_id))
    return broadcast, count


async def confirm(
    db: Database,
    broadcast_id: int,
    sender_id: int | None,
    render: Render,
    now: datetime,
    *,
    progress_chat_id: int,
    progress_message_id: int,
) -> int:
    """Send a draft: one outbox row per recipient as of now, keyed so a double tap on
    "Send" writes each row once. Returns how many rows were written."""
    async with db.begin() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.sender_id != sender_id or broadcast.status != "draft":
            raise NotYours
        purpose = Purpose(broadcast.purpose)
        written = 0
        rendered: dict[str | None, tuple[str, dict[str, Any]]] = {}
        for recipient in await _recipients(session, purpose, broadcast.team_id):
            if recipient.locale not in rendered:
                rendered[recipient.locale] = render(recipient.locale)
            text, payload = rendered[recipient.locale]
            written += await queue.enqueue(
                session,
                key=f"broadcast:{broadcast.id}:{recipient.person_id}",
                chat_id=recipient.chat_id,
                text=text,
                now=now,
                person_id=recipient.person_id,
                purpose=purpose,
                payload=payload,
                broadcast_id=broadcast.id,
            )
        broadcast.status = "sending"
        broadcast.progress_chat_id = progress_chat_id
        broadcast.progress_message_id = progress_message_id
        session.add(
            AuditEvent(
                action="broadcast.sent",
                actor_id=sender_id,
                detail={
                    "broadcast": broadcast.id,
                    "purpose": purpose.value,
                    "team": broadcast.team_id,
                    "recipients": written,
                },
                at=now,
            )
        )
    return written


async def discard(db: Database, broadcast_id: int, sender_id: int | None) -> None:
    """Drop a draft the sender decided not to send."""
    async with db.begin() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.sender_id != sender_id or broadcast.status != "draft":
            raise NotYours
        broadcast.status = "cancelled"


async def cancel(db: Database, broadcast_id: int, actor_id: int | None, now: datetime) -> int:
    """Cancel what has not gone out yet. Only the sender may. Returns how many rows."""
    async with db.begin() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.sender_id != actor_id:
            raise NotYours
        result = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.broadcast_id == broadcast_id,
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
            .values(status=OutboxStatus.CANCELLED.value)
        )
        if broadcast.status in ("draft", "sending"):
            broadcast.status = "cancelled"
        session.add(
            AuditEvent(
                action="broadcast.cancelled",
                actor_id=actor_id,
                detail={"broadcast": broadcast_id, "rows": result.rowcount or 0},
                at=now,
            )
        )
    return result.rowcount or 0


async def progress(db: Database, broadcast_id: int) -> Progress | None:
    async with db() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            return None
        counts: dict[str, int] = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.broadcast_id == broadcast_id)
                    .group_by(OutboxMessage.status)
                )
            ).all()
        )
        sender = await session.get(Person, broadcast.sender_id) if broadcast.sender_id else None
        return Progress(
            broadcast_id=broadcast_id,
            status=broadcast.status,
            sent=counts.get(OutboxStatus.SENT.value, 0),
            pending=counts.get(OutboxStatus.PENDING.value, 0)
            + counts.get(OutboxStatus.SENDING.value, 0),
            failed=counts.get(OutboxStatus.FAILED.value, 0)
            + counts.get(OutboxStatus.DROPPED.value, 0),
            cancelled=counts.get(OutboxStatus.CANCELLED.value, 0),
            chat_id=broadcast.progress_chat_id,
            message_id=broadcast.progress_message_id,
            sender_locale=sender.locale if sender else None,
        )


async def finish(db: Database, broadcast_id: int) -> None:
    """Everything went out (or failed): the broadcast is done."""
    async with db.begin() as session:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
            .values(status="done")
        )
