"""Several processes share the outbox's pace through Redis (bot/pacing.py): together they keep
to the global rate, to each chat's, and to a 429's pause. Needs TERRAIN_TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest
from redis.asyncio import Redis

from bot.app import Terrain
from bot.pacing import LATE_TRIES, SharedPace
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


@pytest.mark.parametrize("shared", [True, False], ids=["one-pace", "own-paces"])
async def test_two_senders_keep_under_the_flood_limit_with_one_pace_only(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock, shared: bool
) -> None:
    # Each at 16/s: together 32/s against Telegram's 20/s unless they share one pace. (16, not
    # 20: the test is about sharing; the margin a busy machine's jitter needs is the bench's.)
    settings = make_settings(
        sandbox, database_url, redis_url=redis_url if shared else None, global_per_second=16
    )
    first, second = Terrain(settings, clock), Terrain(settings, clock)
    sandbox.flood_limit(20)
    users = [sandbox.user(f"V{n}", language_code="fr") for n in range(40)]
    await enqueue_for(first, users, "Tournée")
    await drain_together([first, second])
    assert sandbox.flood is not None
    assert (sandbox.flood.refused == 0) is shared
    sent = [r.params["chat_id"] for r in sandbox.calls("sendMessage") if r.ok]
    assert sorted(sent) == sorted(user.id for user in users)
    assert first.outbox.sent > 0 and second.outbox.sent > 0


async def test_a_send_that_wakes_late_takes_a_new_slot(redis_url: str) -> None:
    pace = SharedPace(Redis.from_url(redis_url), secrets.randbelow(10**9), 50)
    sent: list[float] = []
    going = asyncio.Event()

    async def send(chat: int) -> None:
        await pace.turn(chat, 1.0)
        sent.append(time.monotonic())
        if len(sent) == 10:
            going.set()

    async def stall() -> None:
        # Once sends are going out, so the rest have their slots and sleep until them (with
        # a fixed delay, a slow start could put the stall before any slot was booked).
        await going.wait()
        time.sleep(0.1)  # noqa: ASYNC251 -- the loop is busy: the sends due meanwhile wake late

    try:
        await asyncio.gather(stall(), *(send(chat) for chat in range(80)))
    finally:
        await pace.close()
    assert pace.late >= 3
    # Sent together on waking, they and the sends after them would put more than 50 in a second.
    assert max(sum(1 for t in sent if start <= t < start + 1) for start in sent) <= 50


async def test_a_process_always_late_still_sends(redis_url: str) -> None:
    # Every wake counts as late here: a send still goes after LATE_TRIES slots.
    pace = SharedPace(Redis.from_url(redis_url), secrets.randbelow(10**9), 50, late_s=0.0)
    try:
        await asyncio.wait_for(pace.turn(1, 0.0), 5)
    finally:
        await pace.close()
    assert pace.late == LATE_TRIES
