"""/broadcast: organizers write to everyone or a team, team leads to their own team.

Audience, purpose (campaign news, or mission logistics under the volunteering purpose), the
text, then a preview with the number of recipients; nothing is sent before "Send". Sending is
one outbox row per recipient (the sender delivers them); the preview becomes the progress
message, edited in place by the sender, with a Cancel button for what has not gone out.
Every message names its sender and ends with a one-tap way to stop."""

from __future__ import annotations

from typing import Any, Protocol

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.context import AtLeast, Campaign, Catalogs, Translate, esc, rank_of
from handlers.refusals import refuse
from handlers.signup import notice_text
from models import broadcasts, volunteers
from models.clock import Clock
from models.consent import NoticeProof
from models.database import Database
from models.people import Person, Purpose, Role, Status

router = Router(name="broadcast")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")

# Telegram's limit is 4096; the header and the footer need the rest.
MAX_TEXT = 3500
MAX_TEAM_BUTTONS = 30
LEAD = AtLeast(Role.TEAM_LEAD)


class ProgressShower(Protocol):
    """Edits a broadcast's progress message (bot/progress.py): every edit goes through it,
    so it knows what the message shows and never sends an edit that changes nothing."""

    async def show(self, broadcast_id: int) -> None: ...


class Writing(StatesGroup):
    text = State()


class Audience(CallbackData, prefix="bca"):
    team: int  # 0: everyone


class Topic(CallbackData, prefix="bcp"):
    purpose: str


class Draft(CallbackData, prefix="bcd"):
    id: int
    send: bool


class CancelSending(CallbackData, prefix="bcc"):
    id: int


class StopButton(CallbackData, prefix="bcs"):
    purpose: str


def _button(text: str, data: CallbackData) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


def _is_organizer(person: Person | None, is_admin: bool) -> bool:
    return rank_of(person, is_admin) >= Role.ORGANIZER.rank


@router.message(Command("broadcast"), LEAD)
async def start(
    message: Message,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
) -> None:
    await state.clear()
    if _is_organizer(person, is_admin):
        rows = [_button(t("broadcast.everyone_button"), Audience(team=0))]
        for team in (await broadcasts.teams(db))[:MAX_TEAM_BUTTONS]:
            rows.append(_button(team.name, Audience(team=team.id)))
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
        await message.answer(t("broadcast.choose_audience"), reply_markup=markup)
        return
    if person is None or person.team_id is None:
        await message.answer(t("broadcast.no_team"))
        return
    await state.update_data(team=person.team_id)
    await message.answer(t("broadcast.choose_topic"), reply_markup=_topics(t))


def _topics(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _button(t("broadcast.topic_news_button"), Topic(purpose=Purpose.NEWS.value)),
            _button(
                t("broadcast.topic_logistics_button"), Topic(purpose=Purpose.VOLUNTEERING.value)
            ),
        ]
    )


@router.callback_query(Audience.filter(), LEAD)
async def audience_chosen(
    query: CallbackQuery,
    callback_data: Audience,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
) -> None:
    if not _is_organizer(person, is_admin):
        await query.answer(t("button.stale"), show_alert=True)
        return
    await state.update_data(team=callback_data.team or None)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("broadcast.choose_topic"), reply_markup=_topics(t))


@router.callback_query(Topic.filter(), LEAD)
async def topic_chosen(
    query: CallbackQuery, callback_data: Topic, state: FSMContext, t: Translate
) -> None:
    data = await state.get_data()
    if "team" not in data or callback_data.purpose not in (Purpose.NEWS, Purpose.VOLUNTEERING):
        await query.answer(t("button.stale"), show_alert=True)
        return
    await state.update_data(purpose=callback_data.purpose)
    await state.set_state(Writing.text)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("broadcast.write", limit=MAX_TEXT))


@router.message(Writing.text, LEAD, ~F.text.startswith("/"))
async def text_written(
    message: Message,
    state: FSMContext,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    campaign: Campaign,
    db: Database,
    clock: Clock,
) -> None:
    if not message.text or not message.text.strip():
        await message.answer(t("broadcast.text_only"))
        return
    if len(message.text) > MAX_TEXT:
        await message.answer(t("broadcast.too_long", limit=MAX_TEXT, length=len(message.text)))
        return
    data = await state.get_data()
    team_id: int | None = data.get("team")
    # A lead's audience is their team, checked again now (roles can change mid-conversation).
    if not _is_organizer(person, is_admin) and (person is None or team_id != person.team_id):
        await state.clear()
        await message.answer(t("refused.organizer"))
        return
    purpose = Purpose(data["purpose"])
    # html_text: the person's bold or links kept, everything else escaped.
    body = message.html_text
    draft, count = await broadcasts.draft(
        db, person.id if person else None, team_id, purpose, body, clock.now()
    )
    await state.clear()
    preview, markup = render_message(t, sender_name(person, campaign), body, purpose)
    await message.answer(preview, reply_markup=markup)
    await message.answer(
        t("broadcast.preview", count=count),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=t("broadcast.send_button"),
                        callback_data=Draft(id=draft.id, send=True).pack(),
                    ),
                    InlineKeyboardButton(
                        text=t("broadcast.discard_button"),
                        callback_data=Draft(id=draft.id, send=False).pack(),
                    ),
                ]
            ]
        ),
    )


