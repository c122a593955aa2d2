"""Updates per second for a realistic mix, Terrain against a bare aiogram bot that only echoes,
both driven the same way through the sandbox in the same run, on SQLite. Each bot runs in a
process of its own, as in production, Terrain with `terrain run`; the sandbox (Telegram) and
the simulated people run in this one.

Each simulated volunteer signs up (notice, opt-ins, name, postal code, availability, phone
skipped), looks at /missions and /mystats, then files a door-knocking report by conversation
(counts typed, topics tapped, the rest skipped, sent); an organizer asks /report between them.
The echo bot gets the same number of updates from the same number of people (texts and button
taps), each waiting for its answer as a person does (bench/bare_bots.py).

    uv run python bench/updates_mix.py [--volunteers 40] [--rounds 3]

Prints, for each round, updates/s and the CPU per update of each bot's process, and the
ratio; then the rounds' median ratio (target: at least 0.5). No pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

from bare_bots import TOKEN, CpuClock, Measured, bot_process, echo_run
from sqlalchemy import select

from bot.app import Terrain
from bot.settings import Settings
from models.database import create_database, create_engine, upgrade
from models.missions import Assignment, Mission
from models.people import Person
from models.zones import Zone
from sandbox import Sandbox, User

ORGANIZER = 900_001


async def volunteer(user: User) -> None:
    await user.send("/start")
    await user.press("Coordonner")
    await user.press("Rejoindre")
    await user.expect("Quel nom")
    await user.send(user.first_name)
    await user.expect("code postal")
    await user.send("29200")
    await user.press("Samedis")
    await user.press("Terminé")
    await user.expect("numéro")
    await user.send("Passer")
    await user.expect("Bienvenue")
    await user.send("/missions")
    await user.expect("ission")
    await user.send("/mystats")
    await user.expect("chiffres")


async def report(user: User) -> None:
    await user.send("/debrief")
    for number, answer in enumerate(("40", "12", "6", "3", "2", "1", "0", "1"), 1):
        # The question's own number: the one before it is edited too (its keypad removed).
        await user.expect(f"· {number}/")
        await user.send(answer)
    await user.press("Logement")
    await user.press("Terminé")
    for _ in range(3):
        await user.press("Passer")
    await user.press("Envoyer")
    await user.expect("enregistré")


async def on_mission(db_url: str, users: list[User]) -> None:
    """A door-knocking mission that ended an hour ago, with every volunteer on it."""
    now = datetime.now(UTC)
    engine = create_engine(db_url)
    try:
        async with create_database(engine).begin() as session:
            zone = await session.scalar(select(Zone).where(Zone.code == "29019_0076"))
            if zone is None:
                zone = Zone(code="29019_0076", name="Brest bureau 76", kind="polling_station")
                session.add(zone)
                await session.flush()
            mission = Mission(
                kind="door_knocking", zone_id=zone.id, starts_at=now - timedelta(hours=3),
                ends_at=now - timedelta(hours=1), meeting_point="Place", capacity=500,
                briefing="", materials="", status="open", created_at=now, updated_at=now,
                version=1,
            )  # fmt: skip
            session.add(mission)
            await session.flush()
            for user in users:
                query = select(Person.id).where(Person.telegram_id == user.id)
                person = await session.scalar(query)
                session.add(
                    Assignment(
                        mission_id=mission.id,
                        person_id=person,
                        status="accepted",
                        invited_at=now,
                        responded_at=now,
                    )  # fmt: skip
                )
    finally:
        await engine.dispose()


def database() -> tuple[Path, str]:
    """A fresh folder, and the URL of a migrated SQLite database in it."""
    folder = Path(tempfile.mkdtemp(prefix="terrain-mix-"))
    url = f"sqlite+aiosqlite:///{folder / 'mix.db'}"
    upgrade(url)
    return folder, url


async def dashboard(organizer: User) -> None:
    """/report, and its charts once drawn."""
    charts = len(_photos(organizer))
    # The whole campaign: "today" would be empty after local midnight, with no chart to wait for.
    await organizer.send("/report campagne")
    await organizer.expect("Tableau de bord")
    await organizer.wait_for(lambda: len(_photos(organizer)) > charts, timeout=60)


def _photos(user: User) -> list[object]:
    return [m for m in user.sb.chat(user.id).visible() if m.from_bot and m.photo]


async def play(sb: Sandbox, db_url: str, volunteers: int, cpu: CpuClock) -> Measured:
    """The mix, once the bot polls; set-up not counted, in time nor in the bot's CPU."""
    organizer = sb.user("Camille", id=ORGANIZER, language_code="fr")
    await volunteer(organizer)
    # Warming up, as a bot that has served for a while is: the organizer's report and first
    # dashboard start the chart worker, whose import of matplotlib takes a second or two
    # once in the life of the bot's process.
    await on_mission(db_url, [organizer])
    await report(organizer)
    await dashboard(organizer)
    users = [sb.user(f"Bénévole{i}", language_code="fr") for i in range(volunteers)]
    first = sb.updates.next_id
    started = time.perf_counter()
    cpu.start()
    await asyncio.gather(*(volunteer(user) for user in users))
    cpu.stop()
    elapsed = time.perf_counter() - started
    await on_mission(db_url, users)  # set-up, not timed
    restart = time.perf_counter()
    cpu.start()

    async def dashboards() -> None:
        for _ in range(volunteers // 10 or 1):
            await dashboard(organizer)

    await asyncio.gather(dashboards(), *(report(user) for user in users))
    cpu.stop()
    elapsed += time.perf_counter() - restart
    return Measured(sb.updates.next_id - first, elapsed, cpu.total)


async def terrain(volunteers: int) -> Measured:
    """The mix with `terrain run` in a process of its own."""
    folder, db_url = await asyncio.to_thread(database)
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")},
            "TERRAIN_BOT_TOKEN": TOKEN,
            "TERRAIN_DATABASE_URL": db_url,
            "TERRAIN_TELEGRAM_API_URL": sb.base_url,
            "TERRAIN_ADMIN_IDS": str(ORGANIZER),
        }
        # Run where no .env is: the bot's settings are these alone.
        command = [sys.executable, "-m", "bot.cli", "run"]
        async with bot_process(sb, command, env=environment, cwd=folder) as pid:
            return await play(sb, db_url, volunteers, CpuClock(pid))


