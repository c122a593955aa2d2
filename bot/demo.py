"""`terrain demo`: the real bot, the same way `terrain run` starts it, against the local
sandbox on a fresh SQLite file; a few simulated volunteers sign up, and we print what each saw."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.app import Terrain
from bot.demo_day import load_zones, play_day, play_evening
from bot.demo_play import ORGANIZER_ID, play_missions, play_reports, play_sign_ups
from bot.settings import Settings
from models import ConsentEvent, ConversationState, FieldReport, OutboxMessage, Person
from models.clock import ManualClock
from models.database import upgrade
from sandbox import Message, Sandbox

# Not a secret: the sandbox accepts any well-formed token, and this one exists only there.
DEMO_TOKEN = "123456789:DEMO-sandbox-token-not-a-real-one-xyz"  # noqa: S105


async def run_demo(db_path: str | None, out: TextIO) -> int:
    path = Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="terrain-demo-")) / "demo.db"
    folder = path.parent / "campaign-day"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)

    sandbox = Sandbox(token=DEMO_TOKEN, bot_username="terrain_demo_bot")
    await sandbox.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=DEMO_TOKEN,
        database_url=url,
        telegram_api_url=sandbox.base_url,
        admin_ids=[ORGANIZER_ID],
        campaign_name="Brest en commun (démo)",
        controller_name="Association Brest en commun",
        controller_contact="dpo@brest-en-commun.example",
    )
    # The demo's clock only moves when told: days pass in an instant for the reminders.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    terrain = Terrain(settings, clock)
    task = asyncio.create_task(terrain.run(handle_signals=False))
    try:
        await sandbox.wait_until(
            lambda: sandbox.calls("getUpdates"), 10, lambda: "the bot did not start polling"
        )
        people = await play_sign_ups(sandbox)
        actors = [user for _, user in people[:3]]
        await play_missions(sandbox, terrain, clock, path.parent, actors)
        await play_reports(sandbox, terrain, clock, actors)
        zones = await load_zones(terrain, path.parent)
        day = await play_day(sandbox, terrain, clock, actors[0], actors[1:])
        await play_evening(sandbox, terrain, clock, actors[0], day, folder)
        held = await _what_is_held(terrain)
    finally:
        await terrain.stop()
        await task
        await sandbox.stop()
    for title, user in people:
        out.write(f"\n=== {title} ===\n")
        for message in user.transcript:
            out.write(_render(message) + "\n")
    for team, users in day.members.items():
        seen = "\n".join(_render(m) for m in users[1].transcript[-4:])
        out.write(f"\n=== Team {team}: {users[1].first_name}'s evening report ===\n{seen}\n")
    out.write(f"\n=== The campaign day: {zones} ===\n")
    out.write("\n=== The organizer asks /report today ===\n")
    out.write("\n".join(day.dashboard) + "\n")
    if day.group is not None:
        out.write(f"\n=== The group « {day.group.title} » (linked with /link) ===\n")
        for message in sandbox.transcript(day.group):
            out.write(_render(message) + "\n")
    out.write(f"\n=== Charts and exports, written to {folder} ===\n")
    for file in day.files:
        out.write(f"{file.name}: {file.stat().st_size} bytes\n")
    out.write("\n=== What the database holds ===\n" + held + "\n")
    out.write(f"\nDatabase: {path}\n")
    return 0


async def _what_is_held(terrain: Terrain) -> str:
    async with terrain.db() as session:
        statuses = dict(
            (await session.execute(select(Person.status, func.count()).group_by(Person.status)))
            .tuples()
            .all()
        )
        consents = await session.scalar(select(func.count()).select_from(ConsentEvent))
        pending = await session.scalar(select(func.count()).select_from(ConversationState))
        reports = await session.scalar(select(func.count()).select_from(FieldReport))
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        )
    return (
        f"people: {sum(statuses.values())} "
        f"({', '.join(f'{n} {status}' for status, n in sorted(statuses.items()))}); "
        f"consent events: {consents}; conversations in progress: {pending} "
        "(Léa, who refused, left nothing; Yann's row is anonymous); "
        f"messages sent through the outbox (cards, calendar files, reminders): {sent}; "
        f"field reports (counts only, no voter's details): {reports}"
    )


def _render(message: Message) -> str:
    who = "bot" if message.from_bot else "you"
    text = message.text
    if message.contact:
        text = "[shares contact]"
    if message.document:
        text = f"[file {message.document.file_name}, {len(message.document.data)} bytes] {text}"
    lines = [f"{who}{' (edited)' if message.edited else ''}: " + text.replace("\n", "\n     ")]
    for row in message.buttons:
        lines.append("     " + "  ".join(f"[{button}]" for button in row))
    for row in message.reply_keyboard or []:
        lines.append("     " + "  ".join(f"({button})" for button in row))
    return "\n".join(lines)
