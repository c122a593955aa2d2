"""A direct reply that meets a bad network moment (a 429, a 5xx, a dropped connection) is
tried again a few times before its handler gives up, so a tap in the street with poor signal
on Telegram's side still gets its answer. The outbox does its own pacing and retries (a 429
pauses every send), so its calls pass straight through; so does getUpdates (bot/polling.py)."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)

# Set inside the outbox sender's task: its calls are not retried here.
RETRIES_OFF: ContextVar[bool] = ContextVar("retries_off", default=False)
DELAYS_S = (0.2, 0.5, 1.0, 2.0)  # then the error goes to the handler
LONGEST_WAIT_S = 5  # a longer retry_after is not worth holding an update for


class RetryBriefly(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if RETRIES_OFF.get() or isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for delay in DELAYS_S:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if error.retry_after > LONGEST_WAIT_S:
                    raise
                wait: float = error.retry_after
            except (TelegramServerError, TelegramNetworkError) as error:
                wait = delay
                log.info("%s: %s, trying again", type(method).__name__, type(error).__name__)
            await asyncio.sleep(wait)
        return await make_request(bot, method)
