"""Putting messages in the outbox, and taking back those that may no longer be sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import OutboxMessage, OutboxStatus
from models.people import Purpose

NOT_YET_SENT = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    text: str,
    now: datetime,
    person_id: int | None = None,
    purpose: Purpose | None = Purpose.VOLUNTEERING,
    not_before: datetime | None = None,
    kind: str = "text",
    payload: dict[str, Any] | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Add a message in the caller's transaction, unless one with this idempotency key exists.
    Returns whether a row was added. `text` is HTML, already escaped where it quotes people."""
    exists = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    )
    if exists is not None:
        return False
    session.add(
        OutboxMessage(
            idempotency_key=key,
            person_id=person_id,
            chat_id=chat_id,
            purpose=purpose.value if purpose else None,
            kind=kind,
            text=text,
            payload=payload or {},
            broadcast_id=broadcast_id,
            status=OutboxStatus.PENDING.value,
            not_before=not_before or now,
            attempts=0,
            created_at=now,
        )
    )
    return True


async def drop_for_person(session: AsyncSession, person_id: int) -> None:
    """In the caller's transaction: nothing queued for this person goes out any more."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == person_id, OutboxMessage.status.in_(NOT_YET_SENT))
        .values(status=OutboxStatus.DROPPED.value, last_error="person paused or erased")
    )


async def erase_for_person(session: AsyncSession, person_id: int) -> None:
    """In the caller's transaction: every outbox row for this person goes, sent or not (they
    hold the chat id and texts that may quote the person)."""
    await session.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person_id))
