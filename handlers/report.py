"""/report: the dashboard for a period and a scope, as text then charts.

    /report [period] [team NAME | zone CODE-OR-NAME [only] | mission ID]

Organizers see everything; a team lead sees their own team only (a zone or a mission is
narrowed to what their team did there); volunteers are refused like for any organizer
command. The period comes first (this week when left out), the scope after it."""

from __future__ import annotations

import re
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from babel.dates import format_date

from handlers.context import AtLeast, Campaign, Translate, esc, rank_of
from handlers.refusals import refuse
from models import mission_ops
from models.bookkeeping import audit
from models.clock import Clock
from models.database import Database
from models.people import Person, Role
from models.roles import team_by_name
from models.zones import find_zones
from reports.dashboard import Dashboard, Scope, build_dashboards
from reports.dashboard_text import dashboard_text
from reports.drawing import draw
from reports.periods import (
    LONGEST_DAYS,
    NamedPeriod,
    PeriodError,
    looks_like_period,
    parse_period,
    previous_period,
)

router = Router(name="report")
router.message.filter(F.chat.type == "private")

TEAM_WORDS = ("team", "équipe", "equipe")
ZONE_WORDS = ("zone",)
MISSION_WORDS = ("mission",)
ONLY_WORDS = ("only", "seule", "seul", "seulement", "uniquement")
MAX_ARGS = 200  # characters: longer is not a period and a scope
MAX_MISSION_DIGITS = 9


class Unclear(Exception):
    """An answer to give instead of a dashboard: a catalog key and its fields."""

    def __init__(self, key: str, usage: bool = False, **fields: object) -> None:
        super().__init__(key)
        self.key, self.usage, self.fields = key, usage, fields


def _words(args: str | None) -> list[str]:
    """The words typed, with "01/11 - 15/11" glued into one range."""
    text = re.sub(r"\s*(\.\.|[–—]|-(?=\s*\d))\s*", r"\1", (args or "").strip())
    return text.split()


async def _scope(db: Database, words: list[str], t: Translate) -> tuple[Scope, str]:
    """The scope the words name, and how the title says it (HTML-escaped)."""
    if not words:
        return Scope(), ""
    keyword, rest = words[0].casefold(), words[1:]
    if keyword in TEAM_WORDS and rest:
        name = " ".join(rest)
        team = await team_by_name(db, name)
        if team is None:
            raise Unclear("dash.unknown_team", name=esc(name))
        return Scope(team_id=team.id), t("dash.scope.team", name=esc(team.name))
    if keyword in ZONE_WORDS and rest:
        only = len(rest) > 1 and rest[-1].casefold() in ONLY_WORDS
        name = " ".join(rest[:-1] if only else rest)
        found = await find_zones(db, name, limit=1)
        if not found:
            raise Unclear("dash.unknown_zone", name=esc(name))
        label = t("dash.scope.zone_only" if only else "dash.scope.zone", name=esc(found[0].name))
        return Scope(zone_id=found[0].id, with_subzones=not only), label
    if keyword in MISSION_WORDS and len(rest) == 1 and rest[0].isascii() and rest[0].isdigit():
        try:
            if len(rest[0]) > MAX_MISSION_DIGITS:
                raise mission_ops.NotFound(0)
            await mission_ops.get(db, int(rest[0]))
        except mission_ops.NotFound:
            raise Unclear("dash.unknown_mission", id=esc(rest[0])) from None
        return Scope(mission_id=int(rest[0])), t("dash.scope.mission", id=int(rest[0]))
    raise Unclear("dash.bad_word", usage=True, word=esc(" ".join(words)))


async def _for_lead(db: Database, scope: Scope, lead: Person | None) -> Scope:
    """A team lead's scope: their team, and nothing of another team."""
    if lead is None or lead.team_id is None:
        raise Unclear("dash.no_team")
    if scope.team_id is not None and scope.team_id != lead.team_id:
        raise Unclear("dash.other_team")
    if scope.mission_id is not None:
        mission = await mission_ops.get(db, scope.mission_id)
        if mission.team_id not in (None, lead.team_id):
            raise Unclear("dash.other_team")
    return replace(scope, team_id=lead.team_id)


def _period_label(t: Translate, named: NamedPeriod, locale: str) -> str:
    if named.kind in ("today", "yesterday", "week", "campaign"):
        return t(f"dash.period.{named.kind}")

    def day(value: object) -> str:
        return format_date(value, format="medium", locale=locale)  # type: ignore[arg-type]

    return t(f"dash.period.{named.kind}", first=day(named.first), last=day(named.last))


async def _send_charts(message: Message, d: Dashboard, locale: str) -> None:
    """The charts that have something to draw (by the chart worker: reports/drawing.py). Sent
    one by one: an album would need sendMediaGroup, which adds nothing for two pictures."""
    for name in ("activity", "targets"):
        png = await draw(name, d, locale)
        if png:
            await message.answer_photo(BufferedInputFile(png, filename=f"{name}.png"))


@router.message(Command("report"), AtLeast(Role.TEAM_LEAD))
async def report(
    message: Message,
    command: CommandObject,
    t: Translate,
    locale: str,
    person: Person | None,
    db: Database,
    clock: Clock,
    campaign: Campaign,
    is_admin: bool = False,
) -> None:
    now = clock.now()
    try:
        if len(command.args or "") > MAX_ARGS:
            raise Unclear("dash.bad_word", usage=True, word=esc((command.args or "")[:20] + "…"))
        words = _words(command.args)
        period_word = words.pop(0) if words and looks_like_period(words[0]) else None
        try:
            named = parse_period(period_word, now, campaign.timezone)
        except PeriodError as error:
            raise Unclear(
                f"dash.{error.reason}",
                usage=True,
                text=esc(error.text),
                word=esc(error.text),
                days=LONGEST_DAYS,
            ) from None
        scope, scope_label = await _scope(db, words, t)
        if rank_of(person, is_admin) < Role.ORGANIZER.rank:
            scope = await _for_lead(db, scope, person)
            if not scope_label and person is not None and person.team is not None:
                scope_label = t("dash.scope.team", name=esc(person.team.name))
    except Unclear as unclear:
        text = t(unclear.key, **unclear.fields)
        await message.answer(f"{text}\n\n{t('dash.usage')}" if unclear.usage else text)
        return
    before = previous_period(named.period, campaign.timezone)
    d, previous = await build_dashboards(db, scope, named.period, before, campaign.timezone, now)
    title = t("dash.title", period=_period_label(t, named, locale), scope=scope_label)
    for part in dashboard_text(d, previous, t, locale, title):
        await message.answer(part)
    await _send_charts(message, d, locale)
    await audit(
        db, "dashboard.viewed", now, actor_id=person.id if person else None, period=named.kind
    )


router.message(Command("report"))(refuse(Role.TEAM_LEAD))
