"""Recording recognition: a badge or a rung of the ladder, reached, congratulated once.

Which badges and rungs a person has reached is the read side's business (reports/recognition.py
reads their figures; models/ may not import it): the caller evaluates and hands the codes in.
This writes what is new, and the one message that congratulates it, in one transaction per
person. A veteran's first event after this feature ships may reach many at once: they get a
single message naming them all, never a burst."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from models import queue
from models.database import Database
from models.people import Person, Status
from models.recognition import Recognition

log = logging.getLogger(__name__)


class Congratulate(Protocol):
    """The words of a congratulation for `codes` (in the order reached), in the person's
    language: the bot hands one in, so models/ stays free of the catalogs."""

    def __call__(self, person: Person, codes: Sequence[str]) -> str: ...


async def recognize(
    db: Database,
    reached: Mapping[int, Sequence[str]],
    now: datetime,
    congratulate: Congratulate,
) -> int:
    """For each person id, the codes reached (all of them, old ones included); records the new
    ones and queues one congratulation per person. Returns how many messages were queued."""
    queued = 0
    for person_id, codes in reached.items():
        if not codes:
            continue
        try:
            queued += await _recognize_one(db, person_id, codes, now, congratulate)
        except IntegrityError:
            # Another update recognized the same code at the same moment: that one
            # congratulates, this one's transaction is rolled back whole.
            log.info("recognition of person %s already recorded concurrently", person_id)
    return queued


async def _recognize_one(
    db: Database, person_id: int, codes: Sequence[str], now: datetime, congratulate: Congratulate
) -> int:
    async with db.begin() as session:
        person = await session.get(Person, person_id)
        # Paused, erased or blocked: nothing recorded, so they are congratulated when back.
        if (
            person is None
            or person.telegram_id is None
            or person.status != Status.ACTIVE
            or not person.reachable
        ):
            return 0
        held = set(
            await session.scalars(
                select(Recognition.code).where(Recognition.person_id == person_id)
            )
        )
        new = [code for code in dict.fromkeys(codes) if code not in held]
        if not new:
            return 0
        # One statement for them all (their ids are not needed); a concurrent twin fails here,
        # before anything is queued.
        await session.execute(
            insert(Recognition), [{"person_id": person_id, "code": code, "at": now} for code in new]
        )
        # Each code is recorded once per person, so the first new one keys a unique message.
        await queue.enqueue(
            session,
            key=f"recognition:{person_id}:{new[0]}",
            chat_id=person.telegram_id,
            text=congratulate(person, new),
            now=now,
            person_id=person_id,
        )
        return 1
