"""The person's rights over their data: a copy of everything (/mydata), erasure (/forget),
and retention, which erases people nobody has heard from for too long."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select

from models import queue, report_ops
from models.consent import NOTICE_VERSION
from models.database import Database
from models.missions import Assignment
from models.people import AuditEvent, ConsentEvent, Person, Role, Status
from models.recognition import Recognition
from models.volunteers import drop_conversation


async def export(db: Database, person_id: int) -> dict[str, Any]:
    """Everything held about a person, as plain JSON-ready data."""
    async with db() as session:
        person = await session.get_one(Person, person_id)
        consent_rows = await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.person_id == person_id)
            .order_by(ConsentEvent.id)
        )
        assignment_rows = await session.scalars(
            select(Assignment).where(Assignment.person_id == person_id).order_by(Assignment.id)
        )
        missions = [
            {
                "mission": a.mission_id,
                "kind": a.mission.kind,
                "zone": a.mission.zone.name,
                "starts_at": a.mission.starts_at.isoformat(),
                "ends_at": a.mission.ends_at.isoformat(),
                "status": a.status,
                "invited_at": a.invited_at.isoformat(),
                "confirmed_at": a.confirmed_at.isoformat() if a.confirmed_at else None,
            }
            for a in assignment_rows
        ]
        audit_rows = await session.scalars(
            select(AuditEvent)
            .where(or_(AuditEvent.subject_id == person_id, AuditEvent.actor_id == person_id))
            .order_by(AuditEvent.id)
        )
        return {
            "notice_version": NOTICE_VERSION,
            "person": {
                "telegram_id": person.telegram_id,
                "username": person.username,
                "name": person.display_name,
                "postal_code": person.postal_code,
                "availability": list(person.availability or []),
                "phone": person.phone,
                "language": person.locale,
                "role": person.role,
                "status": person.status,
                "team": person.team.name if person.team else None,
                "referral_code": person.referral_code,
                "on_leaderboard": person.on_leaderboard,
                "joined_at": person.created_at.isoformat(),
                "last_seen_at": person.last_seen_at.isoformat(),
            },
            "consent_events": [
                {
                    "purpose": event.purpose,
                    "granted": event.granted,
                    "notice_version": event.notice_version,
                    "text_hash": event.text_hash,
                    "channel": event.channel,
                    "at": event.at.isoformat(),
                }
                for event in consent_rows
            ],
            "missions": missions,
            "recognitions": [
                {"code": row.code, "at": row.at.isoformat()}
                for row in await session.scalars(
                    select(Recognition)
                    .where(Recognition.person_id == person_id)
                    .order_by(Recognition.id)
                )
            ],
            # Counts only; they stay after an erasure, anonymous.
            "field_reports": await report_ops.export_for(session, person_id),
            "activity": [
                {"action": event.action, "at": event.at.isoformat()} for event in audit_rows
            ],
        }


async def forget(
    db: Database, person_id: int, now: datetime, *, reason: str = "request"
) -> int | None:
    """Erase a person's personal data. The row stays, anonymous, so counts they gave still add
    up; an audit event records that an erasure happened, and nothing about whom.

    Returns the Telegram id that was erased (None if already erased), for the caller to erase
    what lives outside the database too (conversation state in Redis)."""
    async with db.begin() as session:
        person = await session.get_one(Person, person_id)
        telegram_id = person.telegram_id
        if telegram_id is not None:
            await drop_conversation(session, telegram_id)
        await queue.erase_for_person(session, person_id)
        person.telegram_id = None
        person.username = None
        person.display_name = None
        person.postal_code = None
        person.availability = []
        person.phone = None
        person.referral_code = None
        person.locale = None
        person.team_id = None
        person.referred_by_id = None
        person.role = Role.VOLUNTEER.value
        person.on_leaderboard = False
        await session.execute(delete(Recognition).where(Recognition.person_id == person_id))
        person.last_seen_at = now
        person.status = Status.ERASED
        person.reachable = False
        person.erased_at = now
        session.add(AuditEvent(action="person.erased", detail={"reason": reason}, at=now))
    return telegram_id


async def erase_inactive(
    db: Database,
    cutoff: datetime,
    now: datetime,
    *,
    on_erased: Callable[[int], Awaitable[None]] | None = None,
) -> int:
    """Retention: erase everyone last heard from before `cutoff`. Returns how many.
    `on_erased(telegram_id)` is awaited after each erasure is committed."""
    async with db() as session:
        ids = list(
            await session.scalars(
                select(Person.id).where(
                    Person.status != Status.ERASED, Person.last_seen_at < cutoff
                )
            )
        )
    for person_id in ids:
        telegram_id = await forget(db, person_id, now, reason="retention")
        if telegram_id is not None and on_erased is not None:
            await on_erased(telegram_id)
    return len(ids)
