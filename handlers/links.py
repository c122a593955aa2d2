"""/link and /unlink: organizer groups and channels that get digests and a pinned live
dashboard, for a team or the whole campaign.

- In a group or supergroup: `/link` (the whole campaign) or `/link TEAM NAME`, sent by an
  organizer (any team) or a team lead (their own team only) who administers the group, the
  bot being an administrator there that may pin. `/unlink` there removes the link.
- In a channel, posts have no sender: `/link` posted in the channel makes the bot answer there
  with a one-time code (10 minutes); an organizer then sends `/link CODE [TEAM NAME]` to the
  bot in private, and the bot checks with getChatMember that they administer the channel.
  `/unlink` posted in the channel removes its link (only its administrators can post there).
- The bot removed from a linked chat (my_chat_member) unlinks it.

Roles come from the database (ActingPerson); chat rights from Telegram (getChatMember)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Protocol

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import ChatMemberUpdated, Message

from handlers.context import Translate, esc, rank_of
from models import chat_link_ops, roles
from models.bookkeeping import audit
from models.chat_link_ops import LinkedChat
from models.clock import Clock
from models.database import Database
from models.people import Person, Role

router = Router(name="links")
GROUPS = {"group", "supergroup"}
CODE_TTL = timedelta(minutes=10)
# Unambiguous letters and digits (no 0/O, 1/I/L): read off a channel and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
ADMINS = {"administrator", "creator"}


class LiveDashboards(Protocol):
    """The pinned live dashboard of a chat (bot/digests.py)."""

    async def start_live(self, link: LinkedChat) -> bool: ...

    async def stop_live(self, chat_id: int, message_id: int | None) -> None: ...


# -- checks ------------------------------------------------------------------------------------
async def _scope(
    db: Database, person: Person | None, is_admin: bool, team_name: str
) -> tuple[int | None, str] | str:
    """(team id or None for the campaign, its name for the reply), or the key of a refusal.
    Organizers link any team or the campaign; a lead their own team (the default for them)."""
    rank = rank_of(person, is_admin)
    if rank < Role.TEAM_LEAD.rank:
        return "link.refused_role"
    organizer = rank >= Role.ORGANIZER.rank
    own_team = person.team_id if person is not None and not organizer else None
    if not team_name:
        if organizer:
            return None, ""
        if own_team is None:
            return "link.lead_without_team"
        team_name = person.team.name if person is not None and person.team else ""
    team = await roles.team_by_name(db, team_name[:64])
    if team is None:
        return "link.unknown_team"
    if not organizer and team.id != own_team:
        return "link.other_team"
    return team.id, team.name


async def _status(bot: Bot, chat_id: int, user_id: int) -> tuple[str, bool]:
    """(status, may pin) of a user or the bot in a chat; ("left", False) if Telegram says no."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError:
        return "left", False
    pin = bool(getattr(member, "can_pin_messages", False))
    if member.status == "administrator" and getattr(member, "can_post_messages", None):
        pin = True  # channels have no pin right: posting and editing is what counts
    return member.status, pin or member.status == "creator"


async def _chat_rights(bot: Bot, chat_id: int, user_id: int) -> str | None:
    """The key of a refusal, or None when the user administers the chat and the bot is an
    administrator that may pin there."""
    status, _ = await _status(bot, chat_id, user_id)
    if status not in ADMINS:
        return "link.not_chat_admin"
    bot_status, bot_pins = await _status(bot, chat_id, bot.id)
    if bot_status != "administrator" or not bot_pins:
        return "link.bot_not_admin"
    return None


def _refusal(t: Translate, key: str, team_name: str) -> str:
    return t(key, team=esc(team_name[:64]))


async def _refused(db: Database, clock: Clock, person: Person | None, key: str) -> None:
    if key == "link.refused_role":
        actor = person.id if person else None
        await audit(db, "command.refused", clock.now(), actor_id=actor, command="link")


async def _do_link(
    db: Database,
    clock: Clock,
    live: LiveDashboards,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    team_id: int | None,
    person: Person | None,
) -> LinkedChat:
    done = await chat_link_ops.link(
        db,
        chat_id=chat_id,
        chat_type=chat_type,
        title=title,
        team_id=team_id,
        actor_id=person.id if person else None,
        now=clock.now(),
    )
    await live.stop_live(chat_id, done.old_live_message_id)
    return done.link


def _done_text(t: Translate, team_name: str, title: str | None) -> str:
    if team_name:
        return t("link.done_team", team=esc(team_name), chat=esc(title or ""))
    return t("link.done_campaign", chat=esc(title or ""))


# -- groups ------------------------------------------------------------------------------------
@router.message(Command("link"), F.chat.type.in_(GROUPS))
async def link_group(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
    live_dashboards: LiveDashboards,
) -> None:
    if message.from_user is None or message.sender_chat is not None:
        await message.reply(t("link.anonymous"))  # an anonymous admin: no one to check
        return
    team_name = (command.args or "").strip()
    scope = await _scope(db, person, is_admin, team_name)
    if isinstance(scope, str):
        await _refused(db, clock, person, scope)
        await message.reply(_refusal(t, scope, team_name))
        return
    if refusal := await _chat_rights(bot, message.chat.id, message.from_user.id):
        await message.reply(t(refusal))
        return
    team_id, name = scope
    link = await _do_link(
        db,
        clock,
        live_dashboards,
        chat_id=message.chat.id,
        chat_type=message.chat.type,
        title=message.chat.title,
        team_id=team_id,
        person=person,
    )
    await message.reply(_done_text(t, name, message.chat.title))
    await live_dashboards.start_live(link)


