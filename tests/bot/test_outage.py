"""The database briefly unusable: an update is not confirmed to Telegram until it has been
handled, so it comes again and is handled once the database is back, exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Terrain
from bot.errors import unavailable
from sandbox import Sandbox
from tests.bot.helpers import sign_up


def hold_write_lock(path: Path, seconds: float, taken: threading.Event) -> None:
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        taken.set()
        threading.Event().wait(seconds)
        connection.rollback()
    finally:
        connection.close()


async def test_a_locked_database_delays_updates_and_loses_none(
    sandbox: Sandbox, terrain: Terrain, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a file lock is SQLite's kind of outage (PostgreSQL: see test below)")
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await sandbox.settle()
    path = Path(database_url.split("///", 1)[1])
    taken = threading.Event()
    # Longer than the 5 s busy timeout: the bot's write fails with "database is locked".
    holder = threading.Thread(target=hold_write_lock, args=(path, 7.0, taken))
    holder.start()
    await asyncio.to_thread(taken.wait, 5)
    handed_out = sandbox.updates.delivered
    await anna.send("/help")
    await asyncio.to_thread(holder.join, 20)
    await anna.expect("/mydata", timeout=30)
    await sandbox.settle()
    replies = [m.text for m in anna.transcript if m.from_bot]
    assert sum("/mydata" in text for text in replies[-3:]) == 1
    assert not any("Désolé" in text for text in replies)  # no apology: nothing failed for her
    # The update was handed out again: it had not been confirmed while the file was locked.
    assert sandbox.updates.delivered - handed_out >= 2


async def test_postgresql_going_away_delays_updates_and_loses_none(
    sandbox: Sandbox, terrain: Terrain, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's outage; SQLite's is the locked file above")
    import asyncpg

    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await sandbox.settle()
    url = make_url(database_url)
    name = url.database  # this test's own (one per pytest-xdist worker)
    server = url.set(drivername="postgresql", database="postgres")
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        # The bot's connections are cut and new ones refused, as in a failover.
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        handed_out = sandbox.updates.delivered
        await anna.send("/help")
        await asyncio.sleep(2)
        assert not [m for m in anna.replies() if "/mydata" in m.text]
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
    await anna.expect("/mydata", timeout=30)
    await sandbox.settle()
    replies = [m.text for m in anna.transcript if m.from_bot]
    assert sum("/mydata" in text for text in replies[-3:]) == 1
    assert not any("Désolé" in text for text in replies)
    assert sandbox.updates.delivered - handed_out >= 2


@pytest.mark.parametrize(
    "host",
    [
        "terrain-no-such-host.invalid",  # its name gone: a stopped container leaves the DNS
        "127.0.0.1:1",  # nothing listening
    ],
)
async def test_a_database_host_that_is_not_there_is_an_outage_not_a_bug(host: str) -> None:
    """asyncpg raises these unwrapped while connecting; taken for a bug, the update would be
    confirmed with nothing done (seen with docker-compose.yml: PostgreSQL's container killed,
    tests/test_compose.py)."""
    engine = create_async_engine(f"postgresql+asyncpg://terrain@{host}/terrain")
    try:
        with pytest.raises(OSError) as raised:
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    assert unavailable(raised.value)
