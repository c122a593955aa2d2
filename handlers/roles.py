"""Organizer and admin commands: /promote, /demote (admins), /newteam (organizers).
Each checks the role stored in the database for this very update; refusals are audited."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers import menus, recognition
from handlers.context import AtLeast, Campaign, Catalogs, Translate, esc
from handlers.refusals import refuse
from models import roles
from models.clock import Clock
from models.database import Database
from models.people import Person, Role
from models.validation import Invalid, clean_name

router = Router(name="roles")
router.message.filter(F.chat.type == "private")

ROLE_WORDS = {
    "organizer": Role.ORGANIZER,
    "organisateur": Role.ORGANIZER,
    "organisatrice": Role.ORGANIZER,
    "lead": Role.TEAM_LEAD,
    "responsable": Role.TEAM_LEAD,
    "volunteer": Role.VOLUNTEER,
    "benevole": Role.VOLUNTEER,
    "bénévole": Role.VOLUNTEER,
}


@router.message(Command("promote", "demote"), AtLeast(None))
async def change_role(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Translate,
    person: Person | None,
    catalogs: Catalogs,
    campaign: Campaign,
    db: Database,
    clock: Clock,
) -> None:
    words = (command.args or "").split()
    demoting = command.command == "demote"
    role = (
        Role.VOLUNTEER if demoting else ROLE_WORDS.get(words[1].lower()) if len(words) > 1 else None
    )
    if not words or role is None:
        await message.answer(t("roles.usage_demote" if demoting else "roles.usage_promote"))
        return
    target = await roles.find_person(db, words[0])
    if target is None or target.telegram_id is None:
        await message.answer(t("roles.unknown_person", who=esc(words[0][:64])))
        return
    team_id = target.team_id
    if role is Role.TEAM_LEAD:
        # A lead leads a team: the one named after the role, else the one they joined.
        if team_name := " ".join(words[2:]):
            team = await roles.team_by_name(db, team_name)
            if team is None:
                await message.answer(t("team.unknown", name=esc(team_name[:64])))
                return
            team_id = team.id
        if team_id is None:
            await message.answer(t("roles.lead_needs_team"))
            return
    actor_id = person.id if person else None
    await roles.set_role(db, actor_id, target.id, role, clock.now(), team_id=team_id)
    congratulate = recognition.Congratulations(catalogs, campaign)
    await recognition.recognize(db, congratulate, [target.id], clock.now())  # a new rung?
    names = menus.ADMIN if target.telegram_id in campaign.admin_ids else menus.BY_ROLE[role]
    await menus.install_for_chat(bot, catalogs, campaign.default_locale, target.telegram_id, names)
    await message.answer(
        t("roles.changed", name=esc(target.display_name), role=t(f"role.{role.value}"))
    )


@router.message(Command("newteam"), AtLeast(Role.ORGANIZER))
async def new_team(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Translate,
    person: Person | None,
    db: Database,
    clock: Clock,
) -> None:
    try:
        name = clean_name(command.args or "")
    except Invalid:
        await message.answer(t("team.usage"))
        return
    try:
        team = await roles.create_team(db, name, person.id if person else None, clock.now())
    except roles.TeamNameTaken:
        await message.answer(t("team.name_taken", name=esc(name)))
        return
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=t_{team.invite_token}"
    await message.answer(t("team.created", name=esc(team.name), link=link))


router.message(Command("promote", "demote"))(refuse(None))
router.message(Command("newteam"))(refuse(Role.ORGANIZER))
