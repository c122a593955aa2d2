"""Conversation state in Redis (TERRAIN_REDIS_URL): it survives a restart, one chat's updates
are handled one at a time even across replicas, and erasure leaves no key behind.
Needs TERRAIN_TEST_REDIS_URL (a Redis database the tests flush); skipped otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis

from bot.app import Terrain
from bot.jobs import enforce_retention
from bot.storage import TerrainRedisStorage, conversation_storage
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.helpers import all_rows, person_of, sign_up
from tests.conftest import make_settings


@asynccontextmanager
async def running(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> AsyncIterator[Terrain]:
    app = Terrain(make_settings(sandbox, database_url, redis_url=redis_url), clock)
    calls = len(sandbox.calls("getUpdates"))
    task = asyncio.create_task(app.run(handle_signals=False))
    await sandbox.wait_until(
        lambda: len(sandbox.calls("getUpdates")) > calls, 10, lambda: "the bot never polled"
    )
    try:
        yield app
    finally:
        await app.stop()
        await asyncio.wait_for(task, 10)


async def keys(redis_url: str) -> list[str]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        return sorted([key async for key in client.scan_iter(match="*")])
    finally:
        await client.aclose()


def of_user(found: list[str], user_id: int) -> list[str]:
    return [key for key in found if str(user_id) in key.split(":")]


async def test_a_sign_up_continues_after_a_restart(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    async with running(sandbox, database_url, redis_url, clock) as first:
        await anna.send("/start")
        await anna.expect("Rejoindre")
        await anna.press("Actualités")  # a choice held in the conversation's data
        await sandbox.settle()
        assert (await all_rows(first))["conversation_states"] == []  # it is in Redis
        held = of_user(await keys(redis_url), anna.id)
        me = await first.bot.me()
        assert held == [f"fsm:{me.id}:{anna.id}:{anna.id}:default:{p}" for p in ("data", "state")]

    async with running(sandbox, database_url, redis_url, clock) as second:
        await anna.press("Coordonner")
        await anna.press("Rejoindre")
        await anna.expect("Quel nom")
        await anna.send("Anna K")
        await anna.expect("code postal")

    async with running(sandbox, database_url, redis_url, clock) as third:
        await anna.send("29200")  # the answer to the question asked before the restart
        await anna.expect("disponible")
        await anna.press("Samedis")
        await anna.press("Terminé")
        await anna.expect("numéro")
        await anna.send("Passer")
        await anna.expect("Bienvenue")
        person = await person_of(third, anna.id)
        assert (person.display_name, person.postal_code) == ("Anna K", "29200")
        rows = await all_rows(third)
        granted = {e["purpose"]: e["granted"] for e in rows["consent_events"]}
        assert granted == {"volunteering": True, "news": True}
    assert second is not third
    await sandbox.settle()
    assert of_user(await keys(redis_url), anna.id) == []  # a finished conversation: no key


async def test_a_double_tap_is_handled_in_order(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    async with running(sandbox, database_url, redis_url, clock) as app:
        await anna.send("/start")
        await anna.expect("Rejoindre")
        for _ in range(3):  # three quick taps, read-modify-write each: on, off, on
            await anna.press("Actualités", wait=False)
        await sandbox.settle()
        key = StorageKey(bot_id=app.bot.id, chat_id=anna.id, user_id=anna.id)
        data = await app.conversations.get_data(key)
        assert data["choices"]["news"] is True


async def test_two_replicas_never_hold_one_chat_at_once(
    database_url: str, redis_url: str, clock: ManualClock
) -> None:
    from models.database import create_database, create_engine

    engine = create_engine(database_url)
    db = create_database(engine)
    replicas = [conversation_storage(redis_url, db, clock, 42) for _ in range(2)]
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    inside: list[int] = []
    overlaps: list[int] = []

    async def handle(replica: int) -> None:
        _, isolation = replicas[replica % 2]
        async with isolation.lock(key):
            if inside:
                overlaps.append(replica)
            inside.append(replica)
            await asyncio.sleep(0.02)
            inside.remove(replica)

    try:
        await asyncio.gather(*(handle(i) for i in range(6)))
    finally:
        for storage, _ in replicas:
            await storage.close()
        await engine.dispose()
    assert overlaps == []
    assert of_user(await keys(redis_url), 7) == []  # locks released


async def test_forget_leaves_no_key(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    async with running(sandbox, database_url, redis_url, clock) as app:
        await sign_up(anna, name="Anna K")
        await bob.send("/start")  # Bob is mid-way: his conversation must stay
        await bob.expect("Rejoindre")
        # A conversation of Anna's in another chat (a group's thread), as Redis would hold it.
        elsewhere = StorageKey(bot_id=app.bot.id, chat_id=-100123, user_id=anna.id, thread_id=5)
        await app.conversations.set_state(elsewhere, "Somewhere:else")
        await anna.send("/forget")
        await anna.expect("Effacer toutes vos données personnelles ?")
        assert of_user(await keys(redis_url), anna.id)  # the question is a conversation
        await anna.press("Oui, tout effacer")
        await anna.expect("C'est fait")
        await sandbox.settle()
        assert of_user(await keys(redis_url), anna.id) == []
        assert len(of_user(await keys(redis_url), bob.id)) == 2
        assert await person_of(app, anna.id) is None


async def test_refusing_consent_leaves_no_key(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    zoe = sandbox.user("Zoé", language_code="fr")
    async with running(sandbox, database_url, redis_url, clock) as app:
        await zoe.send("/start")
        await zoe.expect("Rejoindre")
        await zoe.press("Actualités")
        assert len(of_user(await keys(redis_url), zoe.id)) == 2
        await zoe.press("Non merci")
        await zoe.expect("Rien vous concernant")
        await sandbox.settle()
        assert of_user(await keys(redis_url), zoe.id) == []
        rows = await all_rows(app)
        assert rows["people"] == [] and rows["conversation_states"] == []


async def test_retention_erases_conversations_in_redis(
    sandbox: Sandbox, database_url: str, redis_url: str, clock: ManualClock
) -> None:
    solene = sandbox.user("Solène", language_code="fr")
    paul = sandbox.user("Paul", language_code="fr")
    async with running(sandbox, database_url, redis_url, clock) as app:
        await sign_up(solene)
        await sign_up(paul)
        storage = app.conversations
        assert isinstance(storage, TerrainRedisStorage)
        for user in (solene, paul):
            key = StorageKey(bot_id=app.bot.id, chat_id=user.id, user_id=user.id)
            await storage.set_state(key, "Somewhere:else")
        clock.advance(timedelta(days=app.settings.retention_days - 1))
        await paul.send("/help")
        await paul.expect("/mydata")
        await sandbox.settle()
        clock.advance(timedelta(days=2))
        days = app.settings.retention_days
        assert await enforce_retention(app.db, clock, days, storage.forget_user) == 1
        assert of_user(await keys(redis_url), solene.id) == []
        assert len(of_user(await keys(redis_url), paul.id)) == 1
