"""Command menus (setMyCommands): volunteers see theirs everywhere in private; organizers and
admins get a longer menu in their own chat. One list per role, described in each language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from handlers.context import Catalogs
from models.people import Role

log = logging.getLogger(__name__)

VOLUNTEER = (
    "start",
    "help",
    "missions",
    "mymissions",
    "mystats",
    "badges",
    "leaderboard",
    "debrief",
    "invite",
    "mydata",
    "consent",
    "language",
    "stop",
    "forget",
)
# Team leads and organizers run missions; organizers also shape the campaign (teams).
TEAM_LEAD = (
    *VOLUNTEER,
    "newmission",
    "report",
    "mission",
    "assign",
    "zones",
    "broadcast",
    "export",
    "link",
)
ORGANIZER = (*TEAM_LEAD, "newteam")
ADMIN = (*ORGANIZER, "promote", "demote")
BY_ROLE = {Role.VOLUNTEER: VOLUNTEER, Role.TEAM_LEAD: TEAM_LEAD, Role.ORGANIZER: ORGANIZER}


def _commands(catalogs: Catalogs, locale: str, names: tuple[str, ...]) -> list[BotCommand]:
    t = catalogs.translator(locale)
    return [BotCommand(command=name, description=t(f"command.{name}")) for name in names]


async def install_default(bot: Bot, catalogs: Catalogs, default_locale: str) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(catalogs, default_locale, VOLUNTEER), scope=scope)
    for locale in catalogs.locales:
        await bot.set_my_commands(
            _commands(catalogs, locale, VOLUNTEER), scope=scope, language_code=locale
        )


async def install_for_chat(
    bot: Bot, catalogs: Catalogs, default_locale: str, chat_id: int, names: tuple[str, ...]
) -> None:
    """Give one chat a role's menu; a volunteer's menu means: drop the chat's own."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        if names == VOLUNTEER:
            await bot.delete_my_commands(scope=scope)
            for locale in catalogs.locales:
                await bot.delete_my_commands(scope=scope, language_code=locale)
            return
        await bot.set_my_commands(_commands(catalogs, default_locale, names), scope=scope)
        for locale in catalogs.locales:
            await bot.set_my_commands(
                _commands(catalogs, locale, names), scope=scope, language_code=locale
            )
    except TelegramAPIError as error:
        # A chat the bot has never talked to can't have a menu yet; it gets one on promotion.
        log.warning("menu for a chat not installed: %s", type(error).__name__)
