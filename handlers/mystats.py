"""/mystats: a volunteer's own figures, this week and all along (read side in reports/)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from handlers.context import Campaign, Translate
from models.clock import Clock
from models.database import Database
from models.people import Person
from reports.mystats import SHOWN, Stats, stats_for, week_start

router = Router(name="mystats")
router.message.filter(F.chat.type == "private")


def _period(t: Translate, title: str, stats: Stats) -> str:
    lines = [f"<b>{t(title)}</b>"]
    lines.append(t("stats.missions", done=stats.done, accepted=stats.accepted))
    for name in SHOWN:
        mine, team = getattr(stats.own, name), getattr(stats.with_team, name)
        if team:
            lines.append(t("stats.line_team", label=t(f"stats.{name}"), mine=mine, team=team))
        elif mine:
            lines.append(t("stats.line", label=t(f"stats.{name}"), mine=mine))
    if not (stats.own.any() or stats.with_team.any()):
        lines.append(t("stats.no_reports"))
    lines.append(t("stats.recruits", recruits=stats.recruits))
    return "\n".join(lines)


@router.message(Command("mystats"))
async def mystats(
    message: Message,
    t: Translate,
    person: Person | None,
    db: Database,
    clock: Clock,
    campaign: Campaign,
) -> None:
    if person is None:
        await message.answer(t("rights.nothing_held"))
        return
    week = await stats_for(db, person.id, week_start(clock.now(), campaign.timezone))
    total = await stats_for(db, person.id)
    parts = [
        t("stats.title"),
        _period(t, "stats.this_week", week),
        _period(t, "stats.all_along", total),
    ]
    if total.with_team.any():
        parts.append(t("stats.team_note"))
    parts.append(t("stats.badges_hint"))
    await message.answer("\n\n".join(parts))
