"""A broadcast's progress message (sent / pending / failed), edited in place by the sender.

Edits are throttled (at most one per `broadcast_progress_s` per broadcast) so a thousand
deliveries don't cost a thousand edits; the final counts are always written."""

from __future__ import annotations

import logging
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.i18n import Catalogs
from handlers.broadcast import progress_view
from models import broadcasts
from models.database import Database

log = logging.getLogger(__name__)


class BroadcastProgress:
    def __init__(self, bot: Bot, db: Database, catalogs: Catalogs, every_s: float) -> None:
        self.bot = bot
        self.db = db
        self.catalogs = catalogs
        self.every_s = every_s
        self._last_edit: dict[int, float] = {}  # broadcast id -> time.monotonic()
        self._last_text: dict[int, str] = {}

    async def __call__(self, touched: set[int]) -> None:
        for broadcast_id in sorted(touched):
            await self._update(broadcast_id)

    async def show(self, broadcast_id: int) -> None:
        """Edit now, whatever the throttle says (the organizer just pressed a button)."""
        await self._update(broadcast_id, force=True)

    async def _update(self, broadcast_id: int, *, force: bool = False) -> None:
        progress = await broadcasts.progress(self.db, broadcast_id)
        if progress is None or progress.chat_id is None or progress.message_id is None:
            return
        now = time.monotonic()
        last = self._last_edit.get(broadcast_id)
        if not (force or progress.finished) and last is not None and now - last < self.every_s:
            return
        t = self.catalogs.translator(self.catalogs.pick(progress.sender_locale))
        text, markup = progress_view(t, progress)
        # Telegram refuses an edit that changes nothing: the confirmation already showed the
        # starting counts, and a round may end where the last edit left off (a 429 retry).
        untouched = progress.sent + progress.failed + progress.cancelled == 0
        same = self._last_text.get(broadcast_id) == text
        if same or (untouched and not (force or progress.finished)):
            if progress.finished:
                await broadcasts.finish(self.db, broadcast_id)
            return
        self._last_edit[broadcast_id] = now
        self._last_text[broadcast_id] = text
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=progress.chat_id,
                message_id=progress.message_id,
                reply_markup=markup,
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                log.warning("broadcast %s: progress not edited (400)", broadcast_id)
        except TelegramAPIError as error:
            name = type(error).__name__
            log.warning("broadcast %s: progress not edited (%s)", broadcast_id, name)
        if progress.finished:
            self._last_edit.pop(broadcast_id, None)
            self._last_text.pop(broadcast_id, None)
            await broadcasts.finish(self.db, broadcast_id)
