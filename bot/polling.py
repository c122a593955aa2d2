"""Long polling that confirms an update to Telegram only once it has been handled.

getUpdates confirms every update below the offset it is called with. aiogram's own polling
moves the offset as soon as an update is read, so an update whose handling failed because the
database was down is gone. Here the offset moves only past updates that were handled: from the
first one still running or not handled, Telegram keeps them and sends them again.

Updates are handled concurrently (each chat in order thanks to the event isolation), and a
slow one does not hold the others back: once the event loop has sat mostly idle for IDLE_S
while some of a batch still run (they wait on something else: a chart, an export, a locked
file), or the batch has run for STRAGGLERS_S, Telegram is asked again and what is new starts
beside what still runs. Updates sent again because an earlier one was still running are known
here and not handled twice. Before new updates are handled, what their middlewares need is
read in one go (bot/read_ahead.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.errors import unavailable
from bot.read_ahead import ReadAhead, handling, user_id_of

log = logging.getLogger(__name__)

LONG_POLL_S = 10
BACKOFF = BackoffConfig(min_delay=0.5, max_delay=15.0, factor=1.6, jitter=0.1)
# How long a batch may run before Telegram is asked for what came meanwhile: an /export that
# takes seconds must not keep every volunteer's tap waiting.
STRAGGLERS_S = 2.0
# How long the loop may sit idle while a batch's stragglers wait on something else, before
# Telegram is asked for what came meanwhile. Each time it had nothing new, the wait doubles,
# up to STRAGGLERS_S: a long export alone costs a handful of calls, not twenty a second. A
# batch that keeps the loop busy is not interrupted: asking again would bring its running
# updates back, to be read for nothing.
IDLE_S = 0.05
# "Mostly idle": the loop's thread used less than this share of the stretch in CPU. Waiting on
# something else, it uses next to none; busy, it may still get only a part of a core on a
# machine running more than it has cores for (as the tests in four processes on two do).
IDLE_SHARE = 0.2
# How long the last call, confirming what was handled, may take when stopping: a saving (those
# updates are dropped as seen if sent again), not worth holding a shutdown for.
FAREWELL_S = 2
# Updates running at once, at most: beyond it, new ones wait in Telegram.
MAX_RUNNING = 500

# The batch's new updates, and the users whose earlier updates still run (their state is
# not to be read ahead: those updates may still change it).
ReadAheadFor = Callable[[list[Update], Collection[int]], Awaitable[ReadAhead]]


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
        # The offset of the last getUpdates call that succeeded: what Telegram knows is done.
        self.told: int | None = None
        self.running: dict[int, tuple[int | None, asyncio.Task[bool]]] = {}
        # Handled, but not yet confirmable: an earlier update still runs or failed.
        self.handled: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(config=BACKOFF)
        patience = IDLE_S
        try:
            while not stop.is_set():
                if len(self.running) >= MAX_RUNNING:
                    await self._settle(asyncio.FIRST_COMPLETED, None)
                updates = await self._fetch(stop)
                if updates is None:  # Telegram unreachable, or stopping
                    await _pause(stop, next(backoff))
                    continue
                running = len(self.running)
                if not await self._start(updates):
                    await _pause(stop, next(backoff))
                    continue
                new = len(self.running) > running
                patience = IDLE_S if new else min(2 * patience, STRAGGLERS_S)
                await self._settle_batch(patience)
                if self._confirm():
                    backoff.reset()
                else:
                    log.warning("the database is unavailable: updates kept for later")
                    await _pause(stop, next(backoff))
        finally:
            # Stopping: what runs is finished, not cut off half-way, then confirmed.
            await self._settle(asyncio.ALL_COMPLETED, None)
            self._confirm()
            await self._tell()

    async def _start(self, updates: list[Update]) -> bool:
        """Start handling the updates not already running or handled; False when the database
        is unavailable for the read-ahead (they are then left for the next round)."""
        new = [
            update
            for update in updates
            if update.update_id not in self.running and update.update_id not in self.handled
        ]
        if not new:
            return True
        batch = None
        if self.read_ahead is not None:
            busy = {user for user, _ in self.running.values() if user is not None}
            try:
                batch = await self.read_ahead(new, busy)
            except Exception as error:
                if unavailable(error):
                    log.warning("the database is unavailable: updates kept for later")
                    return False
                # A bug, not an outage: the updates are still handled, each reading for itself.
                log.error("reading ahead failed (%s): read one by one", type(error).__name__)
        for update in new:
            task = asyncio.create_task(self._handle(update, batch))
            self.running[update.update_id] = (user_id_of(update), task)
        return True

    async def _settle(self, until: str, at_most: float | None) -> None:
        tasks = [task for _, task in self.running.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=at_most, return_when=until)

    async def _settle_batch(self, patience: float) -> None:
        """Until every running update is done, or none finished in a stretch of `patience`
        seconds during which the loop was mostly idle, or STRAGGLERS_S have passed."""
        tasks = [task for _, task in self.running.values()]
        loop = asyncio.get_running_loop()
        all_done = loop.create_future()
        left = len(tasks)

        # Counted as they finish, the loop waking once per stretch: waiting anew on all that
        # still run each time one finished cost 0.1 ms of CPU per update in a batch of 500.
        def finished(_: asyncio.Task[bool]) -> None:
            nonlocal left
            left -= 1
            if not left and not all_done.done():
                all_done.set_result(None)

        for task in tasks:
            task.add_done_callback(finished)
        deadline = loop.time() + STRAGGLERS_S
        try:
            while left:
                wait = min(patience, deadline - loop.time())
                if wait <= 0:
                    return
                before, busy = left, time.thread_time()  # this thread's CPU: the loop's work
                await asyncio.wait([all_done], timeout=wait)
                if left == before and time.thread_time() - busy < wait * IDLE_SHARE:
                    return
        finally:
            for task in tasks:
                task.remove_done_callback(finished)

    def _confirm(self) -> bool:
        """Move the offset past every update handled with none before it running or failed.
        False when one could not be handled: it is asked for again after a pause."""
        failed = []
        for update_id, (_, task) in list(self.running.items()):
            if task.done():
                del self.running[update_id]
                if not task.cancelled() and task.result():
                    self.handled.add(update_id)
                else:
                    failed.append(update_id)
        first_open = min([*self.running, *failed], default=None)
        confirmable = {u for u in self.handled if first_open is None or u < first_open}
        if confirmable:
            self.offset = max(confirmable) + 1
            self.handled -= confirmable
        return not failed

    async def _tell(self) -> None:
        """Confirm to Telegram what was handled since the last call, so that the next start
        is not sent those updates again (they would be dropped as seen, after a read each).
        The one update this call may return stays unconfirmed, for the next start."""
        if self.offset == self.told:
            return
        with contextlib.suppress(TelegramNetworkError, TelegramAPIError, TimeoutError):
            await self.bot.get_updates(
                offset=self.offset,
                limit=1,
                timeout=0,
                allowed_updates=self.allowed_updates,
                request_timeout=FAREWELL_S,
            )
            self.told = self.offset

    async def _fetch(self, stop: asyncio.Event) -> list[Update] | None:
        call = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset,
                # Only a short wait when updates run: what is new must start soon after.
                timeout=0 if self.running else LONG_POLL_S,
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
            updates = call.result()
            self.told = self.offset
            return updates
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
