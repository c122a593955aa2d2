"""What a bot does once, as it starts serving (bot/app.py)."""

from __future__ import annotations

import gc

from bot.app import Terrain, freeze_startup_heap


async def test_a_serving_bot_has_its_startup_heap_out_of_the_collectors_way(
    terrain: Terrain,
) -> None:
    # Once per process: the first bot of a test run froze it, and a second call adds nothing.
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # aiogram's, pydantic's and SQLAlchemy's types, at least
    freeze_startup_heap()
    assert gc.get_freeze_count() == frozen
