"""What Terrain's durability costs per update: the same /help traffic answered by a bare
aiogram dispatcher (memory state, no middlewares) and by Terrain (once-only update ids in the
database, the acting person loaded fresh, state in the database), both against the sandbox.

Two kinds of traffic: people who each wait for the answer before sending again, as people do
(each getUpdates batch then holds one update per person, all read ahead together: see
bot/read_ahead.py), and a burst where everyone sends all their messages at once (a person's
later updates in a batch are read one by one, and a chat's updates are handled in order).

    uv run python bench/update_overhead.py [--users 40] [--messages 10]

Prints updates per second for each and the ratios; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import Message

from bot.app import Terrain
from bot.settings import Settings
from models.database import upgrade
from sandbox import Sandbox, User

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


async def drive(sb: Sandbox, users: int, messages: int) -> tuple[float, float]:
    """Updates per second: people waiting for each answer, then a burst."""
    people = [sb.user(f"User{i}", language_code="fr") for i in range(users)]

    async def talk(person: User) -> None:
        for n in range(messages):
            await person.send("/help")
            await sb.wait_until(
                lambda n=n: len(person.texts()) > n, 60, lambda: "no answer", person.id
            )

    started = time.perf_counter()
    await asyncio.gather(*(talk(person) for person in people))
    waiting = users * messages / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(messages):
        await asyncio.gather(*(person.send("/help") for person in people))
    await sb.wait_until(
        lambda: all(len(p.texts()) >= 2 * messages for p in people),
        120,
        lambda: "replies missing",
    )
    return waiting, users * messages / (time.perf_counter() - started)


async def polling(sb: Sandbox) -> None:
    await sb.wait_until(lambda: sb.calls("getUpdates"), 10, lambda: "not polling")


async def bare(users: int, messages: int) -> tuple[float, float]:
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url)))
        dp = Dispatcher()

        @dp.message(Command("help"))
        async def help_(message: Message) -> None:
            await message.answer("help")

        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await polling(sb)
        rate = await drive(sb, users, messages)
        await dp.stop_polling()
        await task
        return rate


async def terrain(users: int, messages: int) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(prefix="terrain-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_url=url,
            telegram_api_url=sb.base_url,
        )
        app = Terrain(settings)
        task = asyncio.create_task(app.run(handle_signals=False))
        await polling(sb)
        rate = await drive(sb, users, messages)
        await app.stop()
        await task
        return rate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    base = await bare(args.users, args.messages)
    ours = await terrain(args.users, args.messages)
    for at, traffic in enumerate(("people waiting for answers", "a burst")):
        print(f"{traffic}, {args.users} people x {args.messages} /help:")
        print(f"  bare aiogram : {base[at]:8.1f} updates/s")
        print(f"  terrain      : {ours[at]:8.1f} updates/s")
        print(f"  ratio        : {ours[at] / base[at]:8.2f} (terrain / bare; target at least 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
