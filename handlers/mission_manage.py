"""/mission ID: the card with who is on it, and the organizer's buttons: edit a field,
reschedule, cancel, and after the end, record no-shows. Each press re-checks, in the
database, that this person may manage this mission (a lead: their team's only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.cards import ManageCb, NoShowCb, button, card_text
from handlers.context import AtLeast, Campaign, Translate, esc
from handlers.refusals import refuse
from models import mission_input as inp
from models import mission_ops
from models.clock import Clock
from models.database import Database
from models.missions import AssignmentStatus, Mission, MissionStatus
from models.notices import Compose
from models.people import Person, Role
from models.validation import Invalid

router = Router(name="mission-manage")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")


class EditMission(StatesGroup):
    value = State()
    schedule = State()


def mission_id_of(text: str | None) -> int | None:
    word = (text or "").strip().split(maxsplit=1)[0] if (text or "").strip() else ""
    word = word.lstrip("#")
    return int(word) if word.isdigit() and len(word) < 10 else None


async def managed(
    db: Database, mission_id: int | None, person: Person | None, is_admin: bool
) -> Mission | None:
    """The mission if it exists and this person may manage it."""
    if mission_id is None:
        return None
    try:
        mission = await mission_ops.get(db, mission_id)
    except mission_ops.NotFound:
        return None
    return mission if mission_ops.may_manage(person, is_admin, mission) else None


async def full_card(
    db: Database, t: Translate, locale: str, campaign: Campaign, mission: Mission
) -> str:
    roster = await mission_ops.roster(db, mission.id)
    names: dict[str, list[str]] = {}
    for assignment, person in roster:
        names.setdefault(assignment.status, []).append(esc(person.display_name or "?"))
    taken = sum(
        len(names.get(s, []))
        for s in (AssignmentStatus.ACCEPTED, AssignmentStatus.CHECKED_IN, AssignmentStatus.DONE)
    )
    lines = [card_text(t, locale, mission, campaign.timezone, taken)]
    if mission.status == MissionStatus.CANCELLED:
        lines.append(t("mission.status_cancelled"))
    for status in AssignmentStatus:
        if names.get(status.value):
            label = t(f"assign.status.{status.value}")
            lines.append(f"{label}: {', '.join(names[status.value])}")
    return "\n".join(lines)


def manage_keyboard(t: Translate, mission: Mission, ended: bool) -> InlineKeyboardMarkup | None:
    if mission.status != MissionStatus.OPEN:
        return None
    if ended:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [button(t("mission.noshow_button"), ManageCb(m=mission.id, act="noshows"))]
            ]
        )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t("mission.edit_button"), ManageCb(m=mission.id, act="edit")),
                button(t("mission.reschedule_button"), ManageCb(m=mission.id, act="reschedule")),
            ],
            [button(t("mission.cancel_button"), ManageCb(m=mission.id, act="cancel"))],
        ]
    )


@router.message(Command("mission"), AtLeast(Role.TEAM_LEAD))
async def show(
    message: Message,
    command: CommandObject,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    locale: str,
) -> None:
    mission_id = mission_id_of(command.args)
    if mission_id is None:
        await message.answer(t("mission.show_usage"))
        return
    mission = await managed(db, mission_id, person, is_admin)
    if mission is None:
        await message.answer(t("mission.not_found", id=mission_id))
        return
    text = await full_card(db, t, locale, campaign, mission)
    ended = mission.ends_at <= clock.now()
    await message.answer(text, reply_markup=manage_keyboard(t, mission, ended))


router.message(Command("mission"))(refuse(Role.TEAM_LEAD))


@router.callback_query(ManageCb.filter(), AtLeast(Role.TEAM_LEAD))
async def manage(
    query: CallbackQuery,
    callback_data: ManageCb,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    mission = await managed(db, callback_data.m, person, is_admin)
    message = query.message if isinstance(query.message, Message) else None
    if mission is None or message is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    act = callback_data.act
    if mission.status != MissionStatus.OPEN:
        await query.answer(t("mission.stale"), show_alert=True)
        return
    await query.answer()
    if act == "edit":
        rows = [
            [button(t(f"mission.field.{name}"), ManageCb(m=mission.id, act=f"f_{name}"))]
            for name in mission_ops.EDITABLE
        ]
        await message.answer(
            t("mission.which_field"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )
    elif act.startswith("f_") and act[2:] in mission_ops.EDITABLE:
        await state.set_state(EditMission.value)
        await state.set_data({"m": mission.id, "field": act[2:]})
        await message.answer(t("mission.ask_new_value", field=t(f"mission.field.{act[2:]}")))
    elif act == "reschedule":
        await state.set_state(EditMission.schedule)
        await state.set_data({"m": mission.id})
        await message.answer(t("mission.ask_schedule") + "\n" + t("mission.when_example"))
    elif act == "cancel":
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    button(
                        t("mission.cancel_confirm_button"), ManageCb(m=mission.id, act="cancel_yes")
                    )
                ]
            ]
        )
        await message.answer(t("mission.cancel_confirm", id=mission.id), reply_markup=keyboard)
    elif act == "cancel_yes":
        actor = person.id if person else None
        try:
            told = await mission_ops.cancel(db, mission.id, actor, clock.now(), compose)
        except mission_ops.Stale:
            await message.answer(t("mission.stale"))
            return
        await message.edit_text(t("mission.cancelled", id=mission.id, told=told))
    elif act == "noshows":
        await _noshow_list(message, t, db, mission, edit=False)


async def _noshow_list(
    message: Message, t: Translate, db: Database, mission: Mission, *, edit: bool
) -> None:
    rows: list[list[InlineKeyboardButton]] = []
    for assignment, person in await mission_ops.roster(db, mission.id):
        if assignment.status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.NO_SHOW):
            continue
        mark = "❌" if assignment.status == AssignmentStatus.NO_SHOW else "✅"
        label = f"{mark} {person.display_name or '?'}"[:60]
        rows.append([button(label, NoShowCb(m=mission.id, a=assignment.id))])
    text = t("mission.noshow_help", id=mission.id) if rows else t("mission.noshow_nobody")
    markup = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


@router.callback_query(NoShowCb.filter(), AtLeast(Role.TEAM_LEAD))
async def no_show(
    query: CallbackQuery,
    callback_data: NoShowCb,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
) -> None:
    mission = await managed(db, callback_data.m, person, is_admin)
    if mission is None or not isinstance(query.message, Message):
        await query.answer(t("button.stale"), show_alert=True)
        return
    actor = person.id if person else None
    try:
        await mission_ops.toggle_no_show(db, mission.id, callback_data.a, actor, clock.now())
    except (mission_ops.NotFound, mission_ops.Stale):
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer()
    await _noshow_list(query.message, t, db, mission, edit=True)


@router.message(EditMission.value, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
@router.message(EditMission.schedule, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
async def got_change(
    message: Message,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    compose: Compose,
    locale: str,
) -> None:
    data = await state.get_data()
    mission = await managed(db, data.get("m"), person, is_admin)
    if mission is None:
        await state.clear()
        await message.answer(t("button.stale"))
        return
    text, now, actor = message.text or "", clock.now(), person.id if person else None
    try:
        if await state.get_state() == EditMission.schedule.state:
            plan = inp.clean_schedule(text, ZoneInfo(campaign.timezone), now)
            mission = await mission_ops.reschedule(db, mission.id, plan, actor, now, compose)
        else:
            field = data["field"]
            value: str | int = _clean_field(field, text)
            mission = await mission_ops.edit(db, mission.id, field, value, actor, now, compose)
    except Invalid as problem:
        await message.answer(t(f"mission.invalid.{problem.reason}"))
        return
    except mission_ops.Stale:
        await state.clear()
        await message.answer(t("mission.stale"))
        return
    await state.clear()
    card = await full_card(db, t, locale, campaign, mission)
    await message.answer(t("mission.updated", card=card))


def _clean_field(field: str, text: str) -> str | int:
    if field == "capacity":
        return inp.clean_capacity(text)
    if field == "meeting_point":
        return inp.clean_text(text, inp.MEETING_POINT_MAX, required=True, reason="point")
    if field == "materials":
        return inp.clean_text(text, inp.MATERIALS_MAX, required=False, reason="materials")
    return inp.clean_text(text, inp.BRIEFING_MAX, required=False, reason="briefing")