@router.message(Command("unlink"), F.chat.type.in_(GROUPS))
async def unlink_group(
    message: Message,
    bot: Bot,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
    live_dashboards: LiveDashboards,
) -> None:
    if message.from_user is None or message.sender_chat is not None:
        await message.reply(t("link.anonymous"))
        return
    link = await chat_link_ops.linked(db, message.chat.id)
    if link is None:
        await message.reply(t("link.not_linked"))
        return
    rank = rank_of(person, is_admin)
    own_team = person is not None and link.team_id is not None and person.team_id == link.team_id
    if not (rank >= Role.ORGANIZER.rank or (rank >= Role.TEAM_LEAD.rank and own_team)):
        await _refused(db, clock, person, "link.refused_role")
        await message.reply(t("link.refused_unlink"))
        return
    status, _ = await _status(bot, message.chat.id, message.from_user.id)
    if status not in ADMINS:
        await message.reply(t("link.not_chat_admin"))
        return
    await _unlink(db, clock, live_dashboards, link, person)
    await message.reply(t("link.unlinked"))


async def _unlink(
    db: Database, clock: Clock, live: LiveDashboards, link: LinkedChat, person: Person | None
) -> None:
    actor = person.id if person else None
    await chat_link_ops.unlink(db, link.chat_id, actor, clock.now(), "command")
    await live.stop_live(link.chat_id, link.live_message_id)


# -- channels ----------------------------------------------------------------------------------
def _code_key(bot: Bot, code: str) -> StorageKey:
    # Kept where conversations are (the database or Redis): any replica can redeem it.
    return StorageKey(bot_id=bot.id, chat_id=0, user_id=0, destiny=f"link-code:{code}")


@router.channel_post(Command("link"))
async def channel_code(
    message: Message, bot: Bot, t: Translate, clock: Clock, fsm_storage: BaseStorage
) -> None:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = clock.now() + CODE_TTL
    said = await message.answer(
        t("link.channel_code", code=code, bot=esc((await bot.me()).username or ""))
    )
    await fsm_storage.set_data(
        _code_key(bot, code),
        {
            "chat_id": message.chat.id,
            "title": message.chat.title,
            "expires": expires.isoformat(),
            "message_id": said.message_id,
        },
    )


@router.channel_post(Command("unlink"))
async def unlink_channel(
    message: Message,
    t: Translate,
    db: Database,
    clock: Clock,
    live_dashboards: LiveDashboards,
) -> None:
    """Only the channel's administrators can post in it: the post is their word."""
    link = await chat_link_ops.linked(db, message.chat.id)
    if link is None:
        await message.answer(t("link.not_linked"))
        return
    await _unlink(db, clock, live_dashboards, link, None)
    await message.answer(t("link.unlinked"))


@router.message(Command("link"), F.chat.type == "private")
async def link_channel(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
    fsm_storage: BaseStorage,
    live_dashboards: LiveDashboards,
) -> None:
    words = (command.args or "").split()
    if rank_of(person, is_admin) < Role.TEAM_LEAD.rank:
        await _refused(db, clock, person, "link.refused_role")
        await message.answer(t("link.refused_role"))
        return
    if not words:
        await message.answer(t("link.usage"))
        return
    code, team_name = words[0].upper()[:16], " ".join(words[1:])
    key = _code_key(bot, code)
    found = await fsm_storage.get_data(key) if code.isalnum() else {}
    if not found or datetime.fromisoformat(found["expires"]) < clock.now():
        await message.answer(t("link.code_unknown"))
        return
    scope = await _scope(db, person, is_admin, team_name)
    if isinstance(scope, str):
        await message.answer(_refusal(t, scope, team_name))
        return
    chat_id = int(found["chat_id"])
    if refusal := await _chat_rights(bot, chat_id, message.chat.id):
        await message.answer(t(refusal))
        return
    await fsm_storage.set_data(key, {})  # used once
    team_id, name = scope
    link = await _do_link(
        db,
        clock,
        live_dashboards,
        chat_id=chat_id,
        chat_type="channel",
        title=found.get("title"),
        team_id=team_id,
        person=person,
    )
    await message.answer(_done_text(t, name, found.get("title")))
    try:
        await bot.delete_message(chat_id, int(found["message_id"]))  # the code is spent
    except TelegramAPIError:
        pass
    await live_dashboards.start_live(link)


@router.message(Command("unlink"), F.chat.type == "private")
async def unlink_private(message: Message, t: Translate) -> None:
    """Unlinking is done where the link shows: the group, or the channel (a post)."""
    await message.answer(t("link.unlink_where"))


# -- the chat moved or the bot removed ---------------------------------------------------------
@router.message(F.migrate_to_chat_id)
async def upgraded(message: Message, db: Database, clock: Clock) -> None:
    """A group became a supergroup (a new chat id): the link follows; the job sends a new
    live dashboard there at its next round."""
    if message.migrate_to_chat_id is not None:
        await chat_link_ops.move(db, message.chat.id, message.migrate_to_chat_id, clock.now())


@router.my_chat_member(F.chat.type != "private")
async def bot_removed(event: ChatMemberUpdated, db: Database, clock: Clock) -> None:
    if event.new_chat_member.status in ("left", "kicked"):
        await chat_link_ops.unlink(db, event.chat.id, None, clock.now(), "bot_removed")
