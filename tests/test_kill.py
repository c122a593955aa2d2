"""kill -9, then a restart, with the real `terrain run` process: a 2,000-message broadcast
goes out entirely (a message in flight at the kill may go out twice, never more), and a report
conversation resumes at the question it had reached."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.app import Terrain
from models.clock import Clock
from models.database import upgrade
from models.people import ConsentEvent, Person
from models.runtime import ConversationState
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up
from tests.bot.reports.kit import mission, reports
from tests.conftest import ADMIN_ID, TOKEN, make_settings

ROOT = Path(__file__).parents[1]
CROWD = 2000


async def start(sandbox: Sandbox, url: str) -> asyncio.subprocess.Process:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    polls = len(sandbox.calls("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=ROOT,
        env={
            **clean,
            "TERRAIN_BOT_TOKEN": TOKEN,
            "TERRAIN_TELEGRAM_API_URL": sandbox.base_url,
            "TERRAIN_DATABASE_URL": url,
            "TERRAIN_ADMIN_IDS": str(ADMIN_ID),
            "TERRAIN_GLOBAL_PER_SECOND": "300",
            "TERRAIN_OUTBOX_POLL_S": "0.05",
            "TERRAIN_OUTBOX_LEASE_S": "5",  # a killed sender's rows come back after 5 s
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await sandbox.wait_until(
        lambda: len(sandbox.calls("getUpdates")) > polls, 60, lambda: "the bot never polled"
    )
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    process.kill()  # SIGKILL: no clean-up of any kind
    await process.wait()


async def stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


async def crowd(app: Terrain, sandbox: Sandbox) -> list:
    """2,000 volunteers who accepted campaign news, written in bulk."""
    users = [sandbox.user(f"V{n}", language_code="fr") for n in range(CROWD)]
    now = app.clock.now()
    async with app.db.begin() as session:
        ids = await session.scalars(
            insert(Person).returning(Person.id),
            [
                {
                    "telegram_id": user.id, "display_name": user.first_name,
                    "postal_code": "29200", "availability": [], "locale": "fr",
                    "role": "volunteer", "status": "active", "reachable": True,
                    "on_leaderboard": False, "created_at": now, "last_seen_at": now,
                }
                for user in users
            ],
        )  # fmt: skip
        proof = {"notice_version": "v1", "text_hash": "0" * 64, "channel": "test", "at": now}
        await session.execute(
            insert(ConsentEvent),
            [
                {"person_id": pid, "purpose": purpose, "granted": True, **proof}
                for pid in list(ids)
                for purpose in ("volunteering", "news")
            ],
        )
    for user in users:
        user.started = True
    return users


async def test_kill_during_a_broadcast_then_restart(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    await asyncio.to_thread(upgrade, url)
    app = Terrain(make_settings(sandbox, url), Clock())
    users = await crowd(app, sandbox)
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    first = await start(sandbox, url)
    try:
        await sign_up(camille)
        await camille.send("/broadcast")
        await camille.press("Tout")
        await camille.press("Actualités")
        await camille.send("Grande réunion jeudi")
        await camille.expect(f"Destinataires : {CROWD}")
        await camille.press("Envoyer")

        def delivered() -> int:
            return sum(
                1
                for r in sandbox.calls("sendMessage")
                if r.ok
                and r.params["chat_id"] != ADMIN_ID  # her preview
                and "Grande réunion" in str(r.params.get("text"))
            )

        await sandbox.wait_until(lambda: delivered() >= 300, 60, lambda: "no sending")
    finally:
        await kill(first)
    at_kill = delivered()
    assert at_kill < CROWD, "everything went out before the kill: nothing was tested"
    second = await start(sandbox, url)
    try:
        await sandbox.wait_until(
            lambda: delivered() >= CROWD, 120, lambda: f"{delivered()} of {CROWD} after restart"
        )
        await asyncio.sleep(1)  # anything more would be a duplicate
    finally:
        await stop(second)
    per_chat = Counter(
        r.params["chat_id"]
        for r in sandbox.calls("sendMessage")
        if r.ok
        and r.params["chat_id"] != ADMIN_ID
        and "Grande réunion" in str(r.params.get("text"))
    )
    assert set(per_chat) == {user.id for user in users}
    twice = [chat for chat, n in per_chat.items() if n > 1]
    assert max(per_chat.values()) <= 2
    # Only what was in flight at the kill: at most one claimed batch.
    assert len(twice) <= 40, f"{len(twice)} sent twice"
    await app.engine.dispose()
    await app.bot.session.close()


async def test_kill_during_a_report_then_restart(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    await asyncio.to_thread(upgrade, url)
    app = Terrain(make_settings(sandbox, url), Clock())
    anna = sandbox.user("Anna", language_code="fr")
    first = await start(sandbox, url)
    try:
        await sign_up(anna)
        who = await person_of(app, anna.id)
        assert who is not None
        await mission(app, "door_knocking", (who,), ended_ago=timedelta(hours=1))
        await anna.send("/debrief")
        await anna.expect("frappé")
        await anna.send("40")
        await anna.expect("ouvertes")
        await anna.send("12")
        await anna.expect("conversations")
    finally:
        await kill(first)
    second = await start(sandbox, url)
    try:
        await anna.send("6")  # the answer to the question she was asked before the kill
        await anna.expect("favorables", timeout=20)  # the next question, not the first again
    finally:
        await stop(second)
    async with app.db() as session:
        state = await session.scalar(
            select(ConversationState).where(ConversationState.user_id == anna.id)
        )
    assert state is not None
    assert {"doors_knocked": 40, "doors_opened": 12, "conversations": 6}.items() <= (
        state.data.get("answers", {}).items()
    ), state.data
    assert await reports(app) == []  # not sent yet: still a conversation, nothing lost
    await app.engine.dispose()
    await app.bot.session.close()
