"""The command line as a new user meets it: clear one-line refusals, migrations, no token in
the logs of a real run."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from sandbox import Sandbox
from tests.conftest import TOKEN, wait_polling

ROOT = Path(__file__).resolve().parents[1]


def terrain(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = terrain("run", TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "@BotFather" in lines[0]


def test_malformed_token_and_database_url_get_one_line_each(tmp_path: Path) -> None:
    bad_token = terrain("run", TERRAIN_BOT_TOKEN="not-a-token")
    assert bad_token.returncode == 2
    assert len(bad_token.stderr.strip().splitlines()) == 1
    assert "malformed" in bad_token.stderr and "not-a-token" not in bad_token.stderr
    bad_url = terrain("run", TERRAIN_BOT_TOKEN=TOKEN, TERRAIN_DATABASE_URL="mysql://x/y")
    assert bad_url.returncode == 2
    assert len(bad_url.stderr.strip().splitlines()) == 1
    assert "TERRAIN_DATABASE_URL" in bad_url.stderr


def test_db_upgrade_creates_a_wal_database(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "terrain.db"
    result = terrain("db", "upgrade", TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"people", "consent_events", "audit_events", "alembic_version"} <= tables
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_run_starts_polls_and_never_logs_the_token(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="terrain_test_bot")
    await sandbox.start()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=ROOT,
        env={
            **clean,
            "TERRAIN_BOT_TOKEN": TOKEN,
            "TERRAIN_TELEGRAM_API_URL": sandbox.base_url,
            "TERRAIN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_polling(sandbox, timeout=30)
        user = sandbox.user("Nina", language_code="fr")
        await user.send("/help")
        await user.expect("/start")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        await sandbox.stop()
    log = output.decode()
    assert "running as @terrain_test_bot" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "is handled" not in log  # aiogram's line per update: not at INFO
    assert (tmp_path / "run.db").exists()


async def test_a_token_telegram_refuses_gets_one_line(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="terrain_test_bot")
    await sandbox.start()
    other = "987654321:ANOTHER-token-abcdefghijklmnopqrstuvw"
    try:
        result = await asyncio.to_thread(
            terrain,
            "run",
            TERRAIN_BOT_TOKEN=other,
            TERRAIN_TELEGRAM_API_URL=sandbox.base_url,
            TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db",
        )
    finally:
        await sandbox.stop()
    assert result.returncode == 2
    assert "401" in result.stderr and other not in result.stderr + result.stdout


def test_unreachable_database_gets_one_line() -> None:
    result = terrain(
        "run",
        TERRAIN_BOT_TOKEN=TOKEN,
        TERRAIN_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:9/none",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "terrain: cannot use the database (ConnectionRefusedError): check TERRAIN_DATABASE_URL"
    ]


def test_a_malformed_redis_url_gets_one_line_without_the_url(tmp_path: Path) -> None:
    for url in ("localhost:6379", "redis://:s3cret@host:port/0", "redis://h/abc", "http://h"):
        result = terrain(
            "run",
            TERRAIN_BOT_TOKEN=TOKEN,
            TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db",
            TERRAIN_REDIS_URL=url,
        )
        assert result.returncode == 2, url
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "TERRAIN_REDIS_URL" in lines[0], url
        assert "s3cret" not in result.stderr


def test_unreachable_redis_gets_one_line(tmp_path: Path) -> None:
    result = terrain(
        "run",
        TERRAIN_BOT_TOKEN=TOKEN,
        TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db",
        TERRAIN_REDIS_URL="redis://:s3cret@127.0.0.1:9/0",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "terrain: cannot use Redis (ConnectionError): check TERRAIN_REDIS_URL"
    ]
