"""Outer middlewares: each update once, then who is acting and in which language. What they
read comes from the batch's reading (bot/read_ahead.py) when the update was read ahead."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User

from bot.errors import unavailable
from bot.i18n import Catalogs
from bot.read_ahead import CURRENT
from models import volunteers
from models.bookkeeping import claim_update, release_update
from models.clock import Clock
from models.database import Database
from models.people import Person

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# How stale `last_seen_at` may get before an update refreshes it: retention counts in days,
# so one write an hour is plenty.
SEEN_RESOLUTION = timedelta(hours=1)


class OnceOnly(BaseMiddleware):
    """Telegram delivers at least once; this makes it at most once."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        ahead = CURRENT.get()
        if ahead is not None and ahead.update_id == event.update_id:
            first = ahead.first_delivery()
        else:
            first = await claim_update(self.db, event.update_id, self.clock.now())
        if not first:
            log.info("update %s delivered again: dropped", event.update_id)
            return None
        try:
            return await handler(event, data)
        except Exception as error:
            if unavailable(error):
                # The database went away mid-update: its transaction was rolled back, so the
                # next delivery must be handled. If the claim can't be released either, the
                # update is lost: the one case at-most-once can't cover.
                with contextlib.suppress(Exception):
                    await release_update(self.db, event.update_id)
            raise


class ActingPerson(BaseMiddleware):
    """Loads the acting Person fresh from the database (roles are checked on every update),
    and picks the locale: their choice, else Telegram's language, else the campaign's."""

    def __init__(self, db: Database, clock: Clock, catalogs: Catalogs, admin_ids: set[int]):
        self.db = db
        self.clock = clock
        self.catalogs = catalogs
        self.admin_ids = admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        person = None
        chosen_locale = None
        if user is not None:
            ahead = CURRENT.get()
            if ahead is not None and ahead.user_id == user.id:
                person = ahead.batch.person(user.id)
            else:
                person = await volunteers.person_by_telegram_id(self.db, user.id)
            if person is not None:
                # A block (my_chat_member) is Telegram speaking, not the person: not contact.
                if not (isinstance(event, Update) and event.my_chat_member):
                    await self._refresh(person.id, person, user)
                chosen_locale = person.locale
            elif (state := data.get("state")) is not None and isinstance(state, FSMContext):
                chosen_locale = (await state.get_data()).get("locale")
        locale = self.catalogs.pick(chosen_locale, user.language_code if user else None)
        data.update(
            person=person,
            is_admin=user is not None and user.id in self.admin_ids,
            locale=locale,
            t=self.catalogs.translator(locale),
        )
        return await handler(event, data)

    async def _refresh(self, person_id: int, person: Person, user: User) -> None:
        now = self.clock.now()
        if (
            now - person.last_seen_at >= SEEN_RESOLUTION
            or person.username != user.username
            or not person.reachable
        ):
            await volunteers.seen(self.db, person_id, now, username=user.username)
            person.last_seen_at, person.username, person.reachable = now, user.username, True
