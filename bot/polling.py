"""Long polling that confirms an update to Telegram only once it has been handled.

getUpdates confirms every update below the offset it is called with. aiogram's own polling
moves the offset as soon as an update is read, so an update whose handling failed because the
database was down is gone. Here a batch is handled (its chats in parallel, each chat in order
thanks to the event isolation), and the offset moves only past the updates that were handled:
from the first one that was not, the batch comes again after a pause. Updates handled before
that one are then dropped by the update-id table (bot/middlewares.py OnceOnly). Before a batch
is handled, what its updates' middlewares need is read in one go (bot/read_ahead.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.errors import unavailable
from bot.read_ahead import ReadAhead, handling

log = logging.getLogger(__name__)

LONG_POLL_S = 10
BACKOFF = BackoffConfig(min_delay=0.5, max_delay=15.0, factor=1.6, jitter=0.1)


ReadAheadFor = Callable[[list[Update]], Awaitable[ReadAhead]]


class Poller:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        allowed_updates: list[str],
        read_ahead: ReadAheadFor | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.allowed_updates = allowed_updates
        self.read_ahead = read_ahead
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(config=BACKOFF)
        while not stop.is_set():
            updates = await self._fetch(stop)
            if updates is None:  # Telegram unreachable, or stopping
                await _pause(stop, next(backoff))
                continue
            try:
                batch = await self.read_ahead(updates) if self.read_ahead and updates else None
            except Exception as error:
                if unavailable(error):
                    log.warning("the database is unavailable: updates kept for later")
                    await _pause(stop, next(backoff))
                    continue
                # A bug, not an outage: the updates are still handled, each reading for itself.
                log.error("reading ahead failed (%s): read one by one", type(error).__name__)
                batch = None
            handled = await asyncio.gather(*(self._handle(update, batch) for update in updates))
            for update, done in zip(updates, handled, strict=True):
                if not done:
                    break
                self.offset = update.update_id + 1
            if all(handled):
                backoff.reset()
            else:
                log.warning("the database is unavailable: updates kept for later")
                await _pause(stop, next(backoff))

    async def _fetch(self, stop: asyncio.Event) -> list[Update] | None:
        call = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset,
                timeout=LONG_POLL_S,
                allowed_updates=self.allowed_updates,
                request_timeout=LONG_POLL_S + 30,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait((call, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not call.done():
            call.cancel()  # nothing was confirmed by this call: nothing is lost
            with contextlib.suppress(asyncio.CancelledError, TelegramAPIError):
                await call
            return None
        try:
            return call.result()
        except (TelegramNetworkError, TelegramAPIError, TimeoutError) as error:
            log.warning("getUpdates failed (%s): trying again", type(error).__name__)
            return None

    async def _handle(self, update: Update, batch: ReadAhead | None) -> bool:
        """False when the update could not be handled for want of the database or Redis."""
        try:
            with handling(batch, update):
                await self.dispatcher.feed_update(self.bot, update)
        except Exception as error:
            if unavailable(error):
                return False
            # A bug, not an outage: delivering it again would fail the same way.
            log.error("update %s raised %s", update.update_id, type(error).__name__)
        return True


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
