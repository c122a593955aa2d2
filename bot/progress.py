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

    async def __call__(self, touched: set[int]) -> None:
        for broadcast_id in sorted(touched):
            await self._update(broadcast_id)

    async def _update(self, broadcast_id: int) -> None:
        progress = await broadcasts.progress(self.db, broadcast_id)
        if progress is None or progress.chat_id is None or progress.message_id is None:
            return
        now = time.monotonic()
        last = self._last_edit.get(broadcast_id)
        if not progress.finished and last is not None and now - last < self.every_s:
            return
        self._last_edit[broadcast_id] = now
        t = self.catalogs.translator(self.catalogs.pick(progress.sender_locale))
        text, markup = progress_view(t, progress)
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
            await broadcasts.finish(self.db, broadcast_id)
