"""/export [period]: the caller's scope as an XLSX workbook and a ZIP of CSV files
(built in reports/exports.py). Organizers get the whole campaign, team leads their team;
every export is audit-logged with its scope and row counts, nothing personal."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from babel.dates import format_date

from handlers.context import AtLeast, Campaign, Translate, esc, rank_of
from handlers.refusals import refuse
from models.bookkeeping import audit
from models.clock import Clock
from models.database import Database
from models.people import Person, Role
from reports.exports import ExportScope, build_export
from reports.periods import LONGEST_DAYS, NamedPeriod, PeriodError, parse_period

router = Router(name="export")
router.message.filter(F.chat.type == "private")

MAX_ARGS = 64  # characters: longer is no period


def period_label(t: Translate, named: NamedPeriod, locale: str) -> str:
    """How the caption names the period ("cette semaine", "du 1 nov. au 15 nov.")."""
    if named.first is None or named.kind in ("today", "yesterday", "week"):
        return t(f"dash.period.{named.kind}")
    first = format_date(named.first, format="medium", locale=locale)
    last = format_date(named.last, format="medium", locale=locale)
    return t(f"dash.period.{named.kind}", first=first, last=last)


@router.message(Command("export"), AtLeast(Role.TEAM_LEAD))
async def export(
    message: Message,
    command: CommandObject,
    t: Translate,
    person: Person | None,
    is_admin: bool,
    db: Database,
    clock: Clock,
    campaign: Campaign,
    locale: str,
) -> None:
    now = clock.now()
    args = (command.args or "").strip()
    if len(args) > MAX_ARGS:
        await message.answer(t("export.bad_period"))
        return
    try:
        # Nothing typed: the whole campaign, planned missions included.
        named = parse_period(args or "campaign", now, campaign.timezone)
    except PeriodError as error:
        problem = t(
            f"dash.{error.reason}", text=esc(error.text), word=esc(error.text), days=LONGEST_DAYS
        )
        await message.answer(f"{problem}\n{t('export.usage')}")
        return
    name = named.kind
    period = None if name == "campaign" else named.period
    organizer = rank_of(person, is_admin) >= Role.ORGANIZER.rank
    team_id = None if organizer or person is None else person.team_id
    if not organizer and team_id is None:
        await message.answer(t("export.lead_without_team"))
        return
    scope = ExportScope(team_id=team_id, organizer=organizer)
    stamp = now.strftime("%Y-%m-%d")
    with tempfile.TemporaryDirectory(prefix="terrain-export-") as directory:
        files = await build_export(
            db, scope, period, campaign.timezone, Path(directory), f"terrain-{name}-{stamp}"
        )
        await audit(
            db,
            "export",
            now,
            actor_id=person.id if person else None,
            scope="campaign" if organizer else "team",
            team_id=scope.team_id,
            period=name,
            contacts=organizer,
            rows=files.rows,
        )
        if files.too_big:
            await message.answer(t("export.too_big"))
            return
        counts = {key.lower(): value for key, value in files.rows.items()}
        if name in ("campaign", "week"):
            caption = t(f"export.caption_{name}", **counts)
        else:
            caption = t("export.caption", period=period_label(t, named, locale), **counts)
        await message.answer_document(FSInputFile(files.xlsx), caption=caption)
        await message.answer_document(FSInputFile(files.csv_zip), caption=t("export.csv_caption"))


router.message(Command("export"))(refuse(Role.TEAM_LEAD))
