"""/export [campaign|week]: the caller's scope as an XLSX workbook and a ZIP of CSV files
(built in reports/exports.py). Organizers get the whole campaign, team leads their team;
every export is audit-logged with its scope and row counts, nothing personal."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message

from handlers.context import AtLeast, Campaign, Translate, rank_of
from handlers.refusals import refuse
from models.bookkeeping import audit
from models.clock import Clock
from models.database import Database
from models.people import Person, Role
from reports.dashboard import Period
from reports.exports import ExportScope, build_export
from reports.mystats import week_start

router = Router(name="export")
router.message.filter(F.chat.type == "private")

# The period words understood, in both languages (None: everything).
CAMPAIGN = ("", "campaign", "campagne", "all", "tout")
WEEK = ("week", "semaine")


def parse_period(text: str, now: datetime, timezone: str) -> tuple[str, Period | None] | None:
    """("campaign", None) or ("week", this week in the campaign's time zone); None when the
    words are not understood."""
    word = text.strip().lower()
    if word in CAMPAIGN:
        return "campaign", None
    if word in WEEK:
        start = week_start(now, timezone)
        return "week", Period(start, start + timedelta(days=7))
    return None


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
) -> None:
    now = clock.now()
    parsed = parse_period((command.args or "")[:64], now, campaign.timezone)
    if parsed is None:
        await message.answer(t("export.bad_period"))
        return
    name, period = parsed
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
        await message.answer_document(
            FSInputFile(files.xlsx),
            caption=t(f"export.caption_{name}", **counts),
        )
        await message.answer_document(FSInputFile(files.csv_zip), caption=t("export.csv_caption"))


router.message(Command("export"))(refuse(Role.TEAM_LEAD))
