"""Long polling (bot/polling.py): an update is confirmed to Telegram only once handled, and a
slow one does not keep everyone else's waiting."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import Update

from bot.app import Terrain
from bot.polling import STRAGGLERS_S
from sandbox import Sandbox
from tests.bot.helpers import sign_up


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
