"""Messages about missions that go out later, through the outbox. The domain decides who is
told what and when (and the idempotency key); the words come from a `Compose` function the
bot hands in, so models/ stays free of aiogram and of the catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from models import queue
from models.missions import Assignment, Mission
from models.people import Person, Status


@dataclass(frozen=True)
class Notice:
    """One outgoing message; `part` tells apart several messages for one event (card, .ics)."""

    part: str
    text: str
    kind: str = "text"
    payload: dict[str, Any] = field(default_factory=dict)


class Compose(Protocol):
    def __call__(
        self,
        event: str,
        person: Person,
        mission: Mission,
        assignment: Assignment | None = None,
        **extra: Any,
    ) -> list[Notice]: ...


# What each event means to the person told (the compose function renders them):
# invited (card with Accept/Decline + .ics), promoted, edited, rescheduled (+ .ics),
# cancelled, confirm (still coming? buttons), remind, debrief, flag (to the organizer).


async def tell(
    session: AsyncSession,
    compose: Compose,
    event: str,
    key: str,
    person: Person,
    mission: Mission,
    now: datetime,
    assignment: Assignment | None = None,
    **extra: Any,
) -> int:
    """Enqueue `event` for `person` in the caller's transaction; returns rows added. People
    paused, erased or unreachable are skipped: the outbox would drop them anyway."""
    if person.telegram_id is None or person.status != Status.ACTIVE or not person.reachable:
        return 0
    added = 0
    for notice in compose(event, person, mission, assignment, **extra):
        added += await queue.enqueue(
            session,
            key=f"{key}:{notice.part}",
            chat_id=person.telegram_id,
            text=notice.text,
            now=now,
            person_id=person.id,
            kind=notice.kind,
            payload=notice.payload or None,
        )
    return added
