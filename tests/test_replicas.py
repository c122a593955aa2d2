"""Several real bot processes on one PostgreSQL: each outbox message is sent by exactly one of
them, and a scheduled tick runs in one process at a time."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.app import Terrain
from models import queue
from models.clock import Clock
from models.database import upgrade
from sandbox import Sandbox
from tests.bot.missions.kit import person
from tests.conftest import TOKEN, make_settings

PG_URL = os.environ.get("TERRAIN_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(
    not PG_URL, reason="TERRAIN_TEST_DATABASE_URL not set: replicas need a shared PostgreSQL"
)
ROOT = Path(__file__).parents[1]


@pytest.fixture
async def shared_db() -> str:
    from tests.conftest import _reset_postgres

    assert PG_URL is not None
    await _reset_postgres(PG_URL)
    await asyncio.to_thread(upgrade, PG_URL)
    return PG_URL


async def replica(sandbox: Sandbox, url: str, *args: str, **env: str) -> str:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERRAIN_BOT_TOKEN": TOKEN,
        "TERRAIN_DATABASE_URL": url,
        "TERRAIN_TELEGRAM_API_URL": sandbox.base_url,
        "TERRAIN_OUTBOX_POLL_S": "0.05",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.replica", *args,
        cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode().strip()


async def test_two_processes_send_each_message_once(sandbox: Sandbox, shared_db: str) -> None:
    app = Terrain(make_settings(sandbox, shared_db), Clock())
    users = [sandbox.user(f"V{n}", language_code="fr") for n in range(300)]
    people = [await person(app, user) for user in users]
    async with app.db.begin() as session:
        for user, who in zip(users, people, strict=True):
            await queue.enqueue(
                session, key=f"r:{who.id}", chat_id=user.id, text=f"Bonjour {user.first_name}",
                now=app.clock.now(), person_id=who.id,
            )  # fmt: skip
    await app.bot.session.close()
    await app.engine.dispose()
    # 40/s each: one process alone would need 7 s, far more than the other's start-up.
    rate = {"TERRAIN_GLOBAL_PER_SECOND": "40"}
    said = await asyncio.gather(
        replica(sandbox, shared_db, "outbox", **rate), replica(sandbox, shared_db, "outbox", **rate)
    )
    sent = Counter(r.params["chat_id"] for r in sandbox.calls("sendMessage") if r.ok)
    assert sorted(sent) == sorted(user.id for user in users)
    assert set(sent.values()) == {1}
    counts = [int(line.split()[1]) for line in said]
    assert sum(counts) == len(users)
    assert all(count > 0 for count in counts), said


async def test_a_tick_runs_in_one_process_at_a_time(sandbox: Sandbox, shared_db: str) -> None:
    said = await asyncio.gather(
        *(replica(sandbox, shared_db, "lock", "reminders", "3") for _ in range(2))
    )
    assert sorted(said) == ["held", "skipped"]
    # Once released, the next round is anyone's.
    assert await replica(sandbox, shared_db, "lock", "reminders", "0") == "held"
