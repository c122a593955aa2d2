"""Recognition: /badges (my rung on the ladder, my badges, what comes next), /leaderboard
(opted-in volunteers only, and the caller's own place told to them alone, with one tap to
appear or not), and the congratulation sent when a badge or a rung is reached.

`recognize` is called after the events that can change someone's standing: a field report
sent (its author and the members it names), a recruit joining (the referrer), a promotion.
It reads the figures (reports/recognition.py) and hands the codes reached to models/, which
records the new ones and queues one congratulation per person in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.numbers import format_decimal

from handlers.context import Campaign, Catalogs, Translate, esc
from models import recognition_ops, volunteers
from models.clock import Clock
from models.consent import NoticeProof
from models.database import Database
from models.people import Person, Purpose
from reports.leaderboard import LeaderboardRow, Place, leaderboard, place_of
from reports.mystats import week_start
from reports.recognition import (
    BADGES,
    REGULAR_MISSIONS,
    REGULAR_WEEKS,
    RUNGS,
    Badge,
    Standing,
    standing,
)

router = Router(name="recognition")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")
BOARD_SIZE = 10


class LeaderboardCb(CallbackData, prefix="lb"):
    join: bool  # appear on the leaderboard (True) or leave it


def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def _badge_what(t: Translate, badge: Badge, locale: str) -> str:
    return t(f"badge.{badge.code}.what", n=_number(badge.threshold, locale))


def _rung_what(t: Translate, rung: str) -> str:
    return t(f"ladder.{rung}.what", missions=REGULAR_MISSIONS, weeks=REGULAR_WEEKS)


class Congratulations:
    """The words of a congratulation, in the person's language (handed to models/)."""

    def __init__(self, catalogs: Catalogs, campaign: Campaign) -> None:
        self.catalogs = catalogs
        self.campaign = campaign

    def __call__(self, person: Person, codes: Sequence[str]) -> str:
        locale = person.locale or self.campaign.default_locale
        if locale not in self.catalogs.locales:
            locale = self.campaign.default_locale
        t = self.catalogs.translator(locale)
        by_code = {badge.code: badge for badge in BADGES}
        lines = [t("badge.congrats_title")]
        for code in codes:
            kind, _, name = code.partition(".")
            if kind == "rung" and name in RUNGS:
                lines.append(
                    t(
                        "badge.congrats_rung",
                        name=t(f"ladder.{name}.name"),
                        what=_rung_what(t, name),
                    )
                )
            elif kind == "badge" and name in by_code:
                badge = by_code[name]
                lines.append(
                    t(
                        "badge.congrats_badge",
                        name=t(f"badge.{name}.name"),
                        what=_badge_what(t, badge, locale),
                    )
                )
        lines.append(t("badge.congrats_more"))
        return "\n".join(lines)


async def recognize(
    db: Database, congratulate: Congratulations, person_ids: Iterable[int], now: datetime
) -> int:
    """Congratulate these people for whatever they have newly reached; returns messages queued."""
    timezone = congratulate.campaign.timezone
    reached = {
        person_id: (await standing(db, person_id, timezone)).codes
        for person_id in dict.fromkeys(person_ids)
    }
    return await recognition_ops.recognize(db, reached, now, congratulate)


def badges_text(t: Translate, locale: str, mine: Standing) -> str:
    figures = mine.figures
    parts = [t("badge.page_title")]
    ladder = [t("ladder.title")]
    for rung in RUNGS:
        key = "ladder.rung_on" if rung in mine.rungs else "ladder.rung_off"
        ladder.append(t(key, name=t(f"ladder.{rung}.name"), what=_rung_what(t, rung)))
    ladder.append(t("ladder.you_are", name=t(f"ladder.{mine.rung}.name")))
    if mine.next_rung is None:
        ladder.append(t("ladder.top"))
    else:
        how = t(
            f"ladder.{mine.next_rung}.how",
            missions=figures.missions,
            weeks=figures.weeks,
            need_missions=REGULAR_MISSIONS,
            need_weeks=REGULAR_WEEKS,
        )
        ladder.append(t("ladder.next", name=t(f"ladder.{mine.next_rung}.name"), how=how))
    parts.append("\n".join(ladder))
    got = [t("badge.title", count=len(mine.badges), total=len(BADGES))]
    got += [
        t("badge.line", name=t(f"badge.{b.code}.name"), what=_badge_what(t, b, locale))
        for b in mine.badges
    ] or [t("badge.none")]
    parts.append("\n".join(got))
    if mine.next_badges:
        upcoming = [t("badge.next_title")]
        upcoming += [
            t(
                "badge.progress",
                name=t(f"badge.{b.code}.name"),
                value=_number(value, locale),
                threshold=_number(b.threshold, locale),
            )
            for b, value in mine.next_badges
        ]
        parts.append("\n".join(upcoming))
    return "\n\n".join(parts)


