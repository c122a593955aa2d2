"""Operations the runtime needs: at-most-once updates, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.database import Database
from models.people import AuditEvent
from models.runtime import ConversationState, ProcessedUpdate


async def claim_update(db: Database, update_id: int, now: datetime) -> bool:
    """True the first time an update_id is seen, False on any later delivery of it."""
    try:
        async with db.begin() as session:
            session.add(ProcessedUpdate(update_id=update_id, at=now))
    except IntegrityError:
        return False
    return True


async def claim_updates(session: AsyncSession, update_ids: list[int], now: datetime) -> set[int]:
    """claim_update for several updates in one statement, in the caller's transaction: the
    ids seen for the first time."""
    if not update_ids:
        return set()
    make = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [{"update_id": update_id, "at": now} for update_id in update_ids]
    claim = make(ProcessedUpdate).values(rows).on_conflict_do_nothing()
    return set(await session.scalars(claim.returning(ProcessedUpdate.update_id)))


async def release_update(db: Database, update_id: int) -> None:
    """Its handling failed for want of the database: let its next delivery be handled."""
    async with db.begin() as session:
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))


async def forget_processed_updates(db: Database, before: datetime) -> int:
    async with db.begin() as session:
        result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
    return result.rowcount or 0


async def audit(
    db: Database,
    action: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    subject_id: int | None = None,
    **detail: Any,
) -> None:
    """Record an action. `detail` must hold no personal data: ids, roles, command names."""
    async with db.begin() as session:
        session.add(
            AuditEvent(
                action=action, actor_id=actor_id, subject_id=subject_id, detail=detail, at=now
            )
        )


async def forget_stale_conversations(db: Database, before: datetime) -> int:
    """Conversations abandoned half-way, e.g. someone who never answered the notice."""
    async with db.begin() as session:
        result = await session.execute(
            delete(ConversationState).where(ConversationState.updated_at < before)
        )
    return result.rowcount or 0
