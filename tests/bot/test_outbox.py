"""The outbox sender, end to end through the sandbox: rows enqueued directly, delivered under
Telegram's limits, never twice, nothing lost on errors or restarts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from models import queue
from models.outbox import OutboxMessage
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up


async def put(app: Terrain, user: Any, key: str, text: str, **extra: Any) -> bool:
    person = await person_of(app, user.id)
    async with app.db.begin() as session:
        return await queue.enqueue(
            session,
            key=key,
            chat_id=user.id,
            text=text,
            now=app.clock.now(),
            person_id=person.id if person else None,
            **extra,
        )


async def rows(app: Terrain) -> dict[str, OutboxMessage]:
    async with app.db() as session:
        return {r.idempotency_key: r for r in await session.scalars(select(OutboxMessage))}


def bot_texts(user: Any) -> list[str]:
    return [m.text for m in user.transcript if m.from_bot]


async def test_queued_messages_are_delivered_once(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    await sign_up(anna)
    await sign_up(bob)
    assert await put(terrain, anna, "r:1", "Rendez-vous <b>place de la Liberté</b>")
    assert await put(terrain, bob, "r:2", "Bonjour Bob")
    assert not await put(terrain, anna, "r:1", "Rendez-vous, encore")  # same key: no new row
    await terrain.outbox.drain()
    assert bot_texts(anna)[-1] == "Rendez-vous place de la Liberté"
    assert bot_texts(bob)[-1] == "Bonjour Bob"
    assert sum("Rendez-vous" in t for t in bot_texts(anna)) == 1
    found = await rows(terrain)
    assert {k: r.status for k, r in found.items()} == {"r:1": "sent", "r:2": "sent"}
