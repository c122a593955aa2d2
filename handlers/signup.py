"""/start: the privacy notice, one opt-in per purpose, then a short profile conversation."""

from __future__ import annotations

import io

import segno
from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Message,
    ReplyKeyboardRemove,
    User,
)

from handlers import menus, recognition
from handlers.context import Campaign, Catalogs, Translate, esc
from handlers.keyboards import SignupChoice, signup_keyboard
from handlers.profile import ask_name
from handlers.states import Signup
from models import volunteers
from models.clock import Clock
from models.consent import NoticeProof
from models.database import Database
from models.people import AT_SIGNUP, Person, Purpose, Status
from models.validation import split_payload

router = Router(name="signup")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")
# Free text while deciding; included after every command router so /help still works.
replies = Router(name="signup-replies")
replies.message.filter(F.chat.type == "private")


def notice_text(t: Translate, campaign: Campaign) -> str:
    return t("notice.text", **campaign.notice_fields())


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    bot: Bot,
    is_admin: bool,
    catalogs: Catalogs,
) -> None:
    if is_admin and message.from_user is not None:
        # Telegram refuses a menu for a chat that never wrote to the bot: now it has.
        await menus.install_for_chat(
            bot, catalogs, campaign.default_locale, message.from_user.id, menus.ADMIN
        )
    link = await _resolve_link(db, command.args)
    if command.args and link is None:
        await message.answer(t("start.bad_link"))
    if person is not None:
        await _welcome_back(message, state, t, person, link, db, clock)
        return
    choices = {p.value: False for p in AT_SIGNUP}
    await state.set_state(Signup.deciding)
    await state.set_data({"choices": choices, **(link or {})})
    await message.answer(notice_text(t, campaign))
    await message.answer(t("signup.choose"), reply_markup=signup_keyboard(t, choices))


async def _resolve_link(db: Database, payload: str | None) -> dict[str, int] | None:
    """A deep link's meaning: the team it invites to or the volunteer who referred."""
    parsed = split_payload(payload)
    if parsed is None:
        return None
    kind, value = parsed
    if kind == "team":
        team = await volunteers.team_by_invite(db, value)
        return {"team_id": team.id} if team else None
    referrer = await volunteers.person_by_referral(db, value)
    return {"referrer_id": referrer.id} if referrer else None


async def _welcome_back(
    message: Message,
    state: FSMContext,
    t: Translate,
    person: Person,
    link: dict[str, int] | None,
    db: Database,
    clock: Clock,
) -> None:
    if person.status == Status.PAUSED:
        await volunteers.set_status(db, person.id, Status.ACTIVE, clock.now())
        await message.answer(t("start.resumed"))
    if link and "team_id" in link and link["team_id"] != person.team_id:
        await volunteers.join_team(db, person.id, link["team_id"])
        await message.answer(t("team.joined"))
    if person.postal_code is None:
        await ask_name(message, state, t, person.display_name or "")
        return
    if person.status != Status.PAUSED:
        await message.answer(t("start.welcome_back", name=esc(person.display_name)))


@router.callback_query(Signup.deciding, SignupChoice.filter(F.action == "toggle"))
async def toggle(
    query: CallbackQuery, callback_data: SignupChoice, state: FSMContext, t: Translate
) -> None:
    if callback_data.purpose not in {p.value for p in AT_SIGNUP}:
        await query.answer(t("button.stale"))
        return
    choices = (await state.get_data())["choices"]
    choices[callback_data.purpose] = not choices.get(callback_data.purpose, False)
    await state.update_data(choices=choices)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=signup_keyboard(t, choices))
    await query.answer()


@router.callback_query(Signup.deciding, SignupChoice.filter(F.action == "refuse"))
async def refuse(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("signup.refused"))
    await query.answer()


@router.callback_query(Signup.deciding, SignupChoice.filter(F.action == "join"))
async def join(
    query: CallbackQuery,
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    locale: str,
    catalogs: Catalogs,
) -> None:
    data = await state.get_data()
    choices = {Purpose(k): bool(v) for k, v in data["choices"].items()}
    if not choices[Purpose.VOLUNTEERING]:
        await query.answer(t("signup.volunteering_required"), show_alert=True)
        return
    person = await volunteers.join(
        db,
        # Kept, so messages sent later (cards, reminders) speak the language they joined in.
        _newcomer(query.from_user, data.get("locale") or locale),
        choices,
        NoticeProof.of(notice_text(t, campaign)),
        clock.now(),
        team_id=data.get("team_id"),
        referred_by_id=data.get("referrer_id"),
    )
    if data.get("referrer_id"):  # a recruit: the referrer may have earned a badge
        congratulate = recognition.Congratulations(catalogs, campaign)
        await recognition.recognize(db, congratulate, [data["referrer_id"]], clock.now())
    summary = "\n".join(
        f"{'☑' if choices[p] else '☐'} {t(f'purpose.{p.value}.short')}" for p in AT_SIGNUP
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(t("signup.recorded", choices=summary))
    await query.answer()
    if isinstance(query.message, Message):
        await ask_name(query.message, state, t, person.display_name or "")


def _newcomer(user: User, locale: str | None) -> volunteers.Newcomer:
    return volunteers.Newcomer(
        telegram_id=user.id,
        username=user.username,
        display_name=user.full_name[:64],
        locale=locale,
    )


@replies.message(StateFilter(Signup.deciding))
async def still_deciding(message: Message, t: Translate) -> None:
    await message.answer(t("signup.use_buttons"), reply_markup=ReplyKeyboardRemove())


@router.message(Command("invite"))
async def invite(message: Message, bot: Bot, t: Translate, person: Person | None) -> None:
    if person is None or person.referral_code is None:
        await message.answer(t("rights.nothing_held"))
        return
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=r_{person.referral_code}"
    await message.answer(t("invite.link", link=link))
    await message.answer_photo(
        BufferedInputFile(qr_png(link), filename="invite.png"), caption=t("invite.qr_caption")
    )


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (segno: pure Python, no image library needed)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()
