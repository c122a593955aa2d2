"""Consent: what the notice said when someone agreed, and each choice as an append-only event."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.people import ConsentEvent, Purpose

# Bump whenever the privacy notice changes in substance; each consent event records it.
NOTICE_VERSION = "2026-11-29"
CHANNEL_TELEGRAM = "telegram"


@dataclass(frozen=True)
class NoticeProof:
    """Which notice a person saw: its version and the hash of the exact text shown."""

    version: str
    text_hash: str

    @classmethod
    def of(cls, text: str, version: str = NOTICE_VERSION) -> NoticeProof:
        return cls(version=version, text_hash=hashlib.sha256(text.encode()).hexdigest())


def consent_event(
    person_id: int, purpose: Purpose, granted: bool, proof: NoticeProof, now: datetime
) -> ConsentEvent:
    return ConsentEvent(
        person_id=person_id,
        purpose=purpose.value,
        granted=granted,
        notice_version=proof.version,
        text_hash=proof.text_hash,
        channel=CHANNEL_TELEGRAM,
        at=now,
    )


async def consents_of(session: AsyncSession, person_id: int) -> dict[Purpose, bool]:
    """Each purpose's current state: the latest event wins; no event means not granted."""
    rows = await session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.person_id == person_id)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    current = dict.fromkeys(Purpose, False)
    for event in rows:
        current[Purpose(event.purpose)] = event.granted
    return current
