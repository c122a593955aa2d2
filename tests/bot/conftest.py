"""Checks every end-to-end test gets for free."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox import Sandbox

# What the bot sends to people: a 400 on any of these means a message they never saw
# (bad HTML from an unescaped name, a text too long, a keyboard Telegram refuses...).
USER_FACING = ("send", "edit", "answerCallbackQuery", "deleteMessage")


@pytest.fixture(autouse=True)
async def no_bad_request_to_users(sandbox: Sandbox) -> AsyncIterator[None]:
    """Fails a test whose bot got a 400 on something meant for a user (errors the test
    injected itself excepted)."""
    yield
    refused = [
        str(record)
        for record in sandbox.errors()
        if record.error_code == 400
        and record.method.startswith(USER_FACING)
        and "injected" not in (record.description or "")
    ]
    assert refused == [], "the sandbox refused what the bot sent:\n" + "\n".join(refused)
