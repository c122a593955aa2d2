"""A bad network day: the sandbox answers 10% of the bot's calls with a 429, a 500 or no answer
at all. Sign-ups complete, a broadcast reaches everyone once, nothing crashes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Terrain
from models.clock import ManualClock
from models.people import Person
from sandbox import Sandbox
from tests.bot.helpers import sign_up
from tests.conftest import ADMIN_ID, make_settings, wait_polling


@pytest.mark.parametrize("seed", [1, 3])
async def test_ten_percent_of_calls_failing_loses_nothing(
    sandbox: Sandbox,
    database_url: str,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    seed: int,
) -> None:
    sandbox.chaos(0.10, seed=seed)
    app = Terrain(make_settings(sandbox, database_url), clock)
    task = asyncio.create_task(app.run(handle_signals=False))
    try:
        await wait_polling(sandbox, timeout=30)
        camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
        crowd = [sandbox.user(f"Bénévole {n}", language_code="fr") for n in range(6)]
        for user in (camille, *crowd):
            await sign_up(user, news=True)
        await camille.send("/broadcast")
        await camille.press("Tout")
        await camille.press("Actualités")
        await camille.send("Porte-à-porte samedi")
        await camille.expect("Destinataires : 7")
        await camille.press("Envoyer")
        # A 500 or a lost answer puts the message back with a backoff in clock time.
        for _ in range(6):
            await app.outbox.drain(timeout=60)
            clock.advance(timedelta(minutes=10))
        for user in crowd:
            got = [m for m in user.transcript if m.from_bot and "Porte-à-porte samedi" in m.text]
            assert len(got) == 1, user
        async with app.db() as session:
            assert await session.scalar(select(func.count()).select_from(Person)) == 7
        assert not task.done()
    finally:
        sandbox.chaos(0)
        await app.stop()
        await asyncio.wait_for(task, 15)
    assert sandbox.flaky is None
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.errors"]
    assert failed == []
    troubles = [r for r in sandbox.requests if r.error_code in (0, 429, 500)]
    assert {r.error_code for r in troubles} == {0, 429, 500}, "the chaos never hit"
