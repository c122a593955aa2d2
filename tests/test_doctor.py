"""`terrain doctor` against the sandbox and real databases: each check passes when the thing
works and fails, in one line, when it doesn't."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.doctor import diagnose
from models.database import upgrade
from sandbox import Sandbox
from tests.conftest import TOKEN, make_settings


def by_check(findings: list) -> dict:
    return {finding.check: finding for finding in findings}


async def test_a_good_configuration_passes_every_check(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}"
    upgrade(url)
    redis_url = os.environ.get("TERRAIN_TEST_REDIS_URL")
    found = by_check(await diagnose(make_settings(sandbox, url, redis_url=redis_url)))
    assert all(finding.ok for finding in found.values()), found
    assert "@" in found["token"].detail
    assert "up to date" in found["database"].detail


async def test_each_problem_is_named(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"  # never migrated
    settings = make_settings(
        sandbox,
        url,
        redis_url="redis://127.0.0.1:1/0",
        webhook_url="https://bot.example.org/hook",
        webhook_secret="right_secret",
    )
    found = by_check(await diagnose(settings))
    assert found["token"].ok
    assert not found["database"].ok and "terrain db upgrade" in found["database"].detail
    assert not found["redis"].ok and "TERRAIN_REDIS_URL" in found["redis"].detail
    assert not found["webhook"].ok and "terrain run --webhook" in found["webhook"].detail
    sandbox.webhook = {"url": "https://bot.example.org/hook", "secret_token": "right_secret"}
    found = by_check(await diagnose(settings))
    assert found["webhook"].ok


async def test_a_refused_token_is_said(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = make_settings(
        sandbox, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", bot_token="999999:" + "x" * 35
    )
    found = by_check(await diagnose(settings))
    assert not found["token"].ok and "401" in found["token"].detail


def test_the_command_prints_one_line_per_check(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERRAIN_BOT_TOKEN": TOKEN,
        "TERRAIN_TELEGRAM_API_URL": "http://127.0.0.1:1",
        "TERRAIN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["token:", "database:", "redis:", "webhook:"]
    assert lines[0].startswith("FAIL") and lines[1].startswith("FAIL")
    assert TOKEN not in done.stdout + done.stderr


@pytest.mark.skipif(
    not os.environ.get("TERRAIN_TEST_DATABASE_URL"),
    reason="TERRAIN_TEST_DATABASE_URL not set: no PostgreSQL to check against",
)
async def test_postgresql_unreachable_is_said(sandbox: Sandbox) -> None:
    settings = make_settings(sandbox, "postgresql+asyncpg://postgres@127.0.0.1:1/test")
    found = by_check(await diagnose(settings))
    assert not found["database"].ok and "cannot connect" in found["database"].detail
