"""Webhook mode: the sandbox posts updates to the bot's aiohttp server, as Telegram (behind a
load balancer) would; a wrong secret is refused before anything is read or handled."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import Terrain
from bot.webhook import SECRET_HEADER, WebhookConfig, webhook_problem
from models.clock import ManualClock
from models.runtime import ProcessedUpdate
from sandbox import Sandbox
from tests.conftest import make_settings

PUBLIC_URL = "https://bot.example.org/telegram/hook"
SECRET = "s3cret_-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def hooked(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[Terrain, str]]:
    port = free_port()
    local = f"http://127.0.0.1:{port}/telegram/hook"
    app = Terrain(make_settings(sandbox, database_url), clock)
    sandbox.route_webhook(local)
    task = asyncio.create_task(
        app.run(handle_signals=False, webhook=WebhookConfig(PUBLIC_URL, SECRET, "127.0.0.1", port))
    )
    await sandbox.wait_until(
        lambda: sandbox.webhook.get("url"), 10, lambda: "the bot never set its webhook"
    )
    yield app, local
    await app.stop()
    await asyncio.wait_for(task, 10)


async def handled(app: Terrain) -> int:
    async with app.db() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_updates_arrive_by_webhook_with_the_secret(
    sandbox: Sandbox, hooked: tuple[Terrain, str]
) -> None:
    app, _ = hooked
    registered = [c for c in sandbox.calls("setWebhook")][-1]
    assert registered.params["url"] == PUBLIC_URL
    assert registered.params["secret_token"] == SECRET
    assert not sandbox.calls("getUpdates")  # no polling beside the webhook
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/help")
    await anna.expect("/start")
    await sandbox.settle()
    assert sandbox.webhook_delivery is not None
    assert sandbox.webhook_delivery.answers[-1] == 200


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_handled(
    sandbox: Sandbox, hooked: tuple[Terrain, str]
) -> None:
    app, local = hooked
    anna = sandbox.user("Anna", language_code="fr")
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": anna.id, "type": "private", "first_name": "Anna"},
            "from": {"id": anna.id, "is_bot": False, "first_name": "Anna"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    before = await handled(app)
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with client.post(local, json=update, headers=headers) as answer:
                assert answer.status == 403
        async with client.post(local, data=b"not json", headers={SECRET_HEADER: SECRET}) as bad:
            assert bad.status == 400
    await asyncio.sleep(0.2)
    assert await handled(app) == before
    assert anna.transcript == []


async def test_a_redelivered_update_is_handled_once(
    sandbox: Sandbox, hooked: tuple[Terrain, str]
) -> None:
    app, _ = hooked
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/help", duplicate=True)
    await sandbox.settle()
    assert len([m for m in anna.transcript if m.from_bot]) == 1


def test_webhook_settings_are_checked_in_one_line() -> None:
    assert "TERRAIN_WEBHOOK_URL" in (webhook_problem(None, SECRET) or "")
    assert "https://" in (webhook_problem("http://bot.example.org/hook", SECRET) or "")
    assert "TERRAIN_WEBHOOK_SECRET" in (webhook_problem(PUBLIC_URL, None) or "")
    assert "TERRAIN_WEBHOOK_SECRET" in (webhook_problem(PUBLIC_URL, "has spaces") or "")
    assert webhook_problem(PUBLIC_URL, SECRET) is None


def test_terrain_run_webhook_refuses_missing_settings(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "TERRAIN_BOT_TOKEN": "123456:TEST-token-abcdefghijklmnopqrstuvwxyz",
        "TERRAIN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        "TERRAIN_WEBHOOK_URL": "http://insecure.example.org/hook",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--webhook"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "https://" in done.stderr
