"""The volunteer's side: Accept / Decline on a mission card, the day-before confirmation,
/missions (open missions for my team and area, one tap to join), /mymissions (with cancel).
Every button carries ids only; the domain checks the presser owns the assignment or may see
the mission, and that the card is current."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.cards import AnswerCb, ConfirmCb, JoinCb, PageCb, WithdrawCb, button, card_text
from handlers.context import Campaign, Joined, Translate
from models import assignments, mission_queries
from models.assignments import Outcome
from models.bookkeeping import audit
from models.clock import Clock
from models.database import Database
from models.missions import AssignmentStatus, Mission
from models.notices import Compose
from models.people import Person

router = Router(name="volunteer_missions")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")
PAGE = 5


async def _after(
    query: CallbackQuery,
    t: Translate,
    outcome: Outcome,
    mission: Mission | None,
    db: Database,
    clock: Clock,
    person: Person | None,
) -> None:
    """Answer the press, and turn the card into a record of the answer when it is final."""
    if outcome is Outcome.NOT_YOURS:
        await audit(
            db,
            "button.refused",
            clock.now(),
            actor_id=person.id if person else None,
            data=(query.data or "")[:20],
        )
    id_ = mission.id if mission else 0
    text = t(f"assign.outcome.{outcome.value}", id=id_)
    alert = outcome in (Outcome.NOT_YOURS, Outcome.OUTDATED, Outcome.CLOSED)
    await query.answer(text, show_alert=alert)
    message = query.message if isinstance(query.message, Message) else None
    final = not alert and outcome not in (Outcome.ALREADY_ACCEPTED, Outcome.ALREADY_WAITLISTED)
    if message is None or not final or not _carries(message, query.data):
        return
    await message.edit_text(f"{message.html_text}\n\n<b>{text}</b>", reply_markup=None)


def _carries(message: Message, data: str | None) -> bool:
    """Whether the pressed button is on this message (a forged press may name any message)."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else []
    return message.text is not None and any(b.callback_data == data for row in rows for b in row)


@router.callback_query(AnswerCb.filter())
async def answered(
    query: CallbackQuery,
    callback_data: AnswerCb,
    t: Translate,
    person: Person | None,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    if person is None:
        outcome, mission = Outcome.NOT_YOURS, None
    else:
        outcome, mission = await assignments.answer(
            db, callback_data.a, person.id, callback_data.yes, callback_data.v, clock.now(), compose
        )
    await _after(query, t, outcome, mission, db, clock, person)


@router.callback_query(ConfirmCb.filter())
async def confirmed(
    query: CallbackQuery,
    callback_data: ConfirmCb,
    t: Translate,
    person: Person | None,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    if person is None:
        outcome, mission = Outcome.NOT_YOURS, None
    elif callback_data.yes:
        outcome, mission = await assignments.confirm(
            db, callback_data.a, person.id, callback_data.v, clock.now()
        )
    else:
        outcome, mission = await assignments.withdraw(
            db, callback_data.a, person.id, clock.now(), compose
        )
    await _after(query, t, outcome, mission, db, clock, person)


@router.callback_query(JoinCb.filter(), Joined())
async def joined(
    query: CallbackQuery,
    callback_data: JoinCb,
    t: Translate,
    person: Person,
    db: Database,
    clock: Clock,
) -> None:
    outcome, mission = await assignments.join(
        db, callback_data.m, person, callback_data.v, clock.now()
    )
    await _after(query, t, outcome, mission, db, clock, person)


@router.callback_query(WithdrawCb.filter(), Joined())
async def withdrew(
    query: CallbackQuery,
    callback_data: WithdrawCb,
    t: Translate,
    person: Person,
    db: Database,
    clock: Clock,
    compose: Compose,
) -> None:
    outcome, mission = await assignments.withdraw(
        db, callback_data.a, person.id, clock.now(), compose
    )
    await _after(query, t, outcome, mission, db, clock, person)


async def _page(
    t: Translate,
    locale: str,
    campaign: Campaign,
    db: Database,
    clock: Clock,
    person: Person,
    page: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    found, total = await mission_queries.open_for(db, person, clock.now(), PAGE, page * PAGE)
    if not total:
        return t("mission.list_empty"), None
    taken = await mission_queries.places_taken(db, [m.id for m in found])
    parts = [t("mission.list_header", page=page + 1, pages=(total + PAGE - 1) // PAGE)]
    rows: list[list[InlineKeyboardButton]] = []
    for mission in found:
        parts.append(card_text(t, locale, mission, campaign.timezone, taken.get(mission.id, 0)))
        rows.append(
            [
                button(
                    t("mission.join_button", id=mission.id), JoinCb(m=mission.id, v=mission.version)
                )
            ]
        )
    nav = []
    if page > 0:
        nav.append(button(t("mission.previous_button"), PageCb(page=page - 1)))
    if (page + 1) * PAGE < total:
        nav.append(button(t("mission.next_button"), PageCb(page=page + 1)))
    if nav:
        rows.append(nav)
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("missions"), Joined())
async def list_missions(
    message: Message,
    t: Translate,
    locale: str,
    campaign: Campaign,
    person: Person,
    db: Database,
    clock: Clock,
) -> None:
    text, markup = await _page(t, locale, campaign, db, clock, person, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(PageCb.filter(), Joined())
async def turn_page(
    query: CallbackQuery,
    callback_data: PageCb,
    t: Translate,
    locale: str,
    campaign: Campaign,
    person: Person,
    db: Database,
    clock: Clock,
) -> None:
    page = max(0, min(callback_data.page, 1000))
    text, markup = await _page(t, locale, campaign, db, clock, person, page)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


@router.message(Command("mymissions"), Joined())
async def my_missions(
    message: Message,
    t: Translate,
    locale: str,
    campaign: Campaign,
    person: Person,
    db: Database,
    clock: Clock,
) -> None:
    rows = await mission_queries.mine(db, person.id, clock.now())
    if not rows:
        await message.answer(t("mission.mine_empty"))
        return
    for assignment, mission in rows:
        status = t(f"assign.status.{assignment.status}")
        text = t(
            "mission.mine_item",
            status=status,
            card=card_text(t, locale, mission, campaign.timezone),
        )
        buttons = [[button(t("mission.withdraw_button"), WithdrawCb(a=assignment.id))]]
        if assignment.status == AssignmentStatus.INVITED:
            buttons.insert(
                0,
                [
                    button(
                        t("assign.accept_button"),
                        AnswerCb(a=assignment.id, v=mission.version, yes=True),
                    ),
                    button(
                        t("assign.decline_button"),
                        AnswerCb(a=assignment.id, v=mission.version, yes=False),
                    ),
                ],
            )
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


@router.message(Command("missions", "mymissions"))
async def not_joined(message: Message, t: Translate) -> None:
    await message.answer(t("fallback.start_first"))