@router.message(Writing.text, LEAD)
async def command_while_writing(message: Message, state: FSMContext, t: Translate) -> None:
    await state.clear()
    await message.answer(t("broadcast.abandoned"))


def sender_name(person: Person | None, campaign: Campaign) -> str:
    return esc(person.display_name if person and person.display_name else campaign.name)


def render_message(
    t: Translate, sender: str, body: str, purpose: Purpose
) -> tuple[str, InlineKeyboardMarkup]:
    """What a recipient sees: who writes, the message, and how to stop in one tap."""
    news = purpose is Purpose.NEWS
    text = "\n\n".join(
        [
            t("broadcast.header", sender=sender),
            body,
            t("broadcast.footer_news" if news else "broadcast.footer_logistics"),
        ]
    )
    button = t("broadcast.stop_news_button" if news else "broadcast.stop_all_button")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[_button(button, StopButton(purpose=purpose.value))]
    )
    return text, markup


@router.callback_query(Draft.filter(), LEAD)
async def draft_decided(
    query: CallbackQuery,
    callback_data: Draft,
    t: Translate,
    person: Person | None,
    catalogs: Catalogs,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    broadcast_progress: ProgressShower,
    outbox: Any = None,
) -> None:
    sender_id = person.id if person else None
    if not isinstance(query.message, Message):
        await query.answer(t("button.stale"), show_alert=True)
        return
    if not callback_data.send:
        try:
            await broadcasts.discard(db, callback_data.id, sender_id)
        except broadcasts.NotYours:
            await query.answer(t("button.stale"), show_alert=True)
            return
        await query.answer()
        await query.message.edit_text(t("broadcast.discarded"))
        return
    draft = await broadcasts.get(db, callback_data.id)
    if draft is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    sender = sender_name(person, campaign)
    purpose = Purpose(draft.purpose)

    def render(locale: str | None) -> tuple[str, dict[str, Any]]:
        text, markup = render_message(
            catalogs.translator(locale or campaign.default_locale), sender, draft.text, purpose
        )
        return text, {"reply_markup": markup.model_dump(exclude_none=True)}

    try:
        await broadcasts.confirm(
            db,
            draft.id,
            sender_id,
            render,
            clock.now(),
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
        )
    except broadcasts.NotYours:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer()
    # The preview becomes the progress message; the sender edits it from now on.
    await broadcast_progress.show(draft.id)
    if outbox is not None:
        outbox.wake()


def progress_view(
    t: Translate, progress: broadcasts.Progress
) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [
        t(
            "broadcast.progress",
            sent=progress.sent,
            pending=progress.pending,
            failed=progress.failed,
        )
    ]
    if progress.cancelled:
        lines.append(t("broadcast.progress_cancelled", cancelled=progress.cancelled))
    if progress.finished:
        lines.append(t("broadcast.progress_done"))
        return "\n".join(lines), None
    cancel = _button(t("broadcast.cancel_button"), CancelSending(id=progress.broadcast_id))
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[cancel])


@router.callback_query(CancelSending.filter(), LEAD)
async def cancel_sending(
    query: CallbackQuery,
    callback_data: CancelSending,
    t: Translate,
    person: Person | None,
    db: Database,
    clock: Clock,
    broadcast_progress: ProgressShower,
) -> None:
    try:
        await broadcasts.cancel(db, callback_data.id, person.id if person else None, clock.now())
    except broadcasts.NotYours:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer(t("broadcast.cancelled"))
    await broadcast_progress.show(callback_data.id)


@router.callback_query(StopButton.filter())
async def stop_pressed(
    query: CallbackQuery,
    callback_data: StopButton,
    t: Translate,
    person: Person | None,
    campaign: Campaign,
    db: Database,
    clock: Clock,
) -> None:
    """Anyone who received a broadcast: changes only the presser's own choice."""
    if person is None or person.status == Status.ERASED:
        await query.answer(t("button.stale"), show_alert=True)
        return
    if callback_data.purpose == Purpose.NEWS.value:
        # Queued news rows need no clean-up: the sender checks consent again before sending.
        proof = NoticeProof.of(notice_text(t, campaign))
        await volunteers.set_consent(db, person.id, Purpose.NEWS, False, proof, clock.now())
        text = t("broadcast.news_stopped")
    else:
        await volunteers.set_status(db, person.id, Status.PAUSED, clock.now())
        text = t("rights.paused")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text)


router.message(Command("broadcast"))(refuse(Role.TEAM_LEAD))
