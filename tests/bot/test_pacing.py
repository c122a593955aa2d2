"""Several processes share the outbox's pace through Redis (bot/pacing.py): together they keep
to the global rate, to each chat's, and to a 429's pause. Needs TERRAIN_TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import secrets

from redis.asyncio import Redis

from bot.app import Terrain
from bot.pacing import SharedPace
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.test_outbox_replicas import drain_together, enqueue_for
from tests.conftest import make_settings


async def test_two_processes_take_turns_a_rate_apart(redis_url: str) -> None:
    bot_id = secrets.randbelow(10**9)  # keys of their own
    first, second = (SharedPace(Redis.from_url(redis_url), bot_id, 50) for _ in range(2))
    try:
        turns = await asyncio.gather(
            *(pace.reserve(chat, 1.0) for chat in range(40) for pace in (first, second))
        )
        slots = sorted(slot for slot, _ in turns)
        # 80 sends at 50/s: one every 20 ms (and a little), whoever asks.
        assert all(b - a >= 20 for a, b in zip(slots, slots[1:], strict=False))
        assert slots[-1] - slots[0] >= 79 * 20
        # The same chat again: a second after its last turn, though the global slot is sooner.
        last_of_chat_7 = max(
            slot for (slot, _), n in zip(turns, range(80), strict=True) if n // 2 == 7
        )
        again, _ = await first.reserve(7, 1.0)
        assert again >= last_of_chat_7 + 1000
        # A 429 seen by one process pauses the other's sends too.
        await second.pause(2.0)
        paused, wait = await first.reserve(1000, 1.0)
        assert wait >= 1.9 and paused >= again
    finally:
        await first.close()
        await second.close()


async def test_two_senders_with_redis_stay_under_the_flood_limit(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    # Each at the whole rate on its own would send twice the limit: 429s.
    settings = make_settings(sandbox, database_url, redis_url=redis_url, global_per_second=20)
    first, second = Terrain(settings, clock), Terrain(settings, clock)
    sandbox.flood_limit(20)
    users = [sandbox.user(f"V{n}", language_code="fr") for n in range(40)]
    await enqueue_for(first, users, "Tournée")
    await drain_together([first, second])
    assert sandbox.flood is not None and sandbox.flood.refused == 0
    sent = [r.params["chat_id"] for r in sandbox.calls("sendMessage") if r.ok]
    assert sorted(sent) == sorted(user.id for user in users)
    assert first.outbox.sent > 0 and second.outbox.sent > 0
