"""The outbox sender: one asyncio task beside polling that drains the outbox table under
Telegram's flood limits.

- Due-ness (`not_before`) is read from the injected Clock, so tests and the demo move time.
- Pacing is real wall-clock time, because the limits are Telegram's (bot/pacing.py): the
  global rate, and a per-chat "next allowed" time (1 s for people, 60/group_per_minute for
  groups and channels). A claim takes at most one row per chat and skips cooling chats, so one
  busy chat never holds up the others.
- A 429 pauses every send for `retry_after`; the row goes back to pending, not counted as an
  attempt. A 403 marks the person unreachable and fails the row. A 400 fails it with
  Telegram's reason. Network trouble retries with backoff (clock time), then gives up.
- Rows are claimed ("sending", with a lease of `outbox_lease_s`) in one transaction before the
  call and finished after it, so a kill loses nothing: once the lease runs out, any sender puts
  the row back to pending. Several processes share the table (SKIP LOCKED on PostgreSQL) and,
  through Redis, the pace: the global rate, each chat's, and a 429's pause.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.errors import unavailable
from bot.pacing import pace_for
from bot.retry import RETRIES_OFF
from bot.settings import Settings
from models import delivery, volunteers
from models.clock import Clock
from models.database import Database

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Rows claimed per round: a little more than a second's worth at the global rate.
BATCH = 40

# Called with the broadcasts whose rows changed in a round (progress messages).
ProgressHook = Callable[[set[int]], Awaitable[None]]


class Outbox:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        settings: Settings,
        on_progress: ProgressHook | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.poll_s = settings.outbox_poll_s
        self.lease = timedelta(seconds=settings.outbox_lease_s)
        self.person_interval = settings.per_chat_interval_s
        self.group_interval = max(settings.per_chat_interval_s, 60 / settings.group_per_minute)
        self.pace = pace_for(settings.redis_url, bot.id, settings.global_per_second)
        self.batch = max(1, min(BATCH, int(settings.global_per_second * 1.5)))
        self.on_progress = on_progress
        self.sent = 0  # messages this process delivered (several processes share the table)
        self._next_allowed: dict[int, float] = {}  # chat id -> time.monotonic()
        self._paused_until = 0.0  # time.monotonic(); set by a 429
        self._wake = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()  # ends a 429 pause early when the bot stops
        self._task: asyncio.Task[None] | None = None
        # Rounds under way (a claim and its outcomes); drain() waits for none.
        self._rounds = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._stopped.clear()
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Finish the round in flight (its rows get their outcome), then stop."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._task is not None:
            task, self._task = self._task, None
            try:
                await asyncio.wait_for(asyncio.shield(task), 10)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def close(self) -> None:
        """Let go of the pace's connection (Redis) once stopped for good."""
        await self.pace.close()

    def wake(self) -> None:
        """Something was just enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until nothing due is pending or in flight (for tests and the demo)."""
        deadline = time.monotonic() + timeout
        while True:
            due = await delivery.has_due(self.db, self.clock.now())
            # Read after the query: a round that claimed rows meanwhile (so they no longer
            # look due) is still under way, or has recorded their outcomes.
            if not due and self._rounds == 0:
                return
            if due:
                self.wake()
            if time.monotonic() > deadline:
                raise TimeoutError("the outbox did not drain in time")
            await asyncio.sleep(min(0.02, self.poll_s))

    # -- the loop -----------------------------------------------------------------------------
    async def _run(self) -> None:
        RETRIES_OFF.set(True)  # this task paces and retries its own calls
        next_recovery = 0.0
        outage = False
        while not self._stopping:
            self._rounds += 1
            try:
                if time.monotonic() >= next_recovery:
                    await self._recover()
                    next_recovery = time.monotonic() + self.lease.total_seconds() / 4
                busy = await self._round()
                if outage:
                    log.warning("outbox: the database is back")
                    outage = False
            except Exception as error:  # the sender must outlive a database hiccup
                if not unavailable(error):
                    log.error("outbox round failed with %s", type(error).__name__)
                elif not outage:  # said once per outage, not every round
                    log.warning("outbox: the database is unavailable (%s)", type(error).__name__)
                    outage = True
                busy = False
            finally:
                self._rounds -= 1
            if not busy and not self._stopping:
                await self._sleep()

    async def _recover(self) -> None:
        recovered = await delivery.recover(self.db, self.clock.now())
        if recovered:
            log.info("outbox: %d message(s) whose sender stopped put back in the queue", recovered)

    async def _sleep(self) -> None:
        self._wake.clear()
        delay = self.poll_s
        if self._next_allowed:
            delay = min(delay, max(0.0, min(self._next_allowed.values()) - time.monotonic()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def _round(self) -> bool:
        """Claim and send one batch; True if there was anything to do."""
        await self._wait_pause()
        if self._stopping:
            return False
        now_mono = time.monotonic()
        self._next_allowed = {c: t for c, t in self._next_allowed.items() if t > now_mono}
        claimed = await delivery.claim(
            self.db,
            self.clock.now(),
            limit=self.batch,
            lease=self.lease,
            skip_chats=self._next_allowed.keys(),
        )
        if not claimed.due and not claimed.dropped_broadcasts:
            return False
        for due in claimed.due:
            interval = self.group_interval if due.chat_id < 0 else self.person_interval
            self._next_allowed[due.chat_id] = time.monotonic() + interval
        await asyncio.gather(*(self._send(due) for due in claimed.due))
        touched = {d.broadcast_id for d in claimed.due if d.broadcast_id is not None}
        touched |= claimed.dropped_broadcasts
        if touched and self.on_progress is not None:
            try:
                await self.on_progress(touched)
            except Exception as error:  # progress is a courtesy; sending goes on
                log.warning("broadcast progress not updated: %s", type(error).__name__)
        return True

    async def _wait_pause(self) -> None:
        # A loop: another 429 can push the end of the pause while we wait.
        while (left := self._paused_until - time.monotonic()) > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), left)

    # -- one message --------------------------------------------------------------------------
    async def _send(self, due: delivery.Due) -> None:
        interval = self.group_interval if due.chat_id < 0 else self.person_interval
        try:
            await self.pace.turn(due.chat_id, interval)
        except Exception:
            # Redis unreachable: back in the queue now rather than when the lease runs out.
            await delivery.retry_later(self.db, due.id, self._due_at(due), "no turn", count=False)
            raise
        await self._wait_pause()  # a 429 may have come while this one waited for its turn
        if self._stopping:
            # Stopping during a pause: back in the queue for the next start, not lost.
            await delivery.retry_later(self.db, due.id, self._due_at(due), "stopped", count=False)
            return
        try:
            await self._call(due)
        except TelegramRetryAfter as error:
            self._paused_until = max(self._paused_until, time.monotonic() + error.retry_after)
            log.warning("outbox: 429, every send paused for %ss", error.retry_after)
            await delivery.retry_later(
                self.db, due.id, self._due_at(due), "429 retry later", count=False
            )
            await self.pace.pause(error.retry_after)  # every process's sends
        except TelegramForbiddenError as error:
            log.info("outbox: message %s refused with 403", due.id)
            if due.person_id is not None:
                await volunteers.mark_unreachable(self.db, due.chat_id)
            await delivery.mark_failed(self.db, due.id, f"403 {error.message}")
        except TelegramBadRequest as error:
            log.warning("outbox: message %s refused with 400", due.id)
            await delivery.mark_failed(self.db, due.id, f"400 {error.message}")
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as error:
            await self._later(due, type(error).__name__)
        except TelegramAPIError as error:
            log.warning("outbox: message %s failed with %s", due.id, type(error).__name__)
            await delivery.mark_failed(self.db, due.id, f"{type(error).__name__} {error.message}")
        else:
            await delivery.mark_sent(self.db, due.id, self.clock.now())
            self.sent += 1

    def _due_at(self, due: delivery.Due) -> datetime:
        return due.due_at or self.clock.now()

    async def _later(self, due: delivery.Due, reason: str) -> None:
        if due.attempts >= MAX_ATTEMPTS:
            log.warning("outbox: message %s given up after %d attempts", due.id, due.attempts)
            await delivery.mark_failed(self.db, due.id, f"gave up: {reason}")
            return
        log.info("outbox: message %s will be retried (%s)", due.id, reason)
        when = self.clock.now() + delivery.backoff(due.attempts)
        await delivery.retry_later(self.db, due.id, when, reason)

    async def _call(self, due: delivery.Due) -> Any:
        markup = due.payload.get("reply_markup")
        reply_markup = InlineKeyboardMarkup.model_validate(markup) if markup else None
        if due.kind == "document":
            content = str(due.payload.get("content", ""))
            document = BufferedInputFile(
                content.encode(), filename=str(due.payload.get("file_name") or "file.txt")
            )
            return await self.bot.send_document(
                due.chat_id, document, caption=due.text or None, reply_markup=reply_markup
            )
        if due.kind == "photo":  # a PNG chart, base64 in the payload (JSON holds no bytes)
            photo = BufferedInputFile(
                base64.b64decode(str(due.payload.get("png", ""))), filename="chart.png"
            )
            return await self.bot.send_photo(
                due.chat_id, photo, caption=due.text or None, reply_markup=reply_markup
            )
        return await self.bot.send_message(due.chat_id, due.text, reply_markup=reply_markup)
