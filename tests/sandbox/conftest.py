"""Fixtures for the sandbox tests: a running Sandbox, raw HTTP calls, a real aiogram Bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox import Sandbox, User

Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(token="123456:TEST-token-abcdefghijklmnopqrstuvwxyz")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def call(sb: Sandbox, http: aiohttp.ClientSession) -> Call:
    """``await call("sendMessage", chat_id=1, text="hi")`` -> (HTTP status, JSON body).

    Sends a JSON body; ``_form=True`` sends application/x-www-form-urlencoded instead and
    ``_token=`` overrides the token.
    """

    async def do(
        method: str, _token: str | None = None, _form: bool = False, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{sb.base_url}/bot{_token or sb.token}/{method}"
        kwargs: dict[str, Any] = {"data": params} if _form else {"json": params}
        async with http.post(url, **kwargs) as response:
            return response.status, await response.json()

    return do


@pytest.fixture
async def alice(sb: Sandbox) -> User:
    """A user who has already written /start, so the bot may message her."""
    user = sb.user("Alice", username="alice")
    await user.send("/start")
    return user


@pytest.fixture
def expect_error(call: Call) -> Callable[..., Awaitable[None]]:
    """``await expect_error("sendMessage", "Bad Request: ...", status=400, **params)``."""

    async def check(method: str, description: str, status: int = 400, **params: Any) -> None:
        code, body = await call(method, **params)
        expected = {"ok": False, "error_code": status, "description": description}
        assert (code, body) == (status, expected), body

    return check


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url))
    instance = Bot(sb.token, session=session)
    yield instance
    await instance.session.close()


@contextlib.asynccontextmanager
async def run_polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run ``dp`` against the sandbox with long polling for the duration of the block."""
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


@pytest.fixture
def polling() -> Callable[[Dispatcher, Bot], contextlib.AbstractAsyncContextManager[None]]:
    """``async with polling(dp, bot): ...`` runs the dispatcher with long polling."""
    return run_polling
