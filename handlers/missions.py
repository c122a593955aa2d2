"""/newmission: organizers (campaign-wide) and team leads (their team) create a mission, in
one line for speed or through a guided conversation. Every field is checked with a clear
message; times are typed in the campaign's time zone and stored in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers import mission_manage
from handlers.cards import button, card_text
from handlers.context import AtLeast, Campaign, Translate, esc
from handlers.refusals import refuse
from models import mission_input as inp
from models import mission_ops
from models.clock import Clock
from models.database import Database
from models.mission_input import Schedule
from models.missions import MissionKind
from models.people import Person, Role
from models.validation import Invalid
from models.zones import Zone, find_zones, fold, zone_by_code

router = Router(name="missions")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")
router.include_router(mission_manage.router)
ZONE_CHOICES = 6


class NewMission(StatesGroup):
    kind = State()
    zone = State()
    when = State()
    point = State()
    capacity = State()
    materials = State()
    briefing = State()
    review = State()


class KindCb(CallbackData, prefix="mk"):
    kind: str


class ZoneCb(CallbackData, prefix="mz"):
    z: int


class CreateCb(CallbackData, prefix="mn"):
    ok: bool


def invalid(t: Translate, problem: Invalid) -> str:
    return t(f"mission.invalid.{problem.reason}")


async def resolve_zone(db: Database, text: str) -> Zone | list[Zone]:
    """One zone (exact code, or the only / exactly named match), or the candidates."""
    exact = await zone_by_code(db, text)
    if exact is not None:
        return exact
    found = await find_zones(db, text, limit=ZONE_CHOICES)
    named = [z for z in found if fold(z.name) == fold(text)]
    if len(found) == 1 or len(named) == 1:
        return found[0] if len(found) == 1 else named[0]
    if not found:
        raise Invalid("zone")
    return found


def team_of(person: Person | None, is_admin: bool) -> int | None:
    """Leads create for their team; organizers and admins campaign-wide."""
    if is_admin or person is None or person.role != Role.TEAM_LEAD:
        return None
    return person.team_id


@router.message(Command("newmission"), AtLeast(Role.TEAM_LEAD))
async def new_mission(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    locale: str,
) -> None:
    team_id = team_of(person, is_admin)
    if person is not None and person.role == Role.TEAM_LEAD and team_id is None and not is_admin:
        await message.answer(t("mission.lead_without_team"))
        return
    args = (command.args or "").strip()
    if not args:
        await state.set_state(NewMission.kind)
        await state.set_data({"team_id": team_id})
        await message.answer(t("mission.ask_kind"), reply_markup=kind_keyboard(t))
        return
    zone = ZoneInfo(campaign.timezone)
    try:
        line = inp.parse_one_line(args, zone, clock.now())
        found = await resolve_zone(db, line.zone)
    except Invalid as problem:
        await message.answer(invalid(t, problem) + "\n\n" + t("mission.one_line_usage"))
        return
    if isinstance(found, list):
        codes = ", ".join(f"{esc(z.code)} ({esc(z.name)})" for z in found)
        await message.answer(t("mission.invalid.zone_ambiguous") + "\n" + codes)
        return
    draft = mission_ops.Draft(
        kind=line.kind,
        zone_id=found.id,
        team_id=team_id,
        schedule=line.schedule,
        meeting_point=line.meeting_point,
        capacity=line.capacity,
        materials=line.materials,
        briefing=line.briefing,
    )
    await _create(message, t, locale, campaign, db, clock, person, draft)


async def _create(
    message: Message,
    t: Translate,
    locale: str,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    person: Person | None,
    draft: mission_ops.Draft,
) -> None:
    mission = await mission_ops.create(db, draft, person.id if person else None, clock.now())
    text = card_text(t, locale, mission, campaign.timezone, 0)
    await message.answer(t("mission.created", id=mission.id, card=text))


def kind_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kinds = [button(t(f"mission.kind.{k.value}"), KindCb(kind=k.value)) for k in MissionKind]
    return InlineKeyboardMarkup(inline_keyboard=[kinds[i : i + 2] for i in range(0, 6, 2)])


@router.callback_query(NewMission.kind, KindCb.filter(), AtLeast(Role.TEAM_LEAD))
async def got_kind(
    query: CallbackQuery, callback_data: KindCb, state: FSMContext, t: Translate
) -> None:
    if callback_data.kind not in {k.value for k in MissionKind}:
        await query.answer(t("button.stale"))
        return
    await state.update_data(kind=callback_data.kind)
    await state.set_state(NewMission.zone)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(f"mission.kind.{callback_data.kind}"))
        await query.message.answer(t("mission.ask_zone"))


@router.message(NewMission.zone, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
async def got_zone(message: Message, state: FSMContext, t: Translate, db: Database) -> None:
    try:
        found = await resolve_zone(db, message.text or "")
    except Invalid as problem:
        await message.answer(invalid(t, problem))
        return
    if isinstance(found, list):
        rows = [[button(f"{z.name} ({z.code})"[:60], ZoneCb(z=z.id))] for z in found]
        await message.answer(
            t("mission.choose_zone"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )
        return
    await _zone_chosen(message, state, t, found)


@router.callback_query(NewMission.zone, ZoneCb.filter(), AtLeast(Role.TEAM_LEAD))
async def picked_zone(
    query: CallbackQuery, callback_data: ZoneCb, state: FSMContext, t: Translate, db: Database
) -> None:
    async with db() as session:
        zone = await session.get(Zone, callback_data.z)
    await query.answer()
    if zone is None:
        return
    if isinstance(query.message, Message):
        await _zone_chosen(query.message, state, t, zone)


async def _zone_chosen(message: Message, state: FSMContext, t: Translate, zone: Zone) -> None:
    await state.update_data(zone_id=zone.id)
    await state.set_state(NewMission.when)
    await message.answer(t("mission.ask_when", zone=esc(zone.name), code=esc(zone.code)))


@router.message(NewMission.when, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
async def got_when(
    message: Message, state: FSMContext, t: Translate, campaign: Campaign, clock: Clock
) -> None:
    try:
        plan = inp.clean_schedule(message.text or "", ZoneInfo(campaign.timezone), clock.now())
    except Invalid as problem:
        await message.answer(invalid(t, problem) + "\n" + t("mission.when_example"))
        return
    await state.update_data(starts_at=plan.starts_at.isoformat(), ends_at=plan.ends_at.isoformat())
    await state.set_state(NewMission.point)
    await message.answer(t("mission.ask_point"))


STEPS: dict[str, tuple[str, State, str]] = {
    # state -> (data key, next state, question for the next step)
    NewMission.point.state: ("meeting_point", NewMission.capacity, "mission.ask_capacity"),
    NewMission.capacity.state: ("capacity", NewMission.materials, "mission.ask_materials"),
    NewMission.materials.state: ("materials", NewMission.briefing, "mission.ask_briefing"),
}


def _clean_step(state_name: str, text: str) -> Any:
    if state_name == NewMission.point.state:
        return inp.clean_text(text, inp.MEETING_POINT_MAX, required=True, reason="point")
    if state_name == NewMission.capacity.state:
        return inp.clean_capacity(text)
    if state_name == NewMission.materials.state:
        return inp.clean_text(text, inp.MATERIALS_MAX, required=False, reason="materials")
    return inp.clean_text(text, inp.BRIEFING_MAX, required=False, reason="briefing")


@router.message(NewMission.point, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
@router.message(NewMission.capacity, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
@router.message(NewMission.materials, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
@router.message(NewMission.briefing, F.text, ~F.text.startswith("/"), AtLeast(Role.TEAM_LEAD))
async def got_step(
    message: Message,
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
    db: Database,
    locale: str,
) -> None:
    current = await state.get_state() or ""
    try:
        value = _clean_step(current, message.text or "")
    except Invalid as problem:
        await message.answer(invalid(t, problem))
        return
    if current in STEPS:
        key, following, question = STEPS[current]
        await state.update_data({key: value})
        await state.set_state(following)
        await message.answer(t(question))
        return
    await state.update_data(briefing=value)
    await state.set_state(NewMission.review)
    draft = _draft(await state.get_data())
    preview = await _preview(db, t, locale, campaign, draft)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t("mission.create_button"), CreateCb(ok=True)),
                button(t("mission.discard_button"), CreateCb(ok=False)),
            ]
        ]
    )
    await message.answer(t("mission.review", card=preview), reply_markup=keyboard)


def _draft(data: dict[str, Any]) -> mission_ops.Draft:
    return mission_ops.Draft(
        kind=MissionKind(data["kind"]),
        zone_id=data["zone_id"],
        team_id=data.get("team_id"),
        schedule=Schedule(
            datetime.fromisoformat(data["starts_at"]), datetime.fromisoformat(data["ends_at"])
        ),
        meeting_point=data["meeting_point"],
        capacity=data["capacity"],
        materials=data.get("materials", ""),
        briefing=data.get("briefing", ""),
    )


async def _preview(
    db: Database, t: Translate, locale: str, campaign: Campaign, draft: mission_ops.Draft
) -> str:
    from models.missions import Mission

    async with db() as session:
        zone = await session.get_one(Zone, draft.zone_id)
    mission = Mission(
        id=0,
        kind=draft.kind.value,
        starts_at=draft.schedule.starts_at,
        ends_at=draft.schedule.ends_at,
        meeting_point=draft.meeting_point,
        capacity=draft.capacity,
        materials=draft.materials,
        briefing=draft.briefing,
    )
    mission.zone = zone
    return card_text(t, locale, mission, campaign.timezone)


@router.callback_query(NewMission.review, CreateCb.filter(), AtLeast(Role.TEAM_LEAD))
async def review_done(
    query: CallbackQuery,
    callback_data: CreateCb,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    locale: str,
) -> None:
    data = await state.get_data()
    await state.clear()
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if not callback_data.ok:
        await query.message.edit_text(t("mission.discarded"))
        return
    draft = _draft(data)
    if draft.schedule.starts_at <= clock.now():
        # The conversation took long enough for the start to pass.
        await query.message.edit_text(t("mission.invalid.in_past"))
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await _create(query.message, t, locale, campaign, db, clock, person, draft)


# Volunteers asking to create a mission: a polite no, audited (after new_mission above).
router.message(Command("newmission"))(refuse(Role.TEAM_LEAD))
