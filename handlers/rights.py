"""The person's rights, at any time: /mydata, /consent, /stop, /forget."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from handlers import menus
from handlers.context import Campaign, Catalogs, Conversations, Translate
from handlers.keyboards import ConsentChange, ForgetChoice, consent_keyboard, forget_keyboard
from handlers.recognition import leaderboard_notice
from handlers.signup import notice_text
from handlers.states import Rights
from models import rights, volunteers
from models.clock import Clock
from models.consent import NoticeProof
from models.database import Database
from models.people import Person, Purpose, Role, Status

router = Router(name="rights")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")


@router.message(Command("mydata"))
async def my_data(message: Message, t: Translate, person: Person | None, db: Database) -> None:
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    payload = json.dumps(await rights.export(db, person.id), ensure_ascii=False, indent=2)
    await message.answer_document(
        BufferedInputFile(payload.encode(), filename="terrain-my-data.json"),
        caption=t("rights.mydata_caption"),
    )


@router.message(Command("consent"))
async def show_consent(message: Message, t: Translate, person: Person | None, db: Database) -> None:
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    current = await volunteers.consents(db, person.id)
    await message.answer(_consent_text(t, current), reply_markup=consent_keyboard(t, current))


def _consent_text(t: Translate, current: dict[Purpose, bool]) -> str:
    lines = [
        t("consent.line_on" if on else "consent.line_off", purpose=t(f"purpose.{p.value}.short"))
        for p, on in current.items()
    ]
    # Leaderboards are offered here, so what appearing on them means is said here too.
    return t("consent.header") + "\n" + "\n".join(lines) + "\n\n" + leaderboard_notice(t)


@router.callback_query(ConsentChange.filter())
async def change_consent(
    query: CallbackQuery,
    callback_data: ConsentChange,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    campaign: Campaign,
    db: Database,
    clock: Clock,
) -> None:
    if person is None or callback_data.purpose not in {p.value for p in Purpose}:
        await query.answer(t("button.stale"))
        return
    purpose = Purpose(callback_data.purpose)
    if purpose is Purpose.VOLUNTEERING and not callback_data.grant:
        # Without this consent nothing may be kept: withdrawing it means leaving, so ask first.
        await query.answer()
        await _ask_forget(query.message, state, t, "forget.withdraw_volunteering")
        return
    leaderboard = purpose is Purpose.LEADERBOARD
    proof = NoticeProof.of(leaderboard_notice(t) if leaderboard else notice_text(t, campaign))
    await volunteers.set_consent(db, person.id, purpose, callback_data.grant, proof, clock.now())
    current = await volunteers.consents(db, person.id)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _consent_text(t, current), reply_markup=consent_keyboard(t, current)
        )
    await query.answer(t("consent.saved"))


@router.message(Command("stop"))
async def stop(message: Message, t: Translate, person: Person | None, db: Database, clock: Clock):
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    await volunteers.set_status(db, person.id, Status.PAUSED, clock.now())
    await message.answer(t("rights.paused"))


@router.message(Command("forget"))
async def forget(message: Message, state: FSMContext, t: Translate, person: Person | None):
    if person is None:
        await state.clear()
        await message.answer(t("rights.nothing_held"))
        return
    await _ask_forget(message, state, t, "forget.ask")


async def _ask_forget(message: object, state: FSMContext, t: Translate, key: str) -> None:
    if isinstance(message, Message):
        await state.set_state(Rights.confirming_forget)
        await message.answer(t(key), reply_markup=forget_keyboard(t))


@router.callback_query(Rights.confirming_forget, ForgetChoice.filter())
async def forget_answer(
    query: CallbackQuery,
    callback_data: ForgetChoice,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    bot: Bot,
    catalogs: Catalogs,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    conversations: Conversations,
) -> None:
    await state.clear()
    if callback_data.confirm and person is not None:
        await rights.forget(db, person.id, clock.now())
        # Conversations in other chats too, and in Redis when it holds them.
        await conversations.forget_user(query.from_user.id)
        if person.role != Role.VOLUNTEER and query.from_user.id not in campaign.admin_ids:
            # Their chat's menu still shows the role they had: back to everyone's menu.
            await menus.install_for_chat(
                bot, catalogs, campaign.default_locale, query.from_user.id, menus.VOLUNTEER
            )
        text = t("forget.done")
    else:
        text = t("forget.cancelled")
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    await query.answer()