async def terrain_in_process(volunteers: int) -> Measured:
    """The mix with Terrain in this process (bench/mix_costs.py attributes its event loop's
    CPU); the bot's CPU is not told apart from the sandbox's here."""
    _, db_url = await asyncio.to_thread(database)
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_url=db_url,
            telegram_api_url=sb.base_url,
            admin_ids=[ORGANIZER],
        )
        app = Terrain(settings)
        task = asyncio.create_task(app.run(handle_signals=False))
        await sb.wait_until(lambda: sb.calls("getUpdates"), 10, lambda: "not polling")
        measured = await play(sb, db_url, volunteers, CpuClock(None))
        await app.stop()
        await task
    return measured


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=40)
    # The machine's speed drifts within a minute: rounds of one run each, side by side.
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    for round_ in range(1, args.rounds + 1):
        ours = await terrain(args.volunteers)
        echo = await echo_run(args.volunteers, ours.updates // args.volunteers)
        ratios.append(ours.rate / echo.rate)
        people = f"{args.volunteers} volunteers and an organizer"
        print(f"round {round_}: {ours.updates} updates from {people}")
        print(f"  bare aiogram echo : {echo.rate:8.1f} updates/s, {echo.cpu_per_update()}")
        print(f"  terrain           : {ours.rate:8.1f} updates/s, {ours.cpu_per_update()}")
        print(f"  ratio             : {ratios[-1]:8.2f}")
    print(f"ratio, median of {args.rounds}: {median(ratios):.2f} (target at least 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
