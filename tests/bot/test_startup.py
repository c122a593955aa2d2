"""What a bot does once, as it starts serving (bot/app.py)."""

from __future__ import annotations

import gc

from bot.app import YOUNG_OBJECTS_PER_COLLECTION, Terrain, tune_collector


async def test_a_serving_bot_has_its_startup_heap_out_of_the_collectors_way(
    terrain: Terrain,
) -> None:
    # Once per process: the first bot of a test run froze it, and a second call adds nothing.
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # aiogram's, pydantic's and SQLAlchemy's types, at least
    tune_collector()
    assert gc.get_freeze_count() == frozen


async def test_a_serving_bot_collects_young_objects_less_often(terrain: Terrain) -> None:
    assert gc.get_threshold()[0] == YOUNG_OBJECTS_PER_COLLECTION
