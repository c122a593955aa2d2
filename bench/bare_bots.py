"""The bare aiogram bots Terrain is measured against, each run in a process of its own that
imports only aiogram and the sandbox, as such a bot would run: in Terrain's process its
garbage collector would also walk Terrain's ~300,000 loaded objects (bot/app.py
`freeze_startup_heap`), which slows it or, once Terrain has frozen them, not.

    python bench/bare_bots.py echo VOLUNTEERS PER_PERSON   (the mix's echo bot: rate, CPU)
    python bench/bare_bots.py help USERS MESSAGES          (the /help bot)

Prints the rates as JSON; bench/updates_mix.py and bench/update_overhead.py call it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import Sandbox, User

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


def measure(kind: str, first: int, second: int) -> Any:
    """Run a bare bot in a child process: its rates."""
    done = subprocess.run(
        [sys.executable, __file__, kind, str(first), str(second)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


async def polling(sb: Sandbox) -> None:
    await sb.wait_until(lambda: sb.calls("getUpdates"), 10, lambda: "not polling")


async def drive(sb: Sandbox, users: int, messages: int) -> tuple[float, float]:
    """/help updates per second: people waiting for each answer, then a burst."""
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


def _bot(sb: Sandbox) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url)))


async def help_bot(users: int, messages: int) -> tuple[float, float]:
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        bot, dp = _bot(sb), Dispatcher()

        @dp.message(Command("help"))
        async def help_(message: Message) -> None:
            await message.answer("help")

        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await polling(sb)
        rates = await drive(sb, users, messages)
        await dp.stop_polling()
        await task
        return rates


async def echo_bot(volunteers: int, per_person: int) -> dict[str, float]:
    """The same number of updates from the same number of people as the mix, texts and taps,
    each waiting for its answer as a person does: updates per second, and the event loop's
    CPU per update (the bot, the sandbox and the people, all in this process)."""
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        bot, dp = _bot(sb), Dispatcher()
        tap = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="tap", callback_data="tap")]]
        )

        @dp.message(F.text)
        async def answer(message: Message) -> None:
            await message.answer(message.text or "", reply_markup=tap)

        @dp.callback_query()
        async def tapped(query: CallbackQuery) -> None:
            await query.answer("ok")

        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await polling(sb)
        users = [sb.user(f"U{i}", language_code="fr") for i in range(volunteers)]

        async def talk(user: User) -> None:
            # Terrain's mix is about one tap in three updates.
            for n in range(per_person):
                if n % 3 == 2:
                    await user.press("tap")
                else:
                    await user.send(f"message {n}")
                    await user.expect(f"message {n}")

        started, cpu = time.perf_counter(), time.thread_time()
        await asyncio.gather(*(talk(user) for user in users))
        updates = volunteers * per_person
        rate = updates / (time.perf_counter() - started)
        cpu_ms = (time.thread_time() - cpu) * 1000 / updates
        await dp.stop_polling()
        await task
        return {"rate": rate, "cpu_ms": cpu_ms}


if __name__ == "__main__":
    kind, first, second = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bots = {"echo": echo_bot, "help": help_bot}
    print(json.dumps(asyncio.run(bots[kind](first, second))))
