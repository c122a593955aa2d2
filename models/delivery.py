"""What the outbox sender does to rows: claim the due ones, then record each outcome.

Every operation is one transaction. Claiming flips rows from pending to sending with a
conditional UPDATE, so two senders (two replicas on PostgreSQL) never both claim a row; on
PostgreSQL the candidate rows are also read with FOR UPDATE SKIP LOCKED so replicas don't wait
on each other. A crash leaves rows in "sending": `recover` puts them back (at most one repeat
of a message that was in flight)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.outbox import Broadcast, OutboxMessage, OutboxStatus
from models.people import ConsentEvent, Person, Status

PENDING, SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
FINISHED = (
    OutboxStatus.SENT.value,
    OutboxStatus.FAILED.value,
    OutboxStatus.DROPPED.value,
    OutboxStatus.CANCELLED.value,
)
REASON_MAX = 200


@dataclass(frozen=True)
class Due:
    """A claimed row, detached from the session: what the sender needs to send it."""

    id: int
    chat_id: int
    person_id: int | None
    kind: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    broadcast_id: int | None = None
    attempts: int = 0
    # When it was due before the claim's lease: a row put back keeps its place in the queue.
    due_at: datetime | None = None


@dataclass
class Claimed:
    due: list[Due]
    dropped_broadcasts: set[int]


async def recover(db: Database, now: datetime) -> int:
    """Rows whose sender's lease ran out (it crashed or was killed) go back to pending."""
    async with db.begin() as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == SENDING, OutboxMessage.not_before <= now)
            .values(status=PENDING)
        )
    return result.rowcount or 0


async def claim(
    db: Database,
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    skip_chats: Collection[int] = (),
) -> Claimed:
    """Claim due rows, at most one per chat (the sender paces each chat), skipping chats still
    cooling down. Rows whose person is no longer active, unreachable, or no longer consents to
    the row's purpose are dropped (or failed) here, in the same transaction: the check is made
    at send time, not only at enqueue time."""
    async with db.begin() as session:
        query = (
            select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.not_before)
            .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit * 4)
        )
        if skip_chats:
            query = query.where(OutboxMessage.chat_id.not_in(list(skip_chats)))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        first_per_chat: dict[int, int] = {}
        due_at: dict[int, datetime] = {}
        for row_id, chat_id, not_before in (await session.execute(query)).all():
            if chat_id not in first_per_chat:
                first_per_chat[chat_id], due_at[row_id] = row_id, not_before
            if len(first_per_chat) >= limit:
                break
        if not first_per_chat:
            return Claimed([], set())
        claimed_ids = list(
            await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(first_per_chat.values()))
                .where(OutboxMessage.status == PENDING)
                .values(status=SENDING, attempts=OutboxMessage.attempts + 1, not_before=now + lease)
                .returning(OutboxMessage.id)
            )
        )
        rows = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed_ids)))
        )
        order = list(first_per_chat.values())  # the queue's order, oldest due first
        rows.sort(key=lambda row: order.index(row.id))
        blocked = await _blocked(session, rows)
        due: list[Due] = []
        dropped_broadcasts: set[int] = set()
        for row in rows:
            if (verdict := blocked.get(row.id)) is not None:
                row.status, row.last_error = verdict
                if row.broadcast_id is not None:
                    dropped_broadcasts.add(row.broadcast_id)
                continue
            due.append(
                Due(
                    id=row.id,
                    chat_id=row.chat_id,
                    person_id=row.person_id,
                    kind=row.kind,
                    text=row.text,
                    payload=dict(row.payload or {}),
                    broadcast_id=row.broadcast_id,
                    attempts=row.attempts,
                    due_at=due_at[row.id],
                )
            )
        return Claimed(due, dropped_broadcasts)


async def _blocked(session: AsyncSession, rows: list[OutboxMessage]) -> dict[int, tuple[str, str]]:
    """Rows that may not be sent any more: row id -> (new status, reason)."""
    verdicts: dict[int, tuple[str, str]] = {}
    broadcast_ids = {row.broadcast_id for row in rows if row.broadcast_id is not None}
    if broadcast_ids:
        # A row in flight when its broadcast was cancelled, back for a retry: not any more.
        cancelled = set(
            await session.scalars(
                select(Broadcast.id).where(
                    Broadcast.id.in_(broadcast_ids), Broadcast.status == "cancelled"
                )
            )
        )
        for row in rows:
            if row.broadcast_id in cancelled:
                verdicts[row.id] = (OutboxStatus.CANCELLED.value, "broadcast cancelled")
    person_ids = {row.person_id for row in rows if row.person_id is not None}
    if not person_ids:
        return verdicts
    people = {
        p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(person_ids)))
    }
    latest: dict[tuple[int, str], bool] = {}
    events = await session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.person_id.in_(person_ids))
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    for event in events:
        latest[(event.person_id, event.purpose)] = event.granted
    for row in rows:
        if row.person_id is None or row.id in verdicts:
            continue  # a group or channel: no person's consent involved
        person = people.get(row.person_id)
        if person is None or person.status != Status.ACTIVE or person.telegram_id is None:
            verdicts[row.id] = (OutboxStatus.DROPPED.value, "person paused or erased")
        elif row.purpose is not None and not latest.get((row.person_id, row.purpose), False):
            verdicts[row.id] = (OutboxStatus.DROPPED.value, "consent withdrawn")
        elif not person.reachable:
            verdicts[row.id] = (OutboxStatus.FAILED.value, "recipient unreachable")
    return verdicts


async def _finish(db: Database, row_id: int, **values: Any) -> None:
    async with db.begin() as session:
        # Only a row still ours: a /stop or a cancel while it was in flight already decided.
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == SENDING)
            .values(**values)
        )


async def mark_sent(db: Database, row_id: int, now: datetime) -> None:
    await _finish(db, row_id, status=OutboxStatus.SENT.value, sent_at=now, last_error=None)


async def mark_failed(db: Database, row_id: int, reason: str) -> None:
    """`reason` is an error type or Telegram's description: never the message or a name."""
    await _finish(db, row_id, status=OutboxStatus.FAILED.value, last_error=reason[:REASON_MAX])


async def retry_later(
    db: Database, row_id: int, not_before: datetime, reason: str, *, count: bool = True
) -> None:
    """Back to pending, due at `not_before` (the lease's end is no longer its due time).
    `count=False` for a 429: being told to wait is not a failed attempt."""
    values: dict[str, Any] = {
        "status": PENDING,
        "last_error": reason[:REASON_MAX],
        "not_before": not_before,
    }
    if not count:
        values["attempts"] = OutboxMessage.attempts - 1
    await _finish(db, row_id, **values)


async def next_due(db: Database) -> datetime | None:
    """When the earliest pending row becomes due (None: nothing pending)."""
    async with db() as session:
        return await session.scalar(
            select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == PENDING)
        )


async def has_due(db: Database, now: datetime) -> bool:
    async with db() as session:
        found = await session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status.in_((PENDING, SENDING)),
                OutboxMessage.not_before <= now,
            )
            .limit(1)
        )
    return found is not None


async def purge_finished(db: Database, before: datetime) -> int:
    """Housekeeping: finished rows hold chat ids and texts; keep them only a few days."""
    async with db.begin() as session:
        result = await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < before
            )
        )
    return result.rowcount or 0


def backoff(attempts: int) -> timedelta:
    """Network trouble: wait 2, 4, 8 ... seconds, at most 10 minutes."""
    return timedelta(seconds=min(600, 2 ** max(1, attempts)))