@router.message(Command("badges"))
async def badges(
    message: Message,
    t: Translate,
    locale: str,
    person: Person | None,
    db: Database,
    campaign: Campaign,
) -> None:
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    mine = await standing(db, person.id, campaign.timezone)
    await message.answer(badges_text(t, locale, mine))


def leaderboard_notice(t: Translate) -> str:
    """What appearing on leaderboards means: shown where it is offered, hashed as the proof."""
    return t("leaderboard.notice")


def _board(t: Translate, locale: str, title: str, rows: list[LeaderboardRow]) -> str:
    lines = [t(title)]
    lines += [
        t(
            "leaderboard.row",
            rank=row.rank,
            name=esc(row.name),
            missions=_number(row.missions, locale),
            doors=_number(row.doors, locale),
            leaflets=_number(row.leaflets, locale),
        )
        for row in rows
    ] or [t("leaderboard.empty")]
    return "\n".join(lines)


def _place(t: Translate, locale: str, period: str, place: Place) -> str:
    if not (place.missions or place.doors or place.leaflets):
        return t("leaderboard.you_nothing", period=t(period))
    return t(
        "leaderboard.you_line",
        period=t(period),
        rank=place.rank,
        missions=_number(place.missions, locale),
        doors=_number(place.doors, locale),
        leaflets=_number(place.leaflets, locale),
    )


async def leaderboard_view(
    t: Translate, locale: str, person: Person, on_board: bool, db: Database, since: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    week = await leaderboard(db, None, since, BOARD_SIZE)
    total = await leaderboard(db, None, None, BOARD_SIZE)
    mine = [
        t("leaderboard.you_title" if on_board else "leaderboard.you_would"),
        _place(t, locale, "leaderboard.period_week", await place_of(db, person.id, None, since)),
        _place(t, locale, "leaderboard.period_all", await place_of(db, person.id, None, None)),
    ]
    parts = [
        t("leaderboard.title"),
        _board(t, locale, "leaderboard.this_week", week),
        _board(t, locale, "leaderboard.all_along", total),
        "\n".join(mine),
        leaderboard_notice(t),
    ]
    key = "leaderboard.leave_button" if on_board else "leaderboard.join_button"
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t(key), callback_data=LeaderboardCb(join=not on_board).pack()
                )
            ]
        ]
    )
    return "\n\n".join(parts), markup


@router.message(Command("leaderboard"))
async def show_leaderboard(
    message: Message,
    t: Translate,
    locale: str,
    person: Person | None,
    db: Database,
    clock: Clock,
    campaign: Campaign,
) -> None:
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    since = week_start(clock.now(), campaign.timezone)
    text, markup = await leaderboard_view(t, locale, person, person.on_leaderboard, db, since)
    await message.answer(text, reply_markup=markup)


@router.callback_query(LeaderboardCb.filter())
async def toggle_leaderboard(
    query: CallbackQuery,
    callback_data: LeaderboardCb,
    t: Translate,
    locale: str,
    person: Person | None,
    db: Database,
    clock: Clock,
    campaign: Campaign,
) -> None:
    if person is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    done = t("leaderboard.joined" if callback_data.join else "leaderboard.left")
    if callback_data.join == person.on_leaderboard:
        # A double tap (or an old message's button) finds the choice made: nothing more.
        await query.answer(done)
        return
    proof = NoticeProof.of(leaderboard_notice(t))
    await volunteers.set_consent(
        db, person.id, Purpose.LEADERBOARD, callback_data.join, proof, clock.now()
    )
    if isinstance(query.message, Message):
        since = week_start(clock.now(), campaign.timezone)
        text, markup = await leaderboard_view(t, locale, person, callback_data.join, db, since)
        await query.message.edit_text(text, reply_markup=markup)
    await query.answer(done)
