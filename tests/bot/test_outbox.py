"""The outbox sender, end to end through the sandbox: rows enqueued directly, delivered under
Telegram's limits, never twice, nothing lost on errors or restarts."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from bot.app import Terrain
from models import queue
from models.clock import ManualClock
from models.outbox import OutboxMessage
from models.people import Purpose
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up
from tests.conftest import make_settings, wait_polling


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


async def test_not_before_waits_for_the_clock(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    later = clock.now() + timedelta(hours=2)
    await put(terrain, anna, "later", "Rappel : mission dans 2 heures", not_before=later)
    await terrain.outbox.drain()
    await sandbox.settle()
    assert "Rappel" not in bot_texts(anna)[-1]
    clock.advance(timedelta(hours=2))
    await terrain.outbox.drain()
    assert bot_texts(anna)[-1] == "Rappel : mission dans 2 heures"


async def test_documents_and_buttons_follow_the_payload_contract(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="J'y serai", callback_data="x:1")]]
    )
    await put(
        terrain,
        anna,
        "card",
        "Mission <b>tractage</b>",
        payload={"reply_markup": markup.model_dump(exclude_none=True)},
    )
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    await put(
        terrain,
        anna,
        "ics",
        "Dans votre agenda",
        kind="document",
        payload={"file_name": "mission.ics", "content": ics, "mime_type": "text/calendar"},
    )
    await terrain.outbox.drain()
    card, document = anna.transcript[-2:]
    assert card.text == "Mission tractage" and card.buttons == [["J'y serai"]]
    assert document.document.file_name == "mission.ics"
    assert document.document.data.decode() == ics
    assert document.text == "Dans votre agenda"


async def test_a_429_storm_pauses_everything_and_loses_nothing(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    users = [sandbox.user(name, language_code="fr") for name in ("Anna", "Bob", "Chloé")]
    for user in users:
        await sign_up(user)
    await sandbox.settle()
    sandbox.inject_error("sendMessage", 429, retry_after=1, count=4)
    for user in users:
        for n in range(2):
            await put(terrain, user, f"storm:{user.id}:{n}", f"Message {n} pour {user.first_name}")
    await terrain.outbox.drain(timeout=30)
    for user in users:
        texts = bot_texts(user)
        for n in range(2):
            assert texts.count(f"Message {n} pour {user.first_name}") == 1
    sends = sandbox.calls("sendMessage")
    refused = [r for r in sends if r.error_code == 429]
    assert refused, "the storm never hit"
    for record in refused:
        # Requests already on the wire when the 429 came back excepted (0.1 s), nothing was
        # sent during the pause.
        during = [r for r in sends if record.time + 0.1 < r.time < record.time + 1 - 0.05]
        assert during == [], f"{len(during)} request(s) during a pause"
    assert all(r.status == "sent" for r in (await rows(terrain)).values())


async def test_a_blocked_person_is_marked_unreachable_and_others_still_served(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    await sign_up(anna)
    await sign_up(bob)
    await sandbox.settle()
    sandbox.inject_error("sendMessage", 403, chat_id=bob.id)
    await put(terrain, bob, "b", "Pour Bob")
    await put(terrain, anna, "a", "Pour Anna")
    await put(terrain, bob, "b2", "Encore pour Bob")
    await terrain.outbox.drain()
    assert bot_texts(anna)[-1] == "Pour Anna"
    assert "Pour Bob" not in bot_texts(bob)
    assert (await person_of(terrain, bob.id)).reachable is False
    found = await rows(terrain)
    assert found["b"].status == "failed" and found["b"].last_error.startswith("403")
    # Not tried again while unreachable: Telegram would only refuse it again.
    assert (found["b2"].status, found["b2"].last_error) == ("failed", "recipient unreachable")
    tries = [r for r in sandbox.calls("sendMessage") if r.params.get("chat_id") == bob.id]
    assert len([r for r in tries if r.error_code == 403]) == 1


async def test_a_bad_request_fails_with_the_reason(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await sandbox.settle()
    sandbox.inject_error("sendMessage", 400, chat_id=anna.id)
    await put(terrain, anna, "bad", "Refusé")
    await put(terrain, anna, "good", "Accepté")
    await terrain.outbox.drain()
    found = await rows(terrain)
    assert found["bad"].status == "failed"
    assert found["bad"].last_error == "400 Bad Request: injected error"
    assert found["good"].status == "sent" and bot_texts(anna)[-1] == "Accepté"


async def test_stop_forget_and_withdrawn_consent_stop_queued_messages(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    chloe = sandbox.user("Chloé", language_code="fr")
    for user in (anna, bob, chloe):
        await sign_up(user)
    soon = clock.now() + timedelta(minutes=5)
    for user in (anna, bob, chloe):
        await put(terrain, user, f"m:{user.id}", "Mission demain", not_before=soon)
    # Chloé never agreed to campaign news.
    await put(terrain, chloe, "news", "Actualités", purpose=Purpose.NEWS, not_before=soon)
    await anna.send("/stop")
    await anna.expect("En pause")
    await bob.send("/forget")
    await bob.press("Oui")
    await bob.expect("effacé")
    clock.advance(timedelta(minutes=5))
    await terrain.outbox.drain()
    await sandbox.settle()
    assert "Mission demain" not in bot_texts(anna) + bot_texts(bob)
    assert bot_texts(chloe)[-1] == "Mission demain"
    found = await rows(terrain)
    assert found[f"m:{anna.id}"].status == "dropped"
    assert f"m:{bob.id}" not in found  # erased with everything else about Bob
    assert (found["news"].status, found["news"].last_error) == ("dropped", "consent withdrawn")


async def test_two_messages_to_one_chat_are_paced(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    for n in range(3):
        await put(terrain, anna, f"p:{n}", f"Message {n}")
    await terrain.outbox.drain()
    times = [
        r.time
        for r in sandbox.calls("sendMessage")
        if r.params.get("chat_id") == anna.id and str(r.params.get("text", "")).startswith("Mess")
    ]
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= terrain.settings.per_chat_interval_s - 0.05, gaps


async def test_a_restart_loses_nothing_and_repeats_nothing(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(sandbox, database_url, per_chat_interval_s=0.2)
    first = Terrain(settings, clock)
    task = asyncio.create_task(first.run(handle_signals=False))
    await wait_polling(sandbox)
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    for n in range(6):
        await put(first, anna, f"q:{n}", f"Numéro {n}")
    await anna.wait_for(lambda: any("Numéro 0" in t for t in bot_texts(anna)))
    await first.stop()
    await asyncio.wait_for(task, 10)
    # A crash between claiming and sending leaves a row in "sending".
    async with first.db.begin() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.status == "pending").limit(1)
        )
        assert row is not None, "everything went out before the stop"
        row.status = "sending"
    await first.engine.dispose()

    second = Terrain(settings, clock)
    task = asyncio.create_task(second.run(handle_signals=False))
    await second.outbox.drain()
    await second.stop()
    await asyncio.wait_for(task, 10)
    texts = bot_texts(anna)
    assert [texts.count(f"Numéro {n}") for n in range(6)] == [1] * 6


async def test_stopping_during_a_long_pause_is_quick_and_loses_nothing(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(sandbox, database_url)
    first = Terrain(settings, clock)
    task = asyncio.create_task(first.run(handle_signals=False))
    await wait_polling(sandbox)
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await sandbox.settle()
    sandbox.inject_error("sendMessage", 429, retry_after=60, count=1)
    await put(first, anna, "long", "Après la pause")
    await sandbox.wait_until(
        lambda: [r for r in sandbox.errors() if r.error_code == 429], 5, lambda: "no 429"
    )
    started = time.monotonic()
    await first.stop()
    await asyncio.wait_for(task, 10)
    assert time.monotonic() - started < 2
    await first.engine.dispose()

    second = Terrain(settings, clock)
    task = asyncio.create_task(second.run(handle_signals=False))
    await second.outbox.drain()
    await second.stop()
    await asyncio.wait_for(task, 10)
    assert bot_texts(anna).count("Après la pause") == 1
