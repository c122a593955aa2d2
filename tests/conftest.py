"""Fixtures that run the real Terrain against the sandbox over HTTP, on a real database:
a fresh SQLite file per test, and the same suite on PostgreSQL when
TERRAIN_TEST_DATABASE_URL is set. Conversation state in Redis is tested when
TERRAIN_TEST_REDIS_URL names a Redis database the tests may flush.

With pytest-xdist (`-n 4`) each worker gets a PostgreSQL database and a Redis database of its
own, derived from those URLs (`test_gw1`; Redis 15, 14, ...), written back to the environment
for the tests and processes that read it there."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Terrain
from bot.settings import Settings
from models.clock import ManualClock
from models.database import upgrade
from sandbox import Sandbox

TOKEN = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT_USERNAME = "terrain_test_bot"
ADMIN_ID = 900001
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# "gw0", "gw1"... under pytest-xdist, else None.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_number() -> int:
    return int(WORKER.removeprefix("gw")) if WORKER else 0


def _own_postgres(url: str | None) -> str | None:
    if url is None or WORKER is None:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


def _own_redis(url: str | None) -> str | None:
    """The worker's Redis database: the one named, then the ones below it."""
    if url is None or WORKER is None:
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - _worker_number()
    if number < 0:
        raise pytest.UsageError(f"too many workers for Redis databases below {parts.path}")
    return urlunsplit(parts._replace(path=f"/{number}"))


BASE_PG_URL = os.environ.get("TERRAIN_TEST_DATABASE_URL")
PG_URL = _own_postgres(BASE_PG_URL)
REDIS_URL = _own_redis(os.environ.get("TERRAIN_TEST_REDIS_URL"))
for _name, _url in (("TERRAIN_TEST_DATABASE_URL", PG_URL), ("TERRAIN_TEST_REDIS_URL", REDIS_URL)):
    if _url is not None:
        os.environ[_name] = _url


async def _create_postgres(base: str, url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            found = "SELECT 1 FROM pg_database WHERE datname = :name"
            if not await connection.scalar(text(found), {"name": name}):
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _worker_postgres() -> None:
    """The worker's own PostgreSQL database, created on first use."""
    if BASE_PG_URL and PG_URL and PG_URL != BASE_PG_URL:
        asyncio.run(_create_postgres(BASE_PG_URL, PG_URL))


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'terrain.db'}"
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL run skipped: set TERRAIN_TEST_DATABASE_URL to run it")
        url = PG_URL
        await _reset_postgres(url)
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database emptied before and after the test (so use a dedicated number)."""
    if not REDIS_URL:
        pytest.skip(
            "Redis run skipped: set TERRAIN_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15, "
            "a database the tests may flush) to run it"
        )
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox(token=TOKEN, bot_username=BOT_USERNAME)
    await sb.start()
    yield sb
    await sb.stop()


def make_settings(sandbox: Sandbox, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "database_url": database_url,
        "telegram_api_url": sandbox.base_url,
        "admin_ids": [ADMIN_ID],
        "campaign_name": "Brest en commun",
        "controller_name": "Association Brest en commun",
        "controller_contact": "dpo@example.org",
        "default_locale": "fr",
        "outbox_poll_s": 0.05,  # the sender looks often: tests wait on it, not on a timer
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def wait_polling(sandbox: Sandbox, timeout: float = 10) -> None:  # noqa: ASYNC109
    await sandbox.wait_until(
        lambda: sandbox.calls("getUpdates"), timeout, lambda: "the bot never polled"
    )


@pytest.fixture
async def terrain(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> AsyncIterator[Terrain]:
    app = Terrain(make_settings(sandbox, database_url), clock)
    task = asyncio.create_task(app.run(handle_signals=False))
    await wait_polling(sandbox)
    yield app
    await app.stop()
    await asyncio.wait_for(task, 10)
