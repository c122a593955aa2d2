"""The questions of a field report, answered by a tap on the keypad (the question message is
edited in place) or by a typed number, a note, a photo, a location. Everything the
conversation knows is in the FSM data, kept in the database: after a restart the next
answer continues at the same question with the answers already given."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy import select

from handlers.context import Campaign, Translate
from handlers.debrief_keypad import KeyCb, high_check, question, summary
from models import report_flows as flows
from models.database import Database
from models.missions import Mission
from models.report_checks import (
    NOTE_MAX,
    PLACE_MAX,
    clean_count,
    clean_scale,
    clean_text,
    distance_beyond,
    inconsistency,
    plausible_bound,
)
from models.validation import Invalid
from models.zones import zone_centre

router = Router(name="debrief_steps")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")

Screen = tuple[str, InlineKeyboardMarkup]


class Debrief(StatesGroup):
    members = State()
    step = State()
    review = State()


async def show(
    message: Message, screen: Screen, *, edit: bool, state: FSMContext | None = None
) -> None:
    """Edit the question in place after a tap; a typed answer gets the next one below it, and
    the question above loses its keypad (a tap there would be on a question gone by)."""
    text, markup = screen
    if not edit:
        live = state if state is not None and await state.get_state() is not None else None
        if live is not None:
            await _retire(message, live)
        sent = await message.answer(text, reply_markup=markup)
        if live is not None:
            await live.update_data(q=sent.message_id)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            raise


async def _retire(message: Message, state: FSMContext) -> None:
    """Before the next question goes out, so the person never sees two live keypads."""
    previous = (await state.get_data()).get("q")
    if previous and message.bot is not None:
        try:
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=previous, reply_markup=None
            )
        except TelegramBadRequest:
            pass  # deleted by the person, or already without keys


async def goto(
    state: FSMContext, data: dict[str, Any], index: int, t: Translate, topics: tuple[str, ...]
) -> Screen:
    data["i"] = index
    data.pop("pending", None)
    step = flows.flow(data["kind"])[index]
    data["cur"] = data["answers"].get(step.key, 0) if step.kind == "count" else 0
    data["cur_topics"] = list(data["answers"].get("topics", [])) if step.kind == "topics" else []
    await state.set_state(Debrief.step)
    await state.set_data(data)
    return question(t, data, topics)


async def to_review(
    state: FSMContext, data: dict[str, Any], t: Translate, topics: tuple[str, ...]
) -> Screen:
    data["fixing"] = False
    data.pop("pending", None)
    await state.set_state(Debrief.review)
    await state.set_data(data)
    return summary(t, data, topics)


async def answered(
    state: FSMContext,
    data: dict[str, Any],
    value: Any,
    t: Translate,
    topics: tuple[str, ...],
    *,
    confirmed: bool = False,
) -> Screen:
    """Record the current step's answer (None: skipped) and move on, unless it contradicts
    another count (refused, with what is expected) or is beyond the plausible (asked)."""
    kind, index = data["kind"], data["i"]
    step = flows.flow(kind)[index]
    merged = flows.record(kind, index, value, data["answers"])
    if step.kind == "count" and value is not None:
        problem = inconsistency(merged)
        if problem:
            return question(t, data, topics, t(f"report.invalid.{problem}"))
        bound = plausible_bound(step.key, data["hours"], data["people"])
        if not confirmed and bound is not None and value > bound:
            data["pending"] = value
            await state.set_data(data)
            return high_check(t, data, value)
    data["answers"] = merged
    following = None if data.get("fixing") else flows.following(kind, index, merged)
    if following is None:
        return await to_review(state, data, t, topics)
    return await goto(state, data, following, t, topics)


def _typed(step: flows.Step, text: str) -> Any:
    if step.kind == "count":
        return clean_count(text)
    if step.kind == "scale":
        return clean_scale(text)
    if step.kind == "place":
        return clean_text(text, PLACE_MAX)
    if step.kind == "note":
        return clean_text(text, NOTE_MAX)
    raise Invalid(f"expect_{step.kind}")


@router.message(Debrief.step, F.text, ~F.text.startswith("/"))
async def typed(message: Message, state: FSMContext, t: Translate, campaign: Campaign) -> None:
    data = await state.get_data()
    step = flows.flow(data["kind"])[data["i"]]
    try:
        value = _typed(step, message.text or "")
    except Invalid as problem:
        screen = question(t, data, campaign.report_topics, t(f"report.invalid.{problem.reason}"))
        await show(message, screen, edit=False, state=state)
        return
    await show(
        message,
        await answered(state, data, value, t, campaign.report_topics),
        edit=False,
        state=state,
    )


@router.message(Debrief.step, F.photo)
async def photo(message: Message, state: FSMContext, t: Translate, campaign: Campaign) -> None:
    data = await state.get_data()
    step = flows.flow(data["kind"])[data["i"]]
    topics = campaign.report_topics
    if step.kind != "photo" or not message.photo:
        await show(
            message, question(t, data, topics, t("report.invalid.not_now")), edit=False, state=state
        )
        return
    # Telegram's file id only: the picture stays on Telegram's servers.
    value = message.photo[-1].file_id
    await show(message, await answered(state, data, value, t, topics), edit=False, state=state)


@router.message(Debrief.step, F.location)
async def location(
    message: Message, state: FSMContext, t: Translate, campaign: Campaign, db: Database
) -> None:
    data = await state.get_data()
    step = flows.flow(data["kind"])[data["i"]]
    topics = campaign.report_topics
    if step.kind != "location":
        await show(
            message, question(t, data, topics, t("report.invalid.not_now")), edit=False, state=state
        )
        return
    # Checked against the mission's zone here, then dropped: the conversation keeps that a
    # location was shared, whether it was near, and how far (for the organizer's flag).
    assert message.location is not None
    near, km = await _near(db, data["m"], message.location.latitude, message.location.longitude)
    data["answers"]["location_near"] = near
    data["answers"].pop("location_km", None)
    if near is False:
        data["answers"]["location_km"] = km
    await show(message, await answered(state, data, True, t, topics), edit=False, state=state)


async def _near(db: Database, mission_id: int, lat: float, lon: float) -> tuple[bool | None, float]:
    async with db() as session:
        zone_id = await session.scalar(select(Mission.zone_id).where(Mission.id == mission_id))
    centre = await zone_centre(db, zone_id) if zone_id is not None else None
    return distance_beyond(lat, lon, centre)


@router.message(Debrief.step, ~F.text.startswith("/"))
async def other(message: Message, state: FSMContext, t: Translate, campaign: Campaign) -> None:
    data = await state.get_data()
    error = t("report.invalid.not_now")
    await show(message, question(t, data, campaign.report_topics, error), edit=False, state=state)


@router.callback_query(Debrief.step, KeyCb.filter())
async def key(
    query: CallbackQuery,
    callback_data: KeyCb,
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
) -> None:
    data = await state.get_data()
    if callback_data.i != data["i"] or not isinstance(query.message, Message):
        await query.answer(t("report.stale_key"))
        return
    screen = await _pressed(callback_data, state, data, t, campaign.report_topics)
    # Answered after the edit: the client's spinner stops once the new question is there.
    if screen is None:
        await state.clear()
        await query.message.edit_text(t("report.cancelled"), reply_markup=None)
    else:
        await show(query.message, screen, edit=True)
    await query.answer()


async def _pressed(
    cb: KeyCb, state: FSMContext, data: dict[str, Any], t: Translate, topics: tuple[str, ...]
) -> Screen | None:
    kind = data["kind"]
    step = flows.flow(kind)[data["i"]]
    action = cb.a
    if action == "cancel":
        return None
    if action == "back":
        if "pending" in data:
            return await goto(state, data, data["i"], t, topics)
        return await goto(state, data, flows.previous(kind, data["i"], data["answers"]), t, topics)
    if action == "skip" and step.optional:
        return await answered(state, data, None, t, topics)
    if action == "n" and step.kind in ("count", "scale"):
        return await answered(state, data, max(0, cb.v), t, topics)
    if action == "c" and step.kind == "place" and 0 <= cb.v < len(flows.PLACES):
        return await answered(state, data, flows.PLACES[cb.v], t, topics)
    if action == "p" and step.kind == "count":
        data["cur"] = max(0, int(data.get("cur", 0)) + cb.v)
        await state.set_data(data)
        return question(t, data, topics)
    if action == "ok" and step.kind == "count":
        return await answered(state, data, int(data.get("cur", 0)), t, topics)
    if action == "t" and step.kind == "topics" and 0 <= cb.v < len(topics):
        chosen = list(data.get("cur_topics", []))
        tag = topics[cb.v]
        data["cur_topics"] = [x for x in chosen if x != tag] if tag in chosen else [*chosen, tag]
        await state.set_data(data)
        return question(t, data, topics)
    if action == "ok" and step.kind == "topics":
        return await answered(state, data, data.get("cur_topics") or None, t, topics)
    if action == "nobody" and step.key == "doors_opened":
        data["answers"] = flows.nobody_home(data["answers"])
        return await to_review(state, data, t, topics)
    if action == "yes" and "pending" in data:
        return await answered(state, data, data["pending"], t, topics, confirmed=True)
    if action == "no":
        return await goto(state, data, data["i"], t, topics)
    return question(t, data, topics)
