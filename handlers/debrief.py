"""Field reports: /debrief (or the debrief nudge's button) starts one; with several missions
to report the bot asks which. A team lead may name the volunteers who worked with them, so
one report counts the group once. The last step is a summary to send or fix; a sent report
can be fixed for 24 hours (each fix a new version)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from babel.dates import format_datetime

from handlers import debrief_steps, recognition
from handlers.cards import ReportCb, button, local
from handlers.context import Campaign, Catalogs, Joined, Translate, rank_of
from handlers.debrief_keypad import EditCb, MemberCb, ReviewCb, fix_menu, members_keyboard, summary
from handlers.debrief_steps import Debrief, goto, show, to_review
from models import report_flows as flows
from models import report_ops
from models.clock import Clock
from models.database import Database
from models.missions import Mission
from models.notices import Compose
from models.people import Person, Role
from models.report_ops import Refusal, Submission

router = Router(name="debrief")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")
router.include_router(debrief_steps.router)


def _draft(mission: Mission, people: int = 1, members: list[int] | None = None) -> dict[str, Any]:
    return {
        "m": mission.id,
        "kind": mission.kind,
        "hours": report_ops.hours_of(mission),
        "people": people,
        "members": members or [],
        "answers": {},
        "base": 0,
        "i": 0,
    }


def _edit_markup(t: Translate, report_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button(t("report.edit_button"), EditCb(r=report_id))]]
    )


@router.message(Command("debrief"), Joined())
async def debrief(
    message: Message,
    t: Translate,
    locale: str,
    campaign: Campaign,
    person: Person,
    is_admin: bool,
    state: FSMContext,
    db: Database,
    clock: Clock,
) -> None:
    now = clock.now()
    missions = await report_ops.to_report(db, person.id, now)
    reports = await report_ops.editable(db, person.id, now)
    if not missions and not reports:
        await message.answer(t("report.nothing"))
        return
    if len(missions) == 1 and not reports:
        await _start(message, missions[0].id, t, campaign, person, is_admin, state, db, clock)
        return
    rows = []
    for mission in missions:
        day = format_datetime(
            local(mission.starts_at, campaign.timezone), "EEE d MMM", locale=locale
        )
        label = t("report.mission_button", id=mission.id, kind=t(f"mission.kind.{mission.kind}"))
        rows.append([button(f"{label} · {day}"[:60], ReportCb(m=mission.id))])
    for report in reports:
        rows.append(
            [button(t("report.fix_mission_button", id=report.mission_id), EditCb(r=report.id))]
        )
    await message.answer(
        t("report.choose"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


@router.message(Command("debrief"))
async def not_joined(message: Message, t: Translate) -> None:
    await message.answer(t("fallback.start_first"))


@router.callback_query(ReportCb.filter(), Joined())
async def start_pressed(
    query: CallbackQuery,
    callback_data: ReportCb,
    t: Translate,
    campaign: Campaign,
    person: Person,
    is_admin: bool,
    state: FSMContext,
    db: Database,
    clock: Clock,
) -> None:
    if isinstance(query.message, Message):
        m = callback_data.m
        await _start(query.message, m, t, campaign, person, is_admin, state, db, clock)
    await query.answer()


async def _start(
    message: Message,
    mission_id: int,
    t: Translate,
    campaign: Campaign,
    person: Person,
    is_admin: bool,
    state: FSMContext,
    db: Database,
    clock: Clock,
) -> None:
    """A new report: refused with the reason, or the first question (after a team lead
    names who worked with them)."""
    mission, refusal, report = await report_ops.check(db, mission_id, person.id, clock.now())
    if refusal is Refusal.ALREADY and report is not None:
        if await report_ops.for_edit(db, report.id, person.id, clock.now()):
            await message.answer(
                t("report.refused.already", id=mission_id), reply_markup=_edit_markup(t, report.id)
            )
        else:
            await message.answer(t("report.edit_closed"))
        return
    if refusal is not None or mission is None:
        await message.answer(t(f"report.refused.{refusal}", id=mission_id))
        return
    data = _draft(mission)
    if rank_of(person, is_admin) >= Role.TEAM_LEAD.rank:
        choices = await report_ops.teammates(db, mission.id, person.id)
        if choices:
            data["choices"] = [[person_id, name] for person_id, name in choices]
            await state.set_state(Debrief.members)
            await state.set_data(data)
            await message.answer(
                t("report.members"), reply_markup=members_keyboard(t, data["choices"], [])
            )
            return
    await show(
        message, await goto(state, data, 0, t, campaign.report_topics), edit=False, state=state
    )


@router.callback_query(Debrief.members, MemberCb.filter())
async def member(
    query: CallbackQuery,
    callback_data: MemberCb,
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
) -> None:
    data = await state.get_data()
    if not isinstance(query.message, Message):
        await query.answer()
        return
    known = {person_id for person_id, _ in data.get("choices", [])}
    if callback_data.p < 0:
        await state.clear()
        await query.message.edit_text(t("report.cancelled"), reply_markup=None)
        await query.answer()
        return
    if callback_data.p:
        if callback_data.p in known:
            chosen = list(data["members"])
            p = callback_data.p
            data["members"] = [x for x in chosen if x != p] if p in chosen else [*chosen, p]
            await state.set_data(data)
        markup = members_keyboard(t, data["choices"], data["members"])
        await query.message.edit_reply_markup(reply_markup=markup)
        await query.answer()
        return
    data["people"] = 1 + len(data["members"])
    data.pop("choices", None)
    await show(query.message, await goto(state, data, 0, t, campaign.report_topics), edit=True)
    await query.answer()


@router.callback_query(EditCb.filter(), Joined())
async def edit_pressed(
    query: CallbackQuery,
    callback_data: EditCb,
    t: Translate,
    campaign: Campaign,
    person: Person,
    state: FSMContext,
    db: Database,
    clock: Clock,
) -> None:
    found = await report_ops.for_edit(db, callback_data.r, person.id, clock.now())
    if not isinstance(query.message, Message):
        await query.answer()
        return
    if found is None:
        await query.message.answer(t("report.edit_closed"))
        await query.answer()
        return
    report, mission, members = found
    data = _draft(mission, report.people, members)
    data["answers"], data["base"] = report.answers(), report.version
    await show(
        query.message,
        await to_review(state, data, t, campaign.report_topics),
        edit=False,
        state=state,
    )
    await query.answer()


@router.callback_query(Debrief.review, ReviewCb.filter())
async def reviewed(
    query: CallbackQuery,
    callback_data: ReviewCb,
    state: FSMContext,
    t: Translate,
    campaign: Campaign,
    person: Person | None,
    db: Database,
    clock: Clock,
    compose: Compose,
    catalogs: Catalogs,
) -> None:
    data = await state.get_data()
    topics = campaign.report_topics
    message = query.message if isinstance(query.message, Message) else None
    action = callback_data.a
    if message is None or person is None:
        await query.answer()
        return
    if action == "send":
        congratulate = recognition.Congratulations(catalogs, campaign)
        await _send(query, message, data, state, t, person, db, clock, compose, congratulate)
        return
    if action == "cancel":
        await state.clear()
        await message.edit_text(t("report.cancelled"), reply_markup=None)
    elif action == "fix":
        await message.edit_text(t("report.fix_choose"), reply_markup=fix_menu(t, data))
    elif action == "f" and callback_data.v in flows.visible(data["kind"], data["answers"]):
        data["fixing"] = True
        await show(message, await goto(state, data, callback_data.v, t, topics), edit=True)
    elif action == "back":
        last = flows.last_step(data["kind"], data["answers"])
        await show(message, await goto(state, data, last, t, topics), edit=True)
    else:
        await show(message, summary(t, data, topics), edit=True)
    await query.answer()


async def _send(
    query: CallbackQuery,
    message: Message,
    data: dict[str, Any],
    state: FSMContext,
    t: Translate,
    person: Person,
    db: Database,
    clock: Clock,
    compose: Compose,
    congratulate: recognition.Congratulations,
) -> None:
    submission = Submission(
        mission_id=data["m"],
        author_id=person.id,
        answers=data["answers"],
        base_version=data["base"],
        members=list(data.get("members", [])),
    )
    report, changed = await report_ops.submit(db, submission, clock.now(), compose)
    if changed:  # before the reply: the author and members may have reached a badge
        people = [person.id, *submission.members]
        await recognition.recognize(db, congratulate, people, clock.now())
    await state.clear()
    if report is None:
        text = t("report.edit_closed")
        if not data["base"]:
            # Not recorded: say why (cancelled, or counted in a group report meanwhile).
            _, refusal, _ = await report_ops.check(db, data["m"], person.id, clock.now())
            text = t(f"report.refused.{refusal}", id=data["m"]) if refusal else text
        await message.edit_text(text, reply_markup=None)
        await query.answer()
        return
    if not changed:
        await query.answer(t("report.duplicate"))
        return
    key = "report.sent" if report.version == 1 else "report.edited"
    text = f"{message.html_text}\n\n<b>{t(key, version=report.version)}</b>"
    await message.edit_text(text, reply_markup=_edit_markup(t, report.id))
    await query.answer(t("report.sent_short"))


# Only outside any conversation: the steps' router (included above) runs after this one's.
@router.callback_query(ReviewCb.filter(), StateFilter(None))
@router.callback_query(F.data.startswith(("rk:", "rm:")), StateFilter(None))
async def outside(query: CallbackQuery, t: Translate) -> None:
    """A summary or keypad from a report already sent or cancelled (a double tap lands here)."""
    await query.answer(t("report.no_draft"))


@router.message(Debrief.review, ~F.text.startswith("/"))
@router.message(Debrief.members, ~F.text.startswith("/"))
async def use_buttons(message: Message, t: Translate) -> None:
    await message.answer(t("report.use_buttons"))
