"""The HTTP session to the Bot API: aiogram's, keeping each method's response model alive.

aiogram parses every answer with `Response[<the method's return type>]`, a pydantic generic
model built on first use. pydantic caches those models weakly, so once a garbage collection
has taken one, the next call builds it again, about 3 ms of CPU each time: 321 rebuilt (0.94
s) over bench/updates_mix.py, 46 once held here."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod

# The return type of each method called so far -> its response model, kept alive.
_RESPONSES: dict[Any, type[Response[Any]]] = {}


class TelegramSession(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSES:
            _RESPONSES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
