"""/assign: put volunteers on a mission. Four forms:
`/assign 12 @alice @bob`, `/assign 12` as a reply to a volunteer's message (in a group, or
to a message forwarded from them), `/assign 12 team NAME`, and `/assign 12 auto N` (a
proposal to confirm). Each assignee gets the card with Accept / Decline and a calendar file
through the outbox. Team leads: their team's missions and volunteers only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, MessageOriginUser

from handlers.cards import AutoCb, button
from handlers.context import AtLeast, Campaign, Translate, esc
from handlers.mission_manage import managed, mission_id_of
from handlers.refusals import refuse
from models import assignments, mission_queries, roles, volunteers
from models.clock import Clock
from models.database import Database
from models.missions import Mission
from models.notices import Compose
from models.people import Person, Role

router = Router(name="assign")
AUTO_MAX = 50


def lead_team(person: Person | None, is_admin: bool) -> int | None:
    """A team lead may only put their own team's volunteers on missions."""
    if is_admin or person is None or person.role != Role.TEAM_LEAD:
        return None
    return person.team_id if person.team_id is not None else -1


async def _replied_person(db: Database, message: Message) -> Person | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    user = replied.from_user
    if isinstance(replied.forward_origin, MessageOriginUser):
        user = replied.forward_origin.sender_user
    if user is None or user.is_bot:
        return None
    return await volunteers.person_by_telegram_id(db, user.id)


@router.message(Command("assign"), AtLeast(Role.TEAM_LEAD))
async def assign(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    words = (command.args or "").split()
    mission_id = mission_id_of(command.args)
    if mission_id is None:
        await message.answer(t("assign.usage"))
        return
    mission = await managed(db, mission_id, person, is_admin)
    if mission is None:
        await message.answer(t("mission.not_found", id=mission_id))
        return
    team_id = lead_team(person, is_admin)
    rest = words[1:]
    unknown: list[str] = []
    if not rest:
        target = await _replied_person(db, message)
        if target is None:
            await message.answer(t("assign.usage"))
            return
        ids = [target.id]
    elif rest[0].lower() in ("team", "equipe", "équipe"):
        team = await roles.team_by_name(db, " ".join(rest[1:]))
        if team is None:
            await message.answer(t("team.unknown", name=esc(" ".join(rest[1:])[:64])))
            return
        if team_id is not None and team.id != team_id:
            await message.answer(t("assign.other_team"))
            return
        ids = await mission_queries.team_member_ids(db, team.id)
    elif rest[0].lower() == "auto":
        if message.chat.type != "private":
            await message.answer(t("fallback.private_only"))
            return
        await _propose(message, rest[1:], state, t, campaign, db, mission, team_id)
        return
    else:
        ids = []
        for word in rest:
            found = await roles.find_person(db, word)
            if found is None:
                unknown.append(word[:64])
            elif found.id not in ids:
                ids.append(found.id)
    if message.chat.type != "private" and len(ids) != 1:
        await message.answer(t("fallback.private_only"))
        return
    await _invite(message, t, db, clock, compose, mission.id, ids, person, team_id, unknown)


async def _invite(
    message: Message,
    t: Translate,
    db: Database,
    clock: Clock,
    compose: Compose,
    mission_id: int,
    ids: list[int],
    person: Person | None,
    team_id: int | None,
    unknown: list[str] | None = None,
) -> None:
    actor = person.id if person else None
    try:
        result = await assignments.invite(
            db, mission_id, ids, actor, clock.now(), compose, team_id=team_id
        )
    except LookupError:
        await message.answer(t("mission.stale"))
        return
    lines = [t("assign.invited_count", id=mission_id, count=len(result.invited))]
    if message.chat.type == "private":
        # Names only in the organizer's private chat, never in a group.
        for key, people in (
            ("assign.invited_names", result.invited),
            ("assign.already", result.already),
            ("assign.unavailable", result.unavailable),
            ("assign.outside_team", result.outside_team),
        ):
            if people:
                lines.append(t(key, names=", ".join(esc(p.display_name or "?") for p in people)))
        if unknown:
            lines.append(t("assign.unknown", names=", ".join(esc(w) for w in unknown)))
    await message.answer("\n".join(lines))


async def _propose(
    message: Message,
    args: list[str],
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
    db: Database,
    mission: Mission,
    team_id: int | None,
) -> None:
    if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= AUTO_MAX:
        await message.answer(t("assign.auto_usage", max=AUTO_MAX))
        return
    # A lead's proposal stays in their team; a team mission's, in that team.
    scope = team_id if team_id is not None else mission.team_id
    people = await mission_queries.propose(
        db, mission, ZoneInfo(campaign.timezone), int(args[0]), team_id=scope
    )
    if not people:
        await message.answer(t("assign.auto_nobody", id=mission.id))
        return
    await state.set_state(None)
    await state.set_data({"auto": {"m": mission.id, "ids": [p.id for p in people]}})
    names = "\n".join(
        f"• {esc(p.display_name or '?')} ({esc(p.postal_code or '?')})" for p in people
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t("assign.auto_confirm_button"), AutoCb(m=mission.id, yes=True)),
                button(t("assign.auto_discard_button"), AutoCb(m=mission.id, yes=False)),
            ]
        ]
    )
    await message.answer(
        t("assign.auto_proposal", id=mission.id, count=len(people), names=names),
        reply_markup=keyboard,
    )


@router.callback_query(AutoCb.filter(), AtLeast(Role.TEAM_LEAD), F.message.chat.type == "private")
async def auto_answer(
    query: CallbackQuery,
    callback_data: AutoCb,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    proposal = (await state.get_data()).get("auto") or {}
    mission = await managed(db, callback_data.m, person, is_admin)
    message = query.message if isinstance(query.message, Message) else None
    if mission is None or message is None or proposal.get("m") != callback_data.m:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await state.set_data({})
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    if not callback_data.yes:
        await message.answer(t("assign.auto_discarded"))
        return
    team_id = lead_team(person, is_admin)
    await _invite(message, t, db, clock, compose, mission.id, proposal["ids"], person, team_id)


router.message(Command("assign"))(refuse(Role.TEAM_LEAD))
