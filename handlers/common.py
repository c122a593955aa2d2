"""/help, /language, and what is left: unknown text, stale or forged buttons, group chats."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, ReplyKeyboardRemove

from handlers.context import Campaign, Catalogs, Translate, esc, rank_of
from handlers.keyboards import LanguageChoice, language_keyboard, signup_keyboard
from handlers.signup import notice_text
from handlers.states import Signup
from models import volunteers
from models.database import Database
from models.people import Person, Role

router = Router(name="common")
fallback = Router(name="fallback")
# First of all routers: /cancel must leave any conversation, whichever router holds it.
leaving = Router(name="leaving")


@leaving.message(Command("cancel"), F.chat.type == "private")
async def cancel(message: Message, state: FSMContext, t: Translate) -> None:
    if await state.get_state() is None:
        await message.answer(t("cancel.nothing"), reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer(t("cancel.done"), reply_markup=ReplyKeyboardRemove())


@router.message(Command("help"), F.chat.type == "private")
async def help_(
    message: Message, t: Translate, person: Person | None, is_admin: bool, campaign: Campaign
) -> None:
    parts = [t("help.volunteer", campaign=esc(campaign.name))]
    rank = rank_of(person, is_admin)
    if rank >= Role.TEAM_LEAD.rank:
        parts.append(t("help.lead"))
    if rank >= Role.ORGANIZER.rank:
        parts.append(t("help.organizer"))
    if is_admin:
        parts.append(t("help.admin"))
    await message.answer("\n\n".join(parts))


@router.message(Command("language"), F.chat.type == "private")
async def language(message: Message, t: Translate) -> None:
    await message.answer(t("language.choose"), reply_markup=language_keyboard())


@router.callback_query(LanguageChoice.filter(), F.message.chat.type == "private")
async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    state: FSMContext,
    person: Person | None,
    catalogs: Catalogs,
    campaign: Campaign,
    db: Database,
) -> None:
    if callback_data.code not in catalogs.locales:
        await query.answer()
        return
    t = catalogs.translator(callback_data.code)
    if person is not None:
        await volunteers.update_profile(db, person.id, locale=callback_data.code)
    elif await state.get_state() is not None:
        # Not joined yet: the choice lives only as long as the sign-up conversation.
        await state.update_data(locale=callback_data.code)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_text(t("language.set"))
    if await state.get_state() == Signup.deciding.state:
        choices = (await state.get_data())["choices"]
        await query.message.answer(notice_text(t, campaign))
        await query.message.answer(t("signup.choose"), reply_markup=signup_keyboard(t, choices))


@router.my_chat_member(F.chat.type == "private")
async def blocked_or_back(event: ChatMemberUpdated, db: Database) -> None:
    """Telegram says when someone blocks the bot: stop writing to them until they are back."""
    if event.new_chat_member.status == "kicked":
        await volunteers.mark_unreachable(db, event.from_user.id)
    # Unblocking is noticed with their next message, which marks them reachable again.


@fallback.message(F.chat.type == "private")
async def unknown_private(message: Message, t: Translate, person: Person | None) -> None:
    await message.answer(t("fallback.unknown" if person else "fallback.start_first"))


@fallback.message(F.text.startswith("/"))
async def command_in_group(message: Message, t: Translate, bot: Bot) -> None:
    mention = (message.text or "").split(maxsplit=1)[0].partition("@")[2]
    if mention and mention.lower() != ((await bot.me()).username or "").lower():
        return  # another bot's command, in a group they share: not ours to answer
    await message.reply(t("fallback.private_only"))


@fallback.callback_query()
async def stale_button(query: CallbackQuery, t: Translate) -> None:
    await query.answer(t("button.stale"), show_alert=True)
