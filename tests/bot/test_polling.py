"""Long polling (bot/polling.py): an update is confirmed to Telegram only once handled, and a
slow one does not keep everyone else's waiting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram.types import Update

from bot import polling
from bot.app import Terrain
from bot.polling import STRAGGLERS_S
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.helpers import sign_up
from tests.conftest import make_settings, wait_polling


async def test_a_slow_update_does_not_hold_the_others(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    tom = sandbox.user("Tom", language_code="fr")
    await sign_up(anna)
    await sign_up(tom)
    release = asyncio.Event()

    async def slow(handler: Any, update: Update, data: dict[str, Any]) -> Any:
        # A stand-in for a long export: Anna's next update takes as long as the test says.
        if update.message and update.message.from_user and update.message.from_user.id == anna.id:
            await release.wait()
        return await handler(update, data)

    terrain.dispatcher.update.outer_middleware(slow)
    await anna.send("/mystats")
    await asyncio.sleep(0.1)  # Anna's update is running
    await tom.send("/help")
    # Tom is answered while Anna's update still runs, not after it.
    await tom.expect("/mydata", timeout=STRAGGLERS_S + 3)
    assert not [m for m in anna.replies() if "chiffres" in m.text]
    release.set()
    await anna.expect("chiffres")
    await sandbox.settle()
    # Tom's update came again while Anna's was running (the offset could not pass hers), and
    # was answered once; both are confirmed now.
    delivered = [
        update["update_id"] for call in sandbox.calls("getUpdates") for update in call.result or []
    ]
    toms = [m for m in tom.replies() if "/mydata" in m.text]
    assert len(toms) == 1
    assert len(delivered) > len(set(delivered))
    assert not sandbox.updates.pending


def _holding(terrain: Terrain, person: int, hold: Any) -> None:
    """`person`'s updates run `hold()` before they are handled."""

    async def middleware(handler: Any, update: Update, data: dict[str, Any]) -> Any:
        message = update.message
        if message and message.from_user and message.from_user.id == person:
            await hold()
        return await handler(update, data)

    terrain.dispatcher.update.outer_middleware(middleware)


async def test_what_waits_on_something_else_does_not_hold_the_others(
    sandbox: Sandbox, terrain: Terrain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches may run for as long as the test: only the loop sitting idle beside Anna's
    # update (a chart, an export waiting on another process) lets Tom's in.
    monkeypatch.setattr(polling, "STRAGGLERS_S", 60.0)
    anna = sandbox.user("Anna", language_code="fr")
    tom = sandbox.user("Tom", language_code="fr")
    await sign_up(anna)
    await sign_up(tom)
    release = asyncio.Event()
    _holding(terrain, anna.id, release.wait)
    await anna.send("/mystats")
    await asyncio.sleep(0.1)  # Anna's update is running
    await tom.send("/help")
    await tom.expect("/mydata", timeout=10)
    # Nobody else writes while Anna's update waits: Telegram is asked ever less often.
    calls = len(sandbox.calls("getUpdates"))
    await asyncio.sleep(1.6)
    assert len(sandbox.calls("getUpdates")) - calls <= 8  # 50, 100, 200 ms...: 5 or 6
    release.set()
    await anna.expect("chiffres")
    await sandbox.settle()
    assert len([m for m in tom.replies() if "/mydata" in m.text]) == 1
    assert not sandbox.updates.pending


async def test_a_batch_that_keeps_the_loop_busy_is_not_interrupted(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    started = asyncio.Event()

    async def busy() -> None:
        # Work in the loop's own thread, in short slices: the loop turns but is never idle.
        started.set()
        until = time.thread_time() + 0.6
        while time.thread_time() < until:
            sum(range(2_000))
            await asyncio.sleep(0)

    _holding(terrain, anna.id, busy)
    await anna.send("/mystats")
    await started.wait()
    calls = len(sandbox.calls("getUpdates"))
    await anna.expect("chiffres")
    # Asking again would only bring Anna's running update back, to be read for nothing.
    assert len(sandbox.calls("getUpdates")) - calls <= 1


async def test_what_is_handled_while_stopping_is_confirmed(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    app = Terrain(make_settings(sandbox, database_url), clock)
    task = asyncio.create_task(app.run(handle_signals=False))
    await wait_polling(sandbox)
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    release = asyncio.Event()
    _holding(app, anna.id, release.wait)
    await anna.send("/mystats")
    await asyncio.sleep(0.1)  # Anna's update is running
    await app.stop()
    release.set()
    await asyncio.wait_for(task, 10)
    # Finished before the bot stopped, not cut off; and confirmed, so that the next start is
    # not sent it again.
    assert [m for m in anna.replies() if "chiffres" in m.text]
    assert not sandbox.updates.pending
