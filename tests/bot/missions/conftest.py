"""The mission tests' Terrain: its outbox sender is not held back by Telegram's global rate
(the tests send many cards at once) and looks often."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import Terrain
from sandbox import Sandbox
from tests.conftest import make_settings, wait_polling


@pytest.fixture
async def app(sandbox: Sandbox, database_url: str, clock: Any) -> AsyncIterator[Terrain]:
    """A Terrain whose sender is not held back by Telegram's global rate (tests send many)."""
    settings = make_settings(sandbox, database_url, global_per_second=1000, outbox_poll_s=0.05)
    terrain = Terrain(settings, clock)
    task = asyncio.create_task(terrain.run(handle_signals=False))
    await wait_polling(sandbox)
    yield terrain
    await terrain.stop()
    await asyncio.wait_for(task, 10)
