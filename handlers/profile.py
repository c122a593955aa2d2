"""The profile conversation after joining: name, postal code, availability, phone (optional).
Each answer is saved as soon as it is given, so a lost connection loses nothing."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from handlers.context import Joined, Translate, esc
from handlers.keyboards import (
    SlotChoice,
    availability_keyboard,
    contact_keyboard,
    one_button_keyboard,
)
from handlers.states import Profile
from models import volunteers
from models.database import Database
from models.people import Availability, Person
from models.validation import NAME_MAX, Invalid, clean_name, clean_phone, clean_postal_code

router = Router(name="profile")
# Someone erased mid-conversation is no longer Joined: their messages fall through to the
# fallback, which invites them to /start again.
router.message.filter(F.chat.type == "private", Joined())
router.callback_query.filter(F.message.chat.type == "private", Joined())


async def ask_name(message: Message, state: FSMContext, t: Translate, current: str) -> None:
    await state.set_state(Profile.name)
    await state.set_data({})
    keyboard = one_button_keyboard(current) if current else ReplyKeyboardRemove()
    await message.answer(t("profile.ask_name", name=esc(current)), reply_markup=keyboard)


@router.message(Profile.name, F.text, ~F.text.startswith("/"))
async def got_name(
    message: Message, state: FSMContext, t: Translate, person: Person, db: Database
) -> None:
    try:
        name = clean_name(message.text or "")
    except Invalid as problem:
        await message.answer(t(f"profile.name_{problem.reason}", max=NAME_MAX))
        return
    await volunteers.update_profile(db, person.id, display_name=name)
    await state.set_state(Profile.postal_code)
    await message.answer(
        t("profile.ask_postal_code", name=esc(name)), reply_markup=ReplyKeyboardRemove()
    )


@router.message(Profile.postal_code, F.text, ~F.text.startswith("/"))
async def got_postal_code(
    message: Message, state: FSMContext, t: Translate, person: Person, db: Database
) -> None:
    try:
        code = clean_postal_code(message.text or "")
    except Invalid:
        await message.answer(t("profile.postal_code_invalid"))
        return
    await volunteers.update_profile(db, person.id, postal_code=code)
    await state.set_state(Profile.availability)
    await state.set_data({"slots": []})
    await message.answer(t("profile.ask_availability"), reply_markup=availability_keyboard(t, []))


@router.callback_query(Profile.availability, SlotChoice.filter())
async def got_slot(
    query: CallbackQuery,
    callback_data: SlotChoice,
    state: FSMContext,
    t: Translate,
    person: Person,
    db: Database,
) -> None:
    slots: list[str] = (await state.get_data()).get("slots", [])
    if callback_data.slot == "done":
        if not slots:
            await query.answer(t("profile.availability_none"), show_alert=True)
            return
        await volunteers.update_profile(db, person.id, availability=slots)
        await state.set_state(Profile.phone)
        await query.answer()
        if isinstance(query.message, Message):
            chosen = ", ".join(t(f"availability.{slot}") for slot in slots)
            await query.message.edit_text(t("profile.availability_saved", slots=chosen))
            await query.message.answer(t("profile.ask_phone"), reply_markup=contact_keyboard(t))
        return
    if callback_data.slot not in {slot.value for slot in Availability}:
        await query.answer(t("button.stale"))
        return
    slots = [s for s in slots if s != callback_data.slot] + (
        [] if callback_data.slot in slots else [callback_data.slot]
    )
    await state.update_data(slots=slots)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=availability_keyboard(t, slots))
    await query.answer()


@router.message(Profile.phone, F.contact)
async def got_contact(
    message: Message, state: FSMContext, t: Translate, person: Person, db: Database
) -> None:
    contact = message.contact
    if contact is None or message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(t("profile.phone_not_yours"), reply_markup=contact_keyboard(t))
        return
    try:
        phone = clean_phone(contact.phone_number)
    except Invalid:
        await message.answer(t("profile.phone_invalid"), reply_markup=contact_keyboard(t))
        return
    await volunteers.update_profile(db, person.id, phone=phone)
    await _finish(message, state, t)


@router.message(Profile.phone, F.text, ~F.text.startswith("/"))
async def skipped_phone(message: Message, state: FSMContext, t: Translate) -> None:
    if message.text != t("profile.phone_skip_button"):
        await message.answer(t("profile.phone_use_buttons"), reply_markup=contact_keyboard(t))
        return
    await _finish(message, state, t)


@router.message(Profile.name, ~F.text)
@router.message(Profile.postal_code, ~F.text)
@router.message(Profile.phone, ~F.text)
async def not_text(message: Message, t: Translate) -> None:
    await message.answer(t("profile.text_please"))


async def _finish(message: Message, state: FSMContext, t: Translate) -> None:
    await state.clear()
    await message.answer(t("signup.done"), reply_markup=ReplyKeyboardRemove())
