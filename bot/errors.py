"""A handler's failure never stops the bot: it is logged without personal data, and the
person gets a short apology."""

from __future__ import annotations

import errno
import logging
import socket
import traceback
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Chat, ErrorEvent, User
from asyncpg.exceptions import PostgresConnectionError, PostgresError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from handlers.context import Translate
from models import volunteers
from models.database import Database

log = logging.getLogger(__name__)


# SQLSTATE classes of a PostgreSQL that can't serve us now: connection exceptions, operator
# intervention (shutdown, "cannot connect now"), insufficient resources (too many connections).
UNAVAILABLE_SQLSTATES = ("08", "57", "53")
# A database host that is not there: asyncpg raises these while connecting, unwrapped. Its
# name gone (a stopped container leaves its network's DNS) is a gaierror.
UNREACHABLE_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


def unavailable(error: BaseException) -> bool:
    """The database or Redis could not be used at all (down, unreachable, locked past the busy
    timeout): the update is to be delivered again later, not answered with an apology."""
    if isinstance(error, OperationalError | InterfaceError | RedisConnectionError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ConnectionRefusedError | socket.gaierror | PostgresConnectionError):
        return True
    if isinstance(error, OSError) and error.errno in UNREACHABLE_ERRNOS:
        return True
    # asyncpg raises these itself when connecting, before SQLAlchemy can wrap them.
    if isinstance(error, PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        refused = state == "55000" and "accepting connections" in str(error)
        return state.startswith(UNAVAILABLE_SQLSTATES) or refused
    return False


async def on_error(event: ErrorEvent, bot: Bot, db: Database, **data: Any) -> bool:
    error = event.exception
    if unavailable(error):
        # Not handled: polling won't confirm it and a webhook answers 500, so Telegram
        # delivers it again once the database is back.
        log.warning(
            "update %s: %s, left for redelivery", event.update.update_id, type(error).__name__
        )
        raise error
    user: User | None = data.get("event_from_user")
    chat: Chat | None = data.get("event_chat")
    if isinstance(error, TelegramForbiddenError):
        # They blocked the bot: stop writing to them until they write again.
        if user is not None:
            await volunteers.mark_unreachable(db, user.id)
        log.info("update %s: recipient unreachable", event.update.update_id)
        return True
    if isinstance(error, TelegramBadRequest) and "message is not modified" in error.message:
        return True  # a double tap on a toggle: nothing changed, nothing to say
    # Only where it failed, never the message: exception texts can quote what people typed.
    where = "".join(traceback.format_tb(error.__traceback__)[-3:])
    log.error("update %s failed with %s\n%s", event.update.update_id, type(error).__name__, where)
    if (query := event.update.callback_query) is not None:
        # Stop the button's spinner; fails harmlessly if the handler answered before failing.
        try:
            await bot.answer_callback_query(query.id)
        except TelegramAPIError:
            log.info("update %s: callback query already answered", event.update.update_id)
    t: Translate | None = data.get("t")
    if chat is not None and t is not None:
        try:
            await bot.send_message(chat.id, t("error.generic"))
        except TelegramAPIError:
            log.warning("update %s: apology not delivered", event.update.update_id)
    return True
